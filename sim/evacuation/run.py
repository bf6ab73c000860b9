"""One evacuation run: a World, a Plan and a seed in, a RunResult out.

:class:`EvacuationRun` owns all state of one run (no globals), kept by the parts that own it: the
roads (:class:`~musterpoint.sim.evacuation.roads.RoadState`: closures, levers, routing, traffic),
the shelters (:class:`~musterpoint.sim.evacuation.shelters.ShelterBook`), the agents
(:class:`~musterpoint.sim.evacuation.agents.AgentBook`) and the records
(:class:`~musterpoint.sim.evacuation.records.RunRecorder`). Services that share the roads see a
:class:`~musterpoint.sim.evacuation.context.RunContext`, never the run.
Processes:

* departures: each car household leaves ``order time + mobilisation delay`` after its
  zone's order, bound for a shelter chosen by the plan (nearest open shelter with room;
  the zone's assigned shelter; or nearest with unreserved room, capacity-balanced); trips
  leave at their times, and a trip with a fixed route drives it (``sim.traffic.fixed_routes``);
* buses for the carless (:mod:`musterpoint.sim.evacuation.buses`); shadow and background to exits;
* hazard and levers: at every hazard step, links in the hazard are closed to entry, and
  contraflow and control points change capacities at their times; routing trees are
  rebuilt on every change, so vehicles reroute at their next node;
* monitor: every 5 minutes, link states, zone progress and shelter occupancy.

Rules: a vehicle reaching a full shelter is redirected to the nearest open shelter with room, or
stranded (``every shelter full``). Vehicles on a link when it closes may drive out of it ("leave
if they can"); a vehicle with no open route left is stranded where it is, with the reason. At the
end every person is in exactly one state, and the ledger is checked.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import simpy

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.schema import Plan
from musterpoint.sim import __version__
from musterpoint.sim.des import frozen_heap, run_until
from musterpoint.sim.evacuation import live
from musterpoint.sim.evacuation.agents import AgentBook, prepare_agents
from musterpoint.sim.evacuation.commands import apply_command, command_specs, snapshot
from musterpoint.sim.evacuation.context import RunContext
from musterpoint.sim.evacuation.departures import DepartureFeeder
from musterpoint.sim.evacuation.extension import ExtensionFactory, RunExtension
from musterpoint.sim.evacuation.kpis import run_kpis
from musterpoint.sim.evacuation.plan_checks import check_plan
from musterpoint.sim.evacuation.records import RunRecorder
from musterpoint.sim.evacuation.roads import RoadState
from musterpoint.sim.evacuation.shelters import ShelterBook
from musterpoint.sim.evacuation.tables import build_tables
from musterpoint.sim.evacuation.waiting import WaitingRoom
from musterpoint.sim.evacuation.walking import WalkPlan
from musterpoint.sim.kpis.standards import run_standards
from musterpoint.sim.network.routing import Router
from musterpoint.sim.result import RunResult
from musterpoint.sim.rng import RandomStreams
from musterpoint.sim.traffic.fixed_routes import traffic_model_for
from musterpoint.sim.traffic.levers import NetworkLevers, plan_file
from musterpoint.sim.traffic.node_model import NODE_STREAM
from musterpoint.sim.world import World

__all__ = ["EvacuationRun"]

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

    @frozen_heap(collect=False, sweep=True)
    def __init__(self, world: World, plan: Plan, seed: int, *,
                 record_link_events: bool = False, progress: ProgressFn | None = None,
                 extensions: Sequence[ExtensionFactory] = ()) -> None:
        self.world, self.plan, self.seed = world, plan, int(seed)
        self.progress, self.record_link_events = progress, record_link_events
        self.streams = RandomStreams(seed)
        self.env = simpy.Environment()
        self.departures = DepartureFeeder(self.env, self._depart_event)
        net = world.network
        sc = world.loaded.scenario
        self.plan_file = plan_file(world.loaded.plan_paths, plan)
        levers = NetworkLevers(net, plan, self.plan_file)
        check_plan(world, plan, self.plan_file)
        self.recorder = RunRecorder()
        # destinations: shelters (and trip ends), then exits, then the extensions' own
        self.shelters = ShelterBook(world.destinations, plan, world.zones.ids)
        dest_nodes: list[list[int]] = [list(d.nodes) for d in self.shelters.dest]
        self.exit_dest: list[int] = []
        for i, ex in enumerate(sc.exits):
            self.exit_dest.append(len(dest_nodes))
            dest_nodes.append([self.snap(ex.lon, ex.lat, str(world.loaded.path),
                                         f"exits[{i}] ({ex.id})")])
        self.ctx = RunContext(env=self.env, world=world, plan=plan, plan_file=self.plan_file,
                              streams=self.streams, shelters=self.shelters,
                              recorder=self.recorder, snap=self.snap, admit=self.admit,
                              choose_shelter=self.choose_shelter)
        self.extensions: list[RunExtension] = []
        self.ctx.attach_commands(self.command, self.order_zones_now,
                                 lambda: list(self.command_specs()), self.extensions)
        self.ext_dest: list[tuple[int, int, RunExtension]] = []
        for factory in extensions:
            ext = factory(self.ctx)
            if ext is None:
                continue
            own = ext.destinations()
            ext.bind(len(dest_nodes))
            self.ext_dest.append((len(dest_nodes), len(dest_nodes) + len(own), ext))
            dest_nodes.extend(own)
            self.extensions.append(ext)
        router = Router(net.n_nodes, net.link_from, net.link_to, net.freeflow_s, dest_nodes,
                        memo=world.trees)
        self.roads = RoadState(self.env, world, plan, levers, self.recorder)
        traffic = traffic_model_for(net.link_from, world.routes is not None)(
            self.env, net.link_to, net.freeflow_s, net.capacity_vph, self.roads.storage,
            net.n_nodes, router, self._on_reach, self._on_strand,
            stuck_time_s=plan.stuck_time_s, exposure_intervals=world.link_flooded,
            record_links=record_link_events, rng=self.streams.stream(NODE_STREAM))
        self.roads.attach(router, traffic)
        self.agents = AgentBook(prepare_agents(world, plan, self.streams, self.exit_dest))
        self.waiting = WaitingRoom(self.env, plan.retry, self.agents, self.recorder,
                                   lambda: self.roads.router, self._can_go, self._set_off)
        self.ctx.attach(self.roads, self.agents)
        self.walks = (None if plan.walking is None or world.trips is not None else
                      WalkPlan(plan.walking, self.env, self.agents, self.recorder, self.admit,
                               world.zones.ids))
        self.started = False

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

    @property
    def extension_names(self) -> list[str]:
        """Names (KPI families) of the run's services, in attachment order."""
        return [e.name for e in self.extensions]

    def extension(self, name: str) -> RunExtension | None:
        """The extension called ``name`` in this run, if any."""
        return next((e for e in self.extensions if e.name == name), None)

    @property
    def first_order_s(self) -> float:
        """Time of the first zone order (s)."""
        return self.agents.first_order_s

    # ------------------------------------------------------------------ shelters
    def log(self, t: float, kind: str, v: int = -1, link: str = "", zone: str = "",
            shelter: str = "", value: float = math.nan, detail: str = "") -> None:
        """Append one event to the run's event log."""
        self.recorder.log(t, kind, v, link, zone, shelter, value, detail)

    def choose_shelter(self, node: int, persons: int, exclude: int = -1,
                       reserve: bool = True) -> int:
        """Nearest open shelter with room for ``persons`` from ``node``, or -1."""
        dist = self.roads.router.dist_s[: self.shelters.n, node]
        return self.shelters.choose(dist, persons, self.env.now, exclude, reserve)

    def admit(self, v: int, d: int, t: float) -> bool:
        """Admit household ``v`` at shelter ``d`` if it has room; record the arrival."""
        p = int(self.agents.veh.persons[v])
        sh = self.shelters
        if not sh.fits(d, p):
            return False
        full = sh.take(d, p)
        self.agents.arrive(v, d, t)
        self.log(t, "arrive", v, shelter=sh.dest[d].id, value=p)
        if full:
            self.log(t, "shelter_full", shelter=sh.dest[d].id)
        return True

    def _on_reach(self, tv: int, node: int, t: float) -> bool:
        roads, ag, sh = self.roads, self.agents, self.shelters
        v = roads.local[tv]
        owner = roads.owner[tv]
        if owner is not None:
            return bool(owner.on_reach(tv, v, node, t))
        d = roads.traffic.dest[tv]
        if sh.is_unbounded(d):
            ag.status[v] = "arrived"
            ag.arrive_s[v] = t
            ag.final_dest[v] = d
            return True
        persons = int(ag.veh.persons[v])
        sh.release(v, persons)
        if sh.open_s[d] > t:
            ag.status[v] = "en_route"
            ag.reason[v] = "waiting for the shelter to open"
            self.env.process(self._admit_at_opening(v, d))
            return True
        if self.admit(v, d, t):
            return True
        nxt = self.choose_shelter(node, persons, exclude=d)
        if nxt < 0:
            ag.strand(v, "every shelter full")
            self.log(t, "stranded", v, shelter=sh.dest[d].id, detail="every shelter full")
            return True
        sh.reserve(v, persons, nxt)
        self.log(t, "redirect", v, shelter=sh.dest[nxt].id, detail=f"{sh.dest[d].id} full")
        roads.traffic.set_destination(tv, nxt)
        return False

    def _admit_at_opening(self, v: int, d: int) -> Any:
        yield self.env.timeout(self.shelters.open_s[d] - self.env.now)
        if not self.admit(v, d, self.env.now):
            self.agents.strand(v, "shelter full at opening")
            self.log(self.env.now, "stranded", v, shelter=self.shelters.dest[d].id,
                     detail=self.agents.reason[v])

    def _on_strand(self, tv: int, t: float, reason: str) -> None:
        v = self.roads.local[tv]
        owner = self.roads.owner[tv]
        if owner is not None:
            owner.on_strand(tv, v, t, reason)
            return
        ag, tm = self.agents, self.roads.traffic
        self.shelters.release(v, int(ag.veh.persons[v]))
        if self.waiting.enabled and reason.startswith("no open route"):
            ag.retire_vehicle(v, tm)
            self.waiting.wait(v, int(tm.node[tv]), reason)
            return
        if np.isfinite(tm.first_enter_t[tv]):
            ag.at_home[v] = False
        ag.strand(v, reason)
        self.log(t, "stranded", v, detail=reason)

    # ------------------------------------------------------------------ departures
    def _first_destination(self, v: int, o: int) -> int:
        veh, sh = self.agents.veh, self.shelters
        if veh.destination[v] >= 0:
            return int(veh.destination[v])
        p = int(veh.persons[v])
        dist_s = self.roads.router.dist_s
        if self.agents.role[v] == "shadow":
            dist = dist_s[self.exit_dest, o]
            return self.exit_dest[int(np.argmin(dist))] if np.isfinite(dist).any() else -1
        z = int(veh.zone[v])
        if self.plan.shelter_choice == "zone_map" and sh.zone_shelter[z] >= 0:
            return int(sh.zone_shelter[z])
        d = self.choose_shelter(o, p)
        if d < 0:  # nobody has room: head for the nearest reachable open shelter
            d = sh.nearest_open(dist_s[: sh.n, o], self.env.now)
        return d

    def _schedule_departures(self, which: np.ndarray) -> None:
        """One timed event per household (rescheduled when its zone's order moves)."""
        ag = self.agents
        go = which[np.isfinite(ag.depart_s[which])]
        order = go[np.argsort(ag.depart_s[go], kind="stable")]
        # a batch at a time on the clock, in the order of one event per household now
        self.departures.schedule(order, ag.depart_s[order], ag.depart_token)

    def _depart_event(self, v: int, token: int, _: simpy.Event) -> None:
        ag = self.agents
        if (token == ag.depart_token[v] and ag.status[v] == "never_departed"
                and not self.waiting.is_waiting(v)):
            self._set_off(v, int(ag.veh.origin[v]), first=True)

    def _can_go(self, v: int, node: int) -> bool:
        """Whether agent ``v`` has an open route from ``node`` now (its fixed destination,
        an exit for shadow evacuees, else any shelter)."""
        dist = self.roads.router.dist_s
        fixed = int(self.agents.veh.destination[v])
        if fixed >= 0:
            return bool(np.isfinite(dist[fixed, node]))
        rows = self.exit_dest if self.agents.role[v] == "shadow" else slice(0, self.shelters.n)
        return bool(np.isfinite(dist[rows, node]).any())

    def _set_off(self, v: int, o: int, first: bool = False) -> None:
        """Agent ``v`` leaves node ``o`` now (from home, or again after waiting)."""
        env, ag = self.env, self.agents
        veh = ag.veh
        d = self._first_destination(v, o)
        ag.status[v] = "en_route"
        if first:
            z = int(veh.zone[v])
            self.log(env.now, "depart", v, zone=self.world.zones.ids[z] if z >= 0 else "",
                     shelter=self.dest_id(d), value=float(veh.persons[v]))
        if d < 0:
            if self.waiting.enabled:
                self.waiting.wait(v, o, "no open route from the origin")
                return
            ag.strand(v, "no open route from the origin")
            self.log(env.now, "stranded", v, detail=ag.reason[v])
            return
        if d < self.shelters.n:
            self.shelters.reserve(v, int(veh.persons[v]), d)
        ag.vehicle[v] = self.roads.launch(o, d, float(veh.pcu[v]), local=v, routed=first)

    def dest_id(self, d: int) -> str:
        """Id of router destination ``d`` (shelter, pickup point or exit)."""
        if d < 0:
            return ""
        if d < self.shelters.n:
            return str(self.shelters.dest[d].id)
        if d in self.exit_dest:
            return str(self.world.loaded.scenario.exits[self.exit_dest.index(d)].id)
        for lo, hi, ext in self.ext_dest:
            if lo <= d < hi:
                return ext.dest_label(d - lo)
        return str(d)

    # ------------------------------------------------------------------ run
    def run(self) -> RunResult:
        """Simulate to the scenario's end and return the result."""
        self.start()
        self.advance(self.world.duration_s)
        return self.finish()

    @frozen_heap(collect=False)
    def start(self) -> None:
        """Set up every process at time 0 (the clock does not move)."""
        if self.started:
            return
        self.started = True
        self.wall0 = time.perf_counter()
        w, env, roads, ag = self.world, self.env, self.roads, self.agents
        until = w.duration_s
        if w.trips is None:
            for z, t in enumerate(ag.zone_order.tolist()):
                if np.isfinite(t):
                    self.log(t, "order", zone=w.zones.ids[z])
        roads.apply_levers()  # levers from hour 0 and the hazard at the start
        if w.link_flooded is not None or w.closures:
            step = w.loaded.scenario.hazard.step_min * 60.0
            times = sorted({s for s, _, _, _ in w.closures} | {e for _, e, _, _ in w.closures})
            env.process(roads.hazard_process(step, until))
            for t in times:  # explicit closures take effect exactly on time
                if 0 < t <= until and t % step:
                    env.process(roads.closure_at(t))
        if roads.levers.active:
            env.process(roads.levers_process(until))
        if self.plan.reroute_interval_min > 0:
            env.process(roads.reroute_process(self.plan.reroute_interval_min * 60.0, until))
        if w.trips is None:
            homes = np.flatnonzero((ag.role == "evacuee")
                                   & ((ag.veh.place >= 0) | (ag.facility_index >= 0)))
            self.waiting.watch_orders(ag.zone_order, homes, self.shelters.n)
        if self.walks is not None:
            self.walks.start(w.network, self.shelters.dest, roads.closed, self.dest_id)
        for ext in self.extensions:
            ext.start()
        self._schedule_departures(np.arange(ag.size))
        env.process(self.recorder.monitor(env, ag, self.shelters, roads,
                                          len(w.zones.ids), until, self.progress))

    def advance(self, t: float) -> None:
        """Run the simulation up to time ``t`` (capped at the scenario's end)."""
        if not self.started:
            self.start()
        t = min(float(t), self.world.duration_s)
        if t > self.env.now:
            # events at exactly t are processed too
            run_until(self.env, t + 1e-9 if t >= self.world.duration_s else t)

    def order_zones_now(self, zones: list[int], detail: str = "brought forward") -> None:
        """Order zones out now (if not yet ordered): their households leave now plus
        their own mobilisation delay (the same draw as at their planned time)."""
        t = self.now
        ag = self.agents
        moved = [z for z in zones if ag.zone_order[z] > t]
        if not moved:
            return
        for z in moved:
            self.log(t, "order", zone=self.world.zones.ids[z], detail=detail)
        homes = np.isin(ag.veh.zone, moved) & (ag.role == "evacuee") & (
            (ag.veh.place >= 0) | (ag.facility_index >= 0))
        self.waiting.mark_cut_off(np.flatnonzero(homes), self.shelters.n)
        mask = np.isin(ag.veh.zone, moved) & (ag.role == "evacuee") \
            & (ag.status == "never_departed") & ~np.isnan(ag.depart_s)
        idx = np.flatnonzero(mask)
        zo = ag.zone_order[ag.veh.zone[idx]]
        if ag.delay_s is not None and np.isinf(zo).any():  # never ordered before
            fin = np.isfinite(zo)
            delay = ag.delay_s[idx].copy()
            delay[fin] = ag.depart_s[idx][fin] - zo[fin]
        else:
            delay = ag.depart_s[idx] - zo
        old_order = ag.zone_order.copy()
        ag.zone_order[moved] = t
        ag.depart_s[idx] = t + delay
        ag.depart_s_all[idx] = ag.depart_s[idx]
        self._schedule_departures(idx)
        hooks: list[RunExtension | WalkPlan] = [*self.extensions]
        for ext in hooks + ([self.walks] if self.walks is not None else []):
            ext.on_order(moved, old_order)

    # ------------------------------------------------------------------ drill
    def command(self, kind: str, args: dict[str, Any]) -> None:
        """Apply a drill command now (see :mod:`musterpoint.sim.evacuation.commands`)."""
        apply_command(self, kind, args)

    def command_specs(self) -> dict[str, dict[str, Any]]:
        """Every command this run accepts: the engine's and its extensions'."""
        return command_specs(self)

    def snapshot(self) -> dict[str, Any]:
        """State now, for a live map (see :func:`musterpoint.sim.evacuation.commands.snapshot`)."""
        return snapshot(self)

    def live_kpis(self) -> dict[str, Any]:
        """Headline figures now, mid-run (see :func:`musterpoint.sim.evacuation.live.live_kpis`)."""
        return live.live_kpis(self)

    def vehicles_on_map(self) -> dict[str, Any]:
        """Positions of the vehicles on the road now."""
        return live.vehicles_on_map(self)

    def agent_state(self) -> dict[str, Any]:
        """Every agent's state now and a digest of the whole state (for exact resumes)."""
        return live.agent_state(self)

    def service_places(self) -> list[dict[str, Any]]:
        """Where the run's services drive to (depots, sites, pickup points)."""
        return live.service_places(self)

    @property
    def manual_closed(self) -> np.ndarray:
        """Links closed by commands now."""
        return self.roads.manual_closed

    @property
    def now(self) -> float:
        """Current simulated time (s)."""
        return float(self.env.now)

    @frozen_heap()  # it runs the simulation to the end first if asked before
    def finish(self) -> RunResult:
        """Run to the end if needed, close the books and return the result."""
        until = self.world.duration_s
        if self.env.now < until:
            self.advance(until)
        self.roads.traffic.finish(until)
        self.waiting.close()
        buses = self.extension("transit")
        boarded: dict[int, float] = getattr(buses, "boarded_s", {})
        self.agents.close_books(self.roads.traffic, self.world, boarded, until,
                                self.roads.place_flooded)
        for ext in self.extensions:
            ext.finish(until)
        tables, extra = build_tables(self, until)
        kpis = run_kpis(self, tables, extra)
        meta = self._meta(time.perf_counter() - self.wall0)
        meta["standards"] = run_standards(self.world, self.plan, self.plan_file, kpis)
        return RunResult(meta=meta, kpis=kpis, tables=tables)

    def _meta(self, wall: float) -> dict[str, Any]:
        """The run.json metadata of the run."""
        sc = self.world.loaded.scenario
        r = self.world.network.report
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
