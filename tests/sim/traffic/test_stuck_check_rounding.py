"""The gridlock check must move the clock or act.

Found by ``muster run --suggest-plan`` on Porto Alegre with everyone leaving at once and
zones assigned to shelters: at t = 2084.1193425730053 s the link ahead had last let a
vehicle out at 1484.1193425730055 s, 600 s (``stuck_time_s``) less 2e-13 s before. The
check asked to look again in 2e-13 s, which rounds to no time at all at t = 2084 s, so two
links re-checked each other at the same instant for ever (the run never ended).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import simpy

from musterpoint.sim.des import BareCall
from musterpoint.sim.traffic.queue_model import TrafficModel

T = 2084.1193425730053
MOVED = 1484.1193425730055


def _model(rechecks: list[float]) -> TrafficModel:
    """Link 0 (node 0 -> 1) holds vehicle 7, blocked since 600 s ago on link 1 (1 -> 2),
    which last let a vehicle out at ``MOVED``; the clock is at ``T``. The rechecks it
    schedules are appended to ``rechecks`` (their delays)."""
    env = simpy.Environment(initial_time=T)
    router = SimpleNamespace(next_hop=[[0, 1, -1]])
    tm = TrafficModel(env, np.array([1, 2]), np.array([10.0, 10.0]),
                      np.array([1800.0, 1800.0]), np.array([10.0, 1.0]), 3, router,
                      lambda v, node, t: True, lambda v, t, reason: None)
    for _ in range(8):
        tm.add_vehicle(0, 0, 1.0)
    push = tm._push

    def spy(delay: float, fn: Any, value: Any) -> Any:
        if isinstance(value, tuple):  # a gridlock check (link, since)
            rechecks.append(delay)
        return push(delay, fn, value)

    tm._push = spy
    tm.queue[0].append(7)
    tm.links[0].used = tm.links[1].used = 1.0  # link 1 is full
    tm.queue[1].append(6)
    tm.links[0].blocked_since = T - 600.0
    tm.links[1].last_exit = MOVED
    return tm


def _check(link: int, since: float) -> BareCall:
    """The event of a gridlock check of ``link`` blocked since ``since``."""
    return BareCall(lambda event: None, (link, since))


def test_a_recheck_that_cannot_move_the_clock_forces_the_move():
    assert T + (MOVED + 600.0 - T) == T  # the wait rounds away at this time
    rechecks: list[float] = []
    tm = _model(rechecks)
    tm._stuck_check(_check(0, T - 600.0))
    assert rechecks == []  # no re-check at the same instant
    assert tm.queue[0] == [] and tm.queue[1] == [6, 7] and tm.forced_moves == 1


def test_a_real_wait_still_rechecks_later():
    rechecks: list[float] = []
    tm = _model(rechecks)
    tm.links[1].last_exit = T - 100.0
    tm._stuck_check(_check(0, T - 600.0))
    assert len(rechecks) == 1 and abs(rechecks[0] - 500.0) < 1e-6
    assert tm.queue[0] == [7] and tm.forced_moves == 0
