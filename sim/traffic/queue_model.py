"""The traffic core: an event-driven mesoscopic queue model on a SimPy environment.

Each directed link is a FIFO queue with

* a free-flow time ``L / v``: a vehicle entering at ``t`` reaches the link's end no
  earlier than ``t + L / v``;
* a flow capacity: successive exits are at least ``pcu * 3600 / C`` seconds apart;
* a storage capacity (PCU): a vehicle may enter while the PCU on the link is below it,
  so a link of storage 13.3 holds at most 14 cars (the rule of MATSim's QSim);
* spillback: the head of a link leaves only when its next link accepts it; otherwise it
  waits, and the link is woken when the next link frees room.

This is the queue model of JDEQSim/QSim, event-driven in continuous time, with no time
step. Ties at equal times are broken by the order in which events were scheduled, which
is deterministic. Vehicles find their next link at every node from the
:class:`~musterpoint.sim.network.routing.Router` trees, so they reroute when trees are rebuilt.

Merges (the node model): a vehicle enters a link directly only if the link has room and
nobody waits for it. When a link has room and heads wait (of its incoming links, or
departures at its start node), they are served one at a time, each chosen at random in
proportion to its approach's flow capacity (a departure queue counts with the capacity of
the link it enters), as QSim's node does (:mod:`musterpoint.sim.traffic.node_model`). So
approaches share a saturated link in proportion to their capacities instead of the first
to be scheduled taking every gap.

Gridlock: if the head of a link has waited ``stuck_time_s`` for room downstream and the
link it waits for has not let a vehicle out for ``stuck_time_s`` either, the head is moved
into that link anyway (over its storage). Such forced moves are counted and reported,
never silent. They happen only in true gridlock (a cycle of full links, or a link stopped
for the stuck time), not where a head waits behind a queue that moves but serves others
(QSim forces any head that waited the stuck time; with the node model such a head is
served in its turn).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, SupportsFloat, SupportsIndex

import numpy as np
import simpy

from musterpoint.sim.des import BareCall, CallQueue
from musterpoint.sim.network.routing import AT_DESTINATION, Router
from musterpoint.sim.traffic.link_counters import LinkCounters, take_link_counters
from musterpoint.sim.traffic.node_model import CapacityDraw
from musterpoint.sim.traffic.vehicles import Car, VehicleBook, VehicleState

__all__ = ["LinkCounters", "LinkState", "TrafficModel", "VehicleState"]

logger = logging.getLogger(__name__)

_INF: Final = float("inf")
#: The routing trees' "at the destination" (a typed constant for the compiled core).
_AT_DEST: Final[int] = AT_DESTINATION


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


class TrafficModel(VehicleBook):
    """Vehicles moving over links with flow and storage limits.

    Parameters
    ----------
    env : simpy.Environment
        The environment that owns the clock.
    link_to : ndarray of int
        End node of each link.
    freeflow_s : ndarray of float
        Free-flow time of each link.
    capacity_vph : ndarray of float
        Flow capacity of each link (PCU per hour, > 0).
    storage_pcu : ndarray of float
        Storage capacity of each link in PCU.
    n_nodes : int
        Number of nodes.
    router : Router
        Next-hop trees; ``router.next_hop[d][node]``.
    on_reach : callable
        ``on_reach(vehicle, node, t) -> bool``: called when a vehicle reaches the node of
        its destination; return True if it is admitted there (it leaves the network), or
        change its destination with :meth:`set_destination` and return False.
    on_strand : callable
        ``on_strand(vehicle, t, reason)``: called when a vehicle is stranded.
    stuck_time_s : float
        Waiting time after which a blocked head is forced downstream if the link it waits
        for has not moved for as long either (gridlock rule).
    exposure_intervals : list of list of (float, float), optional
        Per link, the intervals during which being on it counts as exposure.
    record_links : bool
        Keep a trace of every link traversal (vehicle, link, enter, exit).
    rng : numpy.random.Generator, optional
        The node model's stream (a run passes its
        :data:`~musterpoint.sim.traffic.node_model.NODE_STREAM`); by default that stream
        of seed 0.

    Attributes
    ----------
    one_check_per_link : bool
        Keep at most one pending gridlock check per link (True, the default; see
        :meth:`_check_later`); False schedules one per wait, the plain rule, with the same
        results (the tests compare the two).
    links : list of LinkState
        Per link, its parameters and state (``queue``, ``used``, ``headway``, ``storage``
        and ``closed`` are also given per link as lists).
    """

    def __init__(
        self,
        env: simpy.Environment,
        link_to: np.ndarray,
        freeflow_s: np.ndarray,
        capacity_vph: np.ndarray,
        storage_pcu: np.ndarray,
        n_nodes: SupportsIndex,
        router: Router,
        on_reach: Callable[[int, int, float], bool],
        on_strand: Callable[[int, float, str], None],
        stuck_time_s: SupportsFloat = 600.0,
        exposure_intervals: list[list[tuple[float, float]]] | None = None,
        record_links: bool = False,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.env = env
        n_n = int(n_nodes)
        # Python numbers (what the core indexes); NumPy divides as Python does (IEEE)
        self.link_to: list[int] = np.asarray(link_to, dtype=np.int64).tolist()
        headway: list[float] = (3600.0 / np.asarray(capacity_vph, dtype=np.float64)).tolist()
        self.links: list[LinkState] = [
            LinkState(to, ff, hw, st) for to, ff, hw, st in zip(
                self.link_to, np.asarray(freeflow_s, dtype=np.float64).tolist(), headway,
                np.asarray(storage_pcu, dtype=np.float64).tolist(), strict=True)]
        self.router = router
        self.on_reach = on_reach
        self.on_strand = on_strand
        self.stuck_time_s = float(stuck_time_s)
        self.one_check_per_link = True
        self.exposure = exposure_intervals
        self.record_links = bool(record_links)

        self._calls = CallQueue(env)
        self._push = self._calls.push  # what the gridlock checks use (tests spy on it)
        self._exit_cb: Callable[[BareCall], None] = self._exit_event
        self._serve_cb: Callable[[BareCall], None] = self._serve
        self._depart_cb: Callable[[BareCall], None] = self._try_depart
        self._stuck_cb: Callable[[BareCall], None] = self._stuck_check
        self.depart_queue: list[deque[int]] = [deque() for _ in range(n_n)]
        self.depart_pending: list[bool] = [False] * n_n
        self.draw = CapacityDraw(rng)
        # the links that may have non-zero counters since the last take_counters
        self._touched: list[int] = []  # links entered since the last call
        self._carry: list[int] = []  # links that held vehicles at the last call

        self.events_processed = 0
        self.traversals = 0
        self.forced_moves = 0

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

    # ------------------------------------------------------------------ vehicles
    def depart(self, v: SupportsIndex) -> None:
        """Vehicle ``v`` joins the queue to enter the network at its node, now."""
        o = self.cars[int(v)].node
        self.depart_queue[o].append(int(v))
        if not self.depart_pending[o]:
            self.depart_pending[o] = True
            self._calls.push(0.0, self._depart_cb, o)

    # ------------------------------------------------------------------ closures
    def set_closed(self, link: SupportsIndex, closed: bool) -> None:
        """Close (no entry) or reopen a link. Call :meth:`after_reroute` after a batch."""
        self.links[int(link)].closed = closed

    def set_capacity(self, link: SupportsIndex, capacity_vph: SupportsFloat,
                     storage_pcu: SupportsFloat) -> None:
        """Change a link's flow and storage capacity now (contraflow, control points).

        The new headway applies from the next exit; more storage wakes waiting links.
        """
        i = int(link)
        lk = self.links[i]
        s = float(storage_pcu)
        lk.headway = 3600.0 / float(capacity_vph)
        grew = s > lk.storage
        lk.storage = s
        if grew and lk.waiters:
            self._wake(i)

    def after_reroute(self, everyone: bool = False) -> None:
        """Wake what waits on a closed link (or, with ``everyone``, every waiting link and
        departure queue) after the routing trees were rebuilt: their next link may differ."""
        for m, lk in enumerate(self.links):
            if lk.waiters and (everyone or lk.closed):
                self._release(m)

    # ------------------------------------------------------------------ scheduling
    def _schedule_exit(self, link: int, at: float) -> None:
        """The head of ``link`` tries to leave at ``at`` (unless it already will earlier)."""
        lk = self.links[link]
        if at >= lk.pending:
            return
        lk.pending = at
        now: float = self.env._now
        delay = at - now
        lk.pending_event = self._calls.push(delay if delay > 0.0 else 0.0, self._exit_cb, link)

    def _exit_event(self, ev: BareCall) -> None:
        """The head of the event's link tries to leave (unless an earlier exit superseded
        the event): into its next link, or into its destination, or it waits."""
        link: int = ev._value
        lk = self.links[link]
        if ev is not lk.pending_event:
            return  # superseded by an earlier exit
        lk.pending = _INF
        self.events_processed += 1
        q = lk.queue
        if not q:
            return
        v = q[0]
        t: float = self.env._now
        end = self.cars[v].end_t
        ne = lk.next_exit
        ready = end if end > ne else ne
        if t < ready:  # woken early: come back when the head may leave
            self._schedule_exit(link, ready)
            return
        node = lk.to
        while True:
            m = self._next_link(v, node)  # a method: fixed routes override it
            if m == _AT_DEST:
                if self.on_reach(v, node, t):
                    self._leave(link, v, t)
                    self.cars[v].state = VehicleState.DONE
                    return
                continue  # redirected: look again with the new destination
            if m < 0:
                self._leave(link, v, t)
                self._strand(v, t, "no open route to any destination")
                return
            lm = self.links[m]
            if not lm.closed and lm.used < lm.storage and not lm.waiters:
                self._leave(link, v, t)
                self._enter(m, v, t)
                return
            self._block(link, m, t)
            return

    def _wake(self, m: int) -> None:
        """Link ``m`` may have room and heads wait for it: let the node model serve them
        (once per moment, after the events already due now)."""
        lm = self.links[m]
        if lm.waiters and not lm.serve_pending:
            lm.serve_pending = True
            self._calls.push(0.0, self._serve_cb, m)

    def _release(self, m: int) -> None:
        """Let everything waiting for ``m`` look for its next link again (after a reroute
        its next link may differ)."""
        lm = self.links[m]
        ws = lm.waiters
        lm.waiters = []
        for w in ws:
            self._retry(w)

    def _retry(self, w: int) -> None:
        """Schedule waiter ``w`` (a link, or ``-o - 1`` for node ``o``'s departure queue)
        to try again, never before its head may leave."""
        if w >= 0:
            lw = self.links[w]
            q = lw.queue
            if q:
                end = self.cars[q[0]].end_t
                ne = lw.next_exit
                now: float = self.env._now
                at = end if end > ne else ne
                self._schedule_exit(w, at if at > now else now)
        else:
            o = -w - 1
            if not self.depart_pending[o]:
                self.depart_pending[o] = True
                self._calls.push(0.0, self._depart_cb, o)

    def _waits_for(self, w: int, m: int, t: float) -> bool:
        """Whether waiter ``w`` has a vehicle ready now whose next link is ``m``."""
        if w >= 0:
            lw = self.links[w]
            q = lw.queue
            if not q:
                return False
            v = q[0]
            if self.cars[v].end_t > t or lw.next_exit > t:
                return False
            return self._next_link(v, lw.to) == m
        dq = self.depart_queue[-w - 1]
        return bool(dq) and self._next_link(dq[0], -w - 1) == m

    def _serve(self, ev: BareCall) -> None:
        """The node model: while ``m`` (the event's value) has room, move in one waiting
        head at a time, each drawn in proportion to its approach's capacity."""
        m: int = ev._value
        lm = self.links[m]
        self.events_processed += 1
        lm.serve_pending = False
        if lm.closed:
            return
        ws = lm.waiters
        t: float = self.env._now
        while ws and lm.used < lm.storage:
            ready = [w for w in ws if self._waits_for(w, m, t)]
            if len(ready) < len(ws):
                for w in ws:
                    if w not in ready:
                        self._retry(w)
                ws[:] = ready
                if not ready:
                    return
            if len(ready) == 1:
                k = 0
            else:
                links = self.links
                k = self.draw.pick([1.0 / links[w].headway if w >= 0 else 1.0 / lm.headway
                                    for w in ready])
            w = ready[k]
            if w >= 0:
                del ws[k]
                v = self.links[w].queue[0]
                self._leave(w, v, t)
            else:
                dq = self.depart_queue[-w - 1]
                v = dq.popleft()
                if not dq:
                    del ws[k]
            self._enter(m, v, t)

    # ------------------------------------------------------------------ movement
    def _next_link(self, v: int, node: int) -> int:
        trees: list[list[int]] = self.router.next_hop  # typed: native indexing compiled
        return trees[self.cars[v].dest][node]

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

    def _block(self, link: int, m: int, t: float) -> None:
        lm = self.links[m]
        ws = lm.waiters
        if link not in ws:
            ws.append(link)
        if not lm.closed and lm.used < lm.storage:
            self._wake(m)  # room, but others wait too: the node model chooses
        lk = self.links[link]
        if lk.blocked_since < 0.0:
            lk.blocked_since = t
            if self.stuck_time_s > 0:
                self._check_later(link, lk, t)

    def _check_later(self, link: int, lk: LinkState, since: float) -> None:
        """Check ``link``, whose head waits since ``since`` (now), for gridlock
        ``stuck_time_s`` from now.

        A link keeps at most one check on the queue. If one is pending for an earlier wait,
        that check can only find its wait over (waits start at later and later times), so
        instead of a second call it takes this wait's event id now and, when it runs, puts
        this wait's check on the queue with that id and the time it would have had: the
        same call at the same place among the events, unless this wait is over by then
        (then it would have done nothing). A wait that starts at the very instant of a
        pending one (both would act) gets its own call.
        """
        c = lk.check
        if c is None or not self.one_check_per_link:
            lk.check = self._push(self.stuck_time_s, self._stuck_cb, (link, since))
            lk.check_since = since
        elif since > lk.check_since and (lk.owed_eid < 0 or since > lk.owed_since):
            lk.owed_eid = self._calls.reserve()  # a later owed wait replaces an earlier one
            lk.owed_since = since
        else:
            self._push(self.stuck_time_s, self._stuck_cb, (link, since))

    def _stuck_check(self, ev: BareCall) -> None:
        link: int = ev._value[0]
        since: float = ev._value[1]
        lk = self.links[link]
        if lk.check is not ev:
            self._stuck_act(link, lk, since)
            return
        lk.check = None
        self._stuck_act(link, lk, since)
        eid = lk.owed_eid
        if eid >= 0:  # the check of a later wait, owed since it started
            lk.owed_eid = -1
            s = lk.owed_since
            now: float = self.env._now
            # over, and no wait can start at its instant any more: it would do nothing
            if lk.blocked_since != s and s < now:
                return
            call = self._calls.push_at(s + self.stuck_time_s, eid, self._stuck_cb, (link, s))
            if lk.check is None:
                lk.check = call
                lk.check_since = s

    def _stuck_act(self, link: int, lk: LinkState, since: float) -> None:
        """The gridlock check of ``link`` for the wait that started at ``since``."""
        if lk.blocked_since != since or not lk.queue:
            return
        v = lk.queue[0]
        m = self._next_link(v, lk.to)
        t: float = self.env._now
        if m < 0 or self.links[m].closed:
            # Nowhere open to go: re-arm the check; a reroute or reopening may help.
            lk.blocked_since = -1.0
            if m >= 0:
                self._block(link, m, t)
            return
        wait = self.links[m].last_exit + self.stuck_time_s - t
        # m moved meanwhile (a slow queue): look again later; a wait that rounds to no
        # time (t + wait == t) would re-check at this instant for ever: stuck now
        if wait > 0.0 and t + wait > t:
            c = self._push(wait, self._stuck_cb, (link, since))
            if lk.check is None:
                lk.check = c
                lk.check_since = since
            return
        self.forced_moves += 1
        logger.debug("gridlock rule: vehicle %d forced from link %d into %d at %.1f",
                     v, link, m, t)
        self._leave(link, v, t)
        self._enter(m, v, t)

    def _try_depart(self, ev: BareCall) -> None:
        o: int = ev._value
        self.events_processed += 1
        self.depart_pending[o] = False
        dq = self.depart_queue[o]
        t: float = self.env._now
        while dq:
            v: int = dq[0]
            m = self._next_link(v, o)
            if m == _AT_DEST:
                if self.on_reach(v, o, t):
                    dq.popleft()
                    self.cars[v].state = VehicleState.DONE
                continue
            if m < 0:
                dq.popleft()
                self._strand(v, t, "no open route from the origin")
                continue
            lm = self.links[m]
            if not lm.closed and lm.used < lm.storage and not lm.waiters:
                dq.popleft()
                self._enter(m, v, t)
                continue
            code = -o - 1
            if code not in lm.waiters:
                lm.waiters.append(code)
            if not lm.closed and lm.used < lm.storage:
                self._wake(m)
            return

    def _strand(self, v: int, t: float, reason: str) -> None:
        self.cars[v].state = VehicleState.STRANDED
        self.on_strand(v, t, reason)

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
if not TYPE_CHECKING:
    from musterpoint.sim._accel import compiled as _compiled

    # with the compiled routed model too: a pure-Python class cannot subclass a compiled one
    if ((_fast := _compiled("traffic.queue_model")) is not None
            and _compiled("traffic.fixed_routes") is not None):
        TrafficModel, VehicleState = _fast.TrafficModel, _fast.VehicleState
