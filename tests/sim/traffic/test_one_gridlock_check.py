"""One pending gridlock check per link gives the same run as one check per wait.

A link's head that waits for room downstream is checked for gridlock ``stuck_time_s``
after its wait started. The core keeps at most one such check per link on its queue: a
later wait's check is carried by the pending one, which puts it on the queue, with the
event id reserved when the wait started, when it runs (``TrafficModel._check_later``).
Here both ways run the same congested grid (short stuck time, so that waits overlap their
checks and the gridlock rule moves vehicles) and must give the same traversals, times,
forced moves and arrivals, with fewer checks scheduled one way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import simpy

from musterpoint.sim.des import schedule_call
from musterpoint.sim.network.routing import Router
from musterpoint.sim.traffic.queue_model import TrafficModel


def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Both directions between the neighbours of an ``n`` x ``n`` grid of nodes."""
    frm: list[int] = []
    to: list[int] = []
    for r in range(n):
        for c in range(n):
            a = r * n + c
            for b in ([a + 1] if c + 1 < n else []) + ([a + n] if r + 1 < n else []):
                frm += [a, b]
                to += [b, a]
    return np.array(frm), np.array(to)


def _run(seed: int, one_check: bool) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    n = 6
    frm, to = _grid(n)
    n_links = frm.size
    length = rng.uniform(50.0, 300.0, n_links)
    freeflow = length / 12.0
    cap = rng.choice([300.0, 600.0, 1800.0], n_links)
    storage = np.maximum(1.0, np.floor(length / 7.5 * rng.choice([0.2, 1.0], n_links)))
    dests = [0, n * n - 1]
    env = simpy.Environment()
    router = Router(n * n, frm, to, freeflow, [[d] for d in dests])
    arrivals: list[tuple[int, int, float]] = []

    def reach(v: int, node: int, t: float) -> bool:
        arrivals.append((v, node, t))
        return True

    model = TrafficModel(env, to, freeflow, cap, storage, n * n, router, reach,
                         lambda v, t, reason: None, stuck_time_s=rng.choice([20.0, 45.0]),
                         record_links=True, rng=np.random.default_rng(seed + 100))
    model.one_check_per_link = one_check
    checks = [0]
    push = model._push

    def spy(delay: float, fn: Any, value: Any) -> Any:
        checks[0] += 1
        return push(delay, fn, value)

    model._push = spy
    for _ in range(600):
        v = model.add_vehicle(int(rng.integers(n * n)), int(rng.integers(2)), 1.0)
        # whole seconds: waits that start at the same instant as others
        schedule_call(env, float(rng.integers(0, 600)), lambda _e, v=v: model.depart(v))
    env.run(until=4 * 3600)
    return (model.link_trace, arrivals, model.forced_moves, model.traversals,
            model.events_processed, env.now), checks[0]


@pytest.mark.parametrize("seed", range(6))
def test_one_check_per_link_runs_as_one_check_per_wait(seed: int) -> None:
    one, n_one = _run(seed, True)
    every, n_every = _run(seed, False)
    assert one == every
    assert one[2] > 0  # the gridlock rule moved vehicles
    assert n_one < n_every  # and checks were carried, not scheduled
