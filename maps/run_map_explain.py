"""The run map's words: title block, run summary, legend, and popups that explain terms.

Every number carries its unit ("1 h 11 min", "1,200 places", "4,500 vehicles/h"), and the
people who did not reach a shelter are counted with their reasons from ``agents.reason``
("no transport 3,609, cut off (no open road out) 2,661"), in English or Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import folium
import pandas as pd

from musterpoint.display.html import esc
from musterpoint.display.labels import is_chinese
from musterpoint.display.reasons import reason_groups
from musterpoint.display.timefmt import anchor, as_seconds
from musterpoint.maps.geometry import link_keys, road_lines_from_wkt, wkt_geometries
from musterpoint.maps.map_layout import BIND_POPUP, legend_group, popup, swatch
from musterpoint.maps.run_map_text import REASON_PREFIXES, REASONS
from musterpoint.sim.result import RunResult

__all__ = [
    "BOTTLENECK_COLOUR",
    "ReasonCounts",
    "Streets",
    "add_bottlenecks",
    "count",
    "duration",
    "reason_counts",
    "reasons_text",
    "run_legend",
    "street_names",
    "streets_of",
    "title_block",
    "title_text",
]

#: Colour of the bottleneck links.
BOTTLENECK_COLOUR = "#6a1b9a"
#: (zone or None for all, status) -> {reason: persons}
ReasonCounts = dict[tuple[str | None, str], dict[str, int]]


def count(value: Any, lab: Mapping[str, str] | None = None, unit: str = "") -> str:
    """A whole number with thousands separators and, with ``unit``, its unit label."""
    number = as_seconds(value)
    if number is None:
        return "—"
    text = f"{round(number):,}"
    return lab[unit].format(n=text) if lab is not None and unit else text


def duration(seconds: Any, lab: Mapping[str, str], missing: str = "—") -> str:
    """A duration with its unit: ``1 h 05 min`` or ``45 min`` (Chinese: ``1小时05分``)."""
    s = as_seconds(seconds)
    if s is None:
        return missing
    m = round(s / 60.0)
    if m < 60:
        return lab["minutes"].format(m=m)
    return lab["hours_min"].format(h=m // 60, m=m % 60)


def reason_counts(agents: pd.DataFrame | None) -> ReasonCounts:
    """Evacuees who did not arrive, by zone (and None: all zones), status and reason."""
    out: ReasonCounts = {}
    if agents is None or agents.empty or not {"status", "persons"} <= set(agents.columns):
        return out
    df = agents[agents["status"].astype(str) != "arrived"]
    if "role" in df:  # the KPIs count evacuees only, not shadow or background traffic
        df = df[df["role"].astype(str) == "evacuee"]
    zone = df["zone"].astype(str) if "zone" in df else pd.Series("", index=df.index)
    reason = df["reason"].fillna("").astype(str) if "reason" in df else zone.map(lambda _: "")
    reason = reason_groups(reason.where((reason != "") | (df["status"] != "en_route"),
                                        "on the road"))
    persons = pd.to_numeric(df["persons"], errors="coerce").fillna(0)
    grouped = persons.groupby([zone, df["status"].astype(str), reason]).sum()
    for index, n in grouped.items():
        z, status, why = (str(v) for v in cast(tuple[Any, Any, Any], index))
        if n <= 0:
            continue
        keys: tuple[tuple[str | None, str], ...] = ((z, status), (None, status))
        for key in keys:
            bucket = out.setdefault(key, {})
            bucket[why] = bucket.get(why, 0) + int(n)
    return out


def reasons_text(reasons: Mapping[str, int], language: Any) -> str:
    """``no transport 3,609, cut off (no open road out) 2,661`` (largest first)."""
    index = 1 if is_chinese(language) else 0
    parts = []
    for why, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        label = _reason(why, index)
        parts.append(f"{label} {n:,}")
    return ("，" if index else ", ").join(parts)


def _reason(why: str, index: int) -> str:
    """The short words for one ``agents.reason`` (0: English, 1: Chinese)."""
    if why in REASONS:
        return REASONS[why][index]
    for prefix, words in REASON_PREFIXES.items():
        if why.startswith(prefix):
            return words[index].format(rest=why[len(prefix):])
    return why


def title_block(result: RunResult, lab: Mapping[str, str],
                reasons: ReasonCounts) -> tuple[str, str, str]:
    """Title, sub-title (plan, seed, start in the scenario's zone, duration) and summary.

    The summary is escaped HTML: who had to leave, who reached a shelter, and who did not
    and why; empty when the plan orders nobody out.
    """
    meta, zh = result.meta, is_chinese(result.meta.get("language"))
    title = str((meta.get("scenario_title_zh") if zh else None) or meta.get("scenario_title")
                or meta.get("scenario") or "")
    plan_title = (meta.get("plan_title_zh") if zh else None) or meta.get("plan_title")
    plan = str(meta.get("plan") or "")
    plan_text = (plan_title + lab["paren"].format(x=plan) if plan_title and plan_title != plan
                 else plan)
    start, tz = meta.get("start"), meta.get("timezone")
    t0 = anchor(start, tz)
    offset = t0.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    parts = [f"{lab['plan']}{lab['colon']}{plan_text}", f"{lab['seed']} {meta.get('seed', '—')}",
             f"{lab['start']} {t0:%Y-%m-%d %H:%M} {tz or 'UTC'} ({utc})"]
    if as_seconds(meta.get("duration_s")):
        parts.append(lab["simulated"].format(h=duration(meta.get("duration_s"), lab)))
    ev = result.kpis.get("evacuation") or {}
    summary = ""
    if ev.get("evacuees"):
        share = (ev.get("arrived") or 0) / ev["evacuees"]
        summary = esc(lab["summary"].format(evac=count(ev["evacuees"], lab, "persons"),
                                            arrived=count(ev.get("arrived")),
                                            share=f"{share:.0%}"))
        merged: dict[str, int] = {}
        for st in ("stranded", "never_departed", "sheltering_in_place", "en_route"):
            for why, n in (reasons.get((None, st)) or {}).items():
                merged[why] = merged.get(why, 0) + n
        if merged:
            text = lab["not_out"].format(n=count(sum(merged.values())),
                                         reasons=reasons_text(merged, meta.get("language")))
            summary += " · " + esc(text)
    return title, " · ".join(parts), summary


def run_legend(lab: Mapping[str, str], symbols: Sequence[str],
               congestion: Sequence[tuple[str, str]],
               share_bins: Sequence[tuple[str, str]]) -> list[str]:
    """The legend groups of what the map draws: symbols, occupancy classes, share evacuated
    (an empty group is left out)."""
    groups = [legend_group(lab["legend_map"], symbols)] if symbols else []
    if congestion:
        groups.append(legend_group(lab["congestion"], [swatch(c, lab[k]) for c, k in congestion]))
    if share_bins:
        groups.append(legend_group(lab["share"], [swatch(c, s) for c, s in share_bins]))
    return groups


@dataclass(frozen=True)
class Streets:
    """What the map draws of the road network whatever the run: every road, packed
    (:func:`~musterpoint.maps.geometry.pack_road_lines`), and the street names.

    Attributes
    ----------
    roads : list of list of int
        The packed road lines.
    names : dict
        Link key -> index into ``name_list`` (named links only).
    name_list : list of str
        The street names, HTML-escaped.
    """

    roads: list[list[int]]
    names: dict[str, int]
    name_list: list[str]


def streets_of(links: pd.DataFrame | None) -> Streets:
    """The :class:`Streets` of a run's ``links`` table (its ``link_id``, ``wkt`` and
    ``name`` columns only; about 1 s for a city's 31,000 links)."""
    if links is None or links.empty:
        return Streets([], {}, [])
    names, name_list = street_names(links)
    return Streets(road_lines_from_wkt(links["wkt"]), names, name_list)


def street_names(links: pd.DataFrame | None) -> tuple[dict[str, int], list[str]]:
    """Each named link's index into the list of (escaped) street names."""
    if links is None or "name" not in links:
        return {}, []
    index: dict[str, int] = {}
    names: list[str] = []
    out: dict[str, int] = {}
    # as lists: iterating an Arrow-backed column is many times slower
    for key, name in zip(link_keys(links["link_id"]).tolist(), links["name"].tolist(),
                         strict=True):
        if not isinstance(name, str) or not name.strip():
            continue
        if name not in index:
            index[name] = len(names)
            names.append(esc(name))
        out[key] = index[name]
    return out, names


def title_text(result: RunResult, lab: dict[str, str]) -> str:
    """The page's ``<title>`` (escaped): scenario and plan."""
    meta = result.meta
    zh = is_chinese(meta.get("language"))
    scenario = ((meta.get("scenario_title_zh") if zh else None) or meta.get("scenario_title")
                or meta.get("scenario"))
    parts = [str(p) for p in (scenario, meta.get("plan")) if p]
    return esc(" · ".join(parts) or "musterpoint run map")


def add_bottlenecks(result: RunResult, fmap: folium.Map, lab: dict[str, str]) -> list[str]:
    """The bottleneck links (from the bound) by street name; their legend items."""
    bottleneck = set(map(str, (result.kpis.get("bounds") or {}).get("bottleneck_links") or []))
    links = result.tables.get("links")
    if not bottleneck or links is None or links.empty:
        return []
    sel = links[links["link_id"].astype(str).isin(bottleneck)]
    feats = []
    for row, g in zip(sel.to_dict("records"), wkt_geometries(sel["wkt"]), strict=True):
        if not g:
            continue
        name = row.get("name") if isinstance(row.get("name"), str) and row["name"] else None
        rows: list[tuple[str, Any]] = [
            (lab["street"], name or f"{lab['unnamed']} ({row.get('highway', '—')})"),
            (lab["capacity_vph"], count(row.get("capacity_vph"), lab, "vph")),
            (lab["link"], row.get("link_id", "")),
        ]
        text = esc(f"{lab['bottleneck_short']}: {name or lab['unnamed']}")
        feats.append({"type": "Feature", "geometry": g, "properties": {
            "popup": popup(rows, [lab["bottleneck_note"]]), "tooltip": text}})
    if not feats:
        return []
    folium.GeoJson({"type": "FeatureCollection", "features": feats}, name=lab["bottleneck"],
                   style_function=lambda _: {"color": BOTTLENECK_COLOUR, "weight": 7,
                                             "opacity": 0.8},
                   on_each_feature=BIND_POPUP).add_to(fmap)
    return [swatch(BOTTLENECK_COLOUR, lab["bottleneck_short"], "line")]
