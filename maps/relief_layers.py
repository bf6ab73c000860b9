"""Relief-supply layers of the run map: depots, demand points and truck routes.

:func:`add_relief_layers` adds to a folium map

* **Relief depots: stock over time** (time slider): a circle per depot sized and
  coloured by the share of its initial stock (by weight) still on its shelves, with the
  stock of each commodity in the tooltip;
* **Relief demand points: supply status over time** (time slider): a circle per point,
  green (every commodity for at least 6 h), amber (some commodity for less than 6 h), red
  (some commodity out while people are there), grey (nobody there yet);
* **Relief truck routes** (static): every leg the trucks drove, thicker for legs driven
  more often; and a marker per depot with its final figures.

It returns the time-slider layers, not yet on the map: the caller adds them to the map
and to its slider (as ``maps/run_map.py`` does with every writer of ``LAYER_WRITERS``). It reads
only the ``relief_*`` tables of a RunResult (:mod:`musterpoint.sim.relief.results`); a run
without them gets no layer. All text is escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import folium
import pandas as pd
import shapely
from folium.plugins import Timeline
from folium.utilities import JsCode
from shapely.geometry import mapping

from musterpoint.display.html import esc
from musterpoint.display.i18n import N_, bilingual
from musterpoint.display.labels import pick_labels
from musterpoint.display.timefmt import epoch_ms
from musterpoint.maps.map_layout import legend_group, swatch
from musterpoint.maps.timeline_span import feature_end_ms
from musterpoint.sim.result import RunResult

__all__ = ["STATUS_COLOURS", "add_relief_layers"]

logger = logging.getLogger(__name__)

#: Colour of each supply status of a demand point.
STATUS_COLOURS = {"ok": "#2e7d32", "low": "#f9a825", "out": "#c62828", "idle": "#9e9e9e"}
_DEPOT_COLOUR = "#4a148c"

_TEXT: dict[str, tuple[str, str]] = bilingual({
    "depots": N_("Relief depots: stock over time (time slider)"),
    "points": N_("Relief demand points: supply status over time (time slider)"),
    "routes": N_("Relief truck routes"),
    "depot_markers": N_("Relief depots"),
    "stock": N_("stock"),
    "people": N_("people"),
    "legs": N_("legs driven"),
    "ok": N_("supplied"),
    "low": N_("low (< 6 h)"),
    "out": N_("out of stock"),
    "idle": N_("nobody yet"),
    "initial": N_("initial"),
    "end": N_("end"),
})

_BIND = JsCode(
    "function(feature, layer) {"
    " if (feature.properties.tooltip) { layer.bindTooltip(feature.properties.tooltip); }"
    " if (feature.properties.popup) { layer.bindPopup(feature.properties.popup); } }"
)
_CIRCLE = JsCode(
    "function(feature, latlng) { var p = feature.properties;"
    " return L.circleMarker(latlng, {radius: p.r, color: '#212121', weight: 1,"
    " fillColor: p.fill, fillOpacity: 0.85}); }"
)


def _labels(meta: dict[str, Any]) -> dict[str, str]:
    return pick_labels(_TEXT, meta.get("language"))



def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]}


def _runs(df: pd.DataFrame, key: str) -> list[tuple[Any, float, float, Any]]:
    """Consecutive rows of each site with the same ``key`` value, as (site, start, end,
    first row) with ``end`` the time of the next change (or the last time)."""
    out: list[tuple[Any, float, float, Any]] = []
    for site, sub in df.groupby("site", sort=True):
        sub = sub.sort_values("time_s", kind="stable")
        times = sub["time_s"].to_numpy(float)
        vals = sub[key].tolist()
        rows = list(sub.itertuples(index=False))
        start = 0
        for k in range(1, len(vals) + 1):
            if k == len(vals) or vals[k] != vals[start]:
                end = times[k] if k < len(vals) else times[-1]
                out.append((site, float(times[start]), float(end), rows[start]))
                start = k
    return out


def _depot_features(tables: dict[str, pd.DataFrame], lab: dict[str, str],
                    clock: Callable[[float], int]) -> list[dict[str, Any]]:
    ts = tables["relief_timeseries"]
    dep = ts[ts["site_kind"] == "depot"]
    if dep.empty:
        return []
    supply = tables["relief_supply"]
    kg = _kg_per_unit(tables)
    sites = supply[supply["site_kind"] == "depot"]
    init_kg = {s: float((g["initial"] * g["commodity"].map(kg).fillna(0)).sum())
               for s, g in sites.groupby("site")}
    loc = _depot_locations(tables)
    wide = dep.pivot_table(index=["site", "time_s"], columns="commodity", values="stock",
                           aggfunc="first").reset_index()
    coms = [c for c in wide.columns if c not in ("site", "time_s")]
    wide["kg"] = sum(wide[c] * kg.get(c, 0.0) for c in coms)
    wide["share"] = [k / init_kg[s] if init_kg.get(s) else 0.0
                     for s, k in zip(wide["site"], wide["kg"], strict=True)]
    wide["band"] = (wide["share"] * 10).round().astype(int)
    wide["label"] = [", ".join(f"{c} {r[c]:,.0f}" for c in coms) for _, r in wide.iterrows()]
    wide["key"] = wide["band"].astype(str) + "|" + wide["label"]
    feats = []
    last = float(dep["time_s"].max())
    for site, s, e, row in _runs(wide, "key"):
        if site not in loc:
            continue
        share = float(row.share)
        fill = STATUS_COLOURS["ok"] if share > 0.5 else (
            STATUS_COLOURS["low"] if share > 0 else STATUS_COLOURS["out"])
        end = e if e > s else last + 300.0
        tip = f"{site}: {lab['stock']} {share:.0%} — {row.label}"
        feats.append({"type": "Feature", "geometry": _point(*loc[site]),
                      "properties": {"start": clock(s), "end": feature_end_ms(clock, end, last),
                                     "r": 6 + 10 * share, "fill": fill,
                                     "tooltip": esc(tip)}})
    return feats


def _kg_per_unit(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    d = tables.get("relief_deliveries")
    out: dict[str, float] = {}
    if d is not None and not d.empty:
        g = d.groupby("commodity")[["kg", "units"]].sum()
        out = {str(c): float(r["kg"] / r["units"]) for c, r in g.iterrows() if r["units"] > 0}
    for c in tables["relief_supply"]["commodity"].unique():
        out.setdefault(str(c), 1.0)
    return out


def _depot_locations(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[float, float]]:
    sup = tables["relief_supply"]
    dep = sup[sup["site_kind"] == "depot"].drop_duplicates("site")
    return {str(r["site"]): (float(r["lon"]), float(r["lat"]))
            for r in dep.to_dict("records")}


def _depot_markers(tables: dict[str, pd.DataFrame], lab: dict[str, str]) -> list[dict[str, Any]]:
    sup = tables["relief_supply"]
    loc = _depot_locations(tables)
    feats = []
    for site, g in sup[sup["site_kind"] == "depot"].groupby("site", sort=True):
        rows = "".join(f"<tr><th>{esc(r.commodity)}</th><td>{r.initial:,.0f}</td>"
                       f"<td>{r.end:,.0f}</td></tr>" for r in g.itertuples(index=False))
        popup = (f"<b>{esc(site)}</b><table><tr><th></th><th>{esc(lab['initial'])}</th>"
                 f"<th>{esc(lab['end'])}</th></tr>{rows}</table>")
        feats.append({"type": "Feature", "geometry": _point(*loc[str(site)]),
                      "properties": {"popup": popup, "tooltip": esc(site)}})
    return feats


def _geom(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        g = shapely.from_wkt(text)
    except shapely.errors.ShapelyError:
        return None
    return None if g.is_empty else dict(mapping(g))


def _point_features(tables: dict[str, pd.DataFrame], lab: dict[str, str],
                    clock: Callable[[float], int]) -> list[dict[str, Any]]:
    ts = tables["relief_timeseries"]
    pts = ts[ts["site_kind"] != "depot"]
    points = tables["relief_points"].set_index("point")
    if pts.empty:
        return []
    per = pts.groupby(["site", "time_s"], sort=True).agg(
        status=("status", "first"), population=("population", "first")).reset_index()
    per["pop"] = per["population"].round(-1)
    per["key"] = per["status"].astype(str) + "|" + per["pop"].astype(str)
    last = float(pts["time_s"].max())
    feats = []
    for site, s, e, row in _runs(per, "key"):
        if site not in points.index:
            continue
        p = points.loc[site]
        end = e if e > s else last + 300.0
        status = str(row.status)
        tip = (f"{p['name']} ({site}): {lab.get(status, status)}, "
               f"{float(row.population):,.0f} {lab['people']}")
        feats.append({"type": "Feature", "geometry": _point(p["lon"], p["lat"]),
                      "properties": {"start": clock(s), "end": feature_end_ms(clock, end, last),
                                     "r": 10,
                                     "fill": STATUS_COLOURS.get(status, "#9e9e9e"),
                                     "tooltip": esc(tip)}})
    return feats


def _route_features(tables: dict[str, pd.DataFrame], lab: dict[str, str]) -> list[dict[str, Any]]:
    legs = tables.get("relief_legs")
    if legs is None or legs.empty:
        return []
    counts = legs.groupby("wkt", sort=True).size()
    feats = []
    for text, n in counts.items():
        geom = _geom(text)
        if geom is None or geom["type"] != "LineString":
            continue
        feats.append({"type": "Feature", "geometry": geom,
                      "properties": {"tooltip": esc(f"{lab['legs']}: {int(n)}"),
                                     "w": min(2 + int(n), 9)}})
    return feats


def add_relief_layers(result: RunResult, fmap: folium.Map,
                      clock: Callable[[float], int] | None = None) -> list[Timeline]:
    """Add the relief layers of a run to ``fmap``.

    Parameters
    ----------
    result : RunResult
        The run; without ``relief_*`` tables nothing is added.
    fmap : folium.Map
        The map to draw on.
    clock : callable, optional
        Simulation seconds to the slider's epoch milliseconds (default: from
        ``result.meta`` start and time zone, as the run map does).

    Returns
    -------
    list of Timeline
        The time-slider layers (depot stock, point status): add them to the map and to
        its ``TimelineSlider``.
    """
    tables = result.tables
    needed = ("relief_timeseries", "relief_points", "relief_supply")
    if any(tables.get(n) is None or tables[n].empty for n in needed):
        return []
    meta = result.meta
    lab = _labels(meta)
    if clock is None:
        start, tz = meta.get("start"), meta.get("timezone")

        def clock(t: float) -> int:
            return int(epoch_ms(start, tz, t))

    routes = _route_features(tables, lab)
    if routes:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": routes}, name=lab["routes"],
            style_function=lambda f: {"color": "#6a1b9a", "opacity": 0.6,
                                      "weight": f["properties"]["w"]},
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        ).add_to(fmap)
    markers = _depot_markers(tables, lab)
    if markers:
        folium.GeoJson({"type": "FeatureCollection", "features": markers},
                       name=lab["depot_markers"], on_each_feature=_BIND,
                       marker=folium.Marker(icon=folium.DivIcon(
                           '<div style="width:14px;height:14px;background:'
                           f'{_DEPOT_COLOUR};border:2px solid #fff;transform:rotate(45deg)">'
                           "</div>", (18, 18), (9, 9)))).add_to(fmap)
    out: list[Timeline] = []
    for name, feats in ((lab["depots"], _depot_features(tables, lab, clock)),
                        (lab["points"], _point_features(tables, lab, clock))):
        if not feats:
            continue
        tl = Timeline({"type": "FeatureCollection", "features": feats},
                      point_to_layer=_CIRCLE, on_each_feature=_BIND)
        tl.layer_name = name
        out.append(tl)
    legend = legend_group(lab["points"], [swatch(c, lab[k], "dot")
                                          for k, c in STATUS_COLOURS.items()])
    cast_root: Any = fmap.get_root()
    cast_root.html.add_child(folium.Element(  # moved into the page's legend by PageLayout
        f'<div id="musterpoint-relief-legend">{legend}</div>'))
    logger.info("relief map layers: %d routes, %d timelines", len(routes), len(out))
    return out
