"""One evacuation run: a World, a Plan and a seed in, a RunResult out.

:class:`EvacuationRun` owns all state of one run (no globals): the SimPy environment,
the traffic model, shelter occupancy and the records. Processes:

* departures: each car household leaves ``order time + mobilisation delay`` after its
  zone's order, bound for a shelter chosen by the plan (nearest open shelter with room;
  the zone's assigned shelter; or nearest with unreserved room, capacity-balanced);
* buses (if the plan has them) for households without transport, see
  :mod:`musterpoint.sim.evacuation.buses`; shadow evacuees and background traffic to exits;
* hazard and levers: at every hazard step, links in the hazard are closed to entry, and
  contraflow and control points change capacities at their times; routing trees are
  rebuilt on every change, so vehicles reroute at their next node;
* monitor: every 5 minutes, link states, zone progress and shelter occupancy.

Rules: a vehicle reaching a full shelter is redirected to the nearest open shelter with
room, or stranded (``every shelter full``). Vehicles on a link when it closes may drive
out of it ("leave if they can"); a vehicle with no open route left is stranded where it
is, with the reason. At the end every person is in exactly one state, and the ledger is
checked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import simpy

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.demand.population import Vehicles
from musterpoint.sim.evacuation.agents import prepare_agents, zone_order_times
from musterpoint.sim.evacuation.commands import apply_command, snapshot
from musterpoint.sim.evacuation.extension import ExtensionFactory, RunExtension
from musterpoint.sim.evacuation.kpis import run_kpis
from musterpoint.sim.evacuation.plan_checks import check_plan
from musterpoint.sim.evacuation.records import finish_states, monitor_process, run_meta
from musterpoint.sim.evacuation.roads import (
    apply_closures,
    apply_levers,
    closure_at,
    hazard_process,
    levers_process,
    reroute_process,
)
from musterpoint.sim.evacuation.tables import build_tables
from musterpoint.sim.hazards.closures import ClosureSchedule
from musterpoint.sim.kpis.standards import run_standards
from musterpoint.sim.network.routing import Router
from musterpoint.sim.result import RunResult
from musterpoint.sim.rng import RandomStreams
from musterpoint.sim.traffic.levers import NetworkLevers, plan_file
from musterpoint.sim.traffic.queue_model import TrafficModel, schedule_call
from musterpoint.sim.world import World

__all__ = ["EvacuationRun", "zone_order_times"]

logger = logging.getLogger(__name__)

ProgressFn = Callable[[float], None]


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
    extensions : sequence of factories
        Services sharing the roads, attached in this order (the order is part of the
        result: it fixes router destination numbers and the order processes start).
        :data:`musterpoint.sim.engine.BUILTIN_EXTENSIONS` are the built-in ones; the
        default here is none.
    """

    def __init__(self, world: World, plan: Plan, seed: int, *,
                 record_link_events: bool = False, progress: ProgressFn | None = None,
                 extensions: Sequence[ExtensionFactory] = ()) -> None:
        self.world, self.plan, self.seed = world, plan, int(seed)
        self.progress = progress
        self.record_link_events = record_link_events
        self.streams = RandomStreams(seed)
        self.env = simpy.Environment()
        net = world.network
        sc = world.loaded.scenario
        self.plan_file = plan_file(world.loaded.plan_paths, plan)
        self.levers = NetworkLevers(net, plan, self.plan_file)
        self._check_plan()
        # destinations: shelters (and trip ends), then bus pickup points, then exits
        self.dest = list(world.destinations)
        self.n_shelters = len(self.dest)
        dest_nodes: list[list[int]] = [list(d.nodes) for d in self.dest]
        self.exit_dest: list[int] = []
        for i, ex in enumerate(sc.exits):
            self.exit_dest.append(len(dest_nodes))
            dest_nodes.append([self.snap(ex.lon, ex.lat, str(world.loaded.path),
                                         f"exits[{i}] ({ex.id})")])
        self.extensions: list[RunExtension] = []
        self.ext_dest: list[tuple[int, int, RunExtension]] = []
        for factory in extensions:
            ext = factory(self)
            if ext is None:
                continue
            own = ext.destinations()
            ext.bind(len(dest_nodes))
            self.ext_dest.append((len(dest_nodes), len(dest_nodes) + len(own), ext))
            dest_nodes.extend(own)
            self.extensions.append(ext)
        self.router = Router(net.n_nodes, net.link_from, net.link_to, net.freeflow_s,
                             dest_nodes)
        self.capacity = np.array([d.capacity for d in self.dest], dtype=float)
        self.occupancy = np.zeros(self.n_shelters, dtype=np.int64)
        self.reserved = np.zeros(self.n_shelters, dtype=np.int64)
        ids = {d.id: i for i, d in enumerate(self.dest)}
        self.open_s = np.array([plan.shelter_open_h.get(d.id, 0.0) * 3600.0
                                for d in self.dest])
        self.zone_shelter = np.full(len(world.zones.ids), -1, dtype=np.int64)
        for z, sid in plan.zone_shelters.items():
            self.zone_shelter[world.zones.ids.index(z)] = ids[sid]
        self.hazard_closed = np.zeros(net.n_links, dtype=bool)
        self.schedule = ClosureSchedule.from_lists(world.link_flooded, world.closures,
                                                   net.n_links)
        self.lever_closed = np.zeros(net.n_links, dtype=bool)
        self.closed = np.zeros(net.n_links, dtype=bool)
        self.entered_total = np.zeros(net.n_links)
        self.storage = net.storage_pcu.copy()
        self.traffic = TrafficModel(
            self.env, net.link_to, net.freeflow_s, net.capacity_vph, self.storage,
            net.n_nodes, self.router, self._on_reach, self._on_strand,
            stuck_time_s=plan.stuck_time_s, exposure_intervals=world.link_flooded,
            record_links=record_link_events,
        )
        self.events: list[tuple[float, str, int, str, str, str, float, str]] = []
        self.link_rows: list[pd.DataFrame] = []
        self.zone_rows: list[tuple[float, int, int, int]] = []
        self.shelter_rows: list[tuple[float, int, int]] = []
        self._prepare_agents()

    # ------------------------------------------------------------------ set-up
    def snap(self, lon: float, lat: float, file: str, field: str) -> int:
        """Nearest road node to a point of an input file; an InputError if too far."""
        node, dist = self.world.node_index.nearest(np.array([lon]), np.array([lat]))
        limit = self.world.loaded.scenario.max_snap_m
        if float(dist[0, 0]) > limit:
            raise InputError.single(file, field, f"is {float(dist[0, 0]):,.0f} m from the "
                                    f"nearest road (limit {limit:,.0f} m); move it onto the "
                                    "network or check lon/lat")
        return int(node[0, 0])

    def _check_plan(self) -> None:
        check_plan(self.world, self.plan, self.plan_file)

    def _prepare_agents(self) -> None:
        ag = prepare_agents(self)
        self.veh: Vehicles = ag.veh
        self.role = ag.role
        self.depart_s_all = ag.depart_s_all
        self.zone_order = ag.zone_order
        self.first_order_s = ag.first_order_s
        self.depart_s = np.where(self.veh.pcu > 0, self.depart_s_all, np.nan)
        n = self.veh.zone.size
        self.status = np.array(["never_departed"] * n, dtype=object)
        self.reason = np.array([""] * n, dtype=object)
        self.reason[self.veh.pcu <= 0] = "no transport (needs a bus or a ride)"
        self.arrive_s = np.full(n, np.nan)
        self.final_dest = np.full(n, -1, dtype=np.int64)
        self.tm_id = np.full(n, -1, dtype=np.int64)  # traffic-model vehicle number
        self.bus_road_exposure = np.zeros(n)
        self.exposed_home_s = np.zeros(n)
        self.exposed_road_s = np.zeros(n)
        self.left_hazard_s = np.full(n, np.nan)
        self.by_tm: list[int] = []
        self.tm_owner: list[RunExtension | None] = []
        self.tm_dest_reserved: dict[int, int] = {}
        self.manual_closed = np.zeros(self.world.network.n_links, dtype=bool)
        self.link_pos = {str(lid): i for i, lid in enumerate(self.world.network.link_id)}
        self.started = False

    def launch(self, origin: int, dest: int, pcu: float, owner: RunExtension | None = None,
               local: int = -1) -> int:
        """Put a vehicle on the road now, from ``origin`` to router destination ``dest``.

        ``owner`` (an extension) hears when it arrives or is stranded, with ``local``, its
        own number for the vehicle. Returns the traffic-model vehicle number.
        """
        tv = self.traffic.add_vehicle(origin, dest, pcu)
        self.by_tm.append(local)
        self.tm_owner.append(owner)
        self.traffic.depart(tv)
        return tv

    def extension(self, name: str) -> RunExtension | None:
        """The extension called ``name`` in this run, if any."""
        return next((e for e in self.extensions if e.name == name), None)

    # ------------------------------------------------------------------ shelters
    def log(self, t: float, kind: str, v: int = -1, link: str = "", zone: str = "",
            shelter: str = "", value: float = float("nan"), detail: str = "") -> None:
        """Append one event to the run's event log."""
        self.events.append((t, kind, v, link, zone, shelter, value, detail))

    def choose_shelter(self, node: int, persons: int, exclude: int = -1,
                       reserve: bool = True) -> int:
        """Nearest open shelter with room for ``persons`` from ``node``, or -1."""
        t = self.env.now
        dist = self.router.dist_s[: self.n_shelters, node]
        free = self.capacity - self.occupancy
        if self.plan.shelter_choice == "capacity_balanced" and reserve:
            free = free - self.reserved
        ok = (free >= persons) & (self.open_s <= t) & np.isfinite(dist)
        if exclude >= 0:
            ok[exclude] = False
        cand = np.flatnonzero(ok)
        if cand.size:
            return int(cand[np.argmin(dist[cand])])
        return -1

    def admit(self, v: int, d: int, t: float) -> bool:
        """Admit household ``v`` at shelter ``d`` if it has room; record the arrival."""
        p = int(self.veh.persons[v])
        if self.occupancy[d] + p > self.capacity[d]:
            return False
        self.occupancy[d] += p
        self.status[v] = "arrived"
        self.reason[v] = ""
        self.arrive_s[v] = t
        self.final_dest[v] = d
        self.log(t, "arrive", v, shelter=self.dest[d].id, value=p)
        if self.occupancy[d] >= self.capacity[d]:
            self.log(t, "shelter_full", shelter=self.dest[d].id)
        return True

    def _release(self, v: int) -> None:
        if self.plan.shelter_choice == "capacity_balanced":
            d = int(self.tm_dest_reserved.get(v, -1))
            if d >= 0:
                self.reserved[d] -= int(self.veh.persons[v])
                del self.tm_dest_reserved[v]

    def _reserve(self, v: int, d: int) -> None:
        if self.plan.shelter_choice == "capacity_balanced":
            self.reserved[d] += int(self.veh.persons[v])
            self.tm_dest_reserved[v] = d

    def _on_reach(self, tv: int, node: int, t: float) -> bool:
        v = self.by_tm[tv]
        owner = self.tm_owner[tv]
        if owner is not None:
            return bool(owner.on_reach(tv, v, node, t))
        d = self.traffic.dest[tv]
        if d >= self.n_shelters or not np.isfinite(self.capacity[d]):
            self.status[v] = "arrived"
            self.arrive_s[v] = t
            self.final_dest[v] = d
            return True
        self._release(v)
        if self.open_s[d] > t:
            self.status[v] = "en_route"
            self.reason[v] = "waiting for the shelter to open"
            self.env.process(self._admit_at_opening(v, d))
            return True
        if self.admit(v, d, t):
            return True
        nxt = self.choose_shelter(node, int(self.veh.persons[v]), exclude=d)
        if nxt < 0:
            self.status[v] = "stranded"
            self.reason[v] = "every shelter full"
            self.log(t, "stranded", v, shelter=self.dest[d].id, detail="every shelter full")
            return True
        self._reserve(v, nxt)
        self.log(t, "redirect", v, shelter=self.dest[nxt].id, detail=f"{self.dest[d].id} full")
        self.traffic.set_destination(tv, nxt)
        return False

    def _admit_at_opening(self, v: int, d: int) -> Any:
        yield self.env.timeout(self.open_s[d] - self.env.now)
        if not self.admit(v, d, self.env.now):
            self.status[v] = "stranded"
            self.reason[v] = "shelter full at opening"
            self.log(self.env.now, "stranded", v, shelter=self.dest[d].id,
                     detail=self.reason[v])

    def _on_strand(self, tv: int, t: float, reason: str) -> None:
        v = self.by_tm[tv]
        owner = self.tm_owner[tv]
        if owner is not None:
            owner.on_strand(tv, v, t, reason)
            return
        self._release(v)
        self.status[v] = "stranded"
        self.reason[v] = reason
        self.log(t, "stranded", v, detail=reason)

    # ------------------------------------------------------------------ processes
    def _first_destination(self, v: int, o: int) -> int:
        veh = self.veh
        if veh.destination[v] >= 0:
            return int(veh.destination[v])
        p = int(veh.persons[v])
        if self.role[v] == "shadow":
            dist = self.router.dist_s[self.exit_dest, o]
            return self.exit_dest[int(np.argmin(dist))] if np.isfinite(dist).any() else -1
        z = int(veh.zone[v])
        if self.plan.shelter_choice == "zone_map" and self.zone_shelter[z] >= 0:
            return int(self.zone_shelter[z])
        d = self.choose_shelter(o, p)
        if d < 0:  # nobody has room: head for the nearest reachable open shelter
            dist = self.router.dist_s[: self.n_shelters, o].copy()
            dist[self.open_s > self.env.now] = np.inf
            if not np.isfinite(dist).any():
                dist = self.router.dist_s[: self.n_shelters, o] + self.open_s
            d = int(np.argmin(dist)) if np.isfinite(dist).any() else -1
        return d

    def _schedule_departures(self, which: np.ndarray) -> None:
        """One timed event per household (rescheduled when its zone's order moves)."""
        go = which[np.isfinite(self.depart_s[which])]
        for v in go[np.argsort(self.depart_s[go], kind="stable")].tolist():
            self.depart_token[v] += 1
            schedule_call(self.env, max(float(self.depart_s[v]) - self.env.now, 0.0),
                          partial(self._depart_event, v, self.depart_token[v]))

    def _depart_event(self, v: int, token: int, _: simpy.Event) -> None:
        if token == self.depart_token[v] and self.status[v] == "never_departed":
            self._depart(v)

    def _depart(self, v: int) -> None:
        env, veh = self.env, self.veh
        zids = self.world.zones.ids
        if True:
            o = int(veh.origin[v])
            d = self._first_destination(v, o)
            self.status[v] = "en_route"
            z = int(veh.zone[v])
            self.log(env.now, "depart", v, zone=zids[z] if z >= 0 else "",
                     shelter=self.dest_id(d), value=float(veh.persons[v]))
            if d < 0:
                self.status[v] = "stranded"
                self.reason[v] = "no open route from the origin"
                self.log(env.now, "stranded", v, detail=self.reason[v])
                return
            if d < self.n_shelters:
                self._reserve(v, d)
            self.tm_id[v] = self.launch(o, d, float(veh.pcu[v]), local=v)

    def dest_id(self, d: int) -> str:
        """Id of router destination ``d`` (shelter, pickup point or exit)."""
        if d < 0:
            return ""
        if d < self.n_shelters:
            return str(self.dest[d].id)
        if d in self.exit_dest:
            return str(self.world.loaded.scenario.exits[self.exit_dest.index(d)].id)
        for lo, hi, ext in self.ext_dest:
            if lo <= d < hi:
                return ext.dest_label(d - lo)
        return str(d)

    def apply_closures(self) -> None:
        """Close and reopen links to match hazard, levers and commands now."""
        apply_closures(self)

    def _monitor(self, until: float) -> Any:
        return monitor_process(self, until)

    # ------------------------------------------------------------------ run
    def run(self) -> RunResult:
        """Simulate to the scenario's end and return the result."""
        self.start()
        self.advance(self.world.duration_s)
        return self.finish()

    def start(self) -> None:
        """Set up every process at time 0 (the clock does not move)."""
        if self.started:
            return
        self.started = True
        self.wall0 = time.perf_counter()
        w = self.world
        until = w.duration_s
        if w.trips is None:
            for z, t in enumerate(self.zone_order.tolist()):
                if np.isfinite(t):
                    self.log(t, "order", zone=w.zones.ids[z])
        apply_levers(self)  # levers from hour 0 and the hazard at the start
        if w.link_flooded is not None or w.closures:
            step = w.loaded.scenario.hazard.step_min * 60.0
            times = sorted({s for s, _, _, _ in w.closures} | {e for _, e, _, _ in w.closures})
            self.env.process(hazard_process(self, step, until))
            for t in times:  # explicit closures take effect exactly on time
                if 0 < t <= until and t % step:
                    self.env.process(closure_at(self, t))
        if self.levers.active:
            self.env.process(levers_process(self, until))
        if self.plan.reroute_interval_min > 0:
            self.env.process(reroute_process(self, self.plan.reroute_interval_min * 60.0,
                                                         until))
        for ext in self.extensions:
            ext.start()
        self.depart_token = [0] * self.status.size
        self._schedule_departures(np.arange(self.status.size))
        self.env.process(self._monitor(until))

    def advance(self, t: float) -> None:
        """Run the simulation up to time ``t`` (capped at the scenario's end)."""
        if not self.started:
            self.start()
        t = min(float(t), self.world.duration_s)
        if t > self.env.now:
            # events at exactly t are processed too
            self.env.run(until=t + 1e-9 if t >= self.world.duration_s else t)

    def order_zones_now(self, zones: list[int]) -> None:
        """Order zones out now (if not yet ordered): their households leave now plus
        their own mobilisation delay (the same draw as at their planned time)."""
        t = self.now
        moved = [z for z in zones if self.zone_order[z] > t]
        if not moved:
            return
        for z in moved:
            self.log(t, "order", zone=self.world.zones.ids[z], detail="brought forward")
        mask = np.isin(self.veh.zone, moved) & (self.role == "evacuee") \
            & (self.status == "never_departed") & np.isfinite(self.depart_s)
        idx = np.flatnonzero(mask)
        delay = self.depart_s[idx] - self.zone_order[self.veh.zone[idx]]
        self.zone_order[moved] = t
        self.depart_s[idx] = t + delay
        self.depart_s_all[idx] = self.depart_s[idx]
        self._schedule_departures(idx)

    def command(self, kind: str, args: dict[str, Any]) -> None:
        """Apply a drill command now (see :mod:`musterpoint.sim.evacuation.commands`)."""
        apply_command(self, kind, args)

    def snapshot(self) -> dict[str, Any]:
        """State now, for a live map (see :func:`musterpoint.sim.evacuation.commands.snapshot`)."""
        return snapshot(self)

    @property
    def now(self) -> float:
        """Current simulated time (s)."""
        return float(self.env.now)

    def finish(self) -> RunResult:
        """Run to the end if needed, close the books and return the result."""
        until = self.world.duration_s
        if self.env.now < until:
            self.advance(until)
        self.traffic.finish(until)
        self._finish_states(until)
        for ext in self.extensions:
            ext.finish(until)
        tables, extra = build_tables(self, until)
        kpis = run_kpis(self, tables, extra)
        meta = self._meta(time.perf_counter() - self.wall0)
        meta["standards"] = self._standards(kpis)
        return RunResult(meta=meta, kpis=kpis, tables=tables)

    def _standards(self, kpis: dict[str, Any]) -> list[dict[str, Any]]:
        return run_standards(self.world, self.plan, self.plan_file, kpis)

    def _meta(self, wall: float) -> dict[str, Any]:
        return run_meta(self, wall)

    def _finish_states(self, until: float) -> None:
        finish_states(self, until)
