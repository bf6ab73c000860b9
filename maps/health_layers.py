"""Public-health map layers of a run: compounds by supply status, dispensing sites with
their queues over time, hospitals with their occupancy over time.

:func:`add_health_layers` adds the static layers to a folium map and returns the
time-varying ones as ``Timeline`` layers, for the caller to put on its time slider (the
run map shares one slider between all timelines). Names are shown in the report language
(Chinese names first with ``meta["language"] == "zh"``, English first otherwise, with the
other in brackets). All text is HTML-escaped; a run without health tables adds nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import folium
import pandas as pd
from folium.plugins import Timeline
from folium.utilities import JsCode

from musterpoint.display.html import esc
from musterpoint.display.i18n import N_, P_, bilingual
from musterpoint.display.labels import is_chinese, pick_labels
from musterpoint.display.timefmt import epoch_ms
from musterpoint.maps.map_layout import legend_group, swatch
from musterpoint.maps.timeline_span import feature_end_ms
from musterpoint.sim.result import RunResult

__all__ = ["STATUS_COLOURS", "add_health_layers", "display_name"]

logger = logging.getLogger(__name__)

#: Supply status of a compound -> colour.
STATUS_COLOURS = {"ok": "#2e7d32", "strained": "#f9a825", "failing": "#c62828", "": "#9e9e9e"}
_SITE_BINS = ((0, "#2e7d32"), (10, "#f9a825"), (30, "#ef6c00"), (math.inf, "#c62828"))
_TEXT: dict[str, tuple[str, str]] = bilingual({
    "compounds": N_("Compounds: supply status at the end"),
    "compounds_daily": N_("Compounds: supply delay by day (time slider)"),
    "sites": N_("Testing / vaccination sites: people waiting (time slider)"),
    "hospitals": N_("Hospitals: bed occupancy (time slider)"),
    "population": N_("Residents"), "households": N_("Households"),
    "gates": N_("Gates"), "attack": N_("Infected so far"),
    "orders": N_("Orders"), "delivered": N_("Delivered"),
    "delay": N_("Order to door, mean / p95"),
    "status": N_("Supply status"),
    "ok": N_("ok"), "strained": N_("strained (delay ≥ 12 h)"),
    "failing": N_("failing (delay ≥ 24 h)"),
    "waiting": N_("waiting"), "inside": N_("inside"),
    "served": N_("Served"), "assigned": P_("count", "Assigned"),
    "time_in": N_("Time at the site, mean / p95"),
    "queue_max": N_("Longest queue at a station"),
    "ward": N_("Ward"), "icu": N_("ICU"),
    "peak": N_("Peak"), "beds": N_("beds"),
    "legend": N_("Lockdown supply"),
    "no_data": N_("no deliveries"),
})


def _lab(meta: dict[str, Any]) -> tuple[bool, dict[str, str]]:
    lang = meta.get("language")
    return is_chinese(lang), pick_labels(_TEXT, lang)


def display_name(name: Any, name_zh: Any, zh: bool) -> str:
    """A name in the reader's language first, the other in brackets."""
    en = str(name or "")
    cn = str(name_zh or "") if name_zh is not None and not _missing(name_zh) else ""
    if not cn or cn == en:
        return en
    return f"{cn}（{en}）" if zh else f"{en} ({cn})"


def _missing(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)



def _hours(s: Any) -> str:
    if s is None or _missing(s):
        return "—"
    return f"{float(s) / 3600.0:.1f} h"


def _popup(rows: list[tuple[str, Any]]) -> str:
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                               for k, v in rows) + "</table>"


def _point(lon: Any, lat: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]}


def _runs(df: pd.DataFrame, key: str, value_cols: list[str]) -> list[dict[str, Any]]:
    """Merge consecutive samples of one key with equal values into runs."""
    out: list[dict[str, Any]] = []
    for k, sub in df.sort_values("time_s", kind="stable").groupby(key, sort=True):
        vals = sub[value_cols].to_numpy()
        times = sub["time_s"].to_numpy(float)
        start = 0
        for i in range(1, len(sub) + 1):
            if i == len(sub) or (vals[i] != vals[start]).any():
                end = times[i] if i < len(sub) else times[-1] + (
                    times[-1] - times[-2] if len(times) > 1 else 3600.0)
                out.append({"key": k, "start": float(times[start]), "end": float(end),
                            **{c: vals[start][j] for j, c in enumerate(value_cols)}})
                start = i
    return out


def _timeline(features: list[dict[str, Any]], name: str, point: JsCode) -> Timeline:
    tl = Timeline({"type": "FeatureCollection", "features": features},
                  point_to_layer=point,
                  on_each_feature=JsCode("function(f, layer) {"
                                         " layer.bindTooltip(f.properties.tooltip); }"))
    tl.layer_name = name
    return tl


_BIND = JsCode("function(f, layer) { layer.bindPopup(f.properties.popup);"
               " layer.bindTooltip(f.properties.tooltip); }")
_CIRCLE = JsCode("function(f, latlng) { var p = f.properties; return L.circleMarker(latlng,"
                 " {radius: p.r, color: '#212121', weight: 1, fillColor: p.c,"
                 " fillOpacity: 0.85}); }")


def add_health_layers(result: RunResult, fmap: folium.Map) -> list[Timeline]:
    """Add the health layers of ``result`` to ``fmap``; return the timelines.

    Parameters
    ----------
    result : RunResult
        A run; without ``health_compounds`` nothing is added.
    fmap : folium.Map
        The map to add the static layers (compounds, legend) to.

    Returns
    -------
    list of Timeline
        Sites' queues, hospitals' occupancy and compounds' daily delay, each with
        ``start``/``end`` in epoch milliseconds of the scenario's clock: add them to the
        map and to its ``TimelineSlider``.
    """
    tables, meta = result.tables, result.meta
    comp = tables.get("health_compounds")
    if comp is None or comp.empty:
        return []
    zh, lab = _lab(meta)
    start, tz = meta.get("start"), meta.get("timezone")

    def clock(t: float) -> int:
        return int(epoch_ms(start, tz, t))

    supply = ((result.kpis.get("health") or {}).get("supply") or {}).get("by_compound") or {}
    group = folium.FeatureGroup(name=lab["compounds"])
    for row in comp.to_dict("records"):
        name = display_name(row["name"], row.get("name_zh"), zh)
        s = supply.get(str(row["compound"])) or {}
        status = str(row.get("supply_status") or "")
        rows = [(lab["population"], f"{int(row['population']):,}"),
                (lab["households"], f"{int(row['households']):,}"),
                (lab["gates"], int(row["gates"])),
                (lab["attack"], f"{float(row['infections']):,.0f} "
                                f"({float(row['attack_rate']):.1%})")]
        if s:
            rows += [(lab["orders"], f"{s.get('orders', 0):,}"),
                     (lab["delivered"], f"{s.get('delivered', 0):,}"),
                     (lab["delay"], f"{_hours(s.get('delay_mean_s'))} / "
                                    f"{_hours(s.get('delay_p95_s'))}"),
                     (lab["status"], lab.get(status, status))]
        feature = {"type": "Feature", "geometry": _point(row["lon"], row["lat"]),
                   "properties": {"popup": f"<b>{esc(name)}</b>" + _popup(rows),
                                  "tooltip": esc(name)}}
        folium.GeoJson(
            feature, control=False, on_each_feature=_BIND,
            marker=folium.CircleMarker(
                radius=6 + math.sqrt(float(row["population"])) / 8, color="#212121",
                weight=1, fill=True, fill_color=STATUS_COLOURS.get(status, "#9e9e9e"),
                fill_opacity=0.8),
        ).add_to(group)
    group.add_to(fmap)
    timelines: list[Timeline] = []
    names = {str(r["compound"]): (display_name(r["name"], r.get("name_zh"), zh),
                                  r["lon"], r["lat"], float(r["population"]))
             for r in comp.to_dict("records")}
    daily = tables.get("health_supply_daily")
    if daily is not None and not daily.empty:
        timelines.append(_daily_layer(daily, names, clock, lab, meta))
    sites = tables.get("health_sites")
    sts = tables.get("health_site_timeseries")
    if sites is not None and sts is not None and not sts.empty:
        timelines.append(_site_layer(sites, sts, clock, lab, zh))
    hosp = tables.get("health_hospitals")
    hts = tables.get("health_hospital_timeseries")
    if hosp is not None and hts is not None and not hts.empty:
        timelines.append(_hospital_layer(hosp, hts, clock, lab, zh))
    legend = legend_group(lab["legend"], [swatch(STATUS_COLOURS[k], lab[k], "dot")
                                          for k in ("ok", "strained", "failing")])
    cast_root: Any = fmap.get_root()
    cast_root.html.add_child(folium.Element(  # moved into the page's legend by PageLayout
        f'<div id="musterpoint-health-legend">{legend}</div>'))
    return timelines


def _daily_layer(daily: pd.DataFrame, names: dict[str, tuple[str, Any, Any, float]],
                 clock: Callable[[float], int], lab: dict[str, str],
                 meta: dict[str, Any]) -> Timeline:
    feats = []
    duration = float(meta.get("duration_s") or 0.0)
    ordered = daily.sort_values(["compound", "day"], kind="stable")
    for cid, sub in ordered.groupby("compound", sort=True):
        if str(cid) not in names:
            continue
        name, lon, lat, pop = names[str(cid)]
        t_prev = 0.0
        for row in sub.to_dict("records"):
            t_end = min(duration, t_prev + 86400.0) if duration else t_prev + 86400.0
            d = row.get("delay_mean_s")
            if d is None or _missing(d):
                status, text = "", lab["no_data"]
            else:
                status = "failing" if d >= 86400 else ("strained" if d >= 43200 else "ok")
                text = f"{_hours(d)}; {lab['delivered']} {int(row['delivered']):,}"
            feats.append({"type": "Feature", "geometry": _point(lon, lat), "properties": {
                "start": clock(t_prev),
                "end": feature_end_ms(clock, t_end, duration) if duration else clock(t_end) - 1,
                "r": 6 + math.sqrt(pop) / 8, "c": STATUS_COLOURS[status],
                "tooltip": esc(f"{name}: {text}")}})
            t_prev = t_end
    return _timeline(feats, lab["compounds_daily"], _CIRCLE)


def _site_layer(sites: pd.DataFrame, sts: pd.DataFrame, clock: Callable[[float], int],
                lab: dict[str, str], zh: bool) -> Timeline:
    info = {str(r["site"]): r for r in sites.to_dict("records")}
    feats = []
    for run in _runs(sts, "site", ["queue", "in_system"]):
        r = info.get(str(run["key"]))
        if r is None:
            continue
        q = int(run["queue"])
        colour = next(c for bound, c in _SITE_BINS if q <= bound)
        name = display_name(r["name"], r.get("name_zh"), zh)
        tip = (f"{name}: {lab['waiting']} {q}, {lab['inside']} {int(run['in_system'])}; "
               f"{lab['served']} {int(r['served']):,} / {lab['assigned']} "
               f"{int(r['assigned']):,}; {lab['queue_max']} {int(r['queue_max'])}")
        feats.append({"type": "Feature", "geometry": _point(r["lon"], r["lat"]),
                      "properties": {"start": clock(run["start"]), "end": clock(run["end"]) - 1,
                                     "r": 7 + 2.5 * math.sqrt(q), "c": colour,
                                     "tooltip": esc(tip)}})
    return _timeline(feats, lab["sites"], _CIRCLE)


def _hospital_layer(hosp: pd.DataFrame, hts: pd.DataFrame, clock: Callable[[float], int],
                    lab: dict[str, str], zh: bool) -> Timeline:
    info = {str(r["hospital"]): r for r in hosp.to_dict("records")}
    feats = []
    cols = ["ward_occupied", "ward_beds", "icu_occupied", "icu_beds"]
    for run in _runs(hts, "hospital", cols):
        r = info.get(str(run["key"]))
        if r is None:
            continue
        shares = [run["ward_occupied"] / run["ward_beds"] if run["ward_beds"] else 0.0,
                  run["icu_occupied"] / run["icu_beds"] if run["icu_beds"] else 0.0]
        worst = max(shares)
        colour = "#c62828" if worst >= 1 else ("#f9a825" if worst >= 0.7 else "#2e7d32")
        name = display_name(r["name"], r.get("name_zh"), zh)
        tip = (f"{name}: {lab['ward']} {int(run['ward_occupied'])}/{int(run['ward_beds'])}, "
               f"{lab['icu']} {int(run['icu_occupied'])}/{int(run['icu_beds'])} {lab['beds']}"
               f"; {lab['peak']} {int(r['peak_ward'])} + {int(r['peak_icu'])}")
        feats.append({"type": "Feature", "geometry": _point(r["lon"], r["lat"]),
                      "properties": {"start": clock(run["start"]), "end": clock(run["end"]) - 1,
                                     "r": 10, "c": colour, "tooltip": esc(tip)}})
    return _timeline(feats, lab["hospitals"], _CIRCLE)
