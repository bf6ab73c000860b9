"""Bare timed callbacks on a SimPy environment: the one way the engine schedules them.

A SimPy process is a generator with its own event per step; many of the engine's waits
need only "call this function at that time". :func:`schedule_call` schedules one bare
triggered event with the function as its only callback (as SimPy's ``Timeout`` does
internally, with the same priority, so the order of simultaneous events is that of a
``Timeout`` made at the same moment), and refuses a negative delay as ``Timeout`` does.

:func:`call_scheduler` is the same for the traffic core's hot path (a few hundred thousand
calls per run): a slotted event with only what SimPy's loop reads (``callbacks``,
``_ok``, ``_value``), pushed straight onto the environment's queue with the same time,
priority and event id that :meth:`simpy.Environment.schedule` would give it, so the
order of events, and so every result, is the same; it carries a value to its callback.

:func:`run_until` is :meth:`simpy.Environment.run` with a time, its loop over
:meth:`~simpy.Environment.step` written out, so that it runs compiled with the traffic core
(``sim/_accel.py``): the same events in the same order, the same exceptions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority

__all__ = ["DAY_S", "BareCall", "CallScheduler", "call_later", "call_scheduler", "run_until",
           "schedule_call"]

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


class BareCall:
    """A triggered event that only calls back: what :meth:`simpy.Environment.step` reads
    of an event (``callbacks``, ``_ok``, ``_value``), with ``_value`` free for the caller.

    Parameters
    ----------
    fn : callable
        Called with this event when it is processed.
    value : object
        Whatever the callback needs (the event's ``_value``).
    """

    __slots__ = ("_ok", "_value", "callbacks")

    def __init__(self, fn: Callable[[BareCall], object], value: Any) -> None:
        self.callbacks: list[Callable[[BareCall], object]] | None = [fn]
        self._ok = True
        self._value = value


#: ``push(delay, fn, value) -> event``: calls ``fn(event)`` ``delay`` seconds from now.
CallScheduler = Callable[[float, Callable[[BareCall], object], Any], BareCall]


def call_scheduler(env: simpy.Environment) -> CallScheduler:
    """A fast :func:`schedule_call` bound to ``env`` that passes a value along.

    The event gets the time ``env.now + delay``, :data:`~simpy.events.NORMAL` priority and
    the next event id of ``env``, as :meth:`simpy.Environment.schedule` would give it.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment.

    Returns
    -------
    CallScheduler
        ``push(delay, fn, value)``: schedules and returns a :class:`BareCall`; a negative
        delay raises ValueError.
    """
    queue = env._queue
    eid = env._eid

    def push(delay: float, fn: Callable[[BareCall], object], value: Any) -> BareCall:
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        ev = BareCall(fn, value)
        heappush(queue, (env._now + delay, NORMAL, next(eid), ev))  # type: ignore[misc]
        return ev

    return push


def run_until(env: simpy.Environment, until: float) -> None:
    """``env.run(until=until)``: process every event before ``until`` (in time, priority,
    id order), then stop with the clock at ``until``.

    SimPy's own loop, step for step (:meth:`simpy.Environment.run` and
    :meth:`~simpy.Environment.step` of SimPy 4.1): an urgent event at ``until`` stops it;
    a failed event that nobody defused raises a copy of its exception; an event whose
    callback stops the simulation keeps its other callbacks for later.

    While it runs, the objects that existed before it (the World, routing trees, per-link
    and per-vehicle lists: millions in a region) are frozen out of Python's cyclic
    garbage collector (:func:`gc.freeze`), which otherwise scans them all again and again
    (15 % of the default scenario's simulation); garbage made during the run is still
    collected, and they are handed back to the collector at the end (unless something
    else had frozen objects before: then nothing is frozen or unfrozen here).

    Parameters
    ----------
    env : simpy.Environment
        The environment (any; its ``step`` is not called).
    until : float
        The time to stop at, after the current time.

    Raises
    ------
    ValueError
        If ``until`` is not after the current time.
    RuntimeError
        If no event is left before ``until`` is reached (as SimPy's ``run``).
    """
    at = until if isinstance(until, int) else float(until)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, at - env.now)
    stop.callbacks.append(StopSimulation.callback)  # type: ignore[union-attr]
    queue = env._queue  # type: ignore[attr-defined]
    freeze = gc.get_freeze_count() == 0  # else someone froze them for their own reasons
    if freeze:
        gc.freeze()
    try:
        while True:
            try:
                env._now, _, _, event = heappop(queue)
            except IndexError:
                raise RuntimeError(f'No scheduled events left but "until" event was not '
                                   f"triggered: {stop}") from None
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:
                # the rest of the callbacks run when the simulation resumes
                event.callbacks = callbacks[callbacks.index(callback) + 1:]
                env.schedule(event, EventPriority(-1))
                raise
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
    except StopSimulation:
        return
    finally:
        if freeze:
            gc.unfreeze()


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
if not TYPE_CHECKING:
    from musterpoint.sim._accel import compiled as _compiled

    if (_fast := _compiled("des")) is not None:
        BareCall, call_scheduler, run_until = (_fast.BareCall, _fast.call_scheduler,
                                               _fast.run_until)
