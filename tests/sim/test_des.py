"""Bare timed callbacks keep SimPy's order: time, then the order they were scheduled."""

from __future__ import annotations

import pytest
import simpy

from musterpoint.sim.des import BareCall, call_later, call_scheduler, schedule_call


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
