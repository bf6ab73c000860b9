"""Attach the flow-over-time bound to a finished run (the ``bounds`` KPI family)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

__all__ = ["attach_bound"]

logger = logging.getLogger(__name__)


def attach_bound(result: RunResult, world: World, plan: Plan) -> object | None:
    """Compute the bound for the run's departures; add ``kpis['bounds']`` and the
    ``bound_curve`` table. Returns the BoundResult, or None when nobody was ordered out."""
    from musterpoint.sim.bounds.bound import bound_kpis, evacuation_bound

    if not (result.kpis.get("evacuation") or {}).get("evacuees"):
        return None
    bound = evacuation_bound(world, result.tables["agents"], plan=plan)
    result.kpis["bounds"] = bound_kpis(bound, result.kpis)
    result.tables["bound_curve"] = bound.to_frame()
    result.meta["bound_compute_s"] = round(bound.compute_s, 2)
    logger.info("bound computed in %.1f s", bound.compute_s)
    return bound
