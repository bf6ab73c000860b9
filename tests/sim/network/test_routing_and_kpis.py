"""Routing trees (known shortest paths) and ETE arithmetic."""

from __future__ import annotations

import math

import numpy as np

from musterpoint.sim.kpis.evacuation import ete_s
from musterpoint.sim.network.routing import AT_DESTINATION, NO_ROUTE, Router

#   0 -> 1 -> 3 (cost 1 + 1), 0 -> 2 -> 3 (cost 1 + 5), 0 -> 3 (cost 10), parallel 1 -> 3
FRM = np.array([0, 1, 0, 2, 0, 1])
TO = np.array([1, 3, 2, 3, 3, 3])
COST = np.array([1.0, 1.0, 1.0, 5.0, 10.0, 0.5])


def test_next_hops_follow_the_shortest_time_path_and_the_cheaper_parallel_link():
    r = Router(4, FRM, TO, COST, [3])
    assert r.next_hop[0][0] == 0
    assert r.next_hop[0][1] == 5  # the 0.5 s parallel link, not the 1 s one
    assert r.next_hop[0][3] == AT_DESTINATION
    assert r.dist_s[0, 0] == 1.5


def test_closures_reroute_and_cut_off():
    r = Router(4, FRM, TO, COST, [3])
    closed = np.zeros(6, dtype=bool)
    closed[[1, 5]] = True
    r.rebuild(closed)
    assert r.next_hop[0][0] == 2 and r.dist_s[0, 0] == 6.0
    closed[[3, 4]] = True
    r.rebuild(closed)
    assert r.next_hop[0][0] == NO_ROUTE and math.isinf(r.dist_s[0, 0])


def test_a_destination_with_several_access_nodes():
    r = Router(4, FRM, TO, COST, [[2, 3]])
    assert r.next_hop[0][2] == AT_DESTINATION
    assert r.dist_s[0, 0] == 1.0  # 0 -> 2 reaches the destination's access node 2


def test_ete_shares_count_persons_and_unarrived_evacuees():
    arrive = np.array([100.0, 200.0, 300.0, np.nan])
    persons = np.array([2, 3, 5, 10])
    assert ete_s(arrive, persons, 20, 0.25, 0.0) == 200.0  # 5 of 20 by t = 200
    assert ete_s(arrive, persons, 20, 0.5, 50.0) == 250.0  # 10 of 20 at 300, after t0 = 50
    assert ete_s(arrive, persons, 20, 0.9, 0.0) is None
    assert ete_s(arrive[:3], persons[:3], 10, 1.0, 0.0) == 300.0
