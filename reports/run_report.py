"""Self-contained HTML report of one run: ledger, headline KPIs, chart and tables.

The page is rendered with jinja2 (autoescape on) from ``templates/run_report.html.j2``.
It needs no JavaScript and no network: the chart is inline SVG built here. Labels are in
English or Simplified Chinese, chosen by ``meta["language"]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from musterpoint.display.engine_text import translate_engine_text
from musterpoint.display.labels import is_chinese, pick_labels
from musterpoint.display.timefmt import as_seconds, format_clock, format_hmm, format_instant
from musterpoint.reports.charts import COLOURS, Line, line_chart
from musterpoint.reports.health_section import health_section
from musterpoint.reports.relief_section import relief_section
from musterpoint.reports.run_report_text import LABELS
from musterpoint.reports.run_summary import plain_value, run_summary
from musterpoint.reports.suggestion_section import suggestion_section
from musterpoint.sim.result import RunResult

__all__ = ["LABELS", "write_run_report"]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE = "run_report.html.j2"



#: Writers of the report sections of run extensions (each returns HTML or None).
SECTION_WRITERS = [health_section, relief_section]


def _labels(meta: dict[str, Any]) -> tuple[str, dict[str, str]]:
    lang = meta.get("language")
    return ("zh-Hans" if is_chinese(lang) else "en"), pick_labels(LABELS, lang)


def _natural(value: Any) -> list[Any]:
    """Sort key so that ``Z2`` comes before ``Z10``."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(value))]


def _count(value: Any) -> str:
    number = as_seconds(value)
    return "—" if number is None else f"{round(number):,}"


def _duration(value: Any, missing: str) -> dict[str, str]:
    """``{"hmm": "1:05", "s": "3,900 s"}``; ``hmm`` is ``missing`` for a null value."""
    seconds = as_seconds(value)
    return {
        "hmm": format_hmm(seconds, missing),
        "s": "" if seconds is None else f"{seconds:,.0f} s",
    }


def _ledger(kpis: Mapping[str, Any], lab: dict[str, str]) -> dict[str, Any]:
    ev = kpis.get("evacuation") or {}
    keys = ("arrived", "stranded", "en_route", "never_departed", "sheltering_in_place")
    values = [as_seconds(ev.get(k)) for k in keys]
    total = sum(v for v in values if v is not None)
    evacuees = as_seconds(ev.get("evacuees"))
    sums_up = evacuees is not None and None not in values and abs(total - evacuees) < 0.5
    flag = (kpis.get("ledger") or {}).get("balanced")
    balanced = sums_up and flag is not False
    return {
        "rows": [(lab[k], _count(v)) for k, v in zip(keys, values, strict=True)],
        "sum": _count(total),
        "evacuees": _count(evacuees),
        "balanced": balanced,
        "status": lab["balanced"] if balanced else lab["not_balanced"],
    }


def _zone_rows(result: RunResult, lab: dict[str, str]) -> list[dict[str, Any]]:
    by_zone = (result.kpis.get("evacuation") or {}).get("by_zone") or {}
    zones = result.tables.get("zones")
    table = {} if zones is None else {str(r["zone"]): r for r in zones.to_dict("records")}
    start, tz = result.meta.get("start"), result.meta.get("timezone")
    rows = []
    for zone_id in sorted(set(by_zone) | set(table), key=_natural):
        kz, tz_row = by_zone.get(zone_id) or {}, table.get(zone_id, {})
        order_s = as_seconds(kz.get("order_s", tz_row.get("order_s")))
        rows.append(
            {
                "zone": zone_id,
                "population": _count(tz_row.get("population")),
                "evacuees": _count(kz.get("evacuees", tz_row.get("evacuees"))),
                "order": format_hmm(order_s),
                "order_clock": "" if order_s is None else format_clock(start, tz, order_s),
                "ete": [_duration(kz.get(f"ete{p}_s"), lab["not_reached"]) for p in (50, 90, 100)],
                "exposed": _count(kz.get("exposed_persons")),
                "left_hazard": (lab["still_in"] if kz.get("still_exposed_persons")
                                else format_hmm(as_seconds(kz.get("last_left_hazard_s")))
                                if kz.get("last_left_hazard_s") is not None else "—"),
            }
        )
    return rows


def _hours(x: Any) -> str:
    s = as_seconds(x)
    return "—" if s is None else f"{s / 3600.0:,.1f}"


def _shelter_rows(result: RunResult) -> tuple[list[dict[str, str]], dict[str, str] | None]:
    shelters = result.tables.get("shelters")
    if shelters is None or shelters.empty:
        return [], None
    records = sorted(shelters.to_dict("records"), key=lambda r: _natural(r.get("shelter")))
    rows, cap_total, occ_total = [], 0.0, 0.0

    def full(occ: float | None, cap: float | None) -> str:
        return f"{occ / cap:.0%}" if occ is not None and cap else "—"

    for rec in records:
        cap, occ = as_seconds(rec.get("capacity")), as_seconds(rec.get("occupancy_end"))
        cap_total, occ_total = cap_total + (cap or 0.0), occ_total + (occ or 0.0)
        rows.append(
            {
                "id": str(rec.get("shelter", "")),
                "name": str(rec.get("name") or ""),
                "capacity": _count(cap),
                "occupancy": _count(occ),
                "full": full(occ, cap),
            }
        )
    total = {"capacity": _count(cap_total), "occupancy": _count(occ_total)}
    total["full"] = full(occ_total, cap_total)
    return rows, total


def _network(meta: dict[str, Any], lab: dict[str, str], lang: str) -> dict[str, Any] | None:
    net = meta.get("network")
    if not isinstance(net, dict) or not net:
        return None
    known = ("source", "nodes_read", "nodes_kept", "links_read", "links_kept")
    items = [(lab[k], _count(net[k])) for k in known[1:] if k in net]
    if net.get("source"):
        items.insert(0, (lab["source"], Path(str(net["source"])).name))
    for key, value in net.items():
        if key not in known and key != "notes" and isinstance(value, str | int | float):
            items.append((str(key).replace("_", " "), str(value)))
    notes = net.get("notes") or []
    return {"items": items, "notes": [translate_engine_text(lang, str(n)) for n in notes]
            if isinstance(notes, list) else []}


def _arrival_series(result: RunResult) -> pd.DataFrame:
    """Time series of the whole area (zone ``ALL``, or the sum over zones)."""
    ts: pd.DataFrame | None = result.tables.get("timeseries")
    if ts is None or ts.empty or "time_s" not in ts or "arrived" not in ts:
        return pd.DataFrame()
    whole = ts[ts["zone"].astype(str) == "ALL"] if "zone" in ts else ts
    if whole.empty:
        cols = [c for c in ("evacuees", "departed", "arrived") if c in ts]
        whole = ts.groupby("time_s", as_index=False)[cols].sum()
    return whole.dropna(subset=["time_s"]).sort_values("time_s")


def _bound_rows(b: dict[str, Any] | None, lab: dict[str, str]) -> dict[str, Any] | None:
    if not b:
        return None
    rows = []
    for p in (50, 90, 100):
        eff = b.get(f"efficiency{p}")
        rows.append((f"ETE{p}", _duration(b.get(f"ete{p}_s"), lab["not_reached"]),
                     "—" if eff is None else f"{eff:.2f}"))
    # street names, each with its link id in a tooltip (runs before names were reported:
    # the ids); an unnamed link shows its label ("unnamed service (id)")
    ids = [str(x) for x in b.get("bottleneck_links") or []]
    names = [str(x) for x in b.get("bottleneck_link_names") or []]
    labels = [str(x) for x in b.get("bottleneck_link_labels") or ids]
    links = [(n or lab_, i) for n, lab_, i in zip(names or labels, labels, ids, strict=False)]
    return {"rows": rows, "links": links[:12],
            "shelters": [str(x) for x in (b.get("bottleneck_shelters") or [])],
            "limited_by": lab.get(f"limited_{b.get('limited_by')}", str(b.get("limited_by")
                                                                        or "—"))}


def _standard_row(s: Mapping[str, Any], lab: dict[str, str], zh: bool) -> dict[str, Any]:
    """A service standard: its label, its rule in units (the KPI's key as a tooltip)."""
    op = {"<=": "≤", ">=": "≥"}.get(str(s["op"]), str(s["op"]))
    kpi = str(s["kpi"])
    name = re.sub(r"^ete(\d+)_s$", r"ETE\1", kpi.rsplit(".", 1)[-1])
    return {"label": (s.get("label_zh") if zh else None) or s["label"],
            "rule": f"{name} {op} {plain_value(kpi, s['threshold'], zh)}"
            + (lab["per_zone"] if s.get("per") else ""),
            "key": f"{kpi} {s['op']} {s['threshold']:g}",
            "value": plain_value(kpi, s.get("value"), zh, "—" if s.get("per")
                                 else lab["not_reached"]),
            "met": bool(s["met"]), "text": lab["met"] if s["met"] else lab["missed"],
            "failing": ", ".join(s.get("failing") or [])}


def _chart(result: RunResult, lab: dict[str, str]) -> Markup | None:
    """% of evacuees departed and arrived, the flow bound and the flood level, over hours."""
    series = _arrival_series(result)
    if series.empty:
        return None
    origin = as_seconds(result.meta.get("first_order_s")) or 0.0
    total = as_seconds((result.kpis.get("evacuation") or {}).get("evacuees"))

    def column(name: str, default: float | None) -> pd.Series:
        values = series[name] if name in series else pd.Series(default, index=series.index)
        return pd.to_numeric(values, errors="coerce")

    denom = column("evacuees", total).fillna(total or 0.0)
    denom = denom.where(denom > 0, float("nan"))
    hours = [float(h) for h in (column("time_s", None) - origin) / 3600.0]
    lines = []
    if "departed" in series:
        departed = (100.0 * column("departed", None) / denom).fillna(0.0).tolist()
        lines.append(Line(hours, departed, lab["departed"], "#757575", "--", width=1.4))
    arrived = (100.0 * column("arrived", None) / denom).fillna(0.0).tolist()
    lines.append(Line(hours, arrived, lab["arrived"], COLOURS[0], width=2.4))
    curve = result.tables.get("bound_curve")
    if curve is not None and not curve.empty and total:
        cb = curve[(curve["time_s"] >= origin) & ((curve["time_s"] - origin) / 3600.0
                                                  <= max(hours))]
        bx = [(float(t) - origin) / 3600.0 for t in cb["time_s"]]
        by = [100.0 * float(p) / total for p in cb["persons_safe"]]
        if bx and bx[-1] < max(hours):  # nobody more can be safe after the curve's end
            bx, by = [*bx, max(hours)], [*by, by[-1]]
        lines.append(Line(bx, by, lab["bound"], COLOURS[2], "--"))
    frames = result.tables.get("hazard_frames")
    flood = frames is not None and not frames.empty and {"time_s", "level_m"} <= set(frames)
    if frames is not None and flood:
        fr = frames.sort_values("time_s").dropna(subset=["level_m"])
        fx = [(float(t) - origin) / 3600.0 for t in fr["time_s"]]
        fy = [float(v) for v in fr["level_m"]]
        if fx and fx[-1] < max(hours):
            fx, fy = [*fx, max(hours)], [*fy, fy[-1]]
        lines.append(Line(fx, fy, lab["flood_level"], "#1e88e5", ":", right=True, step=True,
                          width=1.6))
    return line_chart(lines, title=lab["chart"], x_label=lab["x_axis"], y_label=lab["y_axis"],
                      y2_label=lab["flood_level"] if flood else None, y_range=(0.0, 100.0),
                      caption=lab["chart_caption"] + (lab["chart_flood"] if flood else ""))


def write_run_report(result: RunResult, path: Path,
                     suggestions: Mapping[str, Any] | None = None) -> Path:
    """Write the HTML report of one run.

    Parameters
    ----------
    result : RunResult
        The run to report. Missing tables or KPI keys show as "—" or leave a section out.
    path : Path
        Output ``.html`` file. Parent folders are created.
    suggestions : mapping, optional
        The content of ``suggestions.json`` (``--suggest-plan``): adds its section.

    Returns
    -------
    Path
        ``path``, once written.

    Notes
    -----
    The page is one UTF-8 file with inline CSS and an inline SVG chart, with no scripts
    and no external resources, so it can be e-mailed or archived as it is. All scenario
    text is escaped by jinja2's autoescaping.
    """
    meta, kpis = result.meta, result.kpis
    lang, lab = _labels(meta)
    ev = kpis.get("evacuation") or {}
    start, tz = meta.get("start"), meta.get("timezone")

    def local(key: str) -> Any:
        """``key`` in the report language (``scenario_title_zh``), else in English."""
        return (meta.get(f"{key}_zh") if lang.startswith("zh") else None) or meta.get(key)

    first_order = as_seconds(meta.get("first_order_s"))
    run_at = meta.get("run_at") or meta.get("created_at") or meta.get("created")
    person_s = as_seconds(ev.get("exposed_person_s"))
    ete = [(f"ETE{p}", _duration(ev.get(f"ete{p}_s"), lab["not_reached"])) for p in (50, 90, 100)]
    shelters, shelter_total = _shelter_rows(result)
    traffic: Mapping[str, Any] = kpis.get("traffic") or {}
    context = {
        "lang": lang,
        "lab": lab,
        "title": str(local("scenario_title") or meta.get("scenario") or lab["report"]),
        "scenario": str(meta.get("scenario") or ""),
        "plan_title": str(local("plan_title") or meta.get("plan") or ""),
        "plan": str(meta.get("plan") or ""),
        "seed": meta.get("seed", "—"),
        "version": meta.get("version", "—"),
        "run_at": str(run_at) if run_at else "",
        "written": format_instant(datetime.now(UTC), tz),
        "start": f"{format_clock(start, tz, 0.0)} ({tz or 'UTC'})" if start else "—",
        "first_order": "—"
        if first_order is None
        else f"{format_clock(start, tz, first_order)} (+{format_hmm(first_order)})",
        "duration": format_hmm(meta.get("duration_s")),
        "ledger": _ledger(kpis, lab),
        "vehicles": _count(ev.get("vehicles")),
        "ete": ete,
        "travel": [
            (lab["travel_mean"], _duration(ev.get("travel_time_mean_s"), "—")),
            (lab["travel_p95"], _duration(ev.get("travel_time_p95_s"), "—")),
        ],
        "exposed": _count(ev.get("exposed_persons")),
        "person_hours": "—" if person_s is None else f"{person_s / 3600.0:,.1f}",
        "exposure_split": [
            (lab["person_hours_home"], _hours(ev.get("exposed_person_s_at_home"))),
            (lab["person_hours_road"], _hours(ev.get("exposed_person_s_on_road"))),
            (lab["still_exposed"], _count(ev.get("still_exposed_persons"))),
        ],
        "bound": _bound_rows(kpis.get("bounds"), lab),
        "standards": [_standard_row(s, lab, lang.startswith("zh"))
                      for s in meta.get("standards") or []],
        "transit": [
            (lab["buses"], _count(kpis["transit"].get("buses"))),
            (lab["riders"], _count(kpis["transit"].get("riders"))),
            (lab["delivered"], _count(kpis["transit"].get("delivered"))),
            (lab["shelter_trips"], _count(kpis["transit"].get("shelter_trips"))),
            (lab["last_delivery"], format_hmm(as_seconds(kpis["transit"].get("last_delivery_s")))),
        ] if kpis.get("transit") else [],
        "summary": run_summary(result, meta.get("language")),
        "chart": _chart(result, lab),
        "has_evacuation": ev.get("evacuees") != 0,
        "extra_sections": [sec for sec in (*(f(result, lang) for f in SECTION_WRITERS),
                                           suggestion_section(suggestions, lang)) if sec],
        "zones": _zone_rows(result, lab),
        "shelters": shelters,
        "shelter_total": shelter_total,
        "network": _network(meta, lab, lang),
        "traffic": [
            (lab[k], _count(traffic[k]))
            for k in ("events", "link_traversals", "gridlock_forced_moves")
            if k in traffic
        ],
        "attribution": [str(a) for a in meta.get("attribution") or []],
        "warnings": [translate_engine_text(lang, str(w)) for w in meta.get("warnings") or []],
    }
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True, undefined=StrictUndefined
    )
    page = env.get_template(_TEMPLATE).render(**context)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    logger.info("Wrote run report %s (%d bytes)", out, out.stat().st_size)
    return out
