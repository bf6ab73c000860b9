"""Attach the flow-over-time bound to a finished run (the ``bounds`` KPI family)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

__all__ = ["attach_bound"]

logger = logging.getLogger(__name__)


def attach_bound(result: RunResult, world: World, plan: Plan,
                 memo: Mapping[str, Any] | None = None) -> object | None:
    """Compute the bound for the run's departures; add ``kpis['bounds']`` and the
    ``bound_curve`` table. Returns the BoundResult, or None when nobody was ordered out.

    With ``memo`` (:func:`musterpoint.derived_cache.run_key` of the World and plan) the
    bound is cached under it and the agents table's content, so a second run with the
    same departures (same plan and seed) reads it instead of computing it (about 1 s of
    CPU on the default scenario)."""
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
