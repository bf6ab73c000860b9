"""Relief-supply distribution: depots, stock and trucks on the shared road network.

Trucks are based at depots and drive in the same traffic simulation as the evacuees (with
their PCU), so they meet the same congestion and closures. A trip: wait for a loading bay
at the depot (``bays`` parallel servers), load (``load_min_fixed + load_min_per_tonne *
t``), drive to each stop, unload (``unload_min_fixed + unload_min_per_tonne * t``; the
stock is added to the point when unloading ends), and drive back to the depot. Which
trips are made is the plan's dispatch policy (:mod:`musterpoint.sim.relief.dispatch`).

Demand points consume continuously (:mod:`musterpoint.sim.relief.inventories`): a shelter's
population is its occupancy, updated at the exact time of each admission (read from the
run's ``arrive`` events); communities and C-PODs start needing at ``from_h``. Stock
series, the ledger and the KPIs are in :mod:`musterpoint.sim.relief.results`; the
optimised routing reference in :mod:`musterpoint.sim.relief.reference`.

Ledger, per commodity, in every run: ``initial depot stock = delivered + left in depots
+ on trucks`` (on trucks: loaded and not yet unloaded, including trucks stranded by the
hazard); and at the points ``initial + delivered = consumed + on hand``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.sim.evacuation.extension import RunExtension
from musterpoint.sim.relief.dispatch import (
    Job,
    assign_jobs,
    command_job,
    fixed_route_process,
    periodic_review,
)
from musterpoint.sim.relief.fleet import Fleet, Trip
from musterpoint.sim.relief.inputs import resolve_inputs
from musterpoint.sim.relief.inventories import PointInventories
from musterpoint.sim.relief.tables import RELIEF_TABLE_SCHEMAS
from musterpoint.sim.relief.trips import ReliefCargo

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["ReliefService", "relief_service"]

logger = logging.getLogger(__name__)


class ReliefService(RunExtension):
    """The relief-supply operation of one run (the ``relief`` extension).

    Parameters
    ----------
    run : EvacuationRun
        The run (clock, traffic model, shelters, records).
    """

    name = "relief"
    TABLE_SCHEMAS = RELIEF_TABLE_SCHEMAS
    COMMANDS = ("send_truck",)

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        world = ctx.world.loaded.scenario.relief
        plan = ctx.plan.relief
        assert world is not None and plan is not None
        self.world_cfg = world
        self.plan = plan
        self.inp = resolve_inputs(ctx, world, plan)
        inp = self.inp
        pods = np.array([p.kind == "pod" for p in inp.points], dtype=bool)
        self.state = PointInventories(inp.need, inp.mask, inp.point_stock, pods,
                                      np.array([p.pod_rate for p in inp.points]))
        n, c = inp.mask.shape
        self.committed = np.zeros((n, c))
        self.queues: list[list[Job]] = [[] for _ in inp.depots]
        self.shelter_point = {ctx.shelters.dest[p.shelter].id: i for i, p in enumerate(inp.points)
                              if p.shelter >= 0}
        self.cursor = 0
        self.record_s = world.record_min * 60.0
        self.fleet = Fleet(ctx, inp.trucks, [t.id for t in inp.types],
                           [t.pcu for t in inp.types], inp.depots, self._launch, inp.kg,
                           "relief_")
        self.cargo = ReliefCargo(self)
        self.deliveries: list[tuple[Any, ...]] = []
        self.series: list[tuple[Any, ...]] = []
        self.persons_without_peak = 0.0
        self.reference: dict[str, Any] | None = None
        self.reference_rows: list[tuple[Any, ...]] = []
        self._own_points = [i for i, p in enumerate(inp.points) if p.shelter < 0]
        self.finished = False
        self.cut_off_at_start: list[str] = []

    # ------------------------------------------------------------------ routing
    def destinations(self) -> list[list[int]]:
        """One destination per depot, then one per community or POD."""
        return ([[d.node] for d in self.inp.depots]
                + [self.inp.points[i].nodes for i in self._own_points])

    def dest_label(self, k: int) -> str:
        """Depot ids, then community and POD ids."""
        nd = len(self.inp.depots)
        return self.inp.depots[k].id if k < nd else self.inp.points[self._own_points[k - nd]].id

    def bind(self, first_dest: int) -> None:
        """Router indices of depots and points (shelters are the run's own)."""
        super().bind(first_dest)
        nd = len(self.inp.depots)
        for d, dep in enumerate(self.inp.depots):
            dep.dest = first_dest + d
        for j, i in enumerate(self._own_points):
            self.inp.points[i].dest = first_dest + nd + j
        for p in self.inp.points:
            if p.shelter >= 0:
                p.dest = p.shelter

    def travel_s(self, node: int, dest: int) -> float:
        """Shortest travel time now from ``node`` to router destination ``dest``."""
        return self.ctx.dist_s(dest, node)

    def _launch(self, fleet: Fleet, k: int, origin: int, dest: int, pcu: float) -> int:
        return self.ctx.launch(origin, dest, pcu, self, k)

    # ------------------------------------------------------------------ set-up
    def start(self) -> None:
        """Check reachability, open depots and start the policy processes."""
        self._check_reach()
        env = self.ctx.env
        for dep in self.inp.depots:
            dep.resource = simpy.Resource(env, capacity=dep.bays)
            if dep.open_s > 0:
                env.process(self._at(dep.open_s, self.assign))
        starts = sorted({p.from_s for p in self.inp.points if p.shelter < 0})
        for t in starts:
            group = [i for i, p in enumerate(self.inp.points) if p.shelter < 0
                     and p.from_s == t]
            env.process(self._at(t, lambda g=group: self._activate(g)))
        env.process(self._recorder())
        pol = self.plan.policy
        if pol == "need_driven":
            env.process(self._every(self.plan.need_driven.review_min * 60.0, 0.0, self.assign))
        elif pol == "periodic":
            pp = self.plan.periodic
            env.process(self._every(pp.review_h * 3600.0, pp.first_review_h * 3600.0,
                                    self._review))
        for r in range(len(self.plan.routes)):
            env.process(fixed_route_process(self, r))

    def _check_reach(self) -> None:
        inp = self.inp
        dests = [p.dest for p in inp.points]
        problems = []
        for i, dep in enumerate(inp.depots):
            if not dests or not np.isfinite(self.ctx.router.dist_s[dests, dep.node]).any():
                problems.append(Problem(str(self.ctx.world.loaded.path),
                                        f"relief.depots[{i}] ({dep.id})",
                                        "cannot reach any demand point by road at the start "
                                        "(no open route); move it, or check the network and "
                                        "the hazard"))
        nodes = [d.node for d in inp.depots]
        for p in inp.points:
            if not np.isfinite(self.ctx.router.dist_s[p.dest, nodes]).any():
                self.cut_off_at_start.append(p.id)
                logger.warning("relief: demand point %r cannot be reached from any depot at "
                               "the start", p.id)
        if problems:
            raise InputError(problems)

    def _at(self, t: float, fn: Any) -> Any:
        env = self.ctx.env
        if t > env.now:
            yield env.timeout(t - env.now)
        fn()

    def _every(self, step: float, first: float, fn: Any) -> Any:
        env = self.ctx.env
        t = first
        while t <= self.ctx.world.duration_s:
            if t > env.now:
                yield env.timeout(t - env.now)
            fn()
            t += step

    def _activate(self, group: list[int]) -> None:
        self.sync()
        for i in group:
            self.state.set_population(i, self.inp.points[i].population)
        self.assign()

    def _review(self) -> None:
        self.sync()
        periodic_review(self)
        self.assign()

    # ------------------------------------------------------------------ state
    def sync(self) -> None:
        """Bring point inventories to now, applying shelter admissions at their times."""
        st, ctx = self.state, self.ctx
        ev = ctx.events
        for k in range(self.cursor, len(ev)):
            e = ev[k]
            if e[1] == "arrive":
                i = self.shelter_point.get(e[5])
                if i is not None:
                    st.advance(e[0])
                    st.set_population(i, st.pop[i] + float(e[6]))
        self.cursor = len(ev)
        st.advance(ctx.now)
        for i, p in enumerate(self.inp.points):
            if p.shelter >= 0 and st.pop[i] != ctx.shelters.occupancy[p.shelter]:
                st.set_population(i, float(ctx.shelters.occupancy[p.shelter]))

    def reserve(self, d: int, point: int, units: np.ndarray) -> None:
        """Promise depot stock to a point (queued or on a truck)."""
        dep = self.inp.depots[d]
        dep.reserved += units
        self.committed[point] += units

    def idle_truck(self, d: int, ttype: int) -> int:
        """First idle truck of depot ``d`` (of type ``ttype`` if >= 0), or -1."""
        return self.fleet.idle_truck(d, ttype)

    def has_trucks(self, d: int) -> bool:
        """Whether any truck is based at depot ``d``."""
        return any(tr.depot == d for tr in self.inp.trucks)

    def largest_truck(self, d: int) -> tuple[float, float]:
        """Payload and volume of the largest truck type based at depot ``d``."""
        types = {tr.type for tr in self.inp.trucks if tr.depot == d}
        best = max(types, key=lambda t: self.inp.types[t].capacity_kg)
        return self.inp.types[best].capacity_kg, self.inp.types[best].capacity_m3

    def assign(self) -> None:
        """Hand queued jobs to idle trucks and run the need-driven policy (if any)."""
        if self.finished:
            return
        self.sync()
        assign_jobs(self)

    # ------------------------------------------------------------------ trips
    def start_trip(self, k: int, job: Job) -> None:
        """Truck ``k`` takes ``job`` now (a trip of the fleet)."""
        self.fleet.start(k, Trip(job.depot, job.stops, job.policy, job.created_s, job.route),
                         self.cargo)

    def on_reach(self, tv: int, local: int, node: int, t: float) -> bool:
        """A truck reached its stop or its depot."""
        self.fleet.on_reach(local, node, t)
        return True

    def on_strand(self, tv: int, local: int, t: float, reason: str) -> None:
        """A truck has no open route left: it stays where it is with its cargo."""
        self.fleet.on_strand(local, t, reason)

    # ------------------------------------------------------------------ records
    def _recorder(self) -> Any:
        env = self.ctx.env
        until = self.ctx.world.duration_s
        while True:
            self.sync()
            self._record(env.now)
            if env.now >= until:
                return
            yield env.timeout(min(self.record_s, until - env.now))

    def _record(self, t: float) -> None:
        inp, st = self.inp, self.state
        status = st.status()
        self.persons_without_peak = max(self.persons_without_peak,
                                        float(st.pop[status == "out"].sum()))
        for dep in inp.depots:
            for c, cid in enumerate(inp.commodities):
                self.series.append((t, dep.id, "depot", cid, float(dep.stock[c]),
                                    float(dep.available[c]), np.nan, ""))
        for i, p in enumerate(inp.points):
            for c, cid in enumerate(inp.commodities):
                if inp.mask[i, c]:
                    self.series.append((t, p.id, p.kind, cid, float(st.inv[i, c]), np.nan,
                                        float(st.pop[i]), str(status[i])))

    # ------------------------------------------------------------------ drill
    def command(self, kind: str, args: dict[str, Any]) -> bool:
        """``send_truck``: ``depot``, ``point``, ``load`` ({commodity: units})."""
        if kind != "send_truck":
            return False
        job = command_job(self, args)
        self.queues[job.depot].append(job)
        self.assign()
        return True

    def snapshot(self) -> dict[str, Any]:
        """Depot stock, point stock and status, and trucks by state, now.

        Point stock is projected from the last update at the current populations; the
        snapshot changes no state, so watching a run never changes its results.
        """
        inp, st = self.inp, self.state
        dt = max(self.ctx.now - st.t, 0.0)
        inv = np.maximum(st.inv - st.daily_need() * dt / 86_400.0, 0.0)
        out = ((inv <= 0) & inp.mask).any(axis=1)
        states: dict[str, int] = {}
        for tr in inp.trucks:
            states[tr.state] = states.get(tr.state, 0) + 1
        return {
            "depots": {d.id: dict(zip(inp.commodities, d.stock.tolist(), strict=True))
                       for d in inp.depots},
            "points": {p.id: {"population": float(st.pop[i]),
                              "out": bool(out[i] and st.pop[i] > 0),
                              "stock": dict(zip(inp.commodities, inv[i].round(1).tolist(),
                                                strict=True))}
                       for i, p in enumerate(inp.points)},
            "trucks": states,
        }

    # ------------------------------------------------------------------ end
    def finish(self, until: float) -> None:
        """Close the books and solve the routing reference."""
        if self.finished:
            return
        self.sync()
        self.state.close(until)
        self.fleet.close(until)
        self.finished = True
        if self.plan.reference.enabled:
            from musterpoint.sim.relief.reference import daily_reference

            self.reference, self.reference_rows = daily_reference(self, until)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The ``relief_*`` tables (see :mod:`musterpoint.sim.relief.results`)."""
        from musterpoint.sim.relief.results import relief_tables

        return relief_tables(self)

    def kpis(self) -> dict[str, Any]:
        """The ``relief`` KPI family."""
        from musterpoint.sim.relief.results import relief_kpis

        return relief_kpis(self)

    def ledger(self) -> dict[str, Any]:
        """Supply ledger per commodity (depots and points); ``balanced`` if both hold."""
        from musterpoint.sim.relief.results import relief_ledger

        return relief_ledger(self)


def relief_service(ctx: RunContext) -> ReliefService | None:
    """The relief extension of a run, if its plan has ``relief:`` (the scenario must too)."""
    if ctx.plan.relief is None:
        return None
    if ctx.world.loaded.scenario.relief is None:
        raise InputError.single(ctx.plan_file, "relief", "the plan has a relief section but "
                                f"the scenario {ctx.world.loaded.path} has none; add relief: "
                                "(depots, points) to the scenario or remove it from the plan")
    return ReliefService(ctx)

