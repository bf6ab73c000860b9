"""The comparison report's first screen, and its chart of arrivals over time.

:func:`comparison_summary` says in plain words, from comparison.json alone, whether the
plans worked: for each plan how many evacuees reached a shelter on average and how many
did not (stranded, never left home, still on the way), which service standards it met in
every replication and which it missed (in how many), why an ETE is "not reached", and
when the composite score ranks first a plan that misses a standard another plan meets.
:func:`curves_chart` draws each plan's mean % arrived with its range over replications.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from musterpoint.display.i18n import N_, WORD_SPACE, bilingual
from musterpoint.display.timefmt import as_seconds
from musterpoint.reports.charts import COLOURS, Line, line_chart
from musterpoint.reports.run_summary import plain_value

__all__ = ["LABELS", "comparison_summary", "curves_chart"]

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = bilingual({
    "verdict": N_("Did these plans work?"),
    "best_all": N_("{plan} has the best score ({score} of 100) and meets every service standard "
                 "in all {n} replications."),
    "best_some": N_("{plan} has the best score ({score} of 100), but it does not meet every "
                  "service standard in every replication (see below)."),
    "best_none": N_("{plan} has the best score ({score} of 100); no service standards are set."),
    "got_out": N_("on average {arrived} of {evacuees} evacuees ({share}) reached a shelter; "
                "{stranded} were stranded, {never} never left home and {en_route} were still "
                "on the way at the end."),
    "met_all": N_("Met in every replication: {names}."),
    "missed": N_("Missed: {items}."),
    "missed_item": N_("{name} (met in {k} of {n} replications)"),
    "score_hides": N_(
        "The score ranks {best} first, yet it misses \"{std}\" in {k} of {n} replications, "
        "which {other} meets in every one. Read the standards before the score."),
    "why_not_reached": N_("Why a figure says \"not reached\""),
    "not_reached": N_(
        "{plan}: {items}. On average only {share} of the evacuees arrive; the stranded and "
        "those who never left stay in the count."),
    "reached_in": N_("{kpi} is reached in {k} of {n} replications"),
    "reasons_note": N_("Why people did not get out is in each run's report (muster run), which "
                     "lists them by reason."),
    "x_axis": N_("Hours after the scenario start (h)"),
    "y_axis": N_("% of evacuees at a shelter"),
    "chart": N_("% of evacuees arrived over time, every plan"),
    "caption": N_("Each line is a plan's mean over its replications; the shaded band spans the "
                "lowest to the highest replication at each time."),
    "sep": N_("; "),
}) | {"space": WORD_SPACE}

_ETES = ("evacuation.ete50_s", "evacuation.ete90_s", "evacuation.ete100_s")


def _mean(comp: dict[str, Any], kpi: str, plan: str) -> float | None:
    iv = ((comp["kpis"].get(kpi) or {}).get("plans") or {}).get(plan) or {}
    return as_seconds(iv.get("mean"))


def _plan_lines(comp: dict[str, Any], plan: str, lab: dict[str, str], zh: bool,
                label: dict[str, str]) -> list[str]:
    lines = []
    evacuees = _mean(comp, "evacuation.evacuees", plan)
    arrived = _mean(comp, "evacuation.arrived", plan)
    if evacuees and arrived is not None:
        def n(k: str) -> str:
            return plain_value("x", _mean(comp, f"evacuation.{k}", plan) or 0.0, zh)
        lines.append(lab["got_out"].format(
            arrived=plain_value("x", arrived, zh), evacuees=plain_value("x", evacuees, zh),
            share=f"{arrived / evacuees:.1%}", stranded=n("stranded"),
            never=n("never_departed"), en_route=n("en_route")))
    met, missed = [], []
    for s in comp["standards"]:
        v = s["plans"].get(plan)
        if v is None:
            continue
        if v["verdict"] == "met":
            met.append(label[s["key"]])
        else:
            missed.append(lab["missed_item"].format(name=label[s["key"]], k=v["n_met"],
                                                    n=v["n"]))
    if met:
        lines.append(lab["met_all"].format(names=lab["sep"].join(met)))
    if missed:
        lines.append(lab["missed"].format(items=lab["sep"].join(missed)))
    return lines


def comparison_summary(comp: dict[str, Any], names: dict[str, str], zh: bool,
                       kpi_name: Any) -> dict[str, Any]:
    """The first screen of the comparison report.

    Parameters
    ----------
    comp : dict
        comparison.json.
    names : dict
        Plan id -> its title in the report's language.
    zh : bool
        Chinese words.
    kpi_name : callable
        KPI key -> its readable name.

    Returns
    -------
    dict
        ``lab``, ``status`` (``yes``, ``no`` or ``none``), ``answer``, ``plans`` (name and
        sentences, in rank order), ``warnings`` (the score hides a failed standard) and
        ``not_reached`` (sentences).
    """
    lab = {k: v[1 if zh else 0] for k, v in LABELS.items()}
    label = {s["key"]: (s["label"].get("zh") if zh else None) or s["label"]["en"]
             for s in comp["standards"]}
    ranking = comp["score"]["ranking"]
    best = ranking[0]["plan"]
    n_rep = comp["replications"]
    best_std = [s["plans"][best] for s in comp["standards"] if best in s["plans"]]
    score = f"{ranking[0]['score']:.1f}"
    if not best_std:
        status, key = "none", "best_none"
    elif all(v["verdict"] == "met" for v in best_std):
        status, key = "yes", "best_all"
    else:
        status, key = "no", "best_some"
    answer = lab[key].format(plan=names[best], score=score, n=n_rep)
    plans = [{"id": r["plan"], "name": names[r["plan"]],
              "lines": _plan_lines(comp, r["plan"], lab, zh, label)} for r in ranking]
    warnings = []
    for s in comp["standards"]:
        v = s["plans"].get(best)
        if v is None or v["verdict"] == "met":
            continue
        other = next((r["plan"] for r in ranking[1:]
                      if (s["plans"].get(r["plan"]) or {}).get("verdict") == "met"), None)
        if other is not None:
            warnings.append(lab["score_hides"].format(
                best=names[best], std=label[s["key"]], k=v["n"] - v["n_met"], n=v["n"],
                other=names[other]))
    not_reached = []
    for r in ranking:
        p = r["plan"]
        evacuees, arrived = (_mean(comp, "evacuation.evacuees", p),
                             _mean(comp, "evacuation.arrived", p))
        items = []
        for kpi in _ETES:
            iv = ((comp["kpis"].get(kpi) or {}).get("plans") or {}).get(p)
            if iv is not None and iv["n"] != iv["n_total"]:
                items.append(lab["reached_in"].format(kpi=kpi_name(kpi), k=iv["n"],
                                                      n=iv["n_total"]))
        if items and evacuees and arrived is not None:
            not_reached.append(lab["not_reached"].format(
                plan=names[p], items=lab["sep"].join(items), share=f"{arrived / evacuees:.1%}"))
    return {"lab": lab, "status": status, "answer": answer, "plans": plans,
            "warnings": warnings, "not_reached": not_reached}


def curves_chart(comp: dict[str, Any], names: dict[str, str], zh: bool) -> Markup | None:
    """Each plan's mean % arrived over hours after the start, with its min-max band."""
    curves = comp.get("curves") or {}
    hours = [float(h) for h in curves.get("time_h") or []]
    if len(hours) < 2:
        return None
    lab = {k: v[1 if zh else 0] for k, v in LABELS.items()}
    lines = []
    for i, p in enumerate(comp["plans"]):
        c = (curves.get("plans") or {}).get(p["name"])
        if not c:
            continue
        k = min(len(hours), len(c["arrived_mean"]))
        lines.append(Line(hours[:k], c["arrived_mean"][:k], names[p["name"]],
                          COLOURS[i % len(COLOURS)], width=2.2,
                          band=(c["arrived_min"][:k], c["arrived_max"][:k])))
    return line_chart(lines, title=lab["chart"], x_label=lab["x_axis"], y_label=lab["y_axis"],
                      caption=lab["caption"], y_range=(0.0, 100.0))
