"""The routing reference (PyVRP) on CVRPLIB instances and on a small multi-depot case."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from musterpoint.sim.relief.vrp import (
    VehicleGroup,
    read_cvrplib,
    solve_cvrplib,
    solve_routing,
)

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "cvrplib"


def _best_known(name: str) -> int:
    text = (DATA / f"{name}.sol").read_text()
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("Cost")))


@pytest.mark.parametrize(("name", "best"), [("E-n22-k4", 375), ("A-n32-k5", 784)])
def test_reference_reaches_the_best_known_cost(name, best):
    inst = read_cvrplib(DATA / f"{name}.vrp")
    assert inst.vehicles == int(name.split("-k")[1])
    assert _best_known(name) == best
    t0 = time.perf_counter()
    res = solve_cvrplib(inst, iterations=2000, seed=1)
    assert time.perf_counter() - t0 < 10.0
    assert res.feasible
    assert res.cost == best
    assert len(res.routes) <= inst.vehicles
    # every client once, loads within capacity, distances add up
    dist = inst.distances()
    seen = []
    total = 0
    for r in res.routes:
        clients = [v for v in r.visits if v > 0]
        seen += clients
        assert inst.demand[clients].sum() <= inst.capacity
        total += sum(dist[a, b] for a, b in zip(r.visits[:-1], r.visits[1:], strict=True))
    assert sorted(seen) == list(range(1, len(inst.demand)))
    assert total == best


def test_same_seed_same_routes():
    inst = read_cvrplib(DATA / "E-n22-k4.vrp")
    a = solve_cvrplib(inst, iterations=300, seed=7)
    b = solve_cvrplib(inst, iterations=300, seed=7)
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]


def test_multi_depot_reload_routes_serve_each_client_from_the_near_depot():
    # depots at x = 0 and x = 100; two clients beside each; one truck per depot that
    # holds one client's load, so each truck makes two trips from its own depot
    xs = np.array([0, 100, 5, 10, 95, 90], dtype=float)
    dist = np.abs(xs[:, None] - xs[None, :]).astype(np.int64)
    demand = np.array([[8], [8], [8], [8]])
    groups = [VehicleGroup(0, 1, (10,)), VehicleGroup(1, 1, (10,))]
    res = solve_routing(dist, dist, 2, demand, np.zeros(4, dtype=np.int64), groups,
                        iterations=300, seed=1)
    assert res.feasible
    assert res.cost == 2 * (5 + 10) * 2  # two out-and-back trips per depot
    for r in res.routes:
        home = r.visits[0]
        clients = {v for v in r.visits if v >= 2}
        assert clients == ({2, 3} if home == 0 else {4, 5})
