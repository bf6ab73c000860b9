"""Relief supply: depots, trucks on the shared roads, demand points (shelters,
communities, C-PODs) with Sphere needs, fixed/periodic/need-driven dispatch, its KPIs and
ledger, and an optimised routing reference (PyVRP).
"""

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
