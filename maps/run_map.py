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
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import folium
import numpy as np
import pandas as pd
from folium.plugins import Timeline, TimelineSlider
from folium.utilities import JsCode

from musterpoint.display.html import esc
from musterpoint.display.labels import pick_labels
from musterpoint.display.timefmt import anchor, as_seconds, epoch_ms, format_clock
from musterpoint.maps.control_text import control_labels
from musterpoint.maps.geometry import (
    ROAD_COLOUR,
    hazard_shapes,
    js_list,
    link_keys,
    wkt_geometries,
)
from musterpoint.maps.health_layers import add_health_layers
from musterpoint.maps.map_layout import (
    BIND_POPUP,
    PageLayout,
    add_base_map,
    data_bounds,
    page_footer,
    page_header,
    popup,
    swatch,
)
from musterpoint.maps.offline import write_offline_page
from musterpoint.maps.relief_layers import add_relief_layers
from musterpoint.maps.run_map_explain import (
    ReasonCounts,
    Streets,
    add_bottlenecks,
    count,
    duration,
    reason_counts,
    reasons_text,
    run_legend,
    streets_of,
    title_block,
    title_text,
)
from musterpoint.maps.run_map_text import TEXT
from musterpoint.maps.timeline_bounds import BoundedTimeline
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
    parsed: dict[str, list[_Feature] | None] = {}  # frames often repeat a polygon
    for i, (text, level) in enumerate(zip(frames["geojson"], frames["level_m"], strict=True)):
        last = i + 1 == len(times)
        until = max(end_s, times[i] + INTERVAL_S) if last else times[i + 1]
        if isinstance(text, str):
            if text not in parsed:
                parsed[text] = hazard_shapes(text)
            shapes = parsed[text]
        else:
            shapes = hazard_shapes(text)
        if shapes is None:
            logger.warning("Skipping hazard frame at %s s: invalid GeoJSON", times[i])
            continue
        lvl = as_seconds(level)
        props = {"start": clock(times[i]), "end": clock(until) - (0 if last else 1), "level": lvl}
        props["level"] = None if lvl is None else round(lvl, 2)
        features += ({"type": "Feature", "geometry": shape, "properties": props}
                     for shape in shapes)
    return features


def _link_features(
    states: pd.DataFrame, geoms: dict[str, _Feature], clock: Callable[[float], int],
    end_s: float, names: dict[str, int],
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
            "key": link_keys(states["link_id"]),
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
        if key in names:
            props["n"] = names[key]
        features.append({"type": "Feature", "geometry": geoms[key], "properties": props})
    return features


def _share_colour(share: float | None) -> str:
    if share is None:
        return "#9e9e9e"
    if share >= 1.0 - 1e-9:
        return _SHARE_DONE
    return next(colour for bound, colour in _SHARE_BINS if share < bound or bound == 1.0)


def _zone_features(result: RunResult, lab: dict[str, str],
                   reasons: ReasonCounts) -> list[_Feature]:
    """Zone polygons coloured by share evacuated, with a popup that explains its figures."""
    zones = result.tables["zones"]
    by_zone = (result.kpis.get("evacuation") or {}).get("by_zone") or {}
    start, tz = result.meta.get("start"), result.meta.get("timezone")
    language = result.meta.get("language")
    wkt = zones["wkt"] if "wkt" in zones else [None] * len(zones)
    features: list[_Feature] = []
    for row, geom in zip(zones.to_dict("records"), wkt_geometries(wkt), strict=True):
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
            after = lab["after_start"].format(d=duration(order_s, lab))
            order = format_clock(start, tz, order_s) + lab["paren"].format(x=after)
        pct = "" if share is None else lab["paren"].format(x=f"{share:.0%}")
        rows: list[tuple[str, Any]] = [
            (lab["zone"], zone_id),
            (lab["population"], count(row.get("population"), lab, "persons")),
            (lab["evacuees"], count(evac, lab, "persons")),
            (lab["arrived"], count(arrived, lab, "persons") + pct),
        ]
        notes = []
        for status, note in (("stranded", "stranded_note"), ("never_departed", "never_note"),
                             ("sheltering_in_place", "sheltering_note"), ("en_route", None)):
            why = reasons.get((zone_id, status))
            if why:
                text = (f"{count(sum(why.values()), lab, 'persons')}{lab['semicolon']}"
                        f"{lab['reasons']}{lab['colon']}")
                rows.append((lab[status], text + reasons_text(why, language)))
                if note:
                    notes.append(lab[note])
        rows.append((lab["order"], order))
        for pctl in ("50", "90", "100"):
            rows.append((f"ETE{pctl}", duration(kz.get(f"ete{pctl}_s"), lab,
                                                lab["not_reached"])))
        notes.append(lab["ete_note"])
        style = {"color": "#424242", "weight": 1.5, "fillOpacity": 0.45}
        style["fillColor"] = _share_colour(share)
        tooltip = esc(f"{lab['zone']} {zone_id}: {lab['arrived']}{pct or ' —'}")
        props = {"popup": popup(rows, notes), "tooltip": tooltip, "style": style}
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
        full = (lab["paren"].format(x=lab["full"].format(p=f"{occ / cap:.0%}"))
                if cap and occ is not None else "")
        rows: list[tuple[str, Any]] = [
            (lab["name"], name),
            (lab["id"], row.get("shelter", "")),
            (lab["capacity"], count(cap, lab, "places")),
            (lab["occupancy_end"], count(occ, lab, "persons") + full),
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"popup": popup(rows), "tooltip": esc(name)},
            }
        )
    return features


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
    """Link and flood tooltip binders, built in JS from numbers and fixed labels.

    A link shows its street name (``musterStreets[p.n]``, set in the page's head) or, for
    an unnamed road, its id; then "closed" or its peak occupancy in percent.
    """
    link, closed, peak, level, occ = (_js(lab[k]) for k in (
        "link", "closed", "peak", "flood_level", "occupancy_note"))
    link_js = JsCode(
        "function(f, layer) { var p = f.properties,"
        " n = (p.n !== undefined && window.musterStreets) ? musterStreets[p.n] :"
        f" {link} + ' ' + p.l;"
        " layer.bindTooltip(n + ': ' + (p.c === 3 ? " + closed + " :"
        f" {peak} + ' ' + Math.round(p.o * 100) + ' %') + '<br><small>' + {occ} +"
        " '</small>'); }"
    )
    flood_js = JsCode(
        "function(f, layer) { if (f.properties.level !== null) {"
        f" layer.bindTooltip({level} + ' ' + f.properties.level.toFixed(2) + ' m'); }} }}"
    )
    return link_js, flood_js


def _slider_format(meta: dict[str, Any], lab: dict[str, str], ordered: bool) -> JsCode:
    """JS formatter: wall clock in the scenario zone, then ``±1 h 05 min`` from the first
    order."""
    tz = _js(str(meta.get("timezone") or "UTC"))
    first_order = (as_seconds(meta.get("first_order_s")) or 0.0) if ordered else 0.0
    ref = lab["order_ref"] if ordered else lab["start"]  # no order: time since the start
    zero = epoch_ms(meta.get("start"), meta.get("timezone"), first_order)
    return JsCode(
        "function(ms) { var d = new Date(ms), s;"
        f" try {{ s = new Intl.DateTimeFormat('sv-SE', {{timeZone: {tz}, year: 'numeric',"
        " month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',"
        f" hour12: false}}).format(d) + ' ' + {tz}; }}"
        " catch (e) { s = d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'; }"
        f" var m = Math.round((ms - {zero}) / 60000), sign = m < 0 ? '-' : '+'; m = Math.abs(m);"
        f" return s + {_js(lab['paren_open'])} + {_js(ref)} + ' ' + sign + Math.floor(m / 60)"
        f" + {_js(lab['h_unit'])} + ('0' + (m % 60)).slice(-2) + {_js(lab['min_unit'])}"
        f" + {_js(lab['paren_close'])}; }}"
    )


def _shelter_icon() -> folium.DivIcon:
    icon = folium.DivIcon(_SHELTER_SVG, (28, 40), (14, 39), (0, -34), "musterpoint-shelter")
    cast(dict[str, Any], icon.options)["tooltip_anchor"] = (10, -24)
    return icon


def _timeline(features: list[_Feature], name: str, style: JsCode, each: JsCode) -> Timeline:
    collection = {"type": "FeatureCollection", "features": features}
    timeline = BoundedTimeline(collection, style=style, on_each_feature=each)
    timeline.layer_name = name
    return timeline


def write_run_map(result: RunResult, path: Path, tiles: str | None = None,
                  tiles_attribution: str | None = None, *,
                  streets: Streets | None = None) -> Path:
    """Write the interactive map of one run as an HTML page.

    Parameters
    ----------
    result : RunResult
        The run to draw. A missing or empty table just leaves its layer out.
    path : Path
        Output ``.html`` file. Parent folders are created.
    tiles : str, optional
        XYZ tile URL of a base map (``https://.../{z}/{x}/{y}.png``); default: no tiles,
        the road network drawn from ``links`` instead.
    tiles_attribution : str, optional
        The tile provider's credit, shown on the map and in the footer.
    streets : Streets, optional
        :func:`~musterpoint.maps.run_map_explain.streets_of` the ``links`` table, when the
        caller has it already (the command caches it per road network); default: made here.

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
    offline; only ``tiles`` need a network. The page layout (title block, footer with
    slider and legend, collapsed layer control) is :mod:`musterpoint.maps.map_layout`.
    """
    meta, tables = result.meta, result.tables
    lab = _labels(meta)
    start, tz = meta.get("start"), meta.get("timezone")
    link_tooltip, flood_tooltip = _tooltips(lab)

    base_ms = anchor(start, tz).timestamp() * 1000.0  # epoch_ms's sum, its anchor once

    def clock(t: float) -> int:
        return round(base_ms + float(t) * 1000.0)

    def has(name: str) -> bool:
        table = tables.get(name)
        return table is not None and not table.empty

    fmap = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25)
    streets = streets or streets_of(tables["links"] if has("links") else None)
    add_base_map(fmap, tiles, tiles_attribution, streets.roads, lab["roads"])
    names, name_list = streets.names, streets.name_list
    reasons = reason_counts(tables.get("agents"))

    evacuees = (result.kpis.get("evacuation") or {}).get("evacuees")
    zone_features = _zone_features(result, lab, reasons) if has("zones") and evacuees else []
    if zone_features:
        collection = {"type": "FeatureCollection", "features": zone_features}
        folium.GeoJson(collection, name=lab["zones"], on_each_feature=BIND_POPUP).add_to(fmap)

    timelines: list[Timeline] = []
    symbols: list[str] = []  # legend entries of the layers drawn
    congestion: list[tuple[str, str]] = []
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
            symbols.append(swatch(_FLOOD_COLOUR, lab.get(f"{kind}_area", label)))

    if has("link_states") and has("links"):
        states, total, name = tables["link_states"], len(tables["link_states"]), lab["links"]
        if total > MAX_LINK_STATE_ROWS:
            occ = pd.to_numeric(states["occupancy"], errors="coerce").fillna(0.0)
            states = states[(occ >= 0.3) | states["closed"].fillna(False).astype(bool)]
            name = lab["links_filtered"]
            logger.info("Map: kept %d of %d link-state rows (>= 0.3 or closed)", len(states), total)
        links = tables["links"]
        keys = link_keys(links["link_id"])
        # parse only these; each distinct id converted once, not mapped over every row
        used = keys.isin(set(link_keys(pd.Series(pd.unique(states["link_id"])))))
        geoms = zip(keys[used], wkt_geometries(links["wkt"][used]), strict=True)
        link_feats = _link_features(states, {k: g for k, g in geoms if g}, clock, end_s, names)
        if link_feats:
            congestion = list(zip(CONGESTION_COLOURS, ("free", "busy", "jammed", "closed"),
                                  strict=True))
            timelines.append(_timeline(link_feats, name, _LINK_STYLE, link_tooltip))
    for add_layers in LAYER_WRITERS:
        timelines.extend(add_layers(result, fmap))
    for timeline in timelines:
        timeline.add_to(fmap)

    extras = add_bottlenecks(result, fmap, lab)
    shelter_features = _shelter_features(result, lab) if has("shelters") else []
    if shelter_features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": shelter_features},
            name=lab["shelters"],
            on_each_feature=BIND_POPUP,
            marker=folium.Marker(icon=_shelter_icon()),
        ).add_to(fmap)

    slider_name = None
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
        fmt = _slider_format(meta, lab, bool(evacuees))
        cast(dict[str, Any], slider.options)["format_output"] = fmt
        slider.timelines.extend(timelines)
        slider.add_to(fmap)
        slider_name = slider.get_name()

    root = cast(Any, fmap.get_root())
    root.title = title_text(result, lab)
    root.header.add_child(folium.Element(
        f"<script>var musterStreets = {js_list(name_list)};</script>"), name="musterStreets")
    title, sub, summary = title_block(result, lab, reasons)
    root.html.add_child(folium.Element(page_header(title, sub, summary)))
    share_bins = list(zip([c for _, c in _SHARE_BINS] + [_SHARE_DONE],
                          ("<25%", "25–50%", "50–75%", "75–99%", "100%"), strict=True))
    if shelter_features:
        symbols.append(swatch("#0b3d91", lab["shelter"], "dot"))
    if streets.roads:
        symbols.append(swatch(ROAD_COLOUR, lab["roads"], "line"))
    legend = run_legend(lab, symbols + extras, congestion,
                        share_bins if zone_features else [])
    credits = [tiles_attribution or "", *(str(a) for a in meta.get("attribution") or [])]
    root.html.add_child(folium.Element(page_footer(legend, credits)))
    folium.LayerControl(collapsed=True).add_to(fmap)
    PageLayout(data_bounds(fmap), slider_name, control_labels(meta.get("language"))).add_to(fmap)
    out = write_offline_page(fmap, Path(path))
    logger.info("Wrote run map %s (%d bytes)", out, out.stat().st_size)
    return out
