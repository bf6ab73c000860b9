"""Difference map of two plans: per zone the change in clearance time and exposure, and the
links whose congestion changed.

Reads a comparison (comparison.json) and the geometry of the zones and changed links. Each
zone layer colours the paired mean change of one KPI (plan − baseline over the same
seeds): blue where the plan is better (lower), red where it is worse, grey where the KPI
was not reached by both plans on any seed. The link layer draws each link whose mean peak
occupancy changed by at least the comparison's threshold (0.1), red if more congested and
blue if less. Leaflet is inlined from ``maps/vendor`` (:mod:`musterpoint.maps.offline`); the
streets are drawn from the road network, so the page works offline (tiles only with
``--tiles``). The title block and legend sit above and below the map
(:mod:`musterpoint.maps.map_layout`). All text is escaped.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import folium
import pandas as pd

from musterpoint.display.html import esc
from musterpoint.display.i18n import N_, bilingual
from musterpoint.display.labels import is_chinese, pick_labels
from musterpoint.display.units import unit
from musterpoint.maps.control_text import control_labels
from musterpoint.maps.geometry import wkt_geometry
from musterpoint.maps.map_layout import (
    PageLayout,
    add_base_map,
    legend_group,
    page_footer,
    page_header,
    popup,
    swatch,
)
from musterpoint.maps.offline import write_offline_page

__all__ = ["ZONE_MEASURES", "write_difference_map"]

logger = logging.getLogger(__name__)

#: Zone layers: KPI (per zone, dotted as in comparison.json), English and Chinese name.
ZONE_MEASURES: tuple[tuple[str, str, str], ...] = tuple(
    (kpi, *bilingual({kpi: name})[kpi]) for kpi, name in (
        ("evacuation.ete90_s", N_("Change in ETE90 (clearance of 90 %)")),
        ("evacuation.ete50_s", N_("Change in ETE50")),
        ("evacuation.exposed_person_s", N_("Change in exposure (person-hours)")),
    ))
_TEXT: dict[str, tuple[str, str]] = bilingual({
    "links": N_("Links whose peak congestion changed (≥ {t:.0%} of storage)"),
    "zone": N_("Zone"), "link": N_("Link"),
    "better": N_("plan better (lower)"),
    "worse": N_("plan worse (higher)"),
    "none": N_("not reached by both plans"),
    "more": N_("more congested"), "less": N_("less congested"),
    "title": N_("{b} compared with {a}"),
    "reached": N_("reached in"),
    "peak": N_("peak occupancy"),
    "roads": N_("Roads (from the network)"),
    "zones_legend": N_("Zones: change, plan − baseline"),
    "links_legend": N_("Roads: peak occupancy"),
    "sub": N_("Mean over {n} paired replications (same seeds); darker = larger change; "
            "click a zone for the figures and their interval"),
})
_BLUE, _RED, _GREY = "#1565c0", "#c62828", "#9e9e9e"



def _geom(wkt: Any, lon: Any = None, lat: Any = None) -> dict[str, Any] | None:
    geom = wkt_geometry(wkt)
    if geom is None and lon is not None and lat is not None and pd.notna(lon) and pd.notna(lat):
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}
    return geom


def _fmt(kpi: str, v: float | None, signed: bool = False, zh: bool = False) -> str:
    """A KPI value with its unit: person-hours (人时), minutes (分钟) or a bare number."""
    if v is None:
        return "—"
    s = "+" if signed else ""
    if kpi.endswith("person_s"):
        return f"{v / 3600.0:{s},.1f} " + unit(("zh" if zh else "en"), "person-hours")
    if kpi.endswith("_s"):
        return f"{v / 60.0:{s},.1f} " + unit(("zh" if zh else "en"), "min")
    return f"{v:{s},.1f}"


def _shade(value: float | None, scale: float) -> tuple[str, float]:
    """Colour and opacity for a change (negative: better)."""
    if value is None:
        return _GREY, 0.25
    if scale <= 0 or value == 0:
        return "#ffffff", 0.35
    return (_BLUE if value < 0 else _RED), 0.2 + 0.6 * min(1.0, abs(value) / scale)


def _zone_layer(comp: dict[str, Any], zones: pd.DataFrame, plan: str, kpi: str,
                name: str, lab: dict[str, str], show: bool) -> folium.FeatureGroup:
    base = comp["baseline"]
    zstats = comp.get("zones") or {}
    reps = comp.get("replications", 0)
    zh = lab["zone"] != "Zone"
    diffs = [((zstats.get(z) or {}).get("diff", {}).get(plan, {}).get(kpi) or {}).get("mean")
             for z in zones["zone"].astype(str)]
    scale = max((abs(d) for d in diffs if d is not None), default=0.0)
    feats = []
    for row, d in zip(zones.to_dict("records"), diffs, strict=True):
        zid = str(row["zone"])
        geom = _geom(row.get("wkt"), row.get("lon"), row.get("lat"))
        if geom is None:
            continue
        zs = zstats.get(zid) or {}
        a = (zs.get("plans", {}).get(base) or {}).get(kpi) or {}
        b = (zs.get("plans", {}).get(plan) or {}).get(kpi) or {}
        dd = (zs.get("diff", {}).get(plan) or {}).get(kpi) or {}
        ci = "" if dd.get("lo") is None else \
            f" [{_fmt(kpi, dd['lo'], True, zh)}, {_fmt(kpi, dd['hi'], True, zh)}]"
        colour, alpha = _shade(d, scale)
        reached_a = f"({lab['reached']} {a.get('n', 0)}/{reps})"
        reached_b = f"({lab['reached']} {b.get('n', 0)}/{reps})"
        rows = [(lab["zone"], zid),
                (base, f"{_fmt(kpi, a.get('mean'), zh=zh)} {reached_a}"),
                (plan, f"{_fmt(kpi, b.get('mean'), zh=zh)} {reached_b}"),
                ("Δ", f"{_fmt(kpi, d, True, zh)}{ci}")]
        feats.append({"type": "Feature", "geometry": geom, "properties": {
            "popup": popup(rows), "tip": esc(f"{lab['zone']} {zid}: Δ {_fmt(kpi, d, True, zh)}"),
            "fill": colour, "alpha": round(alpha, 3)}})
    group = folium.FeatureGroup(name=name, show=show)
    if feats:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            style_function=lambda f: {"color": "#424242", "weight": 1,
                                      "fillColor": f["properties"]["fill"],
                                      "fillOpacity": f["properties"]["alpha"]},
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(group)
    return group


def _link_layer(comp: dict[str, Any], links: pd.DataFrame, plan: str,
                lab: dict[str, str]) -> folium.FeatureGroup | None:
    info = comp.get("links") or {}
    changed = info.get("changed") or {}
    base = comp["baseline"]
    feats = []
    for row in links.to_dict("records"):
        lid = str(row["link_id"])
        vals = changed.get(lid)
        geom = _geom(row.get("wkt"))
        if not vals or geom is None or plan not in vals:
            continue
        a, b = float(vals[base]), float(vals[plan])
        d = b - a
        if abs(d) < float(info.get("threshold", 0.1)):
            continue
        tip = (f"{lab['link']} {lid}: {lab['peak']} {a:.0%} → {b:.0%} "
               f"({'+' if d > 0 else ''}{d * 100:.0f} pt)")
        feats.append({"type": "Feature", "geometry": geom, "properties": {
            "tip": esc(tip), "colour": _RED if d > 0 else _BLUE,
            "w": round(2.0 + 6.0 * min(1.0, abs(d)), 2)}})
    if not feats:
        return None
    group = folium.FeatureGroup(name=lab["links"].format(t=info.get("threshold", 0.1)))
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        style_function=lambda f: {"color": f["properties"]["colour"],
                                  "weight": f["properties"]["w"], "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group)
    return group


def _legend(lab: dict[str, str]) -> list[str]:
    return [legend_group(lab["zones_legend"], [swatch(_BLUE, lab["better"]),
                                               swatch(_RED, lab["worse"]),
                                               swatch(_GREY, lab["none"])]),
            legend_group(lab["links_legend"], [swatch(_RED, lab["more"], "line"),
                                               swatch(_BLUE, lab["less"], "line")])]


def write_difference_map(comparison: dict[str, Any], zones: pd.DataFrame, links: pd.DataFrame,
                         path: Path, plan: str | None = None, lang: str = "en",
                         roads: list[list[int]] | None = None, tiles: str | None = None,
                         tiles_attribution: str | None = None) -> Path:
    """Write the difference map of ``plan`` against the comparison's baseline.

    Parameters
    ----------
    comparison : dict
        The content of comparison.json.
    zones : DataFrame
        ``zone``, ``wkt`` (polygon; may be empty), ``lon``, ``lat``.
    links : DataFrame
        ``link_id``, ``wkt`` of (at least) the links listed as changed.
    path : Path
        Output ``.html`` file; parent folders are created.
    plan : str, optional
        The plan to compare with the baseline (default: the second plan).
    lang : str
        ``en`` or ``zh``.
    roads : list of list of int, optional
        The road network, packed by :func:`musterpoint.maps.geometry.pack_road_lines`,
        drawn under the layers (on unless there are tiles).
    tiles, tiles_attribution : str, optional
        An XYZ tile URL and its credit (``--tiles``); default: no tiles.

    Returns
    -------
    Path
        ``path``, once written.
    """
    zh = is_chinese(lang)
    lab = pick_labels(_TEXT, lang)
    names = [p["name"] for p in comparison["plans"]]
    base = comparison["baseline"]
    plan = plan or next((n for n in names if n != base), base)
    fmap = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25)
    add_base_map(fmap, tiles, tiles_attribution, roads or [], lab["roads"])
    for i, (kpi, en, cn) in enumerate(ZONE_MEASURES):
        _zone_layer(comparison, zones, plan, kpi, cn if zh else en, lab, i == 0).add_to(fmap)
    layer = _link_layer(comparison, links, plan, lab)
    if layer is not None:
        layer.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    bounds = None
    if {"lon", "lat"} <= set(zones.columns) and len(zones):
        lons = pd.to_numeric(zones["lon"], errors="coerce")
        lats = pd.to_numeric(zones["lat"], errors="coerce")
        pad = 0.01
        if lons.notna().any():
            bounds = [[float(lats.min()) - pad, float(lons.min()) - pad],
                      [float(lats.max()) + pad, float(lons.max()) + pad]]
    title = lab["title"].format(a=base, b=plan)
    root = cast(Any, fmap.get_root())
    root.title = esc(title)
    sub = lab["sub"].format(n=comparison.get("replications", "—"))
    root.html.add_child(folium.Element(page_header(title, sub)))
    root.html.add_child(folium.Element(page_footer(_legend(lab), [tiles_attribution or ""])))
    PageLayout(bounds, None, control_labels(lang)).add_to(fmap)
    out = write_offline_page(fmap, Path(path))
    logger.info("Wrote difference map %s (%d bytes)", out, out.stat().st_size)
    return out
