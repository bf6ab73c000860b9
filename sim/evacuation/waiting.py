"""Waiting and retrying: households and vehicles cut off by a closure try again later.

A household whose every road out is closed when it leaves home, or a vehicle that finds no
open route at a node, is not stranded at once (unless the plan's ``retry.enabled`` is
false): it waits where it is, at home or parked at that node, and at every multiple of
``retry.interval_min`` minutes of the clock (0:05, 0:10, ... for 5 minutes), if the roads
changed since its last look (a closure began or ended, a lever or command changed a
link), it looks again; as soon as a shelter (or its fixed destination) can be reached it
leaves from there. Once ``retry.give_up_h`` hours of waiting have passed it gives up (at
the next multiple) and is stranded. Whoever still waits at the end is stranded there
(:meth:`WaitingRoom.close`), with the reason and the place.

People cut off at home at their zone's order time (no open road from home to any shelter
then) are marked ``cut_off_at_start``; if they never get out they end in the state
``sheltering_in_place`` ("sheltering in place / needs rescue"), not ``stranded``, and the
ETE is computed over the others (see :mod:`musterpoint.sim.kpis.groups`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from musterpoint.scenarios.evacuation_schema import Retry
from musterpoint.sim.des import schedule_call
from musterpoint.sim.kpis.evacuation import SHELTERING

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.agents import AgentBook
    from musterpoint.sim.evacuation.records import RunRecorder
    from musterpoint.sim.network.routing import Router

__all__ = ["SHELTERING", "WaitingRoom", "format_hmm"]

def format_hmm(seconds: float) -> str:
    """``h:mm`` of a time in seconds (for event details and reasons)."""
    m = round(seconds / 60.0)
    return f"{m // 60}:{m % 60:02d}"


#: ``can_go(agent, node) -> bool``: whether the agent has an open route from ``node`` now.
CanGo = Callable[[int, int], bool]
#: ``go(agent, node)``: set off again from ``node`` now.
Go = Callable[[int, int], None]


class WaitingRoom:
    """Who is waiting for a road to reopen, where, since when; and who was cut off at home
    at the order.

    Parameters
    ----------
    env : simpy.Environment
        The run's clock.
    rule : Retry
        The plan's waiting rule.
    agents : AgentBook
        The run's households and vehicles (statuses are set here while they wait).
    recorder : RunRecorder
        Where ``wait``, ``retry`` and ``stranded`` events go.
    router : callable
        Returns the run's routing trees now (their ``rebuilds`` count tells whether the
        roads changed).
    can_go, go : callable
        The run's rules: is there an open route for an agent from a node; set it off.

    Attributes
    ----------
    waiting : dict
        Agent -> (node, since) of those waiting now. Per-agent counts (``waits``,
        ``retries``) and flags (``cut_off_at_start``, ``at_home``) live in the AgentBook.
    """

    def __init__(self, env: simpy.Environment, rule: Retry, agents: AgentBook,
                 recorder: RunRecorder, router: Callable[[], Router], can_go: CanGo,
                 go: Go) -> None:
        self.env, self.rule, self.agents, self.recorder = env, rule, agents, recorder
        self.router, self.can_go, self.go = router, can_go, go
        self.waiting: dict[int, tuple[int, float]] = {}  # agent -> (node, since)
        self.checked = np.zeros(agents.size, dtype=bool)
        self.seen: dict[int, int] = {}  # agent -> routing rebuilds at its last look
        self.ticking = False
        # bounds over those waiting: the fewest rebuilds one last looked at, the earliest
        # wait (kept by wait(); made exact again after each look at everyone)
        self._least_seen = -1
        self._first_since = math.inf

    @property
    def enabled(self) -> bool:
        """Whether blocked agents wait (else they are stranded at once)."""
        return bool(self.rule.enabled)

    # ------------------------------------------------------------------ cut off at home
    def mark_cut_off(self, idx: np.ndarray, shelter_rows: int) -> None:
        """Mark agents ``idx`` (evacuees with a home) whose home node has no open route to
        any of the first ``shelter_rows`` router destinations (the shelters) now; each agent
        once (at its first order, even if its zone's order is brought forward)."""
        idx = idx[~self.checked[idx]]
        if not idx.size or shelter_rows <= 0:
            return
        self.checked[idx] = True
        dist = self.router().dist_s[:shelter_rows][:, self.agents.veh.origin[idx]]
        self.agents.cut_off_at_start[idx] = ~np.isfinite(dist).any(axis=0)

    # ------------------------------------------------------------------ waiting
    def watch_orders(self, zone_order: np.ndarray, homes: np.ndarray,
                     shelter_rows: int) -> None:
        """At each zone order time, mark which of the agents ``homes`` (evacuees with a
        home, in the zones ordered then) are cut off at home."""
        zone = self.agents.veh.zone[homes]
        for t in np.unique(zone_order[np.isfinite(zone_order)]).tolist():
            idx = homes[zone_order[zone] == t]
            schedule_call(self.env, max(t - self.env.now, 0.0),
                          partial(self._mark_at, idx, shelter_rows))

    def _mark_at(self, idx: np.ndarray, shelter_rows: int, _: simpy.Event) -> None:
        self.mark_cut_off(idx, shelter_rows)

    def wait(self, v: int, node: int, reason: str) -> None:
        """Agent ``v`` found no open route at ``node`` now: wait there and retry."""
        ag, t = self.agents, float(self.env.now)
        ag.waits[v] += 1
        ag.stop_node[v] = node
        self.waiting[v] = (node, t)
        self.seen[v] = self.router().rebuilds
        alone = len(self.waiting) == 1
        self._least_seen = self.seen[v] if alone else min(self._least_seen, self.seen[v])
        self._first_since = t if alone else min(self._first_since, t)
        ag.status[v] = "never_departed" if ag.at_home[v] else "en_route"
        where = "at home" if ag.at_home[v] else "on the road"
        ag.reason[v] = f"cut off {where}: waiting for a road to reopen"
        self.recorder.log(t, "wait", v, detail=f"{reason}; waiting {where}")
        if not self.ticking:
            self.ticking = True
            self.env.process(self._tick())

    def is_waiting(self, v: int) -> bool:
        """Whether agent ``v`` is waiting for a road now."""
        return v in self.waiting

    def _tick(self) -> Any:
        """The waiting room's clock: at every multiple of the retry interval, each agent
        waiting since before then gives up (after ``give_up_h``) or, if the roads changed
        since its last look, looks again (one route check per node and destination)."""
        env, rule, ag = self.env, self.rule, self.agents
        every = rule.interval_min * 60.0
        give_up = np.inf if rule.give_up_h is None else rule.give_up_h * 3600.0
        while self.waiting:
            yield env.timeout((np.floor(env.now / every + 1e-9) + 1) * every - env.now)
            now, rebuilds = float(env.now), self.router().rebuilds
            if self._least_seen == rebuilds and now < self._first_since + give_up - 1e-9:
                continue  # nobody gives up now, and the roads are as everyone last saw them
            looked: dict[tuple[int, int, str], bool] = {}
            for v, (node, since) in sorted(self.waiting.items()):
                if since >= now:
                    continue
                if now >= since + give_up - 1e-9:
                    del self.waiting[v]
                    self._strand(v, node, since, "gave up waiting for a road to reopen")
                    continue
                if self.seen[v] == rebuilds:
                    continue
                self.seen[v] = rebuilds
                key = (node, int(ag.veh.destination[v]), str(ag.role[v]))
                if key not in looked:
                    looked[key] = self.can_go(v, node)
                if looked[key]:
                    del self.waiting[v]
                    ag.retries[v] += 1
                    ag.stop_node[v] = -1
                    self.recorder.log(now, "retry", v,
                                      detail=f"a road reopened after {format_hmm(now - since)}")
                    self.go(v, node)
            self._least_seen = min(self.seen[v] for v in self.waiting) if self.waiting else -1
            self._first_since = min((since for _, since in self.waiting.values()),
                                    default=math.inf)
        self.ticking = False

    def _strand(self, v: int, node: int, since: float, why: str) -> None:
        where = "at home" if self.agents.at_home[v] else f"on the road (node index {node})"
        self.agents.strand(v, f"cut off {where} since {format_hmm(since)}: {why}")
        self.recorder.log(float(self.env.now), "stranded", v, detail=self.agents.reason[v])

    # ------------------------------------------------------------------ end of run
    def close(self) -> None:
        """End of the run: whoever still waits is stranded where they are; people cut off at
        home at the order who never left shelter in place (unless they had no transport
        at all: they stay ``never_departed``, the plan's gap, not the hazard's)."""
        for v, (node, since) in sorted(self.waiting.items()):
            self._strand(v, node, since, "no road reopened before the end")
        self.waiting.clear()
        ag = self.agents
        home = ag.cut_off_at_start & ag.at_home & ag.has_transport & (
            (ag.status == "stranded") | (ag.status == "never_departed"))
        ag.status[home] = SHELTERING
        ag.reason[home] = "cut off at home at the order: sheltering in place / needs rescue"
