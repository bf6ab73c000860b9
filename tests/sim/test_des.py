"""Bare timed callbacks keep SimPy's order: time, then the order they were scheduled."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
import simpy

from musterpoint.sim.des import (
    BareCall,
    call_later,
    call_scheduler,
    frozen_heap,
    run_until,
    schedule_call,
)


def test_fast_calls_interleave_with_timeouts_and_schedule_call_in_scheduling_order():
    env = simpy.Environment()
    push = call_scheduler(env)
    seen: list[tuple[float, str]] = []

    def proc():  # a process whose timeout is made between the calls below
        yield env.timeout(2.0)
        seen.append((env.now, "timeout"))

    def note(ev: BareCall) -> None:
        seen.append((env.now, ev._value))

    push(2.0, note, "push-a")
    env.process(proc())  # its start event is scheduled now, the timeout at t = 0
    schedule_call(env, 2.0, lambda _e: seen.append((env.now, "schedule_call")))
    push(1.0, note, "push-early")
    call_later(env, 2.0, lambda: seen.append((env.now, "call_later")))
    push(2.0, note, "push-b")
    env.run()
    assert seen == [(1.0, "push-early"), (2.0, "push-a"), (2.0, "schedule_call"),
                    (2.0, "call_later"), (2.0, "push-b"), (2.0, "timeout")]


def test_a_negative_delay_is_refused_and_the_event_carries_its_value():
    env = simpy.Environment()
    push = call_scheduler(env)
    with pytest.raises(ValueError, match="Negative delay"):
        push(-1.0, lambda _e: None, None)
    got: list[Any] = []
    ev = push(0.5, lambda e: got.append(e._value), (3, 4.0))
    assert ev._value == (3, 4.0) and ev._ok and ev.at == 0.5 and not got
    env.run()
    assert env.now == 0.5 and got == [(3, 4.0)]  # run by SimPy's loop (through its proxy)


def _trace_run(runner: Callable[[simpy.Environment, float], None]) -> list[tuple[float, str]]:
    """Processes, timeouts, bare calls and simultaneous events up to t = 7, run by
    ``runner``, then to t = 12: what ran when, in order."""
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []
    push = call_scheduler(env)

    def proc(name: str, dt: float) -> Any:
        while True:
            yield env.timeout(dt)
            seen.append((env.now, name))

    env.process(proc("a", 1.5))
    env.process(proc("b", 2.0))
    for k in range(6):
        push(float(k % 3), lambda ev: seen.append((env.now, f"call {ev._value}")), k)
    schedule_call(env, 7.0, lambda ev: seen.append((env.now, "at 7")))
    runner(env, 7.0)
    seen.append((env.now, "stopped"))
    runner(env, 12)
    seen.append((env.now, "stopped"))
    return seen


def test_run_until_is_simpys_run():
    def simpy_run(env: simpy.Environment, t: float) -> None:
        env.run(until=t)

    ours = _trace_run(run_until)
    assert ours == _trace_run(simpy_run)
    assert (7.0, "stopped") in ours and ours[-1] == (12, "stopped")
    # the stop is urgent: what is due at 7 runs when the simulation resumes
    assert [s for t, s in ours if t == 7.0] == ["stopped", "at 7"]


def test_run_until_refuses_the_past_and_raises_failed_events():
    env = simpy.Environment(initial_time=5.0)
    with pytest.raises(ValueError, match="must be greater"):
        run_until(env, 5.0)
    ev = env.event()
    ev.fail(KeyError("boom"))
    with pytest.raises(KeyError, match="boom"):
        run_until(env, 6.0)


def test_run_until_hands_frozen_objects_back_to_the_collector():
    env = simpy.Environment()
    counts: list[int] = []
    schedule_call(env, 1.0, lambda ev: counts.append(gc.get_freeze_count()))
    assert gc.get_freeze_count() == 0
    before = gc.get_threshold()
    thresholds: list[tuple[int, ...]] = []
    schedule_call(env, 1.5, lambda ev: thresholds.append(gc.get_threshold()))
    run_until(env, 2.0)
    assert counts[0] > 0  # what existed was frozen while the events ran
    assert gc.get_freeze_count() == 0
    # young collections less often while it ran, Python's thresholds again after
    assert thresholds[0][0] >= 20_000 and thresholds[0][1:] == before[1:]
    assert gc.get_threshold() == before


def test_frozen_heap_freezes_once_and_hands_everything_back_even_on_error():
    seen: list[tuple[int, int]] = []
    before = gc.get_threshold()

    @frozen_heap()
    def inner(tag: str) -> str:
        seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
        return tag

    @frozen_heap(collect=False)
    def outer() -> str:
        assert not gc.isenabled()
        seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
        return inner("x")

    assert outer() == "x" and inner.__name__ == "inner"
    frozen = seen[0][0]
    assert frozen > 0 and seen[0][1] >= 20_000
    assert seen[1] == seen[0]  # the inner block froze nothing more and changed nothing
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before

    @frozen_heap(collect=False)
    def fails() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before and gc.isenabled()
    gc.disable()  # someone else's choice stays theirs
    try:
        probe = frozen_heap(collect=False)(lambda: gc.isenabled())
        assert probe() is False and not gc.isenabled()
    finally:
        gc.enable()


class _Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_sweeping_block_frees_what_an_earlier_block_handed_back():
    """A block hands its objects back to the oldest generation; garbage among them would
    be frozen by the next block and never freed (a run in a loop: 45 MB a run). A block
    made with sweep=True collects it first."""

    @frozen_heap(collect=False)
    def make() -> weakref.ref[_Node]:
        return weakref.ref(_Node())  # garbage once the block ends, in a cycle

    gc.disable()  # no collection but the ones the blocks make
    try:
        ref = make()
        assert frozen_heap()(lambda: ref() is not None)()  # frozen again, kept
        assert frozen_heap(sweep=True)(lambda: ref() is None)()  # collected first
        assert gc.get_freeze_count() == 0 and not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_left_behind_is_freed_when_the_next_run_is_made():
    """Replications, plans compared, a probe run then the run: each run's objects are
    freed once it is dropped, not kept frozen by the next one."""
    from musterpoint.sim.engine import new_run
    from tests.helpers.golden import short_loaded, short_world

    world = short_world("porto-alegre-flood")
    plan = short_loaded("porto-alegre-flood").plan(None)
    gc.disable()
    try:
        first = new_run(world, plan, 1)
        first.run()
        ref = weakref.ref(first)
        del first
        assert ref() is not None  # in cycles (its processes, its clock): left to the collector
        new_run(world, plan, 2)
        assert ref() is None
    finally:
        gc.enable()


def _reference_push(env: simpy.Environment) -> Callable[[float, Any, Any], Any]:
    """The scheduler the call queue replaced: each call a bare event on SimPy's heap."""
    from heapq import heappush
    from types import SimpleNamespace

    from simpy.events import NORMAL

    def push(delay: float, fn: Any, value: Any) -> Any:
        ev = SimpleNamespace(_ok=True, _value=value, at=env.now + delay)
        ev.callbacks = [fn]
        heappush(env._queue, (env.now + delay, NORMAL, next(env._eid), ev))
        return ev

    return push


def _random_trace(seed: int, reference: bool) -> list[tuple[float, str]]:
    """Calls that schedule calls (zero delays, equal times, a grid of times), SimPy
    processes and plain events among them, run in steps by run_until and SimPy's run."""
    import random

    rng = random.Random(seed)
    env = simpy.Environment()
    push = _reference_push(env) if reference else call_scheduler(env)
    seen: list[tuple[float, str]] = []
    budget = [400]

    def call(ev: Any) -> None:
        seen.append((env.now, f"call {ev._value}"))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            kind = rng.random()
            delay = rng.choice((0.0, 0.0, 0.5, 1.0, 1.0, 2.5, rng.random() * 3))
            if kind < 0.7:
                push(delay, call, budget[0])
            elif kind < 0.85:
                schedule_call(env, delay, lambda e, k=budget[0]: seen.append(
                    (env.now, f"plain {k}")))
            else:
                env.process(proc(budget[0], delay))

    def proc(k: int, dt: float) -> Any:
        yield env.timeout(dt)
        seen.append((env.now, f"proc {k}"))
        if rng.random() < 0.5:
            push(rng.choice((0.0, 1.0)), call, -k)

    for k in range(8):
        push(float(k % 3), call, 1000 + k)
    t = 0.0
    while any(entry[1] >= 0 for entry in env._queue):  # (a stop left over is -1)
        t += rng.choice((0.5, 1.0, 1.7))
        if rng.random() < 0.5:
            run_until(env, t)
        else:
            env.run(until=t)
        seen.append((env.now, "stopped"))
    return seen


@pytest.mark.parametrize("seed", range(12))
def test_the_call_queue_runs_every_call_where_simpys_heap_would(seed):
    ours = _random_trace(seed, reference=False)
    assert ours == _random_trace(seed, reference=True)
    assert sum(s.startswith("call") for _, s in ours) > 20
