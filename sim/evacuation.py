"""One evacuation run: a World, a Plan and a seed in, a RunResult out.

:class:`EvacuationRun` owns all state of one run (no globals): the SimPy environment,
the traffic model, shelter occupancy and the records. Processes:

* departures: each household leaves ``order time + mobilisation delay`` after its zone's
  order, bound for the nearest shelter (by current shortest time) that still has room;
* hazard: at every hazard step, links that are flooded or closed are closed to entry and
  the routing trees are rebuilt, so vehicles reroute at their next node;
* monitor: every 5 minutes, link states, zone progress and shelter occupancy are recorded.

A vehicle reaching a full shelter is redirected to the nearest shelter with room; if none
has room it is stranded (reason ``every shelter full``). Vehicles on a link when it closes
may drive out of it ("leave if they can"); a vehicle with no open route left is stranded
where it is. At the end every person is in exactly one state, and the ledger is checked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import simpy

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.demand import Vehicles, make_vehicles
from musterpoint.sim.departure import departure_delays_s
from musterpoint.sim.kpis import check_ledger, evacuation_kpis, ledger
from musterpoint.sim.result import RunResult
from musterpoint.sim.rng import RandomStreams
from musterpoint.sim.routing import Router
from musterpoint.sim.run_tables import build_tables
from musterpoint.sim.traffic import TrafficModel, VehicleState
from musterpoint.sim.world import World, closed_at

__all__ = ["EvacuationRun", "simulate", "zone_order_times"]

logger = logging.getLogger(__name__)

#: Interval of link states and time series (seconds).
MONITOR_S = 300.0

ProgressFn = Callable[[float], None]


def zone_order_times(world: World, plan: Plan) -> np.ndarray:
    """Order time (s) of each zone: the earliest stage that names it, else the default."""
    z = world.zones
    out = np.full(len(z.ids), plan.order_time_h * 3600.0)
    named = np.zeros(len(z.ids), dtype=bool)
    pos = {zid: i for i, zid in enumerate(z.ids)}
    for stage in plan.stages:
        hit = np.zeros(len(z.ids), dtype=bool)
        if stage.zones is not None:
            for zid in stage.zones:
                if zid in pos:
                    hit[pos[zid]] = True
        if stage.max_elevation_m is not None:
            hit |= np.nan_to_num(z.elevation, nan=np.inf) <= stage.max_elevation_m
        t = stage.time_h * 3600.0
        out = np.where(hit & (~named | (t < out)), t, out)
        named |= hit
    return out


class EvacuationRun:
    """State and processes of one run.

    Parameters
    ----------
    world : World
        The prepared scenario.
    plan : Plan
        The plan to test.
    seed : int
        Seed of the run's random streams.
    record_link_events : bool
        Also log every link entry and exit in the events table (large).
    progress : callable, optional
        Called with the share of simulated time done (0..1).
    """

    def __init__(self, world: World, plan: Plan, seed: int, *,
                 record_link_events: bool = False, progress: ProgressFn | None = None) -> None:
        self.world, self.plan, self.seed = world, plan, int(seed)
        self.progress = progress
        self.record_link_events = record_link_events
        self.streams = RandomStreams(seed)
        self.env = simpy.Environment()
        net = world.network
        self.dest = world.destinations
        self.router = Router(net.n_nodes, net.link_from, net.link_to, net.freeflow_s,
                             [list(d.nodes) for d in self.dest])
        self.capacity = np.array([d.capacity for d in self.dest], dtype=float)
        self.occupancy = np.zeros(len(self.dest), dtype=np.int64)
        self.closed = np.zeros(net.n_links, dtype=bool)
        self.entered_total = np.zeros(net.n_links)
        self.storage = net.storage_pcu
        self.traffic = TrafficModel(
            self.env, net.link_to, net.freeflow_s, net.capacity_vph, self.storage,
            net.n_nodes, self.router, self._on_reach, self._on_strand,
            stuck_time_s=plan.stuck_time_s, exposure_intervals=world.link_flooded,
            record_links=record_link_events,
        )
        self.events: list[tuple[float, str, int, str, str, str, float, str]] = []
        self._prepare_vehicles()

    # ------------------------------------------------------------------ set-up
    def _prepare_vehicles(self) -> None:
        w = self.world
        if w.trips is not None:
            veh = w.trips
            self.zone_order = np.array([float(np.min(veh.depart_s))])
            depart = veh.depart_s.copy()
        else:
            assert w.places is not None
            veh = make_vehicles(w.places, w.loaded.scenario.households, w.node_index,
                                self.streams, w.loaded.scenario.max_snap_m, str(w.loaded.path))
            self.zone_order = zone_order_times(w, self.plan)
            u = self.streams.stream("departure").random(veh.zone.size)
            depart = self.zone_order[veh.zone] + departure_delays_s(self.plan.departure, u)
        self.veh: Vehicles = veh
        self.depart_s = np.where(veh.pcu > 0, depart, np.nan)
        n = veh.zone.size
        self.status = np.array(["never_departed"] * n, dtype=object)
        self.reason = np.array([""] * n, dtype=object)
        self.reason[veh.pcu <= 0] = "no transport (needs a bus or a ride)"
        self.arrive_s = np.full(n, np.nan)
        self.final_dest = np.full(n, -1, dtype=np.int64)
        self.tm_id = np.full(n, -1, dtype=np.int64)  # traffic-model vehicle number
        self.by_tm: list[int] = []
        self.first_order_s = float(np.min(self.zone_order)) if self.zone_order.size else 0.0

    # ------------------------------------------------------------------ callbacks
    def _log(self, t: float, kind: str, v: int = -1, link: str = "", zone: str = "",
             shelter: str = "", value: float = float("nan"), detail: str = "") -> None:
        self.events.append((t, kind, v, link, zone, shelter, value, detail))

    def _choose(self, node: int, persons: int, exclude: int = -1) -> int:
        dist = self.router.dist_s[:, node]
        room = (self.capacity - self.occupancy) >= persons
        if exclude >= 0:
            room[exclude] = False
        cand = np.flatnonzero(room & np.isfinite(dist))
        if cand.size:
            return int(cand[np.argmin(dist[cand])])
        return -1

    def _on_reach(self, tv: int, node: int, t: float) -> bool:
        v = self.by_tm[tv]
        d = self.traffic.dest[tv]
        p = int(self.veh.persons[v])
        if self.occupancy[d] + p <= self.capacity[d]:
            self.occupancy[d] += p
            self.status[v] = "arrived"
            self.arrive_s[v] = t
            self.final_dest[v] = d
            self._log(t, "arrive", v, shelter=self.dest[d].id, value=p)
            if self.occupancy[d] >= self.capacity[d]:
                self._log(t, "shelter_full", shelter=self.dest[d].id)
            return True
        nxt = self._choose(node, p, exclude=d)
        if nxt < 0:
            self.status[v] = "stranded"
            self.reason[v] = "every shelter full"
            self._log(t, "stranded", v, shelter=self.dest[d].id, detail="every shelter full")
            return True
        self._log(t, "redirect", v, shelter=self.dest[nxt].id, detail=f"{self.dest[d].id} full")
        self.traffic.set_destination(tv, nxt)
        return False

    def _on_strand(self, tv: int, t: float, reason: str) -> None:
        v = self.by_tm[tv]
        self.status[v] = "stranded"
        self.reason[v] = reason
        self._log(t, "stranded", v, detail=reason)

    # ------------------------------------------------------------------ processes
    def _departures(self) -> Any:
        env, veh = self.env, self.veh
        go = np.flatnonzero(np.isfinite(self.depart_s))
        order = go[np.argsort(self.depart_s[go], kind="stable")]
        for v in order.tolist():
            t = float(self.depart_s[v])
            if t > env.now:
                yield env.timeout(t - env.now)
            o = int(veh.origin[v])
            p = int(veh.persons[v])
            if veh.destination[v] >= 0:
                d = int(veh.destination[v])
            else:
                d = self._choose(o, p)
                if d < 0:  # nobody has room: head for the nearest reachable shelter
                    dist = self.router.dist_s[:, o]
                    d = int(np.argmin(dist)) if np.isfinite(dist).any() else -1
            self.status[v] = "en_route"
            self._log(env.now, "depart", v, zone=self.world.zones.ids[int(veh.zone[v])],
                      shelter=self.dest[d].id if d >= 0 else "", value=p)
            if d < 0:
                self.status[v] = "stranded"
                self.reason[v] = "no open route from the origin"
                self._log(env.now, "stranded", v, detail=self.reason[v])
                continue
            tv = self.traffic.add_vehicle(o, d, float(veh.pcu[v]))
            self.by_tm.append(v)
            self.tm_id[v] = tv
            self.traffic.depart(tv)

    def _apply_closures(self) -> None:
        """Close and reopen links to match the hazard now; rebuild routes if anything changed."""
        now_closed = closed_at(self.world, self.env.now)
        changed = np.flatnonzero(now_closed != self.closed)
        if not changed.size:
            return
        net = self.world.network
        for i in changed.tolist():
            self.traffic.set_closed(i, bool(now_closed[i]))
            self._log(self.env.now, "link_closed" if now_closed[i] else "link_reopened",
                      link=str(net.link_id[i]))
        self.closed = now_closed
        self.router.rebuild(self.closed)
        self.traffic.after_reroute()

    def _hazard(self, step: float, until: float) -> Any:
        while self.env.now <= until:
            self._apply_closures()
            yield self.env.timeout(step)

    def _closure_at(self, t: float) -> Any:
        yield self.env.timeout(t - self.env.now)
        self._apply_closures()

    def _monitor(self, until: float) -> Any:
        env = self.env
        self.link_rows: list[pd.DataFrame] = []
        self.zone_rows: list[tuple[float, int, int, int]] = []
        self.shelter_rows: list[tuple[float, int, int]] = []
        nz = len(self.world.zones.ids)
        while True:
            t0 = env.now
            yield env.timeout(min(MONITOR_S, until - t0))
            self._snapshot_links(t0)
            t = env.now
            gone = np.isfinite(self.depart_s) & (self.depart_s <= t)
            arr = self.status == "arrived"
            dep = np.bincount(self.veh.zone[gone], self.veh.persons[gone], minlength=nz)
            got = np.bincount(self.veh.zone[arr], self.veh.persons[arr], minlength=nz)
            for z in range(nz):
                self.zone_rows.append((t, z, int(dep[z]), int(got[z])))
            for s in range(len(self.dest)):
                self.shelter_rows.append((t, s, int(self.occupancy[s])))
            if self.progress is not None:
                self.progress(min(t / until, 1.0))
            if t >= until:
                return

    def _snapshot_links(self, t0: float) -> None:
        c = self.traffic.take_counters()
        ent = np.array(c.entered)
        self.entered_total += ent
        ext = np.array(c.exited)
        used = np.array(self.traffic.used)
        active = (ent > 0) | (ext > 0) | (used > 0) | self.closed
        idx = np.flatnonzero(active)
        if not idx.size:
            return
        trav = np.array(c.travel_s)[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_tt = np.where(ext[idx] > 0, trav / ext[idx], np.nan)
        net = self.world.network
        self.link_rows.append(pd.DataFrame({
            "interval_start_s": t0,
            "link_id": net.link_id[idx].astype(str),
            "entered": ent[idx],
            "exited": ext[idx],
            "pcu_end": used[idx],
            "occupancy": used[idx] / self.storage[idx],
            "mean_travel_s": mean_tt,
            "freeflow_s": net.freeflow_s[idx],
            "closed": self.closed[idx],
        }))

    # ------------------------------------------------------------------ run
    def run(self) -> RunResult:
        """Simulate to the scenario's end and return the result."""
        wall0 = time.perf_counter()
        w = self.world
        until = w.duration_s
        for z, t in enumerate(self.zone_order.tolist()):
            if w.trips is None:
                self._log(t, "order", zone=w.zones.ids[z])
        if w.link_flooded is not None or w.closures:
            step = (w.loaded.scenario.hazard.flood.step_min * 60.0
                    if w.loaded.scenario.hazard.flood else 60.0)
            times = sorted({s for s, _, _, _ in w.closures} | {e for _, e, _, _ in w.closures})
            self.env.process(self._hazard(step, until))
            for t in times:  # explicit closures take effect exactly on time
                if 0 < t <= until and t % step:
                    self.env.process(self._closure_at(t))
        self.env.process(self._departures())
        self.env.process(self._monitor(until))
        self.env.run(until=until + 1e-9)
        self.traffic.finish(until)
        self._finish_states(until)
        tables, extra = build_tables(self, until)
        agents = tables["agents"]
        led = ledger(agents)
        check_ledger(led)
        kpis = {
            "evacuation": evacuation_kpis(agents, tables["zones"], self.first_order_s),
            "traffic": {
                "events": int(self.traffic.events_processed),
                "link_traversals": int(self.traffic.traversals),
                "gridlock_forced_moves": int(self.traffic.forced_moves),
                "route_rebuilds": int(self.router.rebuilds),
                "vehicle_km": extra["vehicle_km"],
            },
            "ledger": led,
        }
        wall = time.perf_counter() - wall0
        meta = self._meta(wall)
        return RunResult(meta=meta, kpis=_clean(kpis), tables=tables)

    def _finish_states(self, until: float) -> None:
        tm = self.traffic
        home = np.zeros(self.status.size)
        road = np.zeros(self.status.size)
        for v in range(self.status.size):
            tv = int(self.tm_id[v])
            st = self.status[v]
            if st == "en_route" and tv >= 0:
                if tm.state[tv] == VehicleState.WAITING:
                    self.reason[v] = "waiting to enter the road"
                elif tm.state[tv] == VehicleState.ON_ROAD:
                    self.reason[v] = "on the road"
            if tv >= 0:
                road[v] = tm.exposed_s[tv]
        fl = self.world.place_flooded
        if fl is not None:
            left = np.full(self.status.size, until)
            for v in range(self.status.size):
                tv = int(self.tm_id[v])
                if tv >= 0 and np.isfinite(tm.first_enter_t[tv]):
                    left[v] = tm.first_enter_t[tv]
                elif self.status[v] in ("stranded",) and np.isfinite(self.depart_s[v]):
                    left[v] = until  # stranded at the origin: still there
            for v in range(self.status.size):
                p = int(self.veh.place[v])
                if p >= 0 and fl[p]:
                    for s, e in fl[p]:
                        home[v] += max(0.0, min(e, left[v]) - max(s, 0.0))
        self.exposed_home_s = home
        self.exposed_road_s = road

    def _meta(self, wall: float) -> dict[str, Any]:
        from musterpoint.sim import __version__

        sc = self.world.loaded.scenario
        net = self.world.network
        r = net.report
        return {
            "scenario": sc.name,
            "scenario_title": sc.title.en,
            "scenario_title_zh": sc.title.zh,
            "plan": self.plan.name,
            "plan_title": self.plan.title.en,
            "plan_title_zh": self.plan.title.zh,
            "seed": self.seed,
            "version": __version__,
            "wall_time_s": round(wall, 3),
            "start": sc.start.isoformat(),
            "timezone": sc.timezone,
            "duration_s": self.world.duration_s,
            "first_order_s": self.first_order_s,
            "attribution": list(sc.attribution),
            "network": {"source": r.source, "nodes_read": r.nodes_read,
                        "links_read": r.links_read, "nodes_kept": r.nodes_kept,
                        "links_kept": r.links_kept, "notes": list(r.notes)},
            "warnings": list(self.world.warnings),
        }


def _clean(x: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python ones, for strict JSON."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def simulate(world: World, plan: Plan, seed: int, **kwargs: Any) -> RunResult:
    """Run ``plan`` on ``world`` with ``seed``; see :class:`EvacuationRun`."""
    return EvacuationRun(world, plan, seed, **kwargs).run()

