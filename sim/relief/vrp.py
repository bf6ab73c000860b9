"""Capacitated vehicle routing with PyVRP: the optimised reference for relief deliveries.

:func:`solve_routing` solves a (multi-depot, multi-trip) capacitated vehicle routing
problem given as integer matrices: locations are the depots first, then the clients;
vehicle groups start and end at their depot and may go back to it to reload. The
objective is the total distance. PyVRP's iterated local search is stopped after a fixed
number of iterations and seeded, so the same input always gives the same routes.

:func:`read_cvrplib` reads a CVRPLIB instance (TSPLIB ``EUC_2D`` format) with the
library's convention (Euclidean distances rounded to the nearest integer) and
:func:`solve_cvrplib` solves it with the fleet size fixed to the instance's ``k``; the
tests check that the best-known costs are reached.

PyVRP is imported only when a problem is solved.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["CvrpInstance", "Route", "RoutingResult", "VehicleGroup", "read_cvrplib",
           "solve_cvrplib", "solve_routing"]

logger = logging.getLogger(__name__)

#: Distance standing for "no road" between two locations (PyVRP needs every edge).
UNREACHABLE = 10**9


@dataclass(frozen=True)
class VehicleGroup:
    """``count`` identical vehicles based at depot ``depot``."""

    depot: int
    count: int
    capacity: tuple[int, ...]
    ready_s: int = 0
    reload: bool = True


@dataclass
class Route:
    """One vehicle's route: visits (location indices, depots included) and their start
    times (s), with its distance."""

    group: int
    visits: list[int]
    start_s: list[int]
    distance: int


@dataclass
class RoutingResult:
    """Routes, total distance and whether every client is served within capacity."""

    cost: int
    feasible: bool
    routes: list[Route] = field(default_factory=list)
    iterations: int = 0
    seed: int = 0


def solve_routing(distance: np.ndarray, duration: np.ndarray, n_depots: int,
                  demand: np.ndarray, service_s: np.ndarray, groups: list[VehicleGroup], *,
                  iterations: int = 2000, seed: int = 1) -> RoutingResult:
    """Solve a capacitated vehicle routing problem for the least total distance.

    Parameters
    ----------
    distance, duration : ndarray of int, shape (L, L)
        From-to matrices over the locations (depots first, then clients).
    n_depots : int
        How many of the locations are depots.
    demand : ndarray of int, shape (L - n_depots, D)
        Each client's delivery in each capacity dimension (kg, dm3, ...).
    service_s : ndarray of int, shape (L - n_depots,)
        Time spent at each client.
    groups : list of VehicleGroup
        The fleet.
    iterations, seed : int
        Stopping rule and seed of the search.

    Returns
    -------
    RoutingResult
    """
    from pyvrp import Model
    from pyvrp.stop import MaxIterations

    dist = np.asarray(distance, dtype=np.int64)
    dur = np.asarray(duration, dtype=np.int64)
    m = Model()
    locs = [m.add_location(x=0.0, y=0.0) for _ in range(dist.shape[0])]
    depots = [m.add_depot(locs[d]) for d in range(n_depots)]
    for g in groups:
        dep = depots[g.depot]
        m.add_vehicle_type(num_available=g.count, capacity=list(g.capacity), start_depot=dep,
                           end_depot=dep, tw_early=int(g.ready_s),
                           reload_depots=[dep] if g.reload else [])
    dem = np.asarray(demand, dtype=np.int64)
    for j in range(dem.shape[0]):
        m.add_client(locs[n_depots + j], delivery=[int(x) for x in dem[j]],
                     service_duration=int(service_s[j]))
    for a in range(len(locs)):
        for b in range(len(locs)):
            if a != b:
                m.add_edge(locs[a], locs[b], distance=int(dist[a, b]), duration=int(dur[a, b]))
    res = m.solve(stop=MaxIterations(iterations), seed=seed, display=False)
    best = res.best
    routes = []
    for r in best.routes():
        visits, starts = [], []
        for act in r.schedule():
            visits.append(int(act.idx) if act.is_depot() else n_depots + int(act.idx))
            starts.append(int(act.start_time))
        routes.append(Route(int(r.vehicle_type()), visits, starts, int(r.distance())))
    return RoutingResult(int(best.distance()), bool(best.is_feasible()), routes, iterations,
                         seed)


@dataclass(frozen=True)
class CvrpInstance:
    """A CVRPLIB instance: depot first, then clients."""

    name: str
    capacity: int
    coords: np.ndarray
    demand: np.ndarray
    vehicles: int

    def distances(self) -> np.ndarray:
        """Euclidean distances rounded to the nearest integer (the CVRPLIB convention)."""
        d = np.hypot(*(self.coords[:, None, :] - self.coords[None, :, :]).transpose(2, 0, 1))
        return np.asarray(np.floor(d + 0.5), dtype=np.int64)


def read_cvrplib(path: str | Path) -> CvrpInstance:
    """Read a CVRPLIB ``.vrp`` file (EUC_2D); the fleet size is the ``k`` in its name."""
    text = Path(path).read_text(encoding="utf-8")
    head: dict[str, str] = {}
    section = ""
    coords: dict[int, tuple[float, float]] = {}
    demand: dict[int, int] = {}
    depots: list[int] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            section = line
            continue
        if ":" in line and not section:
            key, val = line.split(":", 1)
            head[key.strip().upper()] = val.strip()
            continue
        parts = line.split()
        if section == "NODE_COORD_SECTION":
            coords[int(parts[0])] = (float(parts[1]), float(parts[2]))
        elif section == "DEMAND_SECTION":
            demand[int(parts[0])] = int(parts[1])
        elif section == "DEPOT_SECTION" and int(parts[0]) > 0:
            depots.append(int(parts[0]))
    if head.get("EDGE_WEIGHT_TYPE", "").split()[0:1] != ["EUC_2D"]:
        raise ValueError(f"{path}: only EUC_2D instances are supported")
    name = head.get("NAME", Path(path).stem)
    k = re.search(r"-k(\d+)", name)
    if k is None:
        raise ValueError(f"{path}: no '-kN' fleet size in the instance name {name!r}")
    ids = sorted(coords)
    depot = depots[0] if depots else ids[0]
    order = [depot] + [i for i in ids if i != depot]
    return CvrpInstance(name, int(head["CAPACITY"]), np.array([coords[i] for i in order]),
                        np.array([demand.get(i, 0) for i in order], dtype=np.int64),
                        int(k.group(1)))


def solve_cvrplib(inst: CvrpInstance, *, iterations: int = 2000,
                  seed: int = 1) -> RoutingResult:
    """Solve a CVRPLIB instance with exactly its ``k`` vehicles, one trip each."""
    dist = inst.distances()
    n = dist.shape[0]
    return solve_routing(dist, dist, 1, inst.demand[1:, None], np.zeros(n - 1, dtype=np.int64),
                         [VehicleGroup(0, inst.vehicles, (inst.capacity,), reload=False)],
                         iterations=iterations, seed=seed)
