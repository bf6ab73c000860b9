"""``muster run --suggest-plan``: candidate changes of the plan read from its run and its
flow bound, tested on common seeds (:mod:`musterpoint.sim.experiments.suggestions`), and
the files and terminal lines that report them.

Files written into the run folder: ``suggestions.json`` (every candidate, its per-seed
scores before and after, kept or why not) and, when a change helps,
``suggested-plan.yaml`` with ``scenario-with-suggestion.yaml``, a scenario copy that lists
it (``muster run OUT/scenario-with-suggestion.yaml --plan NAME``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from musterpoint.display.i18n import N_, labels, language_code
from musterpoint.sim.experiments.candidates import Candidate, Skipped

if TYPE_CHECKING:
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.experiments.suggestions import Suggestions
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

__all__ = ["SUGGEST_SEEDS", "generate_candidates", "run_suggestions", "suggestion_lines",
           "write_suggestion"]

logger = logging.getLogger(__name__)

#: Common seeds on which ``--suggest-plan`` tests each candidate.
SUGGEST_SEEDS = 5


def generate_candidates(result: RunResult, world: World, plan: Plan,
                        bound: object) -> tuple[list[Candidate], list[Skipped]]:
    """The candidate changes of ``plan`` read from its run and bound (and what was skipped)."""
    from musterpoint.sim.experiments.candidates import (
        contraflow_candidates,
        shelter_candidate,
        staging_candidate,
    )

    agents, events = result.tables["agents"], result.tables["events"]
    found: list[Candidate] = []
    skipped: list[Skipped] = []
    staged = staging_candidate(world, plan, bound, agents)  # type: ignore[arg-type]
    flows, flows_skipped = contraflow_candidates(world, plan, bound)  # type: ignore[arg-type]
    shelters = shelter_candidate(world, plan, agents, events)
    for c in (staged, *flows, shelters):
        if isinstance(c, Skipped):
            skipped.append(c)
        else:
            found.append(c)
    skipped.extend(flows_skipped)
    return found, skipped


def run_suggestions(result: RunResult, world: World, plan: Plan, bound: object, *,
                    seeds: int = SUGGEST_SEEDS, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Suggestions:
    """Generate the candidates and test them on ``seeds`` common seeds from the run's seed
    (the run itself is the base plan's first replication)."""
    from musterpoint.sim.experiments import LocalProcessExecutor, SerialExecutor, prime_world
    from musterpoint.sim.experiments.jobs import summarise_run
    from musterpoint.sim.experiments.suggestions import suggest

    found, skipped = generate_candidates(result, world, plan, bound)
    first = int(result.meta["seed"])
    path = str(world.loaded.path.resolve())
    prime_world(path, world)
    local = LocalProcessExecutor(workers)
    executor = SerialExecutor() if local.workers == 1 else local
    return suggest(world, plan, path, found, skipped, executor,
                   list(range(first, first + seeds)),
                   base_runs=[summarise_run(result, 0)],
                   bound=result.kpis.get("bounds"), progress=progress)


def write_suggestion(suggestions: Suggestions, world: World, folder: Path) -> Path | None:
    """Write ``suggestions.json`` and, when a change helped, ``suggested-plan.yaml`` and a
    scenario copy that lists it (``scenario-with-suggestion.yaml``); returns the copy."""
    from musterpoint.sim.bounds.staged_plan import write_scenario_with_plan, write_staged_plan

    (folder / "suggestions.json").write_text(
        json.dumps(suggestions.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
        + "\n", encoding="utf-8")
    if suggestions.plan is None:
        return None
    plan_path = write_staged_plan(suggestions.plan, folder / "suggested-plan.yaml")
    out = write_scenario_with_plan(world.loaded, plan_path,
                                   folder / "scenario-with-suggestion.yaml")
    # the run folder is written under a temporary name first: refer to the plan by a
    # path relative to the scenario copy, which sits next to it
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    data["plans"] = [plan_path.name if Path(p) == plan_path.resolve() else p
                     for p in data["plans"]]
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


_WORDS = {
    "head": N_("suggestions ({n} common seeds {a}–{b}): {t} tested, {k} kept"),
    "kept": N_("kept"),
    "rejected": N_("not kept"),
    "plan": N_("suggested plan: {f}  (run: muster run {s} --plan {p})"),
    "score": N_("score {b} -> {a}"),
    "none": N_("no suggestion helps:"),
    "skipped": N_("not proposed"),
}


def _fmt(x: Any) -> str:
    return "—" if x is None else f"{float(x):.1f}"


def suggestion_lines(data: Mapping[str, Any], out: Path, lang: str = "en") -> list[str]:
    """Terminal lines of ``suggestions.json``: what was tested, kept or not and why."""
    w = labels(_WORDS, lang)
    lang_key = language_code(lang)
    seeds = data.get("seeds") or [0]
    cands = data.get("candidates") or []
    base = data.get("base") or {}
    lines = [w["head"].format(n=len(seeds), a=seeds[0], b=seeds[-1], t=len(cands),
                              k=sum(bool(c.get("kept")) for c in cands))]
    for c in [*cands, *([data["combined"]] if data.get("combined") else [])]:
        score = w["score"].format(b=_fmt(base.get("score_mean")), a=_fmt(c.get("score_mean")))
        why = "" if c.get("kept") else f": {(c.get('reason') or {}).get(lang_key, '')}"
        lines.append(f"  {w['kept'] if c.get('kept') else w['rejected']:<13}{c['key']}: "
                     f"{(c.get('summary') or {}).get(lang_key, '')}; {score}{why}")
    for s in data.get("skipped") or []:
        lines.append(f"  {w['skipped']:<13}{s['kind']}: {(s.get('reason') or {}).get(lang_key)}")
    sug = data.get("suggested")
    if sug:
        lines.append(w["plan"].format(f=out / "suggested-plan.yaml",
                                      s=out / "scenario-with-suggestion.yaml", p=sug["plan"]))
    else:
        lines.append(w["none"])
        lines.extend(f"  {r.get(lang_key, '')}" for r in data.get("why_none") or [])
    return lines
