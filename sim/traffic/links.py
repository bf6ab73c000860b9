"""The traffic core's links: their parameters and state, and the moves on and off them.

Each directed link is a FIFO queue with

* a free-flow time ``L / v``: a vehicle entering at ``t`` reaches the link's end no
  earlier than ``t + L / v``;
* a flow capacity: successive exits are at least ``pcu * 3600 / C`` seconds apart;
* a storage capacity (PCU): a vehicle may enter while the PCU on the link is below it,
  so a link of storage 13.3 holds at most 14 cars (the rule of MATSim's QSim);
* spillback: the head of a link leaves only when its next link accepts it; otherwise it
  waits, and the link is woken when the next link frees room.


:class:`LinkBook` holds the links (one :class:`LinkState` each) beside the vehicles
(:class:`~musterpoint.sim.traffic.vehicles.VehicleBook`) and moves a vehicle onto a link
and off it; :class:`~musterpoint.sim.traffic.queue_model.TrafficModel` decides when (its
exits, the node model, departures and the gridlock rule). Compiled with the traffic core
(``sim/_accel.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, SupportsFloat, SupportsIndex

import numpy as np
import simpy

from musterpoint.sim.des import BareCall, CallQueue
from musterpoint.sim.traffic.link_counters import LinkCounters, take_link_counters
from musterpoint.sim.traffic.vehicles import Car, VehicleBook, VehicleState

__all__ = ["LinkBook", "LinkState"]

_INF: Final = float("inf")


class LinkState:
    """One link of the traffic core: its parameters and its state.

    The compiled core keeps the numbers of a link together in one object, unboxed
    (a link's event reads and writes a dozen of them: one cache line instead of a dozen
    boxed numbers spread through memory).

    Parameters
    ----------
    to : int
        End node.
    freeflow : float
        Free-flow time (s).
    headway : float
        Seconds per PCU at the exit (3600 / capacity).
    storage : float
        Storage capacity (PCU).

    Attributes
    ----------
    used : float
        PCU on the link.
    next_exit : float
        Earliest time of the next exit (the flow capacity).
    pending : float
        Time of the scheduled exit of the head (inf: none), and ``pending_event`` its event.
    closed : bool
        Closed to entry.
    blocked_since : float
        Since when the head waits for room downstream (-1: it does not).
    check : BareCall or None
        The pending gridlock check of the link (at most one is kept; see
        :meth:`TrafficModel._check_later`), and ``check_since`` the wait it checks.
    owed_eid : int
        The event id reserved for the gridlock check of the current wait, which ``check``
        will place when it runs (-1: none), and ``owed_since`` that wait's start.
    last_exit : float
        Time of the last exit.
    serve_pending : bool
        A node-model service of the link is scheduled.
    n_entered, n_exited, travel_s
        Counters since the last :meth:`TrafficModel.take_counters`.
    queue : list of int
        The vehicles on it, head first.
    waiters : list of int
        What waits for room on it: incoming links, and ``-o - 1`` for node ``o``'s
        departure queue.
    """

    __slots__ = ("blocked_since", "check", "check_since", "closed", "freeflow", "headway",
                 "last_exit", "n_entered", "n_exited", "next_exit", "owed_eid", "owed_since",
                 "pending", "pending_event", "queue", "serve_pending", "storage", "to",
                 "travel_s", "used", "waiters")

    def __init__(self, to: int, freeflow: float, headway: float, storage: float) -> None:
        self.to = to
        self.freeflow = freeflow
        self.headway = headway
        self.storage = storage
        self.used = 0.0
        self.next_exit = 0.0
        self.pending = _INF
        self.pending_event: BareCall | None = None
        self.closed = False
        self.blocked_since = -1.0
        self.check: BareCall | None = None
        self.check_since = -1.0
        self.owed_eid = -1
        self.owed_since = -1.0
        self.last_exit = -_INF
        self.serve_pending = False
        self.n_entered = 0
        self.n_exited = 0
        self.travel_s = 0.0
        self.queue: list[int] = []
        self.waiters: list[int] = []


class LinkBook(VehicleBook):
    """The vehicles and the links of the traffic core, and the moves on and off links.

    The base of :class:`~musterpoint.sim.traffic.queue_model.TrafficModel`, which gives
    :meth:`_exit_event` (a head tries to leave its link) and :meth:`_serve` (the node model
    serves the heads waiting for a link).

    Parameters
    ----------
    env : simpy.Environment
        The environment that owns the clock (the moves are scheduled on a
        :class:`~musterpoint.sim.des.CallQueue` of it).
    link_to : ndarray of int
        End node of each link.
    freeflow_s : ndarray of float
        Free-flow time of each link.
    capacity_vph : ndarray of float
        Flow capacity of each link (PCU per hour, > 0).
    storage_pcu : ndarray of float
        Storage capacity of each link in PCU.
    exposure_intervals : list of list of (float, float) or None
        Per link, the intervals during which being on it counts as exposure.
    record_links : bool
        Keep a trace of every link traversal (vehicle, link, enter, exit).

    Attributes
    ----------
    links : list of LinkState
        Per link, its parameters and state (``queue``, ``used``, ``headway``, ``storage``
        and ``closed`` are also given per link as lists).
    traversals : int
        Link entries so far.
    """

    def __init__(self, env: simpy.Environment, link_to: np.ndarray, freeflow_s: np.ndarray,
                 capacity_vph: np.ndarray, storage_pcu: np.ndarray,
                 exposure_intervals: list[list[tuple[float, float]]] | None,
                 record_links: bool) -> None:
        super().__init__()
        self.env = env
        # Python numbers (what the core indexes); NumPy divides as Python does (IEEE)
        self.link_to: list[int] = np.asarray(link_to, dtype=np.int64).tolist()
        headway: list[float] = (3600.0 / np.asarray(capacity_vph, dtype=np.float64)).tolist()
        self.links: list[LinkState] = [
            LinkState(to, ff, hw, st) for to, ff, hw, st in zip(
                self.link_to, np.asarray(freeflow_s, dtype=np.float64).tolist(), headway,
                np.asarray(storage_pcu, dtype=np.float64).tolist(), strict=True)]
        self.exposure = exposure_intervals
        self.record_links = bool(record_links)
        self._calls = CallQueue(env)
        self._exit_cb: Callable[[BareCall], None] = self._exit_event
        self._serve_cb: Callable[[BareCall], None] = self._serve
        # the links that may have non-zero counters since the last take_counters
        self._touched: list[int] = []  # links entered since the last call
        self._carry: list[int] = []  # links that held vehicles at the last call
        self.traversals = 0

    def _exit_event(self, ev: BareCall) -> None:
        """The head of the event's link tries to leave (the queue model's rule)."""
        raise NotImplementedError

    def _serve(self, ev: BareCall) -> None:
        """Serve the heads that wait for the event's link (the node model)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ per-link views
    @property
    def queue(self) -> list[list[int]]:
        """Per link, its vehicles, head first (the links' own lists)."""
        return [lk.queue for lk in self.links]

    @property
    def used(self) -> list[float]:
        """Per link, the PCU on it now (a copy)."""
        return [lk.used for lk in self.links]

    @property
    def headway(self) -> list[float]:
        """Per link, seconds per PCU at its exit (3600 / capacity; a copy)."""
        return [lk.headway for lk in self.links]

    @property
    def storage(self) -> list[float]:
        """Per link, its storage capacity in PCU (a copy)."""
        return [lk.storage for lk in self.links]

    @property
    def closed(self) -> list[bool]:
        """Per link, whether it is closed to entry (a copy)."""
        return [lk.closed for lk in self.links]

    def set_closed(self, link: SupportsIndex, closed: bool) -> None:
        """Close (no entry) or reopen a link. Call :meth:`after_reroute` after a batch."""
        self.links[int(link)].closed = closed

    # ------------------------------------------------------------------ moves
    def _schedule_exit(self, link: int, at: float) -> None:
        """The head of ``link`` tries to leave at ``at`` (unless it already will earlier)."""
        lk = self.links[link]
        if at >= lk.pending:
            return
        lk.pending = at
        now: float = self.env._now
        delay = at - now
        lk.pending_event = self._calls.push(delay if delay > 0.0 else 0.0, self._exit_cb, link)

    def _wake(self, m: int) -> None:
        """Link ``m`` may have room and heads wait for it: let the node model serve them
        (once per moment, after the events already due now)."""
        lm = self.links[m]
        if lm.waiters and not lm.serve_pending:
            lm.serve_pending = True
            self._calls.push(0.0, self._serve_cb, m)

    def _enter(self, m: int, v: int, t: float) -> None:
        lm = self.links[m]
        c: Car = self.cars[v]
        q = lm.queue
        lm.used += c.pcu
        q.append(v)
        c.link = m
        c.enter_t = t
        end = t + lm.freeflow
        c.end_t = end
        if c.state == VehicleState.WAITING:
            c.first_enter_t = t
        c.state = VehicleState.ON_ROAD
        n = lm.n_entered
        if n == 0:
            self._touched.append(m)
        lm.n_entered = n + 1
        self.traversals += 1
        if len(q) == 1:
            ne = lm.next_exit
            self._schedule_exit(m, end if end > ne else ne)

    def _leave(self, link: int, v: int, t: float) -> None:
        """Head ``v`` leaves ``link`` at ``t``: free its room and serve the next head."""
        lk = self.links[link]
        q = lk.queue
        q.pop(0)
        c: Car = self.cars[v]
        pcu = c.pcu
        lk.used -= pcu
        ne = t + lk.headway * pcu
        lk.next_exit = ne
        lk.last_exit = t
        lk.blocked_since = -1.0
        t_in = c.enter_t
        lk.n_exited += 1
        lk.travel_s += t - t_in
        exposure = self.exposure
        if exposure is not None and exposure[link]:
            ov, last = _overlap(exposure[link], t_in, t)
            if ov > 0.0:
                c.exposed_s += ov
                c.exposure_end = max(c.exposure_end, last)
        if self.record_links:
            self.link_trace.append((v, link, t_in, t))
        c.node = lk.to
        c.link = -1
        if q:
            end = self.cars[q[0]].end_t
            self._schedule_exit(link, end if end > ne else ne)
        if lk.waiters:
            self._wake(link)

    # ------------------------------------------------------------------ end of run
    def finish(self, t_end: SupportsFloat) -> None:
        """Close the books at ``t_end``: add exposure of vehicles still on links."""
        exposure = self.exposure
        if exposure is None:
            return
        t1 = float(t_end)
        for link, lk in enumerate(self.links):
            if lk.queue and exposure[link]:
                for v in lk.queue:
                    c = self.cars[v]
                    ov, last = _overlap(exposure[link], c.enter_t, t1)
                    if ov > 0.0:
                        c.exposed_s += ov
                        c.exposure_end = max(c.exposure_end, last)

    def take_counters(self, include: Sequence[int] | np.ndarray = ()) -> LinkCounters:
        """The counters of the links active since the last call (a vehicle entered or
        left, or it holds vehicles now) and of ``include`` (e.g. the closed links), in
        link order; new counters start (see :func:`take_link_counters`)."""
        active: list[int] = sorted(set(self._touched + self._carry))
        links = self.links
        entered: list[int] = []
        exited: list[int] = []
        travel: list[float] = []
        used: list[float] = []
        for i in active:
            lk = links[i]
            entered.append(lk.n_entered)
            exited.append(lk.n_exited)
            travel.append(lk.travel_s)
            used.append(lk.used)
            lk.n_entered = 0
            lk.n_exited = 0
            lk.travel_s = 0.0
        out, self._carry = take_link_counters(active, entered, exited, travel, used, include)
        self._touched = []
        return out


def _overlap(intervals: list[tuple[float, float]], a: float, b: float) -> tuple[float, float]:
    """Time of ``[a, b]`` inside the intervals, and when the last such stretch ended."""
    total = 0.0
    last = -_INF
    for s, e in intervals:
        lo = s if s > a else a
        hi = e if e < b else b
        if hi > lo:
            total += hi - lo
            last = hi
    return total, last


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
# (nothing here: queue_model.py takes the compiled classes with its own)
