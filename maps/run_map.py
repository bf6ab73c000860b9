"""Interactive HTML map of one run: flood and congestion on a time slider, zones, shelters.

The map is a folium (Leaflet) page. The time-varying layers are folium ``Timeline`` layers
(Leaflet.timeline) that share one ``TimelineSlider``. The slider shows the scenario's local
wall-clock time (``meta["start"]`` plus simulation seconds, in ``meta["timezone"]``) and
the time relative to the first evacuation order. All scenario text (zone ids, shelter
names, attributions) is HTML-escaped and goes in as JSON data, never as raw markup.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import folium
import numpy as np
import pandas as pd
import shapely
from folium.plugins import Timeline, TimelineSlider
from folium.utilities import JsCode
from shapely.geometry import mapping

from musterpoint.display.html import CJK_FONT_STACK, esc
from musterpoint.display.labels import pick_labels
from musterpoint.display.timefmt import as_seconds, epoch_ms, format_clock, format_hmm
from musterpoint.maps.health_layers import add_health_layers
from musterpoint.maps.offline import write_offline_page
from musterpoint.maps.relief_layers import add_relief_layers
from musterpoint.maps.run_map_text import TEXT
from musterpoint.maps.timeline_span import timeline_end_s
from musterpoint.sim.result import RunResult

__all__ = ["CONGESTION_COLOURS", "INTERVAL_S", "MAX_LINK_STATE_ROWS", "write_run_map"]

logger = logging.getLogger(__name__)

#: Above this many ``link_states`` rows, only links at least 30 % full or closed are drawn.
MAX_LINK_STATE_ROWS = 30_000
#: Length of one ``link_states`` interval, in seconds.
INTERVAL_S = 300.0
#: Colour of each congestion class: free (< 0.3), busy (< 0.7), jammed (>= 0.7), closed.
CONGESTION_COLOURS = ("#2e7d32", "#ef6c00", "#c62828", "#000000")
_FLOOD_COLOUR = "#1e88e5"
_SHARE_BINS = ((0.25, "#b71c1c"), (0.5, "#e65100"), (0.75, "#f9a825"), (1.0, "#9ccc65"))
_SHARE_DONE = "#2e7d32"
_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_OSM_CREDIT = "© OpenStreetMap contributors"
#: Shelter marker: a dark blue pin with a white house, drawn in SVG (no icon font needed).
_SHELTER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="28" height="40" viewBox="0 0 28 40"'
    ' style="filter:drop-shadow(1px 2px 1px rgba(0,0,0,.4))"><path fill="#0b3d91"'
    ' stroke="#fff" stroke-width="1.5" d="M14 1C6.8 1 1 6.7 1 13.8 1 23.5 14 39 14 39s13-15.5'
    ' 13-25.2C27 6.7 21.2 1 14 1z"/><path fill="#fff" d="M14 6.5l-7.5 6.6h2.2v7.4h3.8v-4.6h3v4.6'
    'h3.8v-7.4h2.2z"/></svg>'
)
_Feature = dict[str, Any]



#: Map layers of run extensions: each adds its layers and returns its timelines.
LAYER_WRITERS = [add_health_layers, add_relief_layers]


def _labels(meta: dict[str, Any]) -> dict[str, str]:
    return pick_labels(TEXT, meta.get("language"))



def _js(value: str) -> str:
    """A JSON string literal that is safe inside an inline ``<script>``."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


def _key(value: Any) -> str:
    """Normalise a link id so that ``1``, ``1.0`` and ``"1"`` match."""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


def _count(value: Any) -> str:
    number = as_seconds(value)
    return "—" if number is None else f"{round(number):,}"


def _popup(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _round_coords(obj: Any) -> Any:
    """Round nested coordinates to 5 decimals (about 1 m) to keep the page small."""
    if isinstance(obj, list | tuple):
        if obj and all(isinstance(v, int | float) for v in obj):
            return [round(float(v), 5) for v in obj]
        return [_round_coords(v) for v in obj]
    return obj


def _wkt_geometries(wkt: Iterable[Any]) -> list[_Feature | None]:
    """GeoJSON geometries for WKT strings; None where the text is missing or invalid."""
    out: list[_Feature | None] = []
    for text in wkt:
        geom = None
        if isinstance(text, str) and text.strip():
            try:
                geom = shapely.from_wkt(text)
            except shapely.errors.ShapelyError:
                logger.warning("Skipping invalid WKT %.60r", text)
        if geom is None or geom.is_empty:
            out.append(None)
        else:
            gj = dict(mapping(geom))
            out.append({"type": gj["type"], "coordinates": _round_coords(gj["coordinates"])})
    return out


def _hazard_features(
    frames: pd.DataFrame, clock: Callable[[float], int], end_s: float
) -> list[_Feature]:
    """One timed feature per flooded polygon, shown until the next hazard frame.

    The last frame lasts to ``end_s`` (the slider's last step) and includes it: the slider
    shows a feature while ``start <= time <= end``.
    """
    frames = frames.sort_values("time_s")
    times = [float(t) for t in frames["time_s"]]
    features: list[_Feature] = []
    for i, (text, level) in enumerate(zip(frames["geojson"], frames["level_m"], strict=True)):
        last = i + 1 == len(times)
        until = max(end_s, times[i] + INTERVAL_S) if last else times[i + 1]
        try:
            obj = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            logger.warning("Skipping hazard frame at %s s: invalid GeoJSON", times[i])
            continue
        if not isinstance(obj, dict):
            continue
        if obj.get("type") == "FeatureCollection":
            geoms = [f.get("geometry") for f in obj.get("features", [])]
        else:
            geoms = [obj.get("geometry") if obj.get("type") == "Feature" else obj]
        lvl = as_seconds(level)
        props = {"start": clock(times[i]), "end": clock(until) - (0 if last else 1), "level": lvl}
        props["level"] = None if lvl is None else round(lvl, 2)
        for geom in geoms:
            if isinstance(geom, dict) and "coordinates" in geom:
                shape = {"type": geom["type"], "coordinates": _round_coords(geom["coordinates"])}
                features.append({"type": "Feature", "geometry": shape, "properties": props})
    return features


def _link_features(
    states: pd.DataFrame, geoms: dict[str, _Feature], clock: Callable[[float], int],
    end_s: float,
) -> list[_Feature]:
    """Timed lines classed by occupancy (``c``: 0-2 by occupancy, 3 closed).

    Consecutive intervals of one link in the same class become one feature (``o`` is the
    peak occupancy), so a link closed for hours costs one feature instead of one per row.
    A state ends 1 ms before the next interval, except one lasting to ``end_s`` (the slider's
    last step), which includes it.
    """
    occ = pd.to_numeric(states["occupancy"], errors="coerce").fillna(0.0)
    closed = states["closed"].fillna(False).astype(bool)
    code = pd.cut(occ, [-np.inf, 0.3, 0.7, np.inf], right=False, labels=False).astype(int)
    df = pd.DataFrame(
        {
            "key": states["link_id"].map(_key),
            "start": pd.to_numeric(states["interval_start_s"], errors="coerce"),
            "code": code.where(~closed, 3),
            "occ": occ,
        }
    ).dropna(subset=["start"])
    df = df[df["key"].isin(geoms.keys())].sort_values(["key", "start"], kind="stable")
    prev = df.shift()
    new_run = (
        (df["key"] != prev["key"])
        | (df["code"] != prev["code"])
        | ((df["start"] - prev["start"] - INTERVAL_S).abs() > 1e-6)
    )
    runs = df.groupby(new_run.cumsum()).agg(
        key=("key", "first"),
        start=("start", "min"),
        end=("start", "max"),
        code=("code", "first"),
        occ=("occ", "max"),
    )
    features: list[_Feature] = []
    for key, first, last, c, o in runs.itertuples(index=False):
        stop = float(last) + INTERVAL_S
        props = {
            "start": clock(float(first)),
            "end": clock(stop) - (0 if stop >= end_s else 1),
            "c": int(c),
            "o": round(float(o), 2),
            "l": key,
        }
        features.append({"type": "Feature", "geometry": geoms[key], "properties": props})
    return features


def _share_colour(share: float | None) -> str:
    if share is None:
        return "#9e9e9e"
    if share >= 1.0 - 1e-9:
        return _SHARE_DONE
    return next(colour for bound, colour in _SHARE_BINS if share < bound or bound == 1.0)


def _zone_features(result: RunResult, lab: dict[str, str]) -> list[_Feature]:
    """Zone polygons coloured by share evacuated, with an escaped popup and tooltip."""
    zones = result.tables["zones"]
    by_zone = (result.kpis.get("evacuation") or {}).get("by_zone") or {}
    start, tz = result.meta.get("start"), result.meta.get("timezone")
    wkt = zones["wkt"] if "wkt" in zones else [None] * len(zones)
    features: list[_Feature] = []
    for row, geom in zip(zones.to_dict("records"), _wkt_geometries(wkt), strict=True):
        zone_id = str(row.get("zone", ""))
        kz = by_zone.get(zone_id) or {}
        evac = as_seconds(kz.get("evacuees", row.get("evacuees")))
        arrived = as_seconds(kz.get("arrived"))
        share = arrived / evac if evac and arrived is not None else None
        if geom is None:
            lon, lat = as_seconds(row.get("lon")), as_seconds(row.get("lat"))
            if lon is None or lat is None:
                continue
            geom = {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
        order_s = as_seconds(kz.get("order_s", row.get("order_s")))
        order = "—"
        if order_s is not None:
            order = f"{format_hmm(order_s)} ({format_clock(start, tz, order_s)})"
        pct = "" if share is None else f" ({share:.0%})"
        rows: list[tuple[str, Any]] = [
            (lab["zone"], zone_id),
            (lab["population"], _count(row.get("population"))),
            (lab["evacuees"], _count(evac)),
            (lab["arrived"], _count(arrived) + pct),
            (lab["order"], order),
        ]
        for pctl in ("50", "90", "100"):
            rows.append((f"ETE{pctl}", format_hmm(kz.get(f"ete{pctl}_s"), lab["not_reached"])))
        style = {"color": "#424242", "weight": 1.5, "fillOpacity": 0.45}
        style["fillColor"] = _share_colour(share)
        tooltip = esc(f"{lab['zone']} {zone_id}{pct}")
        props = {"popup": _popup(rows), "tooltip": tooltip, "style": style}
        features.append({"type": "Feature", "geometry": geom, "properties": props})
    return features


def _shelter_features(result: RunResult, lab: dict[str, str]) -> list[_Feature]:
    """Shelter points with an escaped popup (name, capacity, occupancy at end)."""
    features: list[_Feature] = []
    for row in result.tables["shelters"].to_dict("records"):
        lon, lat = as_seconds(row.get("lon")), as_seconds(row.get("lat"))
        if lon is None or lat is None:
            continue
        name = str(row.get("name") or row.get("shelter", ""))
        cap, occ = as_seconds(row.get("capacity")), as_seconds(row.get("occupancy_end"))
        full = f" ({occ / cap:.0%} {lab['full']})" if cap and occ is not None else ""
        rows: list[tuple[str, Any]] = [
            (lab["name"], name),
            ("ID", row.get("shelter", "")),
            (lab["capacity"], _count(cap)),
            (lab["occupancy_end"], _count(occ) + full),
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"popup": _popup(rows), "tooltip": esc(name)},
            }
        )
    return features


_BIND = JsCode(
    "function(feature, layer) {"
    " if (feature.properties.popup) { layer.bindPopup(feature.properties.popup); }"
    " if (feature.properties.tooltip) { layer.bindTooltip(feature.properties.tooltip); } }"
)
_LINK_STYLE = JsCode(
    "function(f) { var c = f.properties.c;"
    f" return {{color: {json.dumps(list(CONGESTION_COLOURS))}[c], weight: c === 3 ? 5 : 4,"
    " opacity: 0.85}; }"
)
_FLOOD_STYLE = JsCode(
    f"function(f) {{ return {{color: '{_FLOOD_COLOUR}', weight: 1, fillColor: '{_FLOOD_COLOUR}',"
    " fillOpacity: 0.35}; }"
)


def _tooltips(lab: dict[str, str]) -> tuple[JsCode, JsCode]:
    """Link and flood tooltip binders, built in JS from numbers and fixed labels."""
    link, closed, peak, level = (_js(lab[k]) for k in ("link", "closed", "peak", "flood_level"))
    link_js = JsCode(
        "function(f, layer) { var p = f.properties;"
        f" layer.bindTooltip({link} + ' ' + p.l + ': ' + (p.c === 3 ? {closed} :"
        f" {peak} + ' ' + Math.round(p.o * 100) + '%')); }}"
    )
    flood_js = JsCode(
        "function(f, layer) { if (f.properties.level !== null) {"
        f" layer.bindTooltip({level} + ' ' + f.properties.level.toFixed(2) + ' m'); }} }}"
    )
    return link_js, flood_js


def _slider_format(meta: dict[str, Any], lab: dict[str, str]) -> JsCode:
    """JS formatter: wall clock in the scenario zone, then ``±h:mm`` from the first order."""
    tz = _js(str(meta.get("timezone") or "UTC"))
    first_order = as_seconds(meta.get("first_order_s")) or 0.0
    zero = epoch_ms(meta.get("start"), meta.get("timezone"), first_order)
    return JsCode(
        "function(ms) { var d = new Date(ms), s;"
        f" try {{ s = new Intl.DateTimeFormat('sv-SE', {{timeZone: {tz}, year: 'numeric',"
        " month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',"
        f" hour12: false}}).format(d) + ' ' + {tz}; }}"
        " catch (e) { s = d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'; }"
        f" var m = Math.round((ms - {zero}) / 60000), sign = m < 0 ? '-' : '+'; m = Math.abs(m);"
        f" return s + ' (' + {_js(lab['order_ref'])} + ' ' + sign + Math.floor(m / 60) + ':'"
        " + ('0' + (m % 60)).slice(-2) + ')'; }"
    )


def _legend(meta: dict[str, Any], lab: dict[str, str]) -> str:
    """Fixed HTML legend: congestion and zone colours and every data credit."""
    swatch = '<span style="display:inline-block;width:14px;height:10px;background:{}"></span> {}'
    keys = ("free", "busy", "jammed", "closed")
    congestion = [
        swatch.format(c, esc(lab[k])) for c, k in zip(CONGESTION_COLOURS, keys, strict=True)
    ]
    bins = ("<25%", "25–50%", "50–75%", "75–99%", "100%")
    colours = [c for _, c in _SHARE_BINS] + [_SHARE_DONE]
    share = [swatch.format(c, esc(s)) for c, s in zip(colours, bins, strict=True)]
    credits = [_OSM_CREDIT, *(str(a) for a in meta.get("attribution") or [])]
    return (
        '<div id="musterpoint-legend" style="position:fixed;top:90px;left:10px;z-index:1000;'
        "background:rgba(255,255,255,.9);padding:6px 8px;border-radius:4px;font:12px/1.4 "
        f"{CJK_FONT_STACK};max-width:260px\">"
        f"<b>{esc(lab['congestion'])}</b><br>{'<br>'.join(congestion)}<br>"
        f"<b>{esc(lab['share'])}</b><br>{'<br>'.join(share)}<br>"
        f"<b>{esc(lab['data'])}</b><br>{'<br>'.join(esc(c) for c in credits)}</div>"
        "<style>.leaflet-control-container .leaflet-timeline-controls"
        "{margin-bottom:26px !important}"
        f".leaflet-container{{font-family:{CJK_FONT_STACK}}}</style>"  # layer names, slider
    )


def _shelter_icon() -> folium.DivIcon:
    icon = folium.DivIcon(_SHELTER_SVG, (28, 40), (14, 39), (0, -34), "musterpoint-shelter")
    cast(dict[str, Any], icon.options)["tooltip_anchor"] = (10, -24)
    return icon


def _timeline(features: list[_Feature], name: str, style: JsCode, each: JsCode) -> Timeline:
    collection = {"type": "FeatureCollection", "features": features}
    timeline = Timeline(collection, style=style, on_each_feature=each)
    timeline.layer_name = name
    return timeline


def write_run_map(result: RunResult, path: Path) -> Path:
    """Write the interactive map of one run as an HTML page.

    Parameters
    ----------
    result : RunResult
        The run to draw. A missing or empty table just leaves its layer out.
    path : Path
        Output ``.html`` file. Parent folders are created.

    Returns
    -------
    Path
        ``path``, once written.

    Notes
    -----
    Layers: the flooded area and link congestion on one time slider (Leaflet.timeline),
    zones coloured by the share evacuated at the end, and shelters as markers. If
    ``link_states`` has more than :data:`MAX_LINK_STATE_ROWS` rows, only links at least
    30 % full or closed are drawn and the layer name says so. Consecutive intervals of a
    link in the same congestion class are drawn as one feature. Leaflet and its plugin are
    inlined from ``maps/vendor/`` (:mod:`musterpoint.maps.offline`), so the page works
    offline; only the OpenStreetMap base tiles need a network, and without them the
    layers show on a plain grey background.
    """
    meta, tables = result.meta, result.tables
    lab = _labels(meta)
    start, tz = meta.get("start"), meta.get("timezone")
    link_tooltip, flood_tooltip = _tooltips(lab)

    def clock(t: float) -> int:
        return int(epoch_ms(start, tz, t))

    fmap = folium.Map(tiles=None, control_scale=True)
    credit = "".join(f" | {esc(a)}" for a in meta.get("attribution") or [])
    osm = f'<a href="https://www.openstreetmap.org/copyright">{_OSM_CREDIT}</a>'
    folium.TileLayer(_OSM_TILES, attr=osm + credit, name="OpenStreetMap", max_zoom=19).add_to(fmap)

    def has(name: str) -> bool:
        table = tables.get(name)
        return table is not None and not table.empty

    evacuees = (result.kpis.get("evacuation") or {}).get("evacuees")
    zone_features = _zone_features(result, lab) if has("zones") and evacuees else []
    if zone_features:
        collection = {"type": "FeatureCollection", "features": zone_features}
        folium.GeoJson(collection, name=lab["zones"], on_each_feature=_BIND).add_to(fmap)

    timelines: list[Timeline] = []
    end_s = timeline_end_s(meta, tables, INTERVAL_S)
    if has("hazard_frames"):
        frames = tables["hazard_frames"]
        kinds = frames["kind"] if "kind" in frames else pd.Series("flood", index=frames.index)
        for kind, group in frames.groupby(kinds, sort=True):
            feats = _hazard_features(group, clock, end_s)
            if not feats:
                continue
            label = (lab[str(kind)] if str(kind) in ("flood", "plume")
                     else lab["hazard"].format(kind=esc(kind)))
            timelines.append(_timeline(feats, label, _FLOOD_STYLE, flood_tooltip))

    if has("link_states") and has("links"):
        states, total, name = tables["link_states"], len(tables["link_states"]), lab["links"]
        if total > MAX_LINK_STATE_ROWS:
            occ = pd.to_numeric(states["occupancy"], errors="coerce").fillna(0.0)
            states = states[(occ >= 0.3) | states["closed"].fillna(False).astype(bool)]
            name = lab["links_filtered"].format(kept=len(states), total=total)
            logger.info("Map: kept %d of %d link-state rows (>= 0.3 or closed)", len(states), total)
        links = tables["links"]
        geoms = zip(map(_key, links["link_id"]), _wkt_geometries(links["wkt"]), strict=True)
        link_feats = _link_features(states, {k: g for k, g in geoms if g}, clock, end_s)
        if link_feats:
            timelines.append(_timeline(link_feats, name, _LINK_STYLE, link_tooltip))
    for add_layers in LAYER_WRITERS:
        timelines.extend(add_layers(result, fmap))
    for timeline in timelines:
        timeline.add_to(fmap)

    bottleneck = set(map(str, ((result.kpis.get("bounds") or {}).get("bottleneck_links")
                                or [])))
    if bottleneck and has("links"):
        links = tables["links"]
        sel = links[links["link_id"].astype(str).isin(bottleneck)]
        feats = [{"type": "Feature", "geometry": g,
                  "properties": {"link": esc(lid),
                                 "name": esc(nm)}}
                 for lid, nm, g in zip(sel["link_id"], sel["name"], _wkt_geometries(sel["wkt"]),
                                       strict=True) if g]
        if feats:
            folium.GeoJson({"type": "FeatureCollection", "features": feats},
                           name=lab["bottleneck"],
                           style_function=lambda _: {"color": "#6a1b9a", "weight": 7,
                                                     "opacity": 0.8},
                           tooltip=folium.GeoJsonTooltip(fields=["link", "name"])
                           ).add_to(fmap)
    shelter_features = _shelter_features(result, lab) if has("shelters") else []
    if shelter_features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": shelter_features},
            name=lab["shelters"],
            on_each_feature=_BIND,
            marker=folium.Marker(icon=_shelter_icon()),
        ).add_to(fmap)

    if timelines:
        steps = max(1, round(end_s / INTERVAL_S))
        slider = TimelineSlider(
            auto_play=False,
            start=clock(0.0),
            end=clock(end_s),
            steps=steps,
            playback_duration=max(10_000, steps * 400),
            enable_keyboard_controls=True,
        )
        cast(dict[str, Any], slider.options)["format_output"] = _slider_format(meta, lab)
        slider.timelines.extend(timelines)
        slider.add_to(fmap)

    cast(Any, fmap.get_root()).html.add_child(folium.Element(_legend(meta, lab)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    bounds = fmap.get_bounds()
    if all(v is not None for corner in bounds for v in corner):
        fmap.fit_bounds(cast(Any, bounds))
    out = write_offline_page(fmap, Path(path))
    logger.info("Wrote run map %s (%d bytes)", out, out.stat().st_size)
    return out
