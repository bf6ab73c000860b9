"""Relief supply: depots, trucks on the shared roads, demand points (shelters,
communities, C-PODs) with Sphere needs, fixed/periodic/need-driven dispatch, its KPIs and
ledger, and an optimised routing reference (PyVRP).

The names below are imported when first used, so that a module that only needs the
output schemas (:mod:`musterpoint.sim.relief.tables`) does not import the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from musterpoint.sim.lazy import lazy_names

if TYPE_CHECKING:
    from musterpoint.sim.relief.service import ReliefService as ReliefService
    from musterpoint.sim.relief.service import relief_service as relief_service
    from musterpoint.sim.relief.vrp import read_cvrplib as read_cvrplib
    from musterpoint.sim.relief.vrp import solve_routing as solve_routing

__all__ = [
    "ReliefService",
    "read_cvrplib",
    "relief_service",
    "solve_routing",
]

__getattr__ = lazy_names(__name__, {
    "ReliefService": "service", "relief_service": "service",
    "read_cvrplib": "vrp", "solve_routing": "vrp",
})
