"""The figures of a drill's after-action report, computed by replays.

:func:`after_action` replays the session to the scenario's end, with and without the
participants' decisions (the counterfactual: same scenario, seed, script and trainer
injects), and without each decision in turn, and gathers what the report
(:mod:`musterpoint.reports.after_action`) words and lays out: KPI differences,
capability targets (service standards), critical tasks, observations, coordination,
equipment and improvement-plan items.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from musterpoint.sim.drill.session import DrillSession
from musterpoint.sim.drill.store import Record
from musterpoint.sim.kpis.standards import evaluate
from musterpoint.sim.result import clean_json

__all__ = ["COMPARED_KPIS", "after_action"]

logger = logging.getLogger(__name__)

#: KPIs compared between the drill and its counterfactual: (path, better when lower).
COMPARED_KPIS: tuple[tuple[str, bool], ...] = (
    ("evacuation.arrived", False),
    ("evacuation.stranded", True),
    ("evacuation.en_route", True),
    ("evacuation.never_departed", True),
    ("evacuation.exposed_persons", True),
    ("evacuation.exposed_person_h", True),
    ("evacuation.still_exposed_persons", True),
    ("evacuation.ete50_s", True),
    ("evacuation.ete90_s", True),
    ("evacuation.travel_time_mean_s", True),
    ("traffic.vehicle_km", True),
)


def _get(kpis: Mapping[str, Any], path: str) -> Any:
    node: Any = kpis
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _with_hours(kpis: Mapping[str, Any]) -> dict[str, Any]:
    """The KPI tree with exposure also in person-hours (``evacuation.exposed_person_h``)."""
    out = dict(kpis)
    ev = out.get("evacuation", {})
    if "exposed_person_s" in ev and ev["exposed_person_s"] is not None:
        ev["exposed_person_h"] = ev["exposed_person_s"] / 3600.0
    return out


def _diff(a: Any, b: Any) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) - float(b)
    return None


def _compare(actual: Mapping[str, Any], other: Mapping[str, Any],
             ext_names: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    paths = list(COMPARED_KPIS)
    for name in ext_names:
        fam = actual.get(name)
        if isinstance(fam, Mapping):
            paths.extend((f"{name}.{k}", False) for k, v in fam.items()
                         if isinstance(v, int | float) and not isinstance(v, bool))
    for path, lower_better in paths:
        a, b = _get(actual, path), _get(other, path)
        d = _diff(a, b)
        if d is None and a == b:
            continue
        better: bool | None = None
        if d is not None and d != 0 and path.startswith(("evacuation.", "traffic.")):
            better = (d < 0) == lower_better
        elif d is None and (a is None) != (b is None) and path.endswith("_s"):
            better = b is None  # reached with the decisions, not without
        rows.append({"kpi": path, "with": a, "without": b, "difference": d,
                     "better": better, "lower_is_better": lower_better})
    return rows


def after_action(session: DrillSession, *, max_attributions: int = 12) -> dict[str, Any]:
    """Everything the after-action report needs, computed by replays.

    The session's records are replayed to the scenario's end three ways: as they are
    (``actual``); without any participants' decision (``counterfactual``: the same
    scenario, seed, script and trainer injects); and, for each of the first
    ``max_attributions`` decisions, without that one decision (its marginal effect).
    Scheduled injects that had not fired when the drill stopped are applied at their
    times in every replay.

    Parameters
    ----------
    session : DrillSession
        The session (it is not changed).
    max_attributions : int
        Most decisions whose effect is estimated one by one (each costs one run).

    Returns
    -------
    dict
        ``meta``, ``timeline``, ``kpis`` (actual), ``counterfactual_kpis``,
        ``differences``, ``decisions`` (with ``effects``), ``standards``,
        ``critical_tasks``, ``notes``, ``coordination``, ``equipment``, ``improvements``,
        ``trigger_firings`` (response levels entered and left, with the time each change
        came without the decisions, or None).
    """
    with session._lock:
        recs = session.records()
        key = recs[-1].seq if recs else 0
        if session._aar is not None and session._aar[0] == key:
            return session._aar[1]
        stop_s = session.now
        clock = session.clock()
        fired = dict(session.fired)
    t0 = time.perf_counter()
    decisions = [r for r in recs if r.type == "decision" and r.kind]
    ext_names = session.run.extension_names
    actual_res = session.replay_run(records=recs)
    actual = _with_hours(actual_res.kpis)
    cf_res = session.replay_run({r.seq for r in decisions}, records=recs)
    cf = _with_hours(cf_res.kpis)
    out_decisions = []
    for k, r in enumerate(decisions):
        item: dict[str, Any] = {**r.to_dict(), "effects": None}
        if k < max_attributions:
            without = _with_hours(session.replay_run({r.seq}, records=recs).kpis)
            item["effects"] = _compare(actual, without, ext_names)
        out_decisions.append(item)
    meta = {**session.store.meta, **actual_res.meta, "session": str(session.path),
            "stopped_at_s": stop_s, "ended": clock["ended"], "records": len(recs),
            "attributed": min(len(decisions), max_attributions),
            "decisions": len(decisions), "compute_s": 0.0,
            "plan_title_zh": session.plan.title.zh}
    result = {
        "meta": meta,
        "timeline": [r.to_dict() for r in recs if r.type != "clock" or r.kind not in
                     ("tick", "settings")],
        "kpis": actual,
        "counterfactual_kpis": cf,
        "differences": _compare(actual, cf, ext_names),
        "decisions": out_decisions,
        "standards": _standards(session, actual, cf),
        "critical_tasks": _critical_tasks(session, recs),
        "notes": [r.to_dict() for r in recs if r.type == "note"],
        "coordination": _coordination(session, recs),
        "equipment": {name: {"with": actual.get(name), "without": cf.get(name)}
                      for name in ext_names},
        "script": [{"id": s.inject.id, "time_s": s.time_s,
                    "title": s.inject.title.model_dump(),
                    "description": s.inject.description.model_dump(),
                    "expected_action": (s.inject.expected_action.model_dump()
                                        if s.inject.expected_action else None),
                    "effect": (s.inject.effect.model_dump() if s.inject.effect else None),
                    "fired_seq": fired.get(s.inject.id)} for s in session.script],
        "trigger_firings": _firings(actual_res.tables.get("level_changes"),
                                    cf_res.tables.get("level_changes")),
        "shelters": [{"id": d.id, "name": d.name, "capacity": float(d.capacity)}
                     for d in session.world.destinations],
    }
    result["improvements"] = _improvements(result)
    meta["compute_s"] = round(time.perf_counter() - t0, 2)
    logger.info("after-action replays: %d runs in %.1f s", 2 + meta["attributed"],
                meta["compute_s"])
    out: dict[str, Any] = clean_json(result)
    with session._lock:
        if session.last_seq() == key:
            session._aar = (key, out)
    return out


def _firings(actual: Any, without: Any) -> list[dict[str, Any]]:
    """Rows of the ``level_changes`` table, each with the time the same change (the
    same level entered or left for the same time) came in the counterfactual."""
    if actual is None or not len(actual):
        return []
    seen: dict[tuple[str, str], list[float]] = {}
    if without is not None:
        for r in without.itertuples():
            seen.setdefault((str(r.level), str(r.change)), []).append(float(r.time_s))
    count: dict[tuple[str, str], int] = {}
    out = []
    for r in actual.itertuples():
        key = (str(r.level), str(r.change))
        k = count.get(key, 0)
        count[key] = k + 1
        other = seen.get(key, [])
        out.append({"time_s": float(r.time_s), "level": str(r.level), "grade": int(r.grade),
                    "change": str(r.change), "condition": str(r.condition),
                    "value": float(r.value),
                    "without_s": other[k] if k < len(other) else None})
    return out


def _standards(session: DrillSession, actual: Mapping[str, Any],
               cf: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    stds = [("scenario", s) for s in session.loaded.scenario.standards] + \
        [("plan", s) for s in session.plan.standards]
    for source, s in stds:
        a, b = evaluate(s, actual), evaluate(s, cf)
        out.append({"id": s.id, "source": source, "kpi": s.kpi, "op": s.op,
                    "threshold": s.threshold, "per": s.per, "label": s.label.model_dump(),
                    "met": a.met, "value": a.value, "failing": a.failing,
                    "cf_met": b.met, "cf_value": b.value})
    return out


def _critical_tasks(session: DrillSession, recs: Sequence[Record]) -> list[dict[str, Any]]:
    """Each fired inject with an expected action, and the decisions that followed it."""
    fired = [r for r in recs if r.type == "inject"]
    out = []
    script = {s.inject.id: s.inject for s in session.script}
    for k, r in enumerate(fired):
        nxt = fired[k + 1].seq if k + 1 < len(fired) else math.inf
        after = [d for d in recs if d.type == "decision" and r.seq < d.seq < nxt]
        inj = script.get(r.inject_id)
        expected = inj.expected_action.model_dump() if inj and inj.expected_action else None
        if expected is None and not after:
            continue
        out.append({"inject_seq": r.seq, "inject_id": r.inject_id, "title": r.title,
                    "title_zh": inj.title.zh if inj else None, "time_s": r.sim_time_s,
                    "expected_action": expected,
                    "responses": [d.seq for d in after],
                    "first_response_s": (after[0].sim_time_s - r.sim_time_s) if after
                    else None})
    return out


def _coordination(session: DrillSession, recs: Sequence[Record]) -> dict[str, Any]:
    """Who decided what, and how fast the room responded to injects."""
    decisions = [r for r in recs if r.type == "decision"]
    by_actor: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for d in decisions:
        by_actor[d.actor or "—"] = by_actor.get(d.actor or "—", 0) + 1
        by_kind[d.kind] = by_kind.get(d.kind, 0) + 1
    tasks = _critical_tasks(session, recs)
    delays = [t["first_response_s"] for t in tasks if t["first_response_s"] is not None]
    injects = [r for r in recs if r.type == "inject"]
    return {"decisions": len(decisions), "injects": len(injects), "by_actor": by_actor,
            "by_kind": by_kind,
            "responded": len(delays), "unanswered": sum(1 for t in tasks if not t["responses"]),
            "mean_response_s": float(np.mean(delays)) if delays else None,
            "max_response_s": float(np.max(delays)) if delays else None,
            "wall_start": recs[0].wall_time if recs else None,
            "wall_end": recs[-1].wall_time if recs else None}


def _improvements(aar: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Improvement-plan items: the evaluators' own, then what the figures point to."""
    items: list[dict[str, Any]] = []
    for n in aar["notes"]:
        if n["title"] == "improvement":
            items.append({"source": "observer", "issue": {"en": n["rationale"], "zh": None},
                          "owner": n["actor"], "seq": n["seq"]})
    for s in aar["standards"]:
        if not s["met"]:
            items.append({"source": "standard", "standard": s["id"], "label": s["label"],
                          "kpi": s["kpi"], "value": s["value"], "threshold": s["threshold"],
                          "op": s["op"]})
    for t in aar["critical_tasks"]:
        if t["expected_action"] and not t["responses"]:
            items.append({"source": "task", "inject_id": t["inject_id"], "title": t["title"],
                          "expected_action": t["expected_action"]})
    ev = aar["kpis"].get("evacuation", {})
    if ev.get("stranded"):
        items.append({"source": "kpi", "kpi": "evacuation.stranded", "value": ev["stranded"]})
    if ev.get("never_departed"):
        items.append({"source": "kpi", "kpi": "evacuation.never_departed",
                      "value": ev["never_departed"]})
    return items
