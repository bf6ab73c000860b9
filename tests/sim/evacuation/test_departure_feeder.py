"""The departure feeder fires departures in exactly the order of one event each."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from musterpoint.sim.des import schedule_call
from musterpoint.sim.evacuation import departures
from musterpoint.sim.evacuation.departures import DepartureFeeder


def _trace(feed: bool) -> list[tuple[float, str, int, int]]:
    """Departures (many at equal times) among other events at the same times, some
    scheduled before the departures, some by the departures themselves."""
    env = simpy.Environment()
    log: list[tuple[float, str, int, int]] = []
    tokens = [0] * 40

    def depart(v: int, tok: int, _event: object) -> None:
        log.append((env.now, "depart", v, tok))
        if v % 3 == 0:  # a departure schedules something at its own time and later
            schedule_call(env, 0.0, lambda _e, v=v: log.append((env.now, "echo", v, 0)))
            schedule_call(env, 1.0, lambda _e, v=v: log.append((env.now, "late", v, 0)))

    for k in range(5):  # scheduled before the departures, at times departures share
        schedule_call(env, float(k), lambda _e, k=k: log.append((env.now, "early", k, 0)))
    rng = np.random.default_rng(3)
    t = np.round(rng.uniform(0, 6, 40))  # many ties
    order = np.argsort(t, kind="stable")
    if feed:
        DepartureFeeder(env, depart).schedule(order, t[order], tokens)
    else:
        for v in order.tolist():
            tokens[v] += 1
            schedule_call(env, float(t[v]), lambda e, v=v, tok=tokens[v]: depart(v, tok, e))
    for k in range(5):  # scheduled after them, at the same times
        schedule_call(env, float(k), lambda _e, k=k: log.append((env.now, "after", k, 0)))
    env.run()
    return log


def test_feeder_keeps_the_order_of_one_event_per_departure(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(departures, "BATCH", 7)  # many batches, boundaries inside ties
    want = _trace(feed=False)
    got = _trace(feed=True)
    assert got == want
    assert sum(1 for e in got if e[1] == "depart") == 40
    assert got[0] == (0, "early", 0, 0)
    # at a shared time: earlier-scheduled events, then departures, then later ones
    at2 = [e[1] for e in got if e[0] == 2.0 and e[1] in ("early", "depart", "after")]
    assert at2[0] == "early" and at2[-1] == "after" and "depart" in at2


def test_rescheduled_departures_carry_new_tokens():
    env = simpy.Environment()
    seen: list[tuple[int, int]] = []
    feeder = DepartureFeeder(env, lambda v, tok, _e: seen.append((v, tok)))
    tokens = [0, 0]
    feeder.schedule(np.array([0, 1]), np.array([5.0, 6.0]), tokens)
    feeder.schedule(np.array([1]), np.array([2.0]), tokens)  # brought forward
    env.run()
    assert tokens == [1, 2]
    assert seen == [(1, 2), (0, 1), (1, 1)]  # the old token of agent 1 fires too (ignored)


def test_a_call_scheduler_made_before_the_feeder_never_reuses_its_event_ids():
    """The traffic model's fast scheduler (made at the start of the run) and the feeder
    share the environment's event-id counter: ids reserved for departures are not handed
    out again, so no two heap entries tie on (time, priority, id)."""
    from musterpoint.sim.des import call_scheduler

    env = simpy.Environment()
    push = call_scheduler(env)  # holds the counter, as the traffic model does
    seen: list[tuple[str, int]] = []
    DepartureFeeder(env, lambda v, tok, _e: seen.append(("depart", v))).schedule(
        np.arange(3), np.zeros(3), [0, 0, 0])
    for k in range(3):
        push(0.0, lambda e: seen.append(("call", e._value)), k)
    ids = [entry[2] for entry in env._queue]
    assert len(ids) == len(set(ids))
    env.run()
    assert seen == [("depart", 0), ("depart", 1), ("depart", 2),
                    ("call", 0), ("call", 1), ("call", 2)]
