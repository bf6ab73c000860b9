"""Bare timed callbacks keep SimPy's order: time, then the order they were scheduled."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
import simpy

from musterpoint.sim.des import (
    BareCall,
    call_later,
    call_scheduler,
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
    ev = push(0.5, lambda _e: None, (3, 4.0))
    assert ev._value == (3, 4.0) and ev._ok and ev.callbacks is not None
    env.run()
    assert env.now == 0.5 and ev.callbacks is None  # processed by SimPy's loop


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
    run_until(env, 2.0)
    assert counts[0] > 0  # what existed was frozen while the events ran
    assert gc.get_freeze_count() == 0
