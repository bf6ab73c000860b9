"""Attach the flow-over-time bound to a finished run (the ``bounds`` KPI family)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

__all__ = ["attach_bound", "write_suggestion"]

logger = logging.getLogger(__name__)


def attach_bound(result: RunResult, world: World, plan: Plan,
                 memo: Mapping[str, Any] | None = None) -> object | None:
    """Compute the bound for the run's departures; add ``kpis['bounds']`` and the
    ``bound_curve`` table. Returns the BoundResult, or None when nobody was ordered out.

    With ``memo`` (:func:`musterpoint.derived_cache.run_key` of the World and plan) the
    bound is cached under it and the agents table's content, so a second run with the
    same departures (same plan and seed) reads it instead of computing it (about 5 s on
    the default scenario)."""
    from musterpoint.derived_cache import frame_digest, remember
    from musterpoint.sim.bounds.bound import bound_kpis, evacuation_bound

    if not (result.kpis.get("evacuation") or {}).get("evacuees"):
        return None
    agents = result.tables["agents"]
    bound = remember("bound", {**(memo or {}), "agents": frame_digest(agents)},
                     lambda: evacuation_bound(world, agents, plan=plan),
                     enabled=memo is not None)
    result.kpis["bounds"] = bound_kpis(bound, result.kpis)
    result.tables["bound_curve"] = bound.to_frame()
    result.meta["bound_compute_s"] = round(bound.compute_s, 2)
    logger.info("bound computed in %.1f s", bound.compute_s)
    return bound


def write_suggestion(result: RunResult, world: World, plan: Plan, bound: object,
                     folder: Path) -> Path | None:
    """Write a staged plan derived from the bound, and a scenario copy that lists it."""
    from musterpoint.sim.bounds.staged_plan import (
        staged_schedule,
        write_scenario_with_plan,
        write_staged_plan,
    )

    sched = staged_schedule(world, plan, bound, result.tables["agents"])  # type: ignore[arg-type]
    plan_path = write_staged_plan(sched.plan, folder / "suggested-staged-plan.yaml")
    out = write_scenario_with_plan(world.loaded, plan_path,
                                   folder / "scenario-with-suggestion.yaml")
    # the run folder is written under a temporary name first: refer to the plan by a
    # path relative to the scenario copy, which sits next to it
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    data["plans"] = [plan_path.name if Path(p) == plan_path.resolve() else p
                     for p in data["plans"]]
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out
