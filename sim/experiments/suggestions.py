"""Test suggested changes of a plan on common random numbers and keep those that help.

:func:`suggest` takes the candidates of :mod:`musterpoint.sim.experiments.candidates`,
simulates the base plan and each candidate on the same seeds (common random numbers: the
same households, cars and departure draws), and keeps a candidate only if

* its composite score (:func:`musterpoint.sim.kpis.scoring.score_run`) is higher than the
  base plan's on the paired comparison (the 95 % interval of the per-seed difference lies
  above zero), or it meets a service standard on more seeds than the base plan without a
  lower score; and
* it meets no standard on fewer seeds than the base plan.

Two or more kept candidates are combined into one plan and simulated again; the
combination is suggested if it scores at least as well as the best single one (and is kept
by the same rule), otherwise the best single one is. Every candidate's per-seed scores and
standards, before and after, and the reason for each rejection are in the returned
:class:`Suggestions` (``suggestions.json``). When nothing helps, :func:`why_nothing_helps`
explains it from the base runs: the bound's limit (departures, shelters or roads), how
closely arrivals follow departures, and who cannot move at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.experiments.candidates import Candidate, Skipped, combine
from musterpoint.sim.experiments.jobs import RunJob, RunSummary
from musterpoint.sim.experiments.runner import Executor, run_replications
from musterpoint.sim.kpis.scoring import DEFAULT_WEIGHTS, ScoreWeights, score_run
from musterpoint.sim.kpis.standards import evaluate
from musterpoint.sim.kpis.statistics import paired_difference, verdict
from musterpoint.sim.world import World

__all__ = ["FORMAT", "SUGGESTIONS_KEYS", "Suggestions", "suggest", "why_nothing_helps"]

logger = logging.getLogger(__name__)

#: Format tag of suggestions.json.
FORMAT = "musterpoint-suggestions/1"

#: The keys of ``suggestions.json`` as (key, unit, meaning), for ``docs/outputs.md``; a
#: plan record is the dict under ``base``, each of ``candidates`` and ``combined``.
SUGGESTIONS_KEYS: tuple[tuple[str, str, str], ...] = (
    ("format", "", f"format tag, `{FORMAT}`"),
    ("seeds", "", "the common seeds every plan was simulated on (common random numbers)"),
    ("base", "", "plan record of the base plan"),
    ("candidates", "", "plan record of every candidate change simulated"),
    ("skipped", "", "kinds of change not proposed: `kind` and `reason` (`en`/`zh`)"),
    ("combined", "", "plan record of the kept candidates combined (null: fewer than two kept)"),
    ("suggested", "", "the suggestion (null: nothing helps): `plan`, `from` (candidate keys), "
     "`summary` (`en`/`zh`), `score_before`, `score_after`, per-seed `scores_before`, "
     "`scores_after` and their paired `difference`"),
    ("why_none", "", "when nothing helps, the reasons (`en`/`zh`)"),
    ("<record>.plan", "", "plan name"),
    ("<record>.seeds", "", "seeds of its runs"),
    ("<record>.scores", "points", "composite score per seed (0–100)"),
    ("<record>.score_mean", "points", "their mean"),
    ("<record>.standards_met", "", "per service standard id, met (true/false) per seed"),
    ("<record>.ete50_s", "s", "ETE50 per seed (null: not reached)"),
    ("<record>.ete90_s", "s", "ETE90 per seed (null: not reached)"),
    ("<record>.arrived", "persons", "persons safe per seed"),
    ("<record>.kind", "", "candidates: staging, contraflow, shelters or combined"),
    ("<record>.key", "", "candidates: short unique name, also the plan name's suffix"),
    ("<record>.summary", "", "candidates: what it changes, in plain words (`en`/`zh`)"),
    ("<record>.details", "", "candidates: machine-readable figures (zones and delays, "
     "streets and link ids, zone to shelter)"),
    ("<record>.difference", "points", "candidates: paired difference of the score from the "
     "base plan: `n`, `mean`, `sd`, `half_width`, `lo`, `hi` (95 % interval)"),
    ("<record>.verdict", "", "candidates: better, worse, same, unclear (no clear difference) "
     "or no data"),
    ("<record>.kept", "", "candidates: kept by the rule above"),
    ("<record>.reason", "", "candidates: why not kept (`en`/`zh`), or null"),
    ("<record>.standards_gained", "", "candidates: standards met on more seeds "
     "(`id`, `before`, `after`)"),
    ("<record>.standards_lost", "", "candidates: standards met on fewer seeds"),
)


@dataclass
class Suggestions:
    """The outcome of :func:`suggest` (JSON-ready with :meth:`to_dict`).

    Attributes
    ----------
    base : dict
        The base plan's name, per-seed scores and standards.
    candidates : list of dict
        Every candidate simulated, with scores, the paired difference, its verdict, the
        standards per seed, ``kept`` and, if not kept, ``reason`` (``en``/``zh``).
    skipped : list of dict
        Kinds of change not proposed, and why.
    combined : dict or None
        The combination of the kept candidates, when two or more were kept.
    plan : Plan or None
        The suggested plan (None: nothing helps).
    why_none : list of dict
        When nothing helps, the reasons (``en``/``zh``).
    seeds : list of int
        The common seeds.
    """

    base: dict[str, Any]
    candidates: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    combined: dict[str, Any] | None
    plan: Plan | None
    why_none: list[dict[str, str]] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    suggested: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (no wall-clock figure)."""
        return {"format": FORMAT, "seeds": self.seeds, "base": self.base,
                "candidates": self.candidates, "skipped": self.skipped,
                "combined": self.combined, "suggested": self.suggested,
                "why_none": self.why_none}


def _standards(world: World, base: Plan) -> list[Any]:
    return [*world.loaded.scenario.standards, *base.standards]


def _per_plan(summaries: Sequence[RunSummary], plan: str, weights: ScoreWeights,
              standards: Sequence[Any]) -> dict[str, Any]:
    runs = [s for s in summaries if s.plan == plan]
    scores = [score_run(s.kpis, s.duration_s, weights)["composite"] for s in runs]
    met = {st.id: [evaluate(st, s.kpis).met for s in runs] for st in standards}
    ev = [s.kpis.get("evacuation") or {} for s in runs]
    return {"plan": plan, "seeds": [s.seed for s in runs], "scores": scores,
            "score_mean": _mean(scores), "standards_met": met,
            "ete50_s": [e.get("ete50_s") for e in ev], "ete90_s": [e.get("ete90_s") for e in ev],
            "arrived": [e.get("arrived") for e in ev]}


def _mean(xs: Sequence[float | None]) -> float | None:
    got = [float(x) for x in xs if x is not None]
    return float(np.mean(got)) if got else None


def _judge(base: dict[str, Any], cand: dict[str, Any],
           labels: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """Paired comparison of a candidate with the base plan, and whether to keep it."""
    diff = paired_difference(base["scores"], cand["scores"])
    ver = verdict(diff, False)
    n = len(cand["scores"])
    gained, lost = [], []
    for sid, met in cand["standards_met"].items():
        before, after = sum(base["standards_met"][sid]), sum(met)
        if after > before:
            gained.append((sid, before, after))
        elif after < before:
            lost.append((sid, before, after))
    d = diff.to_dict()
    ci = (f"{d['mean']:+.2f} points (95 % interval {d['lo']:+.2f} to {d['hi']:+.2f})"
          if d["lo"] is not None else f"{(d['mean'] or 0.0):+.2f} points")
    ci_zh = (f"{d['mean']:+.2f}分（95%区间{d['lo']:+.2f}至{d['hi']:+.2f}）"
             if d["lo"] is not None else f"{(d['mean'] or 0.0):+.2f}分")
    keep = not lost and (ver == "better" or (bool(gained) and ver != "worse"))
    reason: dict[str, str] | None = None
    if lost:
        sid, b, a = lost[0]
        lab = labels.get(sid, {"en": sid, "zh": sid})
        reason = {"en": f"meets “{lab['en']}” on {a} of {n} seeds instead of {b}",
                  "zh": f"“{lab.get('zh') or lab['en']}”达标的种子数由{b}降为{a}（共{n}个）"}
    elif not keep and ver == "worse":
        reason = {"en": f"lower score: {ci}", "zh": f"综合得分更低：{ci_zh}"}
    elif not keep:
        reason = {"en": f"no clear gain on {n} common seeds: score {ci}, no standard met on "
                        "more seeds",
                  "zh": f"在{n}个共同种子上无明显改进：得分{ci_zh}，没有更多达标的标准"}
    return {"difference": d, "verdict": ver, "kept": keep, "reason": reason,
            "standards_gained": [{"id": s, "before": b, "after": a} for s, b, a in gained],
            "standards_lost": [{"id": s, "before": b, "after": a} for s, b, a in lost]}


def _jobs(path: str, plans: Sequence[Plan], seeds: Sequence[int],
          skip: Mapping[str, set[int]]) -> list[RunJob]:
    return [RunJob(path, p, i, s) for i, s in enumerate(seeds) for p in plans
            if s not in skip.get(p.name, set())]


def _record(c: Candidate, stats: dict[str, Any], judged: dict[str, Any]) -> dict[str, Any]:
    return {"kind": c.kind, "key": c.key, "plan": c.plan.name, "summary": c.summary,
            "details": c.details, **stats, **judged}


def suggest(world: World, base: Plan, scenario_path: str, candidates: Sequence[Candidate],
            skipped: Sequence[Skipped], executor: Executor, seeds: Sequence[int], *,
            base_runs: Sequence[RunSummary] = (), bound: Mapping[str, Any] | None = None,
            weights: ScoreWeights = DEFAULT_WEIGHTS,
            progress: Callable[[int, int], None] | None = None) -> Suggestions:
    """Simulate every candidate on ``seeds`` with the base plan; keep those that help.

    Parameters
    ----------
    world : World
        The scenario (its standards).
    base : Plan
        The plan the candidates change.
    scenario_path : str
        The scenario file (worker processes build the World from it).
    candidates, skipped : sequence
        From :mod:`musterpoint.sim.experiments.candidates`.
    executor : Executor
        Where the runs go (serial, local processes, Dask).
    seeds : sequence of int
        The common seeds (five in ``muster run --suggest-plan``).
    base_runs : sequence of RunSummary
        Runs of the base plan already made (on some of ``seeds``), not repeated.
    bound : dict, optional
        The ``bounds`` KPI family of a base run (what limits it, for the explanation).
    weights : ScoreWeights
        The composite score's weights.
    progress : callable, optional
        ``(done, total)`` after each run.
    """
    seeds = list(seeds)
    have = {s.seed for s in base_runs if s.plan == base.name}
    jobs = _jobs(scenario_path, [base, *(c.plan for c in candidates)], seeds,
                 {base.name: have})
    total = len(jobs) + (len(seeds) if len(candidates) >= 2 else 0)
    done = [0]

    def tick(n: int, _: int) -> None:
        if progress is not None:
            progress(done[0] + n, total)

    runs = list(base_runs) + run_replications(jobs, executor, progress=tick)
    done[0] = len(jobs)
    stds = _standards(world, base)
    labels = {s.id: {"en": s.label.en, "zh": s.label.zh or s.label.en} for s in stds}
    before = _per_plan(runs, base.name, weights, stds)
    records, kept = [], []
    for c in candidates:
        judged = _judge(before, stats := _per_plan(runs, c.plan.name, weights, stds), labels)
        records.append(_record(c, stats, judged))
        if judged["kept"]:
            kept.append((c, stats))
    combined: dict[str, Any] | None = None
    chosen: tuple[Candidate, dict[str, Any]] | None = None
    if kept:
        chosen = max(kept, key=lambda cs: cs[1]["score_mean"] or -1e300)
    if len(kept) >= 2:
        both = combine(base, [c for c, _ in kept])
        more = run_replications(_jobs(scenario_path, [both.plan], seeds, {}), executor,
                                progress=tick)
        stats = _per_plan(more, both.plan.name, weights, stds)
        judged = _judge(before, stats, labels)
        combined = _record(both, stats, judged)
        assert chosen is not None
        if judged["kept"] and (stats["score_mean"] or -1e300) >= \
                (chosen[1]["score_mean"] or -1e300):
            chosen = (both, stats)
        elif judged["kept"]:
            combined["note"] = {"en": "kept, but scores below the best single suggestion",
                                "zh": "有效，但得分低于最佳单项建议"}
    plan: Plan | None = None
    suggested: dict[str, Any] | None = None
    why: list[dict[str, str]] = []
    if chosen is not None:
        c, stats = chosen
        plan = _final_plan(base, c)
        parts = c.details.get("parts", [c.key])
        suggested = {"plan": plan.name, "from": parts, "summary": c.summary,
                     "score_before": before["score_mean"], "score_after": stats["score_mean"],
                     "scores_before": before["scores"], "scores_after": stats["scores"],
                     "difference": _judge(before, stats, labels)["difference"]}
    else:
        why = why_nothing_helps(runs, base.name, candidates, skipped, records, bound)
    logger.info("suggestions: %d candidates, %d kept", len(candidates), len(kept))
    return Suggestions(base=before, candidates=records,
                       skipped=[{"kind": s.kind, "reason": s.reason} for s in skipped],
                       combined=combined, plan=plan, why_none=why, seeds=seeds,
                       suggested=suggested)


def _final_plan(base: Plan, c: Candidate) -> Plan:
    from musterpoint.scenarios.schema import Label

    parts = c.details.get("parts", [c.key])
    return c.plan.model_copy(update={
        "name": f"{base.name}-suggested",
        "title": Label(en=f"{base.title.en}: with the tested suggestions",
                       zh=f"{base.title.zh or base.title.en}：采纳经检验的建议"),
        "description": (f"{base.name!r} changed by `muster run --suggest-plan` "
                        f"({', '.join(parts)}): {c.summary['en']}. Each change was simulated "
                        "on common seeds and kept only because it raised the score or met "
                        "a standard more often."),
    })


def _share_time(time_s: Sequence[float], curve: Sequence[float], total: float,
                share: float) -> float | None:
    if total <= 0:
        return None
    hit = np.flatnonzero(np.asarray(curve, dtype=float) >= share * total - 1e-9)
    return float(time_s[int(hit[0])]) if hit.size else None


def why_nothing_helps(runs: Sequence[RunSummary], base: str,
                      candidates: Sequence[Candidate], skipped: Sequence[Skipped],
                      records: Sequence[Mapping[str, Any]],
                      bound: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """Plain reasons, in English and Chinese, why no change was worth making."""
    mine = [s for s in runs if s.plan == base]
    out: list[dict[str, str]] = []
    if not candidates:
        out.append({"en": "no change could be proposed: " + "; ".join(
            s.reason["en"] for s in skipped), "zh": "无法提出任何改动：" + "；".join(
            s.reason["zh"] for s in skipped)})
    else:
        out.append({"en": f"none of the {len(candidates)} tested changes helped: " + "; ".join(
            f"{r['key']}: {r['reason']['en']}" for r in records if r.get("reason")),
            "zh": f"检验的{len(candidates)}项改动均无效：" + "；".join(
            f"{r['key']}：{r['reason']['zh']}" for r in records if r.get("reason"))})
    b = bound
    if b and b.get("limited_by") == "departures":
        eff = b.get("efficiency50")
        e = f" (the plan reaches ETE50 at {eff:.0%} of the bound's pace)" if eff else ""
        ez = f"（预案ETE50达到下界速度的{eff:.0%}）" if eff else ""
        out.append({"en": "departures are the limit: the flow bound's minimum cut holds no "
                          f"road and no shelter, so roads and shelters do not bind{e}",
                    "zh": "出发时间是限制：流量下界的最小割中既无道路也无避难所，"
                          f"道路与避难所不构成约束{ez}"})
    gaps = []
    for s in mine:
        d = _share_time(s.curve_time_s, s.curve_departed, s.evacuees, 0.5)
        a = _share_time(s.curve_time_s, s.curve_arrived, s.evacuees, 0.5)
        if d is not None and a is not None:
            gaps.append((d - s.first_order_s, a - s.first_order_s))
    if gaps:
        d50, a50 = (float(np.mean(x)) for x in zip(*gaps, strict=True))
        out.append({"en": f"arrivals track departures: half the evacuees had left home "
                          f"{d50 / 60:.0f} min after the first order and half were at a "
                          f"shelter {a50 / 60:.0f} min after it (mean of {len(gaps)} seeds)",
                    "zh": f"到达紧随出发：首个撤离令后{d50 / 60:.0f}分钟半数撤离者已出发，"
                          f"{a50 / 60:.0f}分钟半数已抵达避难所（{len(gaps)}个种子平均）"})
    stuck = [((s.kpis.get("evacuation") or {}).get("never_departed") or 0)
             + ((s.kpis.get("evacuation") or {}).get("sheltering_in_place") or 0)
             for s in mine]
    if mine and mine[0].evacuees and np.mean(stuck) > 0:
        share = float(np.mean(stuck)) / mine[0].evacuees
        out.append({"en": f"{share:.0%} of the evacuees never leave home (no car and no "
                          "bus, or every road out flooded): staging, contraflow and shelters "
                          "do not move them; buses or rescue do",
                    "zh": f"{share:.0%}的撤离者始终未离家（无车且无公交，或出路均被淹）："
                          "分阶段、逆向车道和避难所调整都无法让他们撤离，需要公交或救援"})
    return out
