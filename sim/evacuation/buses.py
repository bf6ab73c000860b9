"""Buses for households without transport: depot -> pickup points -> shelters, repeated.

Households with no car and no ride walk to the nearest pickup point and are there at
their zone's order time plus their mobilisation delay. Each bus is ready at its depot a
uniform 90-180 minutes (by default) after the first order. An idle bus goes to the
pickup point with the most waiting people not yet claimed by another bus, boards whole
households up to its seats (``boarding_s_per_person`` each), drives to the nearest open
shelter with room, unloads, and starts again; with nobody waiting it waits where it is
until someone arrives at a pickup point. Buses drive in the same traffic as cars (2 PCU).
Riders' exposure on the road is the bus's. Households cut off at home at their order (no
open road to any shelter, see :mod:`musterpoint.sim.evacuation.waiting`) go to the pickup
point only if a road leads there; otherwise they look again every ``retry.interval_min``
and go once one does (with ``retry.enabled: false`` they stay home). A bus whose riders
find every shelter full waits where it is and looks again every ``retry.interval_min``
(without retry they are stranded at once).

A plan whose response levels deploy the buses (a ``deploy_buses`` command action) does
not mobilise them at the first order: each bus is ready its mobilisation delay (the same
draw) after the ``deploy_buses`` command that mobilises it, given by a level's firing or
by a drill participant (``buses``: how many of those not yet mobilised; all by default).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.evacuation.extension import RunExtension
from musterpoint.sim.geo import LocalProjection
from musterpoint.sim.tables import TABLES

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["BusService", "bus_service", "deploys_buses"]

logger = logging.getLogger(__name__)


class BusService(RunExtension):
    """The bus operation of one run (the ``transit`` extension).

    Parameters
    ----------
    ctx : RunContext
        What the buses may use of the run (clock, roads, shelters, households, records).
    """

    name = "transit"
    TABLE_SCHEMAS = (TABLES["buses"],)
    COMMANDS: ClassVar[dict[str, Any]] = {
        "deploy_buses": {
            "label": {"en": "Deploy buses", "zh": "调派公交车"},
            "args": {"buses": "integer"},
            "description": "mobilise buses not yet mobilised (all, or this many): each "
                           "is ready its mobilisation delay from now"},
    }

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        plan = ctx.plan.buses
        assert plan is not None
        self.plan = plan
        f = ctx.plan_file
        self.depot_node = ctx.snap(plan.depot.lon, plan.depot.lat, f, "buses.depot")
        self.pickup_nodes = [ctx.snap(p.lon, p.lat, f, f"buses.pickups ({p.id})")
                             for p in plan.pickups]
        self.pickup_ids = [p.id for p in plan.pickups]
        n = len(plan.pickups)
        self.waiting: list[deque[int]] = [deque() for _ in range(n)]
        self.claimed = np.zeros(n, dtype=np.int64)
        self.node = [self.depot_node] * plan.buses
        self.idle = [False] * plan.buses
        self.onboard: list[list[int]] = [[] for _ in range(plan.buses)]
        self.target: list[int] = [-1] * plan.buses  # pickup index while heading to one
        self.claim: list[int] = [0] * plan.buses
        self.trips = [0] * plan.buses
        self.delivered = [0] * plan.buses
        self.legs = [0] * plan.buses
        self.out_of_service = [False] * plan.buses
        self.boarded_s: dict[int, float] = {}
        self.riders = np.zeros(0, dtype=np.int64)
        self.pickup_of: dict[int, int] = {}
        self.ready_s = np.zeros(plan.buses)
        self.delay_s = np.zeros(plan.buses)
        # a plan whose levels deploy the buses mobilises none at the first order
        self.mobilised = np.full(plan.buses, not deploys_buses(ctx.plan))
        self.was_ready = np.zeros(plan.buses, dtype=bool)
        self.set_off: set[int] = set()  # riders who went to their pickup point (or wait)

    def destinations(self) -> list[list[int]]:
        """One destination per pickup point."""
        return [[n] for n in self.pickup_nodes]

    def dest_label(self, k: int) -> str:
        """Pickup point ids."""
        return self.pickup_ids[k]

    @property
    def pickup_dest(self) -> list[int]:
        """Router index of each pickup point."""
        return [self.first_dest + k for k in range(len(self.pickup_nodes))]

    def _assign_riders(self) -> None:
        ctx = self.ctx
        ag = ctx.agents
        riders = np.flatnonzero(ag.group == "transit_dependent")  # not walkers, facilities
        ctx.agents.reason[riders] = "no transport: waiting for the bus"
        ctx.agents.has_transport[riders] = True
        self.riders = riders
        p = ctx.world.places
        assert p is not None
        proj = LocalProjection(float(p.lon.mean()), float(p.lat.mean()))
        home = ctx.agents.veh.place[riders]
        hx, hy = proj.forward(p.lon[home], p.lat[home])
        px, py = proj.forward(np.array([q.lon for q in self.plan.pickups]),
                              np.array([q.lat for q in self.plan.pickups]))
        d = (hx[:, None] - px[None, :]) ** 2 + (hy[:, None] - py[None, :]) ** 2
        near = np.argmin(d, axis=1) if riders.size else np.zeros(0, np.int64)
        self.pickup_of = {int(v): int(k) for v, k in zip(riders, near, strict=True)}
        rng = ctx.streams.stream("bus_mobilisation")
        lo, hi = self.plan.mobilisation_min
        self.delay_s = rng.uniform(lo, hi, size=self.plan.buses) * 60.0
        self.ready_s = np.where(self.mobilised, ctx.agents.first_order_s + self.delay_s,
                                np.inf)

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """Assign riders to pickup points and start the bus and rider processes."""
        self._assign_riders()
        env = self.ctx.env
        env.process(self._buses_ready())
        env.process(self._riders_ready())

    def _buses_ready(self, buses: list[int] | None = None) -> Any:
        env = self.ctx.env
        order = np.argsort(self.ready_s, kind="stable").tolist() if buses is None else \
            sorted(buses, key=lambda b: (float(self.ready_s[b]), b))
        for b in order:
            t = float(self.ready_s[b])
            if not np.isfinite(t):
                return
            if t > env.now:
                yield env.timeout(t - env.now)
            if self.was_ready[b] or float(self.ready_s[b]) > t:
                continue  # made ready by a deploy_buses, or its time moved
            self.was_ready[b] = True
            self.idle[b] = True
            self.ctx.log(env.now, "bus_ready", detail=f"bus {b}")
            self._dispatch()

    def _riders_ready(self, riders: np.ndarray | None = None) -> Any:
        env, ctx = self.ctx.env, self.ctx
        riders = self.riders if riders is None else riders
        ready = ctx.agents.depart_s_all[riders]
        order = riders[np.argsort(ready, kind="stable")]
        for v in order.tolist():
            t = float(ctx.agents.depart_s_all[v])
            if not np.isfinite(t):
                continue
            if t > env.now:
                yield env.timeout(t - env.now)
            if v in self.set_off or float(ctx.agents.depart_s_all[v]) > t:
                continue  # gone already, or a later order moved it
            self.set_off.add(v)
            if ctx.agents.cut_off_at_start[v] and not self._can_reach_pickup(v):
                if ctx.plan.retry.enabled:
                    env.process(self._wait_for_road(v))
                continue  # else cut off at home: shelters in place
            self._to_pickup(v)

    def on_order(self, zones: list[int], old_order_s: np.ndarray) -> None:
        """Riders of zones ordered out earlier than planned (a level's order, a drill's
        ``order_zones``) go to their pickup point now plus their own delay (the same draw
        as at their planned order)."""
        ag = self.ctx.agents
        r = self.riders[np.isin(ag.veh.zone[self.riders], zones)]
        r = np.array([v for v in r.tolist() if v not in self.set_off], dtype=np.int64)
        if not r.size:
            return
        old = old_order_s[ag.veh.zone[r]]
        fin = np.isfinite(old)
        delay = ag.delay_s[r].copy() if ag.delay_s is not None else np.zeros(r.size)
        delay[fin] = ag.depart_s_all[r][fin] - old[fin]
        ag.depart_s_all[r] = self.ctx.now + delay
        self.ctx.env.process(self._riders_ready(r))

    def _can_reach_pickup(self, v: int) -> bool:
        ag = self.ctx.agents
        return bool(np.isfinite(self.ctx.dist_s(self.pickup_dest[self.pickup_of[v]],
                                                int(ag.veh.origin[v]))))

    def _wait_for_road(self, v: int) -> Any:
        """A rider cut off at home at the order looks again every retry interval."""
        ctx = self.ctx
        ctx.agents.reason[v] = "cut off at home: waiting for a road to the pickup point"
        ctx.agents.waits[v] += 1
        every = ctx.plan.retry.interval_min * 60.0
        while ctx.now + every <= ctx.world.duration_s:
            yield ctx.env.timeout(every)
            if self._can_reach_pickup(v):
                ctx.agents.retries[v] += 1
                ctx.log(ctx.now, "retry", v, detail="a road to the pickup point reopened")
                self._to_pickup(v)
                return

    def _to_pickup(self, v: int) -> None:
        ctx = self.ctx
        k = self.pickup_of[v]
        self.waiting[k].append(v)
        ctx.agents.status[v] = "en_route"
        ctx.agents.reason[v] = f"waiting at pickup point {self.pickup_ids[k]}"
        ctx.log(ctx.now, "at_pickup", v, shelter=self.pickup_ids[k],
                value=float(ctx.agents.veh.persons[v]))
        self._dispatch()

    # ------------------------------------------------------------------ decisions
    def _unclaimed(self) -> np.ndarray:
        persons = self.ctx.agents.veh.persons
        waiting = np.array([sum(int(persons[v]) for v in q) for q in self.waiting])
        return np.asarray(waiting - self.claimed)

    def _dispatch(self) -> None:
        for b in range(self.plan.buses):
            if not self.idle[b] or self.out_of_service[b]:
                continue
            free = self._unclaimed()
            if (free <= 0).all():
                return
            dist = np.array([self.ctx.dist_s(d, self.node[b]) for d in self.pickup_dest])
            cand = np.flatnonzero((free > 0) & np.isfinite(dist))
            if not cand.size:
                continue
            best = cand[np.lexsort((dist[cand], -free[cand]))[0]]
            take = int(min(self.plan.seats, free[best]))
            self.claimed[best] += take
            self.claim[b] = take
            self.target[b] = int(best)
            self.idle[b] = False
            self._drive(b, self.pickup_dest[best])

    def _drive(self, b: int, dest: int) -> None:
        self.ctx.launch(self.node[b], dest, self.plan.pcu, self, b)
        self.legs[b] += 1

    # ------------------------------------------------------------------ callbacks
    def on_reach(self, tv: int, b: int, node: int, t: float) -> bool:
        """A bus leg reached its destination node."""

        self.node[b] = node
        self._add_leg_exposure(b, tv)
        if self.target[b] >= 0:
            k = self.target[b]
            self.target[b] = -1
            self.claimed[k] -= self.claim[b]
            self.claim[b] = 0
            self._board(b, k, t)
            return True
        self._unload(b, tv, node, t)
        return True

    def on_strand(self, tv: int, b: int, t: float, reason: str) -> None:
        """A bus leg has no route left: its riders are stranded with it."""
        ctx = self.ctx
        self._add_leg_exposure(b, tv)
        if self.target[b] >= 0:
            self.claimed[self.target[b]] -= self.claim[b]
            self.target[b] = -1
        for v in self.onboard[b]:
            ctx.agents.status[v] = "stranded"
            ctx.agents.reason[v] = f"on a bus: {reason}"
            ctx.log(t, "stranded", v, detail=f"bus {b}: {reason}")
        self.onboard[b] = []
        self.out_of_service[b] = True
        ctx.log(t, "bus_stranded", detail=f"bus {b}: {reason}")
        self._dispatch()

    def _add_leg_exposure(self, b: int, tv: int) -> None:
        ex = self.ctx.vehicle_exposure_s(tv)
        if ex > 0:
            for v in self.onboard[b]:
                self.ctx.agents.bus_road_exposure[v] += ex

    def _board(self, b: int, k: int, t: float) -> None:
        ctx = self.ctx
        q = self.waiting[k]
        seats = self.plan.seats
        took = 0
        while q and took + int(ctx.agents.veh.persons[q[0]]) <= seats:
            v = q.popleft()
            took += int(ctx.agents.veh.persons[v])
            self.onboard[b].append(v)
            self.boarded_s[v] = t
            ctx.agents.reason[v] = "on a bus"
            ctx.log(t, "board", v, shelter=self.pickup_ids[k],
                    value=float(ctx.agents.veh.persons[v]))
        if not self.onboard[b]:
            self.idle[b] = True
            self._dispatch()
            return
        dwell = took * self.plan.boarding_s_per_person
        ctx.env.process(self._leave_pickup(b, dwell))

    def _leave_pickup(self, b: int, dwell: float) -> Any:
        yield self.ctx.env.timeout(dwell)
        self._to_shelter(b, exclude=-1)

    def _to_shelter(self, b: int, exclude: int) -> None:
        ctx = self.ctx
        persons = sum(int(ctx.agents.veh.persons[v]) for v in self.onboard[b])
        d = ctx.choose_shelter(self.node[b], persons, exclude, False)
        if d < 0:
            d = ctx.choose_shelter(self.node[b], 1, exclude, False)
        every = ctx.plan.retry.interval_min * 60.0
        if d < 0 and ctx.plan.retry.enabled and ctx.now + every <= ctx.world.duration_s:
            for v in self.onboard[b]:  # wait with the riders: places may free up
                ctx.agents.reason[v] = "on a bus: waiting for room at a shelter"
            ctx.env.process(self._retry_shelter(b, every))
            return
        if d < 0:
            t = ctx.env.now
            for v in self.onboard[b]:
                ctx.agents.status[v] = "stranded"
                ctx.agents.reason[v] = "every shelter full"
                ctx.log(t, "stranded", v, detail="every shelter full (bus)")
            self.onboard[b] = []
            self.idle[b] = True
            self._dispatch()
            return
        self._drive(b, d)

    def _retry_shelter(self, b: int, every: float) -> Any:
        yield self.ctx.env.timeout(every)
        self.ctx.log(self.ctx.now, "retry", detail=f"bus {b}: looking for room at a shelter")
        self._to_shelter(b, exclude=-1)

    def _unload(self, b: int, tv: int, node: int, t: float) -> None:
        ctx = self.ctx
        d = ctx.vehicle_dest(tv)
        left = []
        for v in self.onboard[b]:
            if ctx.admit(v, d, t):
                self.delivered[b] += int(ctx.agents.veh.persons[v])
            else:
                left.append(v)
        self.trips[b] += 1
        self.onboard[b] = left
        if left:
            ctx.log(t, "redirect", detail=f"bus {b}: {ctx.shelters.dest[d].id} full")
            self._to_shelter(b, exclude=d)
            return
        self.idle[b] = True
        self._dispatch()

    # ------------------------------------------------------------------ commands
    def command(self, kind: str, args: dict[str, Any]) -> bool:
        """``deploy_buses`` {buses?}: mobilise buses now (see the module's text)."""
        if kind != "deploy_buses":
            return False
        waiting = np.flatnonzero(~self.mobilised).tolist()
        n = args.get("buses", len(waiting))
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError.single("command", "buses", "give a whole number of buses >= 1")
        now = self.ctx.now
        chosen = waiting[:n]
        for b in chosen:
            self.mobilised[b] = True
            self.ready_s[b] = now + self.delay_s[b]
        self.ctx.log(now, "buses_deployed", value=float(len(chosen)),
                     detail=f"{len(chosen)} of {len(waiting)} not yet mobilised")
        if chosen:
            self.ctx.env.process(self._buses_ready(chosen))
        return True

    def tables(self) -> dict[str, pd.DataFrame]:
        """One row per bus: ready time, legs, shelter trips, persons delivered."""
        rows = [(b, float(self.ready_s[b]), self.legs[b], self.trips[b], self.delivered[b],
                 not self.out_of_service[b]) for b in range(self.plan.buses)]
        return {"buses": pd.DataFrame(rows, columns=["bus", "ready_s", "legs",
                                                     "shelter_trips", "delivered",
                                                     "in_service"])}

    def kpis(self) -> dict[str, Any]:
        """The ``transit`` KPI family."""
        ctx = self.ctx
        persons = ctx.agents.veh.persons[self.riders]
        arrived = ctx.agents.status[self.riders] == "arrived"
        times = ctx.agents.arrive_s[self.riders][arrived]
        return {
            "buses": int(self.plan.buses),
            "riders": int(persons.sum()),
            "delivered": int(persons[arrived].sum()),
            "shelter_trips": int(sum(self.trips)),
            "legs": int(sum(self.legs)),
            "last_delivery_s": float(times.max()) if times.size else None,
        }

    def snapshot(self) -> dict[str, Any]:
        """Buses idle and on the road, and people waiting at each pickup point."""
        persons = self.ctx.agents.veh.persons
        return {"waiting": {self.pickup_ids[k]: int(sum(int(persons[v]) for v in q))
                            for k, q in enumerate(self.waiting)},
                "buses_idle": int(sum(self.idle)),
                "buses_out_of_service": int(sum(self.out_of_service))}


def deploys_buses(plan: Plan) -> bool:
    """Whether a response level of ``plan`` deploys its buses (``deploy_buses``)."""
    return any(a.command is not None and a.command.get("kind") == "deploy_buses"
               for lv in plan.levels for a in lv.actions)


def bus_service(ctx: RunContext) -> BusService | None:
    """The bus extension of a run, if its plan has buses and its scenario a population."""
    if ctx.plan.buses is None or ctx.world.places is None:
        return None
    return BusService(ctx)

