"""Lockdown supply to residential compounds: orders, trucks to the gates, gate to door.

Each household of a compound orders every ``order_interval_h`` (a random phase per
household; orders outside ``order_hours`` wait for the next morning). Every
``dispatch_every_h`` within the volunteers' hours, and whenever a truck is back, the
depot loads its idle trucks by the orders rule of the relief fleet
(:func:`musterpoint.sim.relief.dispatch.order_round`: the stop with the oldest waiting
order first, up to ``truck_orders`` orders, the nearest further stops, at most
:data:`~musterpoint.sim.relief.dispatch.MAX_STOPS` stops). The trucks are a
:class:`~musterpoint.sim.relief.fleet.Fleet` (of ``trucks`` trucks of ``truck_pcu``):
their trips, legs in traffic, stranding and records are the relief extension's. Loading
takes ``depot_load_min``, unloading ``unload_min_per_order`` per order. Orders on a truck
that is stranded, or whose stop is cut off, go back to the depot's queue (the goods stay
on the truck or go back to the depot: the fleet's ledger).

* ``mode: gate``: the stops are the compounds' gates (a household's orders go to one of
  its compound's gates, households spread evenly over the gates).
* ``mode: pickup``: the stops are central pick-up points; their volunteers carry the
  orders to the gates on carts, ``orders_per_run`` for one gate per run; a run takes
  ``load_min`` plus the walk there and back (network path length at ``cart_speed_mps``),
  and the orders are at the gate after the walk there. A free volunteer takes the
  largest pile waiting for one gate (oldest order first on a tie).

At each gate the last stretch is a queue: the gate's volunteers (on duty during
``volunteer_hours``) take up to ``orders_per_door_run`` orders per run to the doors; a
run takes ``door_service``. An order is delivered when its run ends. KPIs: households
served per day, the delay from order to doorstep, orders still waiting at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from musterpoint.scenarios.health_schema import Compound, SupplyPlan
from musterpoint.sim.des import DAY_S, call_later
from musterpoint.sim.health.hospital import Road
from musterpoint.sim.health.stations import Sampler, Station, server_changes
from musterpoint.sim.relief.dispatch import order_round
from musterpoint.sim.relief.fleet import Fleet, Site, Trip
from musterpoint.sim.relief.inputs import TruckState
from musterpoint.sim.rng import RandomStreams

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["ORDER_STATES", "SUPPLY_TRUCK", "SupplySystem"]

logger = logging.getLogger(__name__)

#: Order states.
FUTURE, AT_DEPOT, ON_TRUCK, AT_HUB, TO_GATE, AT_GATE, DELIVERED = range(7)
ORDER_STATES = ("future", "at_depot", "on_truck", "at_pickup_point", "carried_to_gate",
                "at_gate", "delivered")
#: Truck type id of the supply trucks in the fleet's records.
SUPPLY_TRUCK = "supply"


class _Hub:
    """Volunteers of a pick-up point: a free volunteer takes the largest pile (for one
    gate, up to ``per_run`` orders, the oldest first) to its gate and walks back."""

    def __init__(self, env: simpy.Environment, walk_s: np.ndarray, load_s: float,
                 per_run: int, deliver: Any) -> None:
        self.env, self.walk_s, self.load_s, self.per_run = env, walk_s, load_s, per_run
        self.deliver = deliver
        self.piles: dict[int, list[int]] = {}
        self.on_duty = 0
        self.busy = 0
        self.runs = 0
        self._last = 0.0
        self.area_busy = 0.0
        self.area_duty = 0.0

    def _acc(self) -> None:
        now = float(self.env.now)
        self.area_busy += self.busy * (now - self._last)
        self.area_duty += self.on_duty * (now - self._last)
        self._last = now

    def add(self, gate: int, orders: list[int]) -> None:
        self.piles.setdefault(gate, []).extend(orders)
        self._fill()

    def set_servers(self, n: int) -> None:
        self._acc()
        self.on_duty = int(n)
        self._fill()

    def _fill(self) -> None:
        self._acc()
        while self.busy < self.on_duty:
            full = [(-len(p), p[0], g) for g, p in self.piles.items() if p]
            if not full:
                return
            g = min(full)[2]
            pile = self.piles[g]
            take, self.piles[g] = pile[: self.per_run], pile[self.per_run:]
            self.busy += 1
            self.runs += 1
            there = self.load_s + float(self.walk_s[g])
            self.deliver(g, take, there)
            call_later(self.env, there + float(self.walk_s[g]), self._back)

    def _back(self) -> None:
        self._acc()
        self.busy -= 1
        self._fill()

    @property
    def waiting(self) -> int:
        return sum(len(p) for p in self.piles.values())


class SupplySystem:
    """Orders, trucks, pick-up points and gate queues of one run.

    Parameters
    ----------
    plan : SupplyPlan
        The plan's supply section.
    compounds : list of Compound
        The scenario's compounds.
    stops : list of Site
        Each stop (id, road node, router destination): every gate (compound by compound,
        in order) in ``gate`` mode, every pick-up point in ``pickup`` mode.
    depot : Site
        The depot.
    gate_index : list of list of int
        Global gate number of each compound's gates.
    hub_walk_s : ndarray or None
        Cart walking time one way from each pick-up point to each gate (pickup mode).
    ctx : RunContext
        The run (clock, random streams, roads, event log).
    road : Road
        The extension, which puts the trucks on the roads.
    tod0_s, horizon_s : float
        Time of day at 0 and the end of the run.

    Attributes
    ----------
    fleet : Fleet
        The supply trucks, their trips and legs (the relief fleet model).
    """

    def __init__(self, plan: SupplyPlan, compounds: list[Compound], stops: list[Site],
                 depot: Site, gate_index: list[list[int]], hub_walk_s: np.ndarray | None,
                 ctx: RunContext, road: Road, tod0_s: float, horizon_s: float) -> None:
        env, streams = ctx.env, ctx.streams
        self.plan, self.compounds, self.env, self.road = plan, compounds, env, road
        self.stops, self.depot = stops, depot
        self.gate_index = gate_index
        self.hub_walk_s = hub_walk_s
        self.tod0_s, self.horizon_s = tod0_s, horizon_s
        self.n_gates = sum(len(g) for g in gate_index)
        self.gate_compound = np.array([c for c, gs in enumerate(gate_index) for _ in gs])
        trucks = [TruckState(k, f"{depot.id}-{SUPPLY_TRUCK}-{k + 1}", 0, 0, depot.node,
                             np.zeros(1)) for k in range(plan.trucks)]
        self.fleet = Fleet(ctx, trucks, [SUPPLY_TRUCK], [plan.truck_pcu], [depot], self._launch)
        self._make_orders(streams)
        days = int(np.ceil((horizon_s + tod0_s) / DAY_S)) + 1
        self.vol_changes = self._changes(plan.volunteer_hours, plan.volunteers_per_gate, days)
        door = Sampler(plan.door_service, streams.stream("health_door_service"))
        self.runs: list[list[int]] = []
        self.gates = [Station(env, f"gate{g}", door, 0, on_done=self._delivered)
                      for g in range(self.n_gates)]
        self.hubs: list[_Hub] = []
        self.hub_changes: list[list[tuple[float, int]]] = []
        if plan.mode == "pickup":
            assert hub_walk_s is not None
            for k, p in enumerate(plan.pickup_points):
                self.hubs.append(_Hub(env, hub_walk_s[k], p.load_min * 60.0, p.orders_per_run,
                                      self._carried))
                self.hub_changes.append(self._changes(plan.volunteer_hours, p.volunteers, days))
        self.hub_of = np.full(len(compounds), -1, dtype=np.int64)
        ids = [c.id for c in compounds]
        for k, p in enumerate(plan.pickup_points):
            for cid in p.compounds:
                if cid in ids and self.hub_of[ids.index(cid)] < 0:
                    self.hub_of[ids.index(cid)] = k
        self.daily: list[tuple[int, int, int, int, int, float]] = []

    def _changes(self, hours: tuple[float, float], n: int, days: int) -> list[tuple[float, int]]:
        ch = server_changes(hours, [(hours[0], hours[1], n)], days, -self.tod0_s)
        at0 = [m for t, m in ch if t <= 0]
        return [(0.0, at0[-1] if at0 else 0), *[(t, m) for t, m in ch if 0 < t <= self.horizon_s]]

    # ------------------------------------------------------------------ orders
    def _make_orders(self, streams: RandomStreams) -> None:
        plan = self.plan
        rng = streams.stream("health_orders")
        start = plan.start_h * 3600.0
        every = plan.order_interval_h * 3600.0
        lo, hi = plan.order_hours[0] * 3600.0, plan.order_hours[1] * 3600.0
        comp_l, gate_l, t_l = [], [], []
        for c, cp in enumerate(self.compounds):
            hh = cp.n_households
            phase = rng.uniform(0.0, every, hh)
            k = np.arange(int(np.ceil((self.horizon_s - start) / every)) + 1)
            t = (start + phase[:, None] + k[None, :] * every).ravel()
            g = np.repeat(np.arange(hh) % len(self.gate_index[c]), k.size)
            keep = t < self.horizon_s
            t, g = t[keep], g[keep]
            tod = (t + self.tod0_s) % DAY_S
            t = np.where(tod < lo, t + (lo - tod), t)
            t = np.where(tod >= hi, t + (DAY_S - tod) + lo, t)
            keep = t < self.horizon_s
            comp_l.append(np.full(int(keep.sum()), c))
            gate_l.append(np.asarray(self.gate_index[c])[g[keep]])
            t_l.append(t[keep])
        order = np.argsort(np.concatenate(t_l), kind="stable")
        self.o_comp = np.concatenate(comp_l)[order]
        self.o_gate = np.concatenate(gate_l)[order]
        self.o_time = np.concatenate(t_l)[order]
        n = self.o_time.size
        self.o_state = np.full(n, FUTURE, dtype=np.int8)
        self.o_gate_s = np.full(n, np.nan)
        self.o_done = np.full(n, np.nan)
        self.next_order = 0  # orders before this index are placed
        self.queue_by_stop: list[list[int]] = [[] for _ in self.stops]
        logger.info("supply: %d orders from %d households", n,
                    sum(c.n_households for c in self.compounds))

    def _stop_of(self, o: int) -> int:
        if self.plan.mode == "gate":
            return int(self.o_gate[o])
        return int(self.hub_of[self.o_comp[o]])

    def _place_orders(self) -> None:
        now = float(self.env.now)
        end = int(np.searchsorted(self.o_time, now, side="right"))
        for o in range(self.next_order, end):
            self.o_state[o] = AT_DEPOT
            self.queue_by_stop[self._stop_of(o)].append(o)
        self.next_order = max(self.next_order, end)

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """Start the volunteers' shifts, the depot's dispatcher and the daily records."""
        env = self.env
        for gate in self.gates:
            env.process(self._staff(gate, self.vol_changes))
        for hub, ch in zip(self.hubs, self.hub_changes, strict=True):
            env.process(self._staff(hub, ch))
        env.process(self._dispatcher())
        env.process(self._days())

    def _staff(self, station: Station | _Hub, changes: list[tuple[float, int]]) -> Any:
        env = self.env
        for t, n in changes:
            if t > env.now:
                yield env.timeout(t - env.now)
            station.set_servers(n)

    def _on_duty(self) -> bool:
        tod = ((float(self.env.now) + self.tod0_s) % DAY_S) / 3600.0
        lo, hi = self.plan.volunteer_hours
        return lo <= tod < hi

    def _dispatcher(self) -> Any:
        env = self.env
        step = self.plan.dispatch_every_h * 3600.0
        t0 = self.plan.start_h * 3600.0
        if t0 > env.now:
            yield env.timeout(t0 - env.now)
        while True:
            self._place_orders()
            if self._on_duty():
                self._dispatch()
            if env.now + step > self.horizon_s:
                return
            yield env.timeout(step)

    def _dispatch(self) -> None:
        fleet, now = self.fleet, float(self.env.now)
        while (k := fleet.idle_truck(0)) >= 0:
            stops = order_round(self.queue_by_stop, self.plan.truck_orders, self._stop_to_stop)
            if not stops:
                return
            for _, orders in stops:
                self.o_state[orders] = ON_TRUCK
            fleet.start(k, Trip(0, list(stops), "orders", now), self)

    def _stop_to_stop(self, a: int, b: int) -> float:
        return self.road.dist_s(self.stops[b].dest, self.stops[a].node)

    def _launch(self, fleet: Fleet, k: int, origin: int, dest: int, pcu: float) -> int:
        return self.road.drive(fleet, k, origin, dest, pcu)

    # ------------------------------------------------------------------ trips (Cargo)
    def load(self, k: int, trip: Trip) -> Generator[Any, Any, None]:
        """The truck's orders go on board; loading takes ``depot_load_min``."""
        trip.load_start_s = float(self.env.now)
        self.fleet.take_on(k, trip, np.array([float(sum(len(o) for _, o in trip.stops))]))
        yield self.env.timeout(self.plan.depot_load_min * 60.0)

    def place(self, stop: int) -> Site:
        """The gate or pick-up point."""
        return self.stops[stop]

    def unload_s(self, k: int, trip: Trip, i: int) -> float:
        """``unload_min_per_order`` per order."""
        return len(trip.stops[i][1]) * self.plan.unload_min_per_order * 60.0

    def unloaded(self, k: int, trip: Trip, i: int, arrive_s: float) -> None:
        """The orders are at the gate's queue, or the pick-up point's piles."""
        s, orders = trip.stops[i]
        self.fleet.put_off(k, np.array([float(len(orders))]))
        if self.plan.mode == "gate":
            self._to_gate(s, orders)
            return
        by_gate: dict[int, list[int]] = {}
        for o in orders:
            self.o_state[o] = AT_HUB
            by_gate.setdefault(int(self.o_gate[o]), []).append(o)
        for g in sorted(by_gate):
            self.hubs[s].add(g, by_gate[g])

    def _requeue(self, stops: list[tuple[int, list[int]]]) -> None:
        for s, orders in stops:
            self.o_state[orders] = AT_DEPOT
            self.queue_by_stop[s] = sorted(orders + self.queue_by_stop[s])

    def skipped(self, k: int, trip: Trip, i: int) -> None:
        """A stop cut off: its orders wait at the depot again."""
        self._requeue(trip.stops[i: i + 1])

    def stranded(self, k: int, trip: Trip, i: int) -> None:
        """The orders of the stops not reached wait at the depot again."""
        self._requeue(trip.stops[i:])

    def returned(self, k: int, trip: Trip) -> None:
        """Goods of skipped stops go back into the depot."""
        self.fleet.give_back(k)

    def idle(self, k: int) -> None:
        """A truck is free: send trucks if the volunteers are on duty."""
        self._place_orders()
        if self._on_duty():
            self._dispatch()

    def _to_gate(self, g: int, orders: list[int]) -> None:
        now = float(self.env.now)
        per = self.plan.orders_per_door_run
        for o in orders:
            self.o_state[o] = AT_GATE
            self.o_gate_s[o] = now
        for i in range(0, len(orders), per):
            self.runs.append(orders[i: i + per])
            self.gates[g].arrive(len(self.runs) - 1)

    def _carried(self, g: int, orders: list[int], there_s: float) -> None:
        for o in orders:
            self.o_state[o] = TO_GATE
        call_later(self.env, there_s, partial(self._to_gate, g, orders))

    def _delivered(self, run: int) -> None:
        now = float(self.env.now)
        for o in self.runs[run]:
            self.o_state[o] = DELIVERED
            self.o_done[o] = now

    def _days(self) -> Any:
        env = self.env
        first = DAY_S - (self.tod0_s % DAY_S)  # next local midnight
        t = first if first > 0 else DAY_S
        while t <= self.horizon_s + 1e-6:
            yield env.timeout(t - env.now)
            self._record_day(t)
            t += DAY_S
        if env.now < self.horizon_s:
            yield env.timeout(self.horizon_s - env.now)
            self._record_day(self.horizon_s)

    def _record_day(self, t: float) -> None:
        self._place_orders()
        day = int((t - 1e-6 + self.tod0_s) // DAY_S) - int(self.tod0_s // DAY_S)
        lo = t - DAY_S
        for c in range(len(self.compounds)):
            mine = self.o_comp == c
            placed = int((mine & (self.o_time > lo) & (self.o_time <= t)).sum())
            done = mine & (self.o_done > lo) & (self.o_done <= t)
            backlog = int((mine & (self.o_time <= t) & ~(self.o_done <= t)).sum())
            delay = (self.o_done - self.o_time)[done]
            self.daily.append((day, c, placed, int(done.sum()), backlog,
                               float(delay.mean()) if delay.size else float("nan")))

    # ------------------------------------------------------------------ results
    def counts(self) -> dict[str, int]:
        """Orders by state now (the order ledger)."""
        self._place_orders()
        n = np.bincount(self.o_state, minlength=len(ORDER_STATES))
        return {name: int(n[k]) for k, name in enumerate(ORDER_STATES)}

    def status(self, c: int, until: float) -> str:
        """Supply status of compound ``c``: ``ok``, ``strained`` or ``failing``."""
        mine = (self.o_comp == c) & (self.o_time <= until)
        if not mine.any():
            return "ok"
        done = mine & np.isfinite(self.o_done)
        delay = (self.o_done - self.o_time)[done]
        oldest = (until - self.o_time[mine & ~done]).max() if (mine & ~done).any() else 0.0
        mean = float(delay.mean()) if delay.size else np.inf
        if mean >= DAY_S or oldest >= DAY_S:
            return "failing"
        if mean >= DAY_S / 2 or oldest >= DAY_S / 2:
            return "strained"
        return "ok"

    def kpis(self, until: float) -> dict[str, Any]:
        """Supply KPIs (``health.supply``)."""
        placed = self.o_time <= until
        done = placed & np.isfinite(self.o_done)
        delay = (self.o_done - self.o_time)[done]
        days = max((until - self.plan.start_h * 3600.0) / DAY_S, 1e-9)
        for h in self.hubs:
            h._acc()
        util = [st.stats(until)["utilisation"] for st in self.gates]
        util = [u for u in util if u is not None]
        by_c = {}
        for c, cp in enumerate(self.compounds):
            m = placed & (self.o_comp == c)
            d = (self.o_done - self.o_time)[m & done]
            by_c[cp.id] = {"name": cp.name, "name_zh": cp.name_zh,
                           "orders": int(m.sum()), "delivered": int((m & done).sum()),
                           "delay_mean_s": float(d.mean()) if d.size else None,
                           "delay_p95_s": float(np.percentile(d, 95)) if d.size else None,
                           "status": self.status(c, until)}
        return {
            "mode": self.plan.mode,
            "households": int(sum(c.n_households for c in self.compounds)),
            "orders_placed": int(placed.sum()),
            "orders_delivered": int(done.sum()),
            "orders_pending_at_end": int(placed.sum() - done.sum()),
            "households_served_per_day": float(done.sum() / days),
            "delay_mean_s": float(delay.mean()) if delay.size else None,
            "delay_p95_s": float(np.percentile(delay, 95)) if delay.size else None,
            "share_within_24h": float((delay <= DAY_S).sum() / placed.sum()) if placed.any()
            else None,
            "truck_trips": int(self.fleet.started),
            "truck_km": float(sum(tr.km for tr in self.fleet.trucks)),
            "trucks_stranded": int(sum(tr.state == "stranded" for tr in self.fleet.trucks)),
            "gate_volunteer_utilisation": float(np.mean(util)) if util else None,
            "pickup_volunteer_utilisation": (
                float(np.mean([h.area_busy / h.area_duty for h in self.hubs
                               if h.area_duty > 0])) if self.hubs else None),
            "cart_runs": int(sum(h.runs for h in self.hubs)),
            "compounds_failing": sum(1 for v in by_c.values() if v["status"] == "failing"),
            "by_compound": by_c,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """``health_supply_daily``: per day and compound, placed, delivered, backlog; and
        the fleet's ``health_supply_legs``, ``health_supply_trucks``,
        ``health_supply_trips`` (the columns of ``relief_legs``, ``relief_trucks``,
        ``relief_trips``; ``kg`` is not known for orders)."""
        df = pd.DataFrame(self.daily, columns=["day", "c", "placed", "delivered", "backlog",
                                               "delay_mean_s"])
        df.insert(1, "compound", [self.compounds[c].id for c in df["c"]])
        legs, trucks, trips = self.fleet.tables(self.horizon_s)
        return {"health_supply_daily": df.drop(columns="c"), "health_supply_legs": legs,
                "health_supply_trucks": trucks, "health_supply_trips": trips}
