"""Bare timed callbacks on a SimPy environment: the one way the engine schedules them.

A SimPy process is a generator with its own event per step; many of the engine's waits
need only "call this function at that time". :func:`schedule_call` schedules one bare
triggered event with the function as its only callback (as SimPy's ``Timeout`` does
internally, with the same priority, so the order of simultaneous events is that of a
``Timeout`` made at the same moment), and refuses a negative delay as ``Timeout`` does.

:func:`call_scheduler` is the same for the traffic core's hot path (millions of calls in a
region): a :class:`CallQueue` of its own, whose calls get the same time, priority and
event id that :meth:`simpy.Environment.schedule` would give them and run exactly where
SimPy would run them among the environment's events (the first waiting call stands on
the environment's queue as a proxy event), so the order of events, and so every result,
is the same; each call carries a value to its callback.

:func:`run_until` is :meth:`simpy.Environment.run` with a time, its loop over
:meth:`~simpy.Environment.step` written out, so that it runs compiled with the traffic core
(``sim/_accel.py``): the same events in the same order, the same exceptions.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority

__all__ = ["DAY_S", "BareCall", "CallQueue", "CallScheduler", "FrozenHeap", "call_later",
           "call_scheduler", "frozen_heap", "run_until", "schedule_call"]

P = ParamSpec("P")
R = TypeVar("R")

#: Seconds in a day of simulated time.
DAY_S = 86_400.0

#: SimPy's priority of ordinary events, as a plain int (what the compiled core compares).
_NORMAL: Final[int] = int(NORMAL)

#: Allocations between young collections of the garbage collector while :func:`run_until`
#: runs (Python's default is 700; a run allocates millions of short-lived calls).
_YOUNG: Final[int] = 20_000
#: Whether a :class:`FrozenHeap` block has handed objects back to the collector's oldest
#: generation since the last sweep (the collector is the process's: so is this record).
_HANDED_BACK: dict[str, bool] = {"since_sweep": False}


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
    """A call at a time on a :class:`CallQueue`: what the traffic core schedules.

    Parameters
    ----------
    fn : callable
        Called with this object at its time.
    value : object
        Whatever the callback needs (read as ``_value``, as a SimPy event's value).

    Attributes
    ----------
    at : float
        Its time, and ``eid`` the event id it took from the environment (the order of
        simultaneous events), set by :meth:`CallQueue.push`.
    proxy : _Proxy or None
        The SimPy event that stands for it on the environment's queue, while one is there.
    """

    __slots__ = ("_ok", "_value", "at", "eid", "fn", "proxy")

    def __init__(self, fn: Callable[[BareCall], object], value: Any) -> None:
        self.fn = fn
        self._ok = True
        self._value = value
        self.at = 0.0
        self.eid = -1
        self.proxy: _Proxy | None = None


class _Proxy:
    """A triggered SimPy event (what :meth:`simpy.Environment.step` reads: ``callbacks``,
    ``_ok``, ``_value``) that stands on the environment's queue for the first call of a
    :class:`CallQueue`, with that call's time and event id."""

    __slots__ = ("_ok", "_value", "callbacks")

    def __init__(self, fn: Callable[[_Proxy], object], call: BareCall) -> None:
        self.callbacks: list[Callable[[_Proxy], object]] | None = [fn]
        self._ok = True
        self._value = call


#: ``push(delay, fn, value) -> call``: calls ``fn(call)`` ``delay`` seconds from now.
CallScheduler = Callable[[float, Callable[[BareCall], object], Any], BareCall]


def _earlier(a: BareCall, b: BareCall) -> bool:
    """Whether ``a`` comes before ``b``: by time, then event id (as SimPy orders events
    of one priority)."""
    return a.at < b.at or (a.at == b.at and a.eid < b.eid)


def _sift_up(heap: list[BareCall], k: int) -> None:
    """Move ``heap[k]`` up to its place (a binary min-heap by :func:`_earlier`)."""
    item = heap[k]
    while k > 0:
        parent = (k - 1) >> 1
        above = heap[parent]
        if not _earlier(item, above):
            break
        heap[k] = above
        k = parent
    heap[k] = item


def _pop_first(heap: list[BareCall]) -> BareCall:
    """Remove and return the first call of the (non-empty) heap."""
    last = heap.pop()
    n = len(heap)
    if n == 0:
        return last
    first = heap[0]
    k = 0
    while True:
        child = 2 * k + 1
        if child >= n:
            break
        c = heap[child]
        if child + 1 < n:
            right = heap[child + 1]
            if _earlier(right, c):
                child += 1
                c = right
        if not _earlier(c, last):
            break
        heap[k] = c
        k = child
    heap[k] = last
    return first


class CallQueue:
    """The traffic core's own queue of timed calls, merged into a SimPy environment's.

    A call gets the time ``env.now + delay``, :data:`~simpy.events.NORMAL` priority and
    the next event id of ``env``, as :meth:`simpy.Environment.schedule` would give it, and
    runs exactly where SimPy would have run it among the environment's events. The calls
    wait on their own heap (ordered by time and id in compiled code, not by comparing
    SimPy's tuples); the first of them is represented on the environment's queue by a
    proxy event with the same time, priority and id. When the proxy is processed (by
    :func:`run_until`, or SimPy's own ``step``/``run``), it runs that call and every
    following call that comes before the environment's next event, then puts a proxy
    for the next call on the environment's queue. So the order of events, and every
    result, is that of one heap, while the environment's heap sees one entry per run of
    consecutive calls instead of one per call.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment.
    """

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.queue: list[tuple[Any, ...]] = env._queue  # type: ignore[attr-defined]
        self.eid: Iterator[int] = env._eid  # type: ignore[attr-defined]
        self.heap: list[BareCall] = []
        self.proxy: _Proxy | None = None  # the proxy that stands for heap[0], if any
        self.running = False
        self.at = 0.0  # the time of the call running (while running)
        self._fire_cb: Callable[[_Proxy], None] = self._fire

    def __len__(self) -> int:
        return len(self.heap)

    def now(self) -> float:
        """The environment's time (``env.now``; read without SimPy while a call runs)."""
        if self.running:
            return self.at
        t: float = self.env._now  # type: ignore[attr-defined]
        return t

    def push(self, delay: float, fn: Callable[[BareCall], object], value: Any) -> BareCall:
        """Call ``fn(call)`` ``delay`` seconds from now; returns the call.

        Raises
        ------
        ValueError
            If ``delay`` is negative (the clock never goes back).
        """
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        call = BareCall(fn, value)
        call.at = self.now() + delay
        call.eid = next(self.eid)
        self._add(call)
        return call

    def reserve(self) -> int:
        """Take the next event id of the environment now, for a call to be pushed later
        with :meth:`push_at` (so it keeps its place among the events made meanwhile)."""
        return next(self.eid)

    def push_at(self, at: float, eid: int, fn: Callable[[BareCall], object],
                value: Any) -> BareCall:
        """Call ``fn(call)`` at time ``at`` with event id ``eid`` (from :meth:`reserve`):
        the call :meth:`push` would have made when the id was reserved.

        Raises
        ------
        ValueError
            If ``at`` is before the current time (the clock never goes back).
        """
        now = self.now()
        if at < now:
            raise ValueError(f"Time {at} is before now ({now})")
        call = BareCall(fn, value)
        call.at = at
        call.eid = eid
        self._add(call)
        return call

    def _add(self, call: BareCall) -> None:
        """Put ``call`` on the heap (and a proxy for it on the environment's, if first)."""
        heap = self.heap
        heap.append(call)
        _sift_up(heap, len(heap) - 1)
        if not self.running and heap[0] is call:
            self._arm(call)

    def _arm(self, call: BareCall) -> None:
        """Make a proxy on the environment's queue stand for ``call`` (the first one)."""
        p = call.proxy
        if p is None:  # else its own proxy is still there, with its time and id
            p = _Proxy(self._fire_cb, call)
            call.proxy = p
            heappush(self.queue, (call.at, NORMAL, call.eid, p))
        self.proxy = p

    def _fire(self, proxy: _Proxy) -> None:
        """A proxy's turn: run the calls that come before the environment's next event."""
        first: BareCall = proxy._value
        first.proxy = None
        if proxy is not self.proxy:
            return  # an earlier call was pushed since: another proxy stands for it
        self.proxy = None
        heap = self.heap
        queue = self.queue
        env = self.env
        self.running = True
        try:
            while heap:
                call = heap[0]
                if queue:
                    head = queue[0]
                    t = float(head[0])
                    if call.at > t:
                        break
                    if call.at == t:
                        prio = int(head[1])
                        if prio < _NORMAL:
                            break
                        eid: int = head[2]
                        # an equal id is this call's own proxy, left over: not an event
                        if prio == _NORMAL and call.eid > eid:
                            break
                _pop_first(heap)
                env._now = self.at = call.at  # type: ignore[attr-defined]
                call.fn(call)
        finally:
            self.running = False
            if heap:
                self._arm(heap[0])


def call_scheduler(env: simpy.Environment) -> CallScheduler:
    """A fast :func:`schedule_call` bound to ``env`` that passes a value along.

    The call gets the time ``env.now + delay``, :data:`~simpy.events.NORMAL` priority and
    the next event id of ``env``, as :meth:`simpy.Environment.schedule` would give it
    (see :class:`CallQueue`).

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
    return CallQueue(env).push


class FrozenHeap:
    """``with FrozenHeap():`` the objects that exist now are left out of Python's cyclic
    garbage collector until the block ends, and its young generation is collected every
    :data:`_YOUNG` allocations instead of Python's 700.

    A full collection scans every tracked object: in a run, the World, its routing trees
    and the per-link and per-vehicle lists (130,000 objects in the default scenario,
    millions in a region), again and again, though none of them is garbage; two of them
    in setting up the default scenario's run took 0.11 s. Garbage made in the block is
    still collected. At the end the frozen objects are handed back to the collector and
    its thresholds restored. If objects were frozen already when the block starts (by
    an enclosing block, or by someone else for their own reasons), nothing is frozen,
    unfrozen or changed. Results never depend on it: only when garbage is collected.

    Handed back, the objects go to the collector's oldest generation, which only a full
    collection looks at, and a run's blocks hold full collections off: the objects of a
    run that has ended (an earlier replication, a probe run) would be frozen again by
    the next run and never freed (45 MB more for each default-scenario run in a loop).
    A block made with ``sweep=True`` (a run's set-up) therefore starts with one full
    collection when a block has ended in this process since the last sweep.

    Parameters
    ----------
    collect : bool
        False: no collection in the block, and the objects it made join the oldest
        generation with the others at the end, unscanned (for bounded work that makes
        objects that live on, such as a run's set-up: in the default scenario 8 young
        collections of them, 20 ms, freed nothing); the collector is enabled again at the
        end if it was before. Only where the block freezes (not nested).
    sweep : bool
        True: first collect the garbage an earlier block may have left in the oldest
        generation (see above). Only where the block freezes.
    """

    def __init__(self, collect: bool = True, sweep: bool = False) -> None:
        self.collect = collect
        self.sweep = sweep
        self.freeze = False
        self.enabled = True
        self.threshold = gc.get_threshold()

    def __enter__(self) -> FrozenHeap:
        self.freeze = gc.get_freeze_count() == 0
        self.threshold = gc.get_threshold()
        self.enabled = gc.isenabled()
        if self.freeze:
            if self.sweep and _HANDED_BACK["since_sweep"]:
                gc.collect()
                _HANDED_BACK["since_sweep"] = False
            gc.freeze()
            gc.set_threshold(max(self.threshold[0], _YOUNG), *self.threshold[1:])
            if not self.collect:
                gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.freeze:
            if not self.collect:
                gc.freeze()  # the block's objects too: into the oldest generation with all
            gc.unfreeze()
            _HANDED_BACK["since_sweep"] = True
            if self.enabled and not self.collect:
                gc.enable()
            gc.set_threshold(*self.threshold)
            self.freeze = False


def frozen_heap(*, collect: bool = True,
                sweep: bool = False) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: the function runs in a ``FrozenHeap(collect, sweep)`` block (for a
    run's set-up and close, which make many objects among the World's)."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def held(*args: P.args, **kwargs: P.kwargs) -> R:
            with FrozenHeap(collect, sweep):
                return fn(*args, **kwargs)

        return held

    return wrap


def run_until(env: simpy.Environment, until: float) -> None:
    """``env.run(until=until)``: process every event before ``until`` (in time, priority,
    id order), then stop with the clock at ``until``.

    SimPy's own loop, step for step (:meth:`simpy.Environment.run` and
    :meth:`~simpy.Environment.step` of SimPy 4.1): an urgent event at ``until`` stops it;
    a failed event that nobody defused raises a copy of its exception; an event whose
    callback stops the simulation keeps its other callbacks for later.

    While it runs, the objects that existed before it (the World, routing trees, per-link
    and per-vehicle lists: millions in a region) are frozen out of Python's cyclic
    garbage collector (:class:`FrozenHeap`), which otherwise scans them all again and
    again (15 % of the default scenario's simulation); garbage made during the run is
    still collected (its young generation every :data:`_YOUNG` allocations instead of
    Python's 700, so the full collections, counted in young ones, come less often), and
    they are handed back to the collector and its thresholds restored at the end (unless
    something else had frozen objects before: then nothing is frozen, unfrozen or changed
    here).

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
    with FrozenHeap():
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


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
if not TYPE_CHECKING:
    from musterpoint.sim._accel import compiled as _compiled

    if (_fast := _compiled("des")) is not None:
        BareCall, CallQueue, call_scheduler, run_until = (
            _fast.BareCall, _fast.CallQueue, _fast.call_scheduler, _fast.run_until)
