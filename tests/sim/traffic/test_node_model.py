"""Known-answer tests of the node model: approaches share a saturated link by capacity.

Theory (MATSim QSim's node, ``QNodeImpl.moveNode``; Gawron 1998, the queue model's
merge): when an outgoing link has room for fewer vehicles than wait for it, the waiting
approaches are served in random order weighted by their flow capacities. If every
approach always has a vehicle waiting, each service goes to approach ``i`` with
probability ``C_i / sum C``: over ``n`` services the share of approach ``i`` is binomial
with mean ``C_i / sum C`` and standard deviation ``sqrt(p (1 - p) / n)``, about 1.2
percentage points for the hour's 1,800 services of a 1,800 veh/h link. The tolerance of
the hourly share, 5 percentage points, is four of those deviations; the mean over ten
seeds must be within 1.5 points (four deviations of the mean).

An approach is a candidate only while its head is at the stop line: after each of its
vehicles a link waits its own headway ``3600 / C`` (the rule every link keeps, and on which
the flow bound relies), so an approach whose headway is longer than the merged link's
misses the services in between and gets less than its capacity share (a side-street case
below computes how much).

Before the node model, the approach whose vehicle happened to be scheduled first took
every gap: a side street joining a saturated road got one vehicle per ``stuck_time_s``
(600 s), and only through the gridlock rule.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from musterpoint.sim.network.routing import Router
from musterpoint.sim.rng import RandomStreams
from musterpoint.sim.traffic.node_model import NODE_STREAM, CapacityDraw
from musterpoint.sim.traffic.queue_model import TrafficModel

#: From the start of the run, the merge is saturated well before this (s).
WARM_UP_S = 600.0


def merge(cap_a: float, cap_b: float, cap_m: float, n_each: int = 2000, seed: int = 0,
          n_b: int | None = None) -> tuple[TrafficModel, np.ndarray, np.ndarray]:
    """Approaches A (node 0 -> 2) and B (1 -> 2) merge into M (2 -> 3), then a free exit
    (3 -> 4). ``n_each`` vehicles leave each origin at t = 0 (``n_b`` from B if given).
    Returns the model, and the
    exit times of M of the vehicles from A and from B."""
    frm = np.array([0, 1, 2, 3])
    to = np.array([2, 2, 3, 4])
    length = np.array([500.0, 500.0, 300.0, 100.0])
    speed = np.full(4, 13.89)
    cap = np.array([cap_a, cap_b, cap_m, 1e9])
    storage = np.maximum(length / 7.5, 1.0)
    storage[3] = 1e9
    env = simpy.Environment()
    router = Router(5, frm, to, length / speed, [4])
    model = TrafficModel(env, to, length / speed, cap, storage, 5, router,
                         lambda v, node, t: True, _never_stranded, stuck_time_s=600.0,
                         record_links=True,
                         rng=RandomStreams(seed).stream(NODE_STREAM))
    for origin, n in ((0, n_each), (1, n_each if n_b is None else n_b)):
        for _ in range(n):
            model.depart(model.add_vehicle(origin, 0, 1.0))
    env.run(until=6 * 3600)
    exits = np.array([(v, t_out) for (v, link, _, t_out) in model.link_trace if link == 2])
    from_a = exits[:, 0] < n_each
    return model, exits[from_a, 1], exits[~from_a, 1]


def _never_stranded(v: int, t: float, reason: str) -> None:  # pragma: no cover
    raise AssertionError(f"vehicle {v} stranded: {reason}")


def hour_share(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Share of A among the vehicles leaving M in the hour after the warm-up, and their
    number."""
    def count(x: np.ndarray) -> int:
        return int(((x >= WARM_UP_S) & (x < WARM_UP_S + 3600.0)).sum())
    na, nb = count(a), count(b)
    return na / (na + nb), na + nb


def test_equal_approaches_share_a_saturated_link_half_and_half():
    model, a, b = merge(1800.0, 1800.0, 1800.0)
    share, n = hour_share(a, b)
    assert n == 1800  # M discharges at its capacity all hour: it is saturated
    assert abs(share - 0.5) <= 0.05
    assert model.forced_moves == 0


def test_two_to_one_capacities_share_two_to_one():
    model, a, b = merge(2400.0, 1200.0, 1200.0)
    share, n = hour_share(a, b)
    assert n == 1200
    assert abs(share - 2.0 / 3.0) <= 0.05
    assert model.forced_moves == 0


@pytest.mark.parametrize(("cap_a", "cap_b", "cap_m"), [(1800.0, 1800.0, 1800.0),
                                                         (2400.0, 1200.0, 1200.0)])
def test_mean_share_over_seeds_is_the_capacity_share(cap_a, cap_b, cap_m):
    shares = [hour_share(*merge(cap_a, cap_b, cap_m, n_each=1500, seed=s)[1:])[0]
              for s in range(10)]
    assert abs(np.mean(shares) - cap_a / (cap_a + cap_b)) <= 0.015
    assert len(set(shares)) > 1  # the seed drives the draws


def test_side_street_gets_its_share_without_the_gridlock_rule():
    # a 1,800 veh/h main road fills the 1,800 veh/h link by itself; the 600 veh/h side
    # street waits at the merge. Its own headway (6 s) is three of M's (2 s): after each
    # of its vehicles it misses the next two services (its next vehicle is not at the
    # stop line yet), then wins each service with probability 600 / 2,400 = 1/4. A
    # renewal cycle is 2 + 4 services on average, one of them the side street's: share
    # 1/6 (300 veh/h), not one vehicle per stuck time (6 veh/h) as before
    model, main, side = merge(1800.0, 600.0, 1800.0)
    share, n = hour_share(main, side)
    assert n == 1800
    assert abs((1.0 - share) - 1.0 / 6.0) <= 0.05
    assert model.forced_moves == 0


def test_same_seed_same_merge_order():
    _, a1, _ = merge(1800.0, 1800.0, 1800.0, n_each=300, seed=3)
    _, a2, _ = merge(1800.0, 1800.0, 1800.0, n_each=300, seed=3)
    _, a3, _ = merge(1800.0, 1800.0, 1800.0, n_each=300, seed=4)
    assert np.array_equal(a1, a2)
    assert not np.array_equal(a1, a3)


def test_a_head_behind_a_moving_queue_waits_its_turn_without_a_forced_move():
    # a 36 veh/h lane meets a 3,600 veh/h road at a 360 veh/h link: each of M's services
    # (one per 10 s) goes to the lane with probability 1/101, so its head often waits
    # more than the stuck time (600 s); M moves all the while, so this is no gridlock and
    # nothing is forced: the head is served in its turn (QSim would force it)
    model, a, b = merge(3600.0, 36.0, 360.0, n_each=400, n_b=5)
    assert model.forced_moves == 0
    assert a.size == 400 and b.size == 5
    tb = np.sort(b)
    waits = np.diff(np.concatenate([[0.0], tb]))
    assert np.any((waits > 600.0) & (tb < a.max()))  # served after > 600 s, A still going


def test_true_gridlock_still_released_by_the_gridlock_rule():
    # a one-way ring 0 -> 1 -> 2 -> 0 of one-car links, each car bound two links on: every
    # car waits for the next car's link, which never moves. All three blocked at 1 s, so
    # the three stuck checks fall due together at 601 s: car 0 is forced on (link 0 has
    # now moved, so car 2's check waits: no gridlock there any more), car 1 is forced on
    # (link 2 has not moved), car 2 then enters the emptied link 0 in the normal way; each
    # reaches its destination one free-flow second later
    frm, to = np.array([0, 1, 2]), np.array([1, 2, 0])
    length, speed = np.full(3, 7.5), np.full(3, 7.5)
    env = simpy.Environment()
    router = Router(3, frm, to, length / speed, [0, 1, 2])
    arrivals: list[tuple[int, float]] = []
    model = TrafficModel(env, to, length / speed, np.full(3, 3600.0), np.ones(3), 3,
                         router, lambda v, node, t: arrivals.append((v, t)) is None,
                         _never_stranded, stuck_time_s=600.0)
    for origin, dest in ((0, 2), (1, 0), (2, 1)):
        model.depart(model.add_vehicle(origin, dest, 1.0))
    env.run(until=3600)
    assert model.forced_moves == 2
    assert sorted(t for _, t in arrivals) == [602.0, 602.0, 602.0]


def test_capacity_draw_frequencies_follow_the_weights():
    draw = CapacityDraw(RandomStreams(7).stream(NODE_STREAM))
    n = 30_000
    counts = np.bincount([draw.pick([3.0, 1.0, 2.0]) for _ in range(n)], minlength=3)
    expect = np.array([0.5, 1 / 6, 1 / 3]) * n
    # within 4 binomial standard deviations
    assert np.all(np.abs(counts - expect) <= 4 * np.sqrt(expect * (1 - expect / n)))
    assert draw.draws == n
