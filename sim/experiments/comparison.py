"""The comparison of plans (everything ``comparison.json`` holds), computed only from the
sorted run summaries of :func:`musterpoint.sim.experiments.runner.run_replications`.

KPI intervals, paired differences on common random numbers, standards, the composite
score and the replications check come from :mod:`musterpoint.sim.kpis.statistics`,
:mod:`musterpoint.sim.kpis.standards` and :mod:`musterpoint.sim.kpis.scoring`; this module adds
the whole-area evacuation curves and the links whose congestion changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from musterpoint.sim import __version__
from musterpoint.sim.experiments.jobs import ReplicationError, RunSummary
from musterpoint.sim.kpis import scoring
from musterpoint.sim.kpis import standards as standards_eval
from musterpoint.sim.kpis import statistics as st
from musterpoint.sim.kpis.scoring import ScoreWeights
from musterpoint.sim.kpis.standards import ScopedStandard
from musterpoint.sim.kpis.statistics import Target

__all__ = ["FORMAT", "LINK_CHANGE", "NULL_POLICY", "build_comparison"]

#: Format tag of comparison.json.
FORMAT = "musterpoint-comparison/1"
#: Smallest change of a link's mean peak occupancy that counts as "congestion changed".
LINK_CHANGE = 0.10
#: How null KPIs are treated (also written into comparison.json).
NULL_POLICY = (
    "A null KPI was never reached (e.g. an ETE when not everybody got out). KPI intervals "
    "use the replications where it was reached and give that count (n of n_total); paired "
    "differences use the seeds where both plans reached it; a null value never meets a "
    "standard; in the score a null KPI has the worst badness (1)."
)


def _curves(by_plan: dict[str, list[RunSummary]]) -> dict[str, Any]:
    """Whole-area % departed and arrived over time (hours after the scenario start)."""
    runs = [s for rs in by_plan.values() for s in rs]
    size = min(len(s.curve_time_s) for s in runs)
    out: dict[str, Any] = {"time_h": [t / 3600.0 for t in runs[0].curve_time_s[:size]],
                           "plans": {}}
    for plan, rs in by_plan.items():
        def pct(s: RunSummary, col: list[float]) -> list[float]:
            return [100.0 * v / s.evacuees if s.evacuees else 0.0 for v in col[:size]]
        arr = [pct(s, s.curve_arrived) for s in rs]
        dep = [pct(s, s.curve_departed) for s in rs]
        out["plans"][plan] = {
            "arrived_mean": [sum(c) / len(c) for c in zip(*arr, strict=True)],
            "arrived_min": [min(c) for c in zip(*arr, strict=True)],
            "arrived_max": [max(c) for c in zip(*arr, strict=True)],
            "departed_mean": [sum(c) / len(c) for c in zip(*dep, strict=True)],
        }
    return out


def _links(by_plan: dict[str, list[RunSummary]], base: str) -> dict[str, Any]:
    """Mean peak occupancy per link and plan, for the links whose congestion changed."""
    ids = sorted({k for rs in by_plan.values() for s in rs for k in s.link_peak})
    mean = {p: {k: sum(s.link_peak.get(k, 0.0) for s in rs) / len(rs) for k in ids}
            for p, rs in by_plan.items()}
    changed = {k: {p: mean[p][k] for p in by_plan} for k in ids
               if any(abs(mean[p][k] - mean[base][k]) >= LINK_CHANGE for p in by_plan)}
    return {"metric": "peak_occupancy", "threshold": LINK_CHANGE, "links_used": len(ids),
            "changed": changed}


def build_comparison(summaries: Sequence[RunSummary], *, scenario: dict[str, Any],
                     plans: Sequence[dict[str, Any]], standards: Sequence[ScopedStandard],
                     weights: ScoreWeights, base_seed: int, confidence: float = 0.95,
                     targets: Sequence[Target] | None = None) -> dict[str, Any]:
    """Everything comparison.json holds, computed only from the sorted run summaries.

    Parameters
    ----------
    summaries : sequence of RunSummary
        From :func:`musterpoint.sim.experiments.runner.run_replications`.
    scenario : dict
        ``name``, ``title``, ``title_zh``, ``start``, ``timezone``, ``duration_s``.
    plans : sequence of dict
        ``name``, ``title``, ``title_zh`` of each plan, the baseline first.
    standards : sequence of ScopedStandard
        From :func:`musterpoint.sim.kpis.standards.collect_standards`.
    weights : ScoreWeights
        Weights of the composite score.
    base_seed : int
        Seed of replication 0.
    confidence : float
        Level of every interval.
    targets : sequence of Target, optional
        Wanted half-widths; default: 1 point for the composite score and 5 % of the mean
        for the KPI of each (whole-area) standard.

    Returns
    -------
    dict
        JSON-ready; no wall-clock or machine-dependent field, so that the same seeds give
        the same file whichever executor ran them.
    """
    names = [str(p["name"]) for p in plans]
    by_plan = {n: [s for s in summaries if s.plan == n] for n in names}
    reps = len(by_plan[names[0]])
    seeds = [s.seed for s in by_plan[names[0]]]
    if any([s.seed for s in rs] != seeds for rs in by_plan.values()):
        raise ReplicationError("every plan needs the same seeds; some runs are missing")
    flat = {n: [st.flatten_kpis(s.kpis) for s in by_plan[n]] for n in names}
    scores = {n: [scoring.score_run(s.kpis, s.duration_s, weights) for s in by_plan[n]]
              for n in names}
    kpi_names = list(dict.fromkeys(k for n in names for f in flat[n] for k in f))
    values = {k: {n: [f.get(k) for f in flat[n]] for n in names} for k in kpi_names}
    values["score.composite"] = {n: [s["composite"] for s in scores[n]] for n in names}
    directions: dict[str, bool | None] = {t.kpi: True for t in weights.terms}
    directions["score.composite"] = False
    table = st.kpi_table(values, directions, confidence)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    diffs = [{"a": a, "b": b, "kpis": st.difference_table(values, a, b, directions, confidence)}
             for a, b in pairs]

    std_rows, per_run = standards_eval.standards_table(
        standards, {n: [r.kpis for r in by_plan[n]] for n in names}, confidence)
    score = scoring.score_table(weights, scores, values["score.composite"], confidence)
    if targets is None:
        head = dict.fromkeys(sc.standard.kpi for sc in standards if sc.standard.per is None)
        targets = [Target("score.composite", 1.0, False), *(Target(k, 0.05, True) for k in head)]
    return {
        "format": FORMAT,
        "version": __version__,
        "scenario": scenario,
        "plans": list(plans),
        "baseline": names[0],
        "replications": reps,
        "base_seed": base_seed,
        "seeds": seeds,
        "confidence": confidence,
        "null_policy": NULL_POLICY,
        "kpis": table,
        "differences": diffs,
        "standards": std_rows,
        "score": score,
        "replications_check": st.replications_check(table, targets, reps, confidence),
        "curves": _curves(by_plan),
        "zones": st.zone_table({n: [s.kpis for s in by_plan[n]] for n in names}, names[0],
                               confidence),
        "links": _links(by_plan, names[0]),
        "runs": [{"plan": n, "replication": s.replication, "seed": s.seed,
                  "score": scores[n][i]["composite"], "standards": per_run[n][i],
                  "kpis": flat[n][i]} for n in names for i, s in enumerate(by_plan[n])],
        "warnings": list(dict.fromkeys(w for s in summaries for w in s.warnings)),
    }
