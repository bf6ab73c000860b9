"""Self-contained HTML report of a comparison of plans (from comparison.json alone).

Sections: which plan is better (ranking by composite score, with the paired difference to
the best plan), scorecard, service standards met by each plan, arrival curves overlaid,
every KPI with its confidence interval, paired differences between plans (next to the
unpaired interval, to show what common random numbers gain), the replications check, and
notes on method. English or Simplified Chinese; no scripts and no network; all text from
files is escaped by jinja2. Because it reads only the comparison dict, the report can be
re-rendered from the results catalog without re-running anything.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from musterpoint.display.engine_text import translate_engine_text
from musterpoint.display.i18n import N_, P_, bilingual
from musterpoint.display.labels import is_chinese
from musterpoint.display.timefmt import as_seconds, format_instant
from musterpoint.reports.comparison_summary import comparison_summary, curves_chart
from musterpoint.reports.run_report import LABELS as RUN_LABELS

__all__ = ["KPI_NAMES", "LABELS", "format_value", "write_comparison_report"]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE = "comparison_report.html.j2"

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = bilingual({
    "report": N_("Comparison of plans"),
    "answer": N_("Which plan is better?"),
    "best": N_("best composite score"),
    "worse": N_("worse than the best by"),
    "unclear": N_("cannot be told apart from the best with these replications"),
    "same": N_("identical to the best"),
    "scorecard": N_("Scorecard"),
    "rank": N_("Rank"),
    "plan": N_("Plan"),
    "score": N_("Composite score (0–100)"),
    "standards_met": N_("Standards met in every replication"),
    "life_safety": N_("Life safety"), "timeliness": N_("Timeliness"),
    "supply": N_("Supply"), "cost": N_("Cost"),
    "badness_note": N_("Category columns: how far from the best, 0 (best) to 1 (worst)."),
    "standards": N_("Service standards"),
    "standard": N_("Standard"),
    "met": N_("met"), "missed": N_("missed"), "sometimes": N_("sometimes"),
    "replications_met": N_("replications meeting it"),
    "failing_zones": N_("zones missing it"),
    "no_standards": N_("No standards are set in the scenario or the plans."),
    "curves": N_("% of evacuees arrived over time (mean; band: range over replications)"),
    "x_axis": N_("Hours after the scenario start"),
    "kpis": N_("KPIs with 95 % confidence intervals"),
    "kpi": N_("KPI"),
    "zone_ete": N_("Evacuation time estimate by zone, every plan (mean over replications)"),
    "zone": N_("Zone"),
    "zone_note": N_("h:mm after the first order; (n/N): replications that reached the share; "
                  "— : never reached"),
    "kpi_note": N_("mean ± half-width of the t interval; (n/N): replications in which the KPI "
                 "was reached, of all."),
    "differences": N_("Paired differences"),
    "paired": N_("Paired (same seeds)"),
    "unpaired": N_("Unpaired (for reference)"),
    "verdict": N_("Reading"),
    "better": N_("better"), "worse_v": N_("worse"), "higher": N_("higher"),
    "lower": N_("lower"), "unclear_v": N_("cannot tell"),
    "same_v": N_("same"),
    "no data": N_("no data"),
    "width_ratio": N_("Paired interval ÷ unpaired (under 1: the same seeds sharpened it)"),
    "check": N_("Are there enough replications?"),
    "enough": N_("Every target half-width is reached."),
    "too_few": N_("Too few replications for these targets:"),
    "method": N_("Method"),
    "warnings": N_("Warnings from the runs"),
    "crn": N_("Replication i of every plan uses seed {s}+i: the same random draws for the same "
            "processes (common random numbers), so differences are paired by seed."),
    "weights": N_("Score weights"),
    "default_weights": N_("default weights"),
    "unavailable": N_("Not in these runs (left out of the score)"),
    "null_policy": N_(
        "A null KPI was never reached (e.g. an ETE when not everybody got out). KPI "
        "intervals use the replications where it was reached and give that count (n/N); "
        "paired differences use the seeds where both plans reached it; a null value never "
        "meets a standard; in the score a null KPI has the worst badness (1)."),
    "seeds": N_("Seeds"), "replications": N_("Replications"),
    "confidence": N_("Confidence level"),
})

#: Readable names of known KPIs: dotted name -> (English, Chinese). Others show as named.
KPI_NAMES: dict[str, tuple[str, str]] = bilingual({
    "score.composite": N_("Composite score"),
    "evacuation.evacuees": N_("Evacuees"),
    "evacuation.vehicles": N_("Vehicles"),
    "evacuation.arrived": N_("Arrived"),
    "evacuation.stranded": N_("Stranded"),
    "evacuation.en_route": N_("En route at end"),
    "evacuation.never_departed": N_("Never departed"),
    "evacuation.ete50_s": N_("ETE50"),
    "evacuation.ete90_s": N_("ETE90"),
    "evacuation.ete100_s": N_("ETE100"),
    "evacuation.travel_time_mean_s": N_("Travel time, mean"),
    "evacuation.travel_time_p95_s": N_("Travel time, 95th percentile"),
    "evacuation.exposed_persons": N_("Persons exposed"),
    "evacuation.exposed_person_s": N_("Person-hours exposed"),
    "traffic.vehicle_km": N_("Vehicle-km"),
    "traffic.gridlock_forced_moves": N_("Gridlock releases"),
    "evacuation.exposed_person_s_at_home": N_("Person-hours exposed at home"),
    "evacuation.exposed_person_s_on_road": N_("Person-hours exposed on the road"),
    "evacuation.still_exposed_persons": P_("count", "Still in the hazard at the end"),
    "traffic.events": N_("Simulation events"),
    "traffic.link_traversals": N_("Road-link traversals"),
    "traffic.route_rebuilds": N_("Route rebuilds (after closures)"),
})
_HEADLINE = ("evacuation.arrived", "evacuation.stranded", "evacuation.ete50_s",
             "evacuation.ete90_s")


def _pick(pair: tuple[str, str], zh: bool) -> str:
    return pair[1] if zh else pair[0]


def format_value(kpi: str, value: Any, signed: bool = False) -> str:
    """A KPI value for people: times in minutes, person-seconds in person-hours.

    Parameters
    ----------
    kpi : str
        Dotted KPI name; its suffix decides the unit (``_person_s``, ``_s``).
    value : Any
        The value (None, NaN: "—").
    signed : bool
        Show a ``+`` on positive values (for differences).
    """
    v = as_seconds(value)
    if v is None:
        return "—"
    sign = "+" if signed else ""
    last = kpi.rsplit(".", 1)[-1]
    if last.endswith("person_s") or "_person_s_" in last:
        return f"{v / 3600.0:{sign},.1f} p·h"
    if last.endswith("_s"):
        return f"{v / 60.0:{sign},.1f} min"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:{sign},.0f}"
    return f"{v:{sign},.2f}"


def _half_width(kpi: str, iv: dict[str, Any]) -> str:
    """``± half-width`` of an interval, formatted like its KPI (empty without one)."""
    if iv.get("half_width") is None:
        return ""
    return "± " + format_value(kpi, iv["half_width"]).lstrip("+")


def _context(comp: dict[str, Any], zh: bool) -> dict[str, Any]:
    code = "zh" if zh else "en"
    lab = {k: _pick(v, zh) for k, v in LABELS.items()}
    lab["colon"] = _pick(RUN_LABELS["colon"], zh)
    plans = comp["plans"]
    names = {p["name"]: ((p.get("title_zh") if zh else None) or p.get("title") or p["name"])
             for p in plans}
    kpis = comp["kpis"]

    def kname(k: str) -> str:
        return _pick(KPI_NAMES[k], zh) if k in KPI_NAMES else k

    def cell(k: str, iv: dict[str, Any]) -> dict[str, str]:
        n = f"({iv['n']}/{iv['n_total']})" if iv["n"] != iv["n_total"] else ""
        return {"mean": format_value(k, iv["mean"]), "hw": _half_width(k, iv), "n": n}

    ranking = comp["score"]["ranking"]
    best = ranking[0]["plan"]
    answer = []
    for r in ranking:
        vs = r["vs_best"]
        if r["rank"] == 1:
            text = lab["best"]
        elif r["verdict"] == "worse":
            text = (f"{lab['worse']} {-vs['mean']:.1f} (95 % CI {-vs['hi']:.1f} – "
                    f"{-vs['lo']:.1f})")
        else:
            text = lab["same" if r["verdict"] == "same" else "unclear"]
        answer.append({"rank": r["rank"], "plan": names[r["plan"]], "id": r["plan"],
                       "score": format_value("score", r["score"]), "text": text})
    stds = comp["standards"]
    score_cats = comp["score"]["categories"]
    cats = list(comp["score"]["weights"]["categories"])
    scorecard = []
    for r in ranking:
        p = r["plan"]
        met = [s for s in stds if p in s["plans"]]
        scorecard.append({
            "rank": r["rank"], "plan": names[p], "id": p,
            "score": cell("score", kpis["score.composite"]["plans"][p]),
            "cats": [format_value("x", score_cats[p][c]["mean"]) for c in cats],
            "standards": f"{sum(s['plans'][p]['verdict'] == 'met' for s in met)}/{len(met)}",
            "headline": [cell(k, kpis[k]["plans"][p]) for k in _HEADLINE if k in kpis]})
    standards = []
    for s in stds:
        text = (s["label"].get("zh") if zh else None) or s["label"]["en"]
        row = {"id": s["key"], "label": text, "rule": f"{s['kpi']} {s['op']} {s['threshold']:g}"
               + (" (per zone)" if s["per"] else ""), "cells": []}
        for p in plans:
            v = s["plans"].get(p["name"])
            if v is None:
                row["cells"].append(None)
                continue
            row["cells"].append({"plan": p["name"], "verdict": v["verdict"],
                                 "text": lab[v["verdict"]], "n": f"{v['n_met']}/{v['n']}",
                                 "zones": ", ".join(list(v["failing_zones"])[:8])})
        standards.append(row)
    diffs = []
    for d in comp["differences"]:
        rows = []
        for k, v in d["kpis"].items():
            pw_, uw = v["paired"]["half_width"], v["unpaired"]["half_width"]
            ratio = f"{pw_ / uw:.2f}" if pw_ is not None and uw else "—"
            verdict = {"worse": "worse_v", "unclear": "unclear_v", "same": "same_v"}.get(
                v["verdict"], v["verdict"])
            rows.append({"kpi": kname(k), "key": k, "verdict": v["verdict"],
                         "paired": _cell_diff(k, v["paired"]), "unpaired":
                         _cell_diff(k, v["unpaired"]), "text": lab[verdict], "ratio": ratio})
        diffs.append({"a": names[d["a"]], "b": names[d["b"]], "rows": rows})
    check = comp["replications_check"]
    return {
        "lang": "zh-Hans" if zh else "en", "lab": lab,
        "title": (comp["scenario"].get("title_zh") if zh else None)
        or comp["scenario"].get("title") or comp["scenario"]["name"],
        "scenario": comp["scenario"]["name"], "version": comp["version"],
        "plans": [{"id": p["name"], "name": names[p["name"]]} for p in plans],
        "replications": comp["replications"], "confidence": f"{comp['confidence']:.0%}",
        "seeds": f"{comp['seeds'][0]}–{comp['seeds'][-1]}", "best": names[best],
        "answer": answer, "scorecard": scorecard, "cats": [lab.get(c, c) for c in cats],
        "headline": [kname(k) for k in _HEADLINE if k in kpis],
        "standards": standards, "chart": curves_chart(comp, names, zh),
        "summary": comparison_summary(comp, names, zh, kname),
        "kpi_rows": [{"name": kname(k), "key": k,
                      "cells": [cell(k, v["plans"][p["name"]]) for p in plans]}
                     for k, v in kpis.items()],
        "diffs": diffs, "too_few": [translate_engine_text(code, t) for t in check["too_few"]],
        "zone_etes": _zone_etes(comp, plans),
        "crn": lab["crn"].format(s=comp["base_seed"]), "null_policy": lab["null_policy"],
        "weights": {lab.get(c, c): w for c, w in comp["score"]["weights"]["categories"].items()},
        "weights_source": (lab["default_weights"] if comp["score"]["weights"]["source"]
                           == "default" else comp["score"]["weights"]["source"]),
        "unavailable": [lab.get(c, c) for c in comp["score"]["unavailable"]["categories"]]
        + [kname(t) for t in comp["score"]["unavailable"]["terms"]],
        "warnings": [translate_engine_text(code, str(w))
                     for w in comp.get("warnings") or []],
        "written": format_instant(datetime.now(UTC), comp["scenario"].get("timezone")),
    }


def _zone_etes(comp: dict[str, Any], plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per zone and plan, the mean ETE50/90/100 and how many replications reached it."""
    rows = []
    n_all = comp["replications"]
    for zone, v in (comp.get("zones") or {}).items():
        cells = []
        for p in plans:
            got = (v.get("plans") or {}).get(p["name"], {})
            for share in (50, 90, 100):
                # comparison.json keys per-zone KPIs by family, as flatten_zone_kpis does
                key = f"evacuation.ete{share}_s"
                iv = got.get(key) or {}
                mean, n = iv.get("mean"), iv.get("n", 0)
                text = "—" if mean is None else format_value(key, mean)
                cells.append(f"{text} ({n}/{n_all})")
        rows.append({"zone": zone, "cells": cells})
    return rows


def _cell_diff(kpi: str, iv: dict[str, Any]) -> dict[str, str]:
    """A difference with its interval: ``+3.0 min [1.2, 4.8]``."""
    if iv["mean"] is None:
        return {"mean": "—", "ci": "", "n": ""}
    ci = "" if iv["lo"] is None else (f"[{format_value(kpi, iv['lo'], True)}, "
                                      f"{format_value(kpi, iv['hi'], True)}]")
    n = f"(n={iv['n']})" if iv["n"] != iv["n_total"] else ""
    return {"mean": format_value(kpi, iv["mean"], True), "ci": ci, "n": n}


def write_comparison_report(comparison: dict[str, Any], path: Path, lang: str = "en") -> Path:
    """Write the HTML report of a comparison.

    Parameters
    ----------
    comparison : dict
        The content of comparison.json (as built by
        :func:`musterpoint.sim.experiments.comparison.build_comparison`).
    path : Path
        Output ``.html`` file; parent folders are created.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    Path
        ``path``, once written.
    """
    ctx = _context(comparison, is_chinese(lang))
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined)
    page = env.get_template(_TEMPLATE).render(**ctx)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    logger.info("Wrote comparison report %s (%d bytes)", out, out.stat().st_size)
    return out
