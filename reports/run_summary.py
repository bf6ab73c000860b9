"""The run report's first screen: did this plan work, who did not get out and why.

It answers in plain words before any table: how many evacuees reached a shelter, who did
not and for what reason (grouped from column ``reason`` of ``agents.parquet``), which
service standards were met (values with units), and why an evacuation time estimate is
"not reached". The words are in :mod:`musterpoint.reports.run_summary_text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.display.i18n import N_, tr
from musterpoint.display.labels import is_chinese, pick_labels
from musterpoint.display.reasons import reason_groups
from musterpoint.display.timefmt import as_seconds
from musterpoint.display.units import unit
from musterpoint.reports.run_summary_text import LABELS, PREFIXES, REASONS, STATUS
from musterpoint.sim.result import RunResult

__all__ = ["explain_reason", "plain_duration", "plain_value", "reason_lines", "reason_rows",
           "run_summary"]

#: Order of the states in the "who did not get out" table.
_STATES = ("stranded", "never_departed", "sheltering_in_place", "en_route")
#: Most failing zones named in a standard's line.
_MAX_ZONES = 8


def plain_duration(seconds: Any, zh: bool, missing: str = "—") -> str:
    """A duration with its units: ``1 h 11 min`` or ``1小时11分钟`` (rounded to minutes)."""
    s = as_seconds(seconds)
    if s is None:
        return missing
    minutes = round(abs(s) / 60.0)
    h, m = divmod(minutes, 60)
    sign = "-" if s < 0 and minutes else ""
    lang = "zh" if zh else "en"
    text = (N_("{h} h {m} min") if h and m else N_("{h} h") if h else N_("{m} min"))
    return sign + tr(lang, text).format(h=h, m=m)


def plain_value(kpi: str, value: Any, zh: bool, missing: str = "—") -> str:
    """A KPI value with its unit, chosen by the KPI's suffix (``_s``, ``_person_s``)."""
    v = as_seconds(value)
    if v is None:
        return missing
    last = kpi.rsplit(".", 1)[-1]
    if "person_s" in last:
        return f"{v / 3600.0:,.1f} " + unit(("zh" if zh else "en"), "person-hours")
    if last.endswith("_s"):
        return plain_duration(v, zh)
    if last.startswith("share") or last.endswith("_share") or last.endswith("rate"):
        return f"{v:.1%}"
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2f}"


def explain_reason(reason: str, zh: bool) -> str:
    """The engine's reason for an agent's state, in plain words (as is when unknown)."""
    k = 1 if zh else 0
    if reason in REASONS:
        return REASONS[reason][k]
    for prefix, words in PREFIXES.items():
        if reason.startswith(prefix):
            rest = reason[len(prefix):]
            return words[k].format(rest=REASONS[rest][k] if rest in REASONS else rest)
    return reason


def reason_rows(agents: pd.DataFrame | None, end_s: float | None,
                zh: bool) -> list[dict[str, Any]] | None:
    """Persons not at a shelter, by final state and reason, largest group first.

    Parameters
    ----------
    agents : DataFrame or None
        The ``agents`` table; only evacuees count (shadow and background traffic not).
    end_s : float or None
        End of the run (seconds); a household that never left without a recorded reason
        is "not ordered" (no order time) or "after the end" (departure at or after it).
    zh : bool
        Chinese words.

    Returns
    -------
    list of dict or None
        ``state``, ``status``, ``reason`` (engine words), ``why`` (plain words), ``persons``
        (int); None without the table.
    """
    if agents is None or "status" not in agents or "persons" not in agents:
        return None
    ag = agents[agents["role"] == "evacuee"] if "role" in agents else agents
    ag = ag[ag["status"].isin(_STATES)]
    if ag.empty:
        return []
    reason = (ag["reason"] if "reason" in ag else pd.Series("", index=ag.index)).fillna("")
    reason = reason_groups(reason)
    blank = (reason == "") & (ag["status"] == "never_departed")
    if blank.any() and "order_s" in ag:
        # a zone never ordered out has no order time: missing or infinite (level plans)
        unordered = blank & ~np.isfinite(pd.to_numeric(ag["order_s"], errors="coerce"))
        reason = reason.mask(unordered, "not ordered")
        if end_s is not None and "depart_s" in ag:
            reason = reason.mask(blank & ~unordered & (ag["depart_s"] >= end_s), "after the end")
    grouped = (ag.assign(reason=reason).groupby(["status", "reason"])["persons"].sum()
               .reset_index())
    grouped["rank"] = grouped["status"].map({s: i for i, s in enumerate(_STATES)})
    grouped = grouped.sort_values(["rank", "persons", "reason"], ascending=[True, False, True])
    k = 1 if zh else 0
    rows: list[dict[str, Any]] = []
    for status, why, persons in zip(grouped["status"].astype(str), grouped["reason"].astype(str),
                                    grouped["persons"].astype(float), strict=True):
        if persons > 0:
            rows.append({"status": status, "state": STATUS[status][k], "reason": why,
                         "why": explain_reason(why, zh), "persons": round(persons)})
    return rows


def reason_lines(result: RunResult, language: Any) -> list[str]:
    """One line per group of evacuees not at a shelter: ``2,661 stranded: cut off at home...``.

    For the terminal summary of ``muster run``; empty when everybody arrived or the run
    has no agents table.
    """
    zh = is_chinese(language)
    rows = reason_rows(result.tables.get("agents"), as_seconds(result.meta.get("duration_s")), zh)
    line = tr("zh" if zh else "en", N_("{n} {state}: {why}"))
    return [line.format(n=f"{r['persons']:,}", state=r["state"], why=r["why"])
            for r in rows or []]


def _standard_line(s: Mapping[str, Any], lab: dict[str, str], zh: bool) -> dict[str, Any]:
    kpi = str(s.get("kpi", ""))
    label = (s.get("label_zh") if zh else None) or s.get("label") or s.get("id") or kpi
    value = plain_value(kpi, s.get("value"), zh, lab["not_reached"])
    op = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "="}.get(str(s.get("op")), "")
    parts = [lab["required"].format(op=op, threshold=plain_value(kpi, s.get("threshold"), zh))]
    failing = [str(z) for z in s.get("failing") or []]
    if s.get("per"):
        if failing:
            zones = ", ".join(failing[:_MAX_ZONES])
            if len(failing) > _MAX_ZONES:
                zones += " " + lab["more_zones"].format(n=len(failing) - _MAX_ZONES)
            parts.insert(0, lab["missed_in"].format(n=len(failing), zones=zones))
    else:
        parts.insert(0, lab["this_run"].format(value=value))
    met = bool(s.get("met"))
    return {"label": str(label), "met": met, "text": lab["met"] if met else lab["missed"],
            "detail": ("；" if zh else "; ").join(parts)}


def _not_reached(ev: Mapping[str, Any], bounds: Mapping[str, Any], lab: dict[str, str],
                 zh: bool) -> list[str]:
    evacuees, arrived = as_seconds(ev.get("evacuees")), as_seconds(ev.get("arrived"))
    if not evacuees or arrived is None:
        return []
    share = arrived / evacuees
    best = as_seconds(bounds.get("max_share_safe"))
    lines: list[str] = []
    for p in (50, 90, 100):
        if ev.get(f"ete{p}_s") is not None:
            continue
        if lines:  # a higher share than one already explained
            lines.append(lab["same_reason"].format(term=lab["ete_term"].format(p=p)))
            continue
        text = lab["not_reached_because"].format(
            term=lab["ete_term"].format(p=p), share=f"{share:.1%}",
            rest=f"{round(evacuees - arrived):,}")
        if best is not None and best < p / 100.0 - 1e-9:
            text += lab["space"] + lab["bound_cap"].format(best=f"{best:.1%}")
        lines.append(text)
    return lines


def run_summary(result: RunResult, language: Any) -> dict[str, Any] | None:
    """The context of the first screen of the run report (None when nobody is evacuated).

    Parameters
    ----------
    result : RunResult
        The run.
    language : Any
        ``en`` or ``zh`` (anything starting with ``zh`` is Chinese).

    Returns
    -------
    dict or None
        ``lab`` (labels), ``status`` (``yes``, ``no`` or ``none``), ``answer``, ``lines``
        (sentences), ``reasons`` (rows, or None without agents), ``standards`` (lines) and
        ``not_reached`` (explanations).
    """
    zh = is_chinese(language)
    lab = pick_labels(LABELS, language)
    ev = (result.kpis.get("evacuation") or {})
    evacuees = as_seconds(ev.get("evacuees"))
    if not evacuees:
        return None
    arrived = as_seconds(ev.get("arrived")) or 0.0
    end_s = as_seconds(result.meta.get("duration_s"))
    lines = [lab["got_out"].format(arrived=f"{round(arrived):,}", evacuees=f"{round(evacuees):,}",
                                   share=f"{arrived / evacuees:.1%}",
                                   duration=plain_duration(end_s, zh))]
    if ev.get("ete100_s") is not None:
        lines.append(lab["all_out"].format(ete100=plain_duration(ev["ete100_s"], zh)))
    elif ev.get("ete50_s") is not None:
        lines.append(lab["half_out"].format(ete50=plain_duration(ev["ete50_s"], zh)))
    standards = [_standard_line(s, lab, zh) for s in result.meta.get("standards") or []]
    missed = sum(not s["met"] for s in standards)
    if not standards:
        status, answer = "none", lab["no_standards"]
    elif missed:
        status, answer = "no", lab["no"].format(missed=missed, n=len(standards))
    else:
        status, answer = "yes", lab["yes"]
    rows = reason_rows(result.tables.get("agents"), end_s, zh)
    for row in rows or []:
        row["share"] = f"{row['persons'] / evacuees:.1%}"
        row["persons_text"] = f"{row['persons']:,}"
    bounds = result.kpis.get("bounds") or {}
    return {"lab": lab, "status": status, "answer": answer, "lines": lines, "reasons": rows,
            "standards": standards, "not_reached": _not_reached(ev, bounds, lab, zh),
            "all_out": bool(rows == [] or (rows is None and math.isclose(arrived, evacuees)))}
