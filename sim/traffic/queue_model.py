"""The traffic core: an event-driven mesoscopic queue model on a SimPy environment.

Each directed link is a FIFO queue with a free-flow time, a flow capacity and a storage
capacity, with spillback (:mod:`musterpoint.sim.traffic.links`, which holds the links and
moves vehicles on and off them).

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
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, SupportsFloat, SupportsIndex

import numpy as np
import simpy

from musterpoint.sim.des import BareCall
from musterpoint.sim.network.routing import AT_DESTINATION, Router
from musterpoint.sim.traffic.link_counters import LinkCounters
from musterpoint.sim.traffic.links import LinkBook, LinkState
from musterpoint.sim.traffic.node_model import CapacityDraw
from musterpoint.sim.traffic.vehicles import VehicleState

__all__ = ["LinkCounters", "LinkState", "TrafficModel", "VehicleState"]

logger = logging.getLogger(__name__)

_INF: Final = float("inf")
#: The routing trees' "at the destination" (a typed constant for the compiled core).
_AT_DEST: Final[int] = AT_DESTINATION


class TrafficModel(LinkBook):
    """Vehicles moving over links with flow and storage limits.

    Parameters
    ----------
    env, link_to, freeflow_s, capacity_vph, storage_pcu
        The clock and, per link, its end node, free-flow time (s), flow capacity (PCU per
        hour, > 0) and storage (PCU), as :class:`LinkBook` takes them.
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
    exposure_intervals, record_links
        Per link, the intervals of exposure (optional), and whether to keep a trace of
        every traversal (as :class:`LinkBook` takes them).
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
        Per link, its parameters and state (see :class:`LinkBook`).
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
        super().__init__(env, link_to, freeflow_s, capacity_vph, storage_pcu,
                         exposure_intervals, record_links)
        n_n = int(n_nodes)
        self.router = router
        self.on_reach = on_reach
        self.on_strand = on_strand
        self.stuck_time_s = float(stuck_time_s)
        self.one_check_per_link = True
        self._push = self._calls.push  # what the gridlock checks use (tests spy on it)
        self._depart_cb: Callable[[BareCall], None] = self._try_depart
        self._stuck_cb: Callable[[BareCall], None] = self._stuck_check
        self.depart_queue: list[deque[int]] = [deque() for _ in range(n_n)]
        self.depart_pending: list[bool] = [False] * n_n
        self.draw = CapacityDraw(rng)
        self.events_processed = 0
        self.forced_moves = 0

    # ------------------------------------------------------------------ vehicles
    def depart(self, v: SupportsIndex) -> None:
        """Vehicle ``v`` joins the queue to enter the network at its node, now."""
        o = self.cars[int(v)].node
        self.depart_queue[o].append(int(v))
        if not self.depart_pending[o]:
            self.depart_pending[o] = True
            self._calls.push(0.0, self._depart_cb, o)

    # ------------------------------------------------------------------ closures
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


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
if not TYPE_CHECKING:
    from musterpoint.sim._accel import compiled as _compiled

    # with the compiled routed model too: a pure-Python class cannot subclass a compiled one
    if ((_fast := _compiled("traffic.queue_model")) is not None
            and _compiled("traffic.fixed_routes") is not None):
        TrafficModel, VehicleState = _fast.TrafficModel, _fast.VehicleState
