"""Bare timed callbacks on a SimPy environment: the one way the engine schedules them.

A SimPy process is a generator with its own event per step; many of the engine's waits
need only "call this function at that time". :func:`schedule_call` schedules one bare
triggered event with the function as its only callback (as SimPy's ``Timeout`` does
internally, with the same priority, so the order of simultaneous events is that of a
``Timeout`` made at the same moment), and refuses a negative delay as ``Timeout`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL, Event

__all__ = ["DAY_S", "call_later", "schedule_call"]

#: Seconds in a day of simulated time.
DAY_S = 86_400.0


def schedule_call(env: simpy.Environment, delay: float, fn: Callable[[Event], object]) -> None:
    """Call ``fn(event)`` ``delay`` seconds of simulated time from now.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment.
    delay : float
        Seconds from now (>= 0).
    fn : callable
        Called with the event, as every SimPy callback is.

    Raises
    ------
    ValueError
        If ``delay`` is negative (the clock never goes back).
    """
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    ev = Event(env)
    ev._ok = True
    ev._value = None
    ev.callbacks = [fn]  # type: ignore[list-item]
    env.schedule(ev, NORMAL, delay)


def call_later(env: simpy.Environment, delay: float, fn: Callable[[], object]) -> None:
    """Call ``fn()`` ``delay`` seconds from now (a callback that needs no event)."""
    schedule_call(env, delay, lambda _event: fn())
