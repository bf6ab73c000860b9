"""The gridlock check must move the clock or act.

Found by ``muster run --suggest-plan`` on Porto Alegre with everyone leaving at once and
zones assigned to shelters: at t = 2084.1193425730053 s the link ahead had last let a
vehicle out at 1484.1193425730055 s, 600 s (``stuck_time_s``) less 2e-13 s before. The
check asked to look again in 2e-13 s, which rounds to no time at all at t = 2084 s, so two
links re-checked each other at the same instant for ever (the run never ended).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from musterpoint.sim.traffic.queue_model import TrafficModel

T = 2084.1193425730053
MOVED = 1484.1193425730055


def _model(calls: list[float], moves: list[tuple[int, int]]) -> SimpleNamespace:
    fake = SimpleNamespace(
        env=SimpleNamespace(now=T, _now=T), blocked_since=np.array([T - 600.0, -1.0]),
        queue=[[7], []], link_to=np.array([1, 2]), closed=np.array([False, False]),
        last_exit=np.array([0.0, MOVED]), stuck_time_s=600.0, forced_moves=0)
    fake._next_link = lambda v, node: 1
    fake._push = lambda delay, fn, value: calls.append(delay)
    fake._leave = lambda link, v, t: moves.append((link, v))
    fake._enter = lambda m, v, t: None
    fake._stuck_check = lambda *a: None
    return fake


def _check(link: int, since: float) -> SimpleNamespace:
    """The event of a gridlock check of ``link`` blocked since ``since``."""
    return SimpleNamespace(_value=(link, since))


def test_a_recheck_that_cannot_move_the_clock_forces_the_move():
    assert T + (MOVED + 600.0 - T) == T  # the wait rounds away at this time
    calls: list[float] = []
    moves: list[tuple[int, int]] = []
    fake = _model(calls, moves)
    TrafficModel._stuck_check(fake, _check(0, T - 600.0))  # type: ignore[arg-type]
    assert calls == []  # no re-check at the same instant
    assert moves == [(0, 7)] and fake.forced_moves == 1


def test_a_real_wait_still_rechecks_later():
    calls: list[float] = []
    moves: list[tuple[int, int]] = []
    fake = _model(calls, moves)
    fake.last_exit[1] = T - 100.0
    TrafficModel._stuck_check(fake, _check(0, T - 600.0))  # type: ignore[arg-type]
    assert len(calls) == 1 and abs(calls[0] - 500.0) < 1e-6 and moves == []
