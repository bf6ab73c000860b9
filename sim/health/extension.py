"""Public-health emergencies inside a run: epidemic, dispensing sites, lockdown supply,
hospital surge (the ``health`` extension).

The residential compounds (小区) of the scenario's ``health:`` section are the zones of
the epidemic (:mod:`musterpoint.sim.health.seir`): every ``step_h`` the compartments of
each compound move one ODE step (RK4) or one chain-binomial step, with the contact rate
cut by the plan's lockdowns and the doses the sites gave in the last step moving people
from S to V. Severe cases go to :mod:`musterpoint.sim.health.hospital` (ambulances on the
shared roads, beds); the campaign's residents queue at the sites of
:mod:`musterpoint.sim.health.pod`; households' orders reach the compounds' gates through
:mod:`musterpoint.sim.health.supply`. A tested infectious person isolates (I -> R).

Ledger: every person is in exactly one compartment (S, E, I, R, V) and one place (home,
travelling, at a site, in an ambulance, in hospital). Both are checked at every epidemic
step against the compound's population, and the places against the modules' own counts
(people inside the sites' queues, patients in beds and ambulances, visitors on the way);
every order is in exactly one state. The engine raises if the ledger does not balance.

The pieces: places on the road network in :mod:`musterpoint.sim.health.places`, the
compounds' compartments and places in :mod:`musterpoint.sim.health.epidemic`, the ledger
checks, tables and KPIs in :mod:`musterpoint.sim.health.results`. This module wires them
to the run and registers the extension's factory.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.health_schema import (
    HealthPlan,
    HealthWorld,
    Lockdown,
    check_health_plan,
    health_warnings,
)
from musterpoint.sim.evacuation.extension import RunExtension
from musterpoint.sim.health.epidemic import CompoundEpidemic
from musterpoint.sim.health.hospital import HospitalSystem
from musterpoint.sim.health.place_rows import PLACES
from musterpoint.sim.health.places import HealthNodes, site_travel_s, walk_m
from musterpoint.sim.health.pod import CampaignSim
from musterpoint.sim.health.results import (
    health_kpis,
    health_ledger,
    health_snapshot,
    health_tables,
    ledger_problems,
)
from musterpoint.sim.health.seir import CUM_INF, I
from musterpoint.sim.health.supply import SupplySystem
from musterpoint.sim.health.tables import HEALTH_TABLE_SCHEMAS
from musterpoint.sim.relief.fleet import Site

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["PLACES", "HealthExtension", "health_extension"]

logger = logging.getLogger(__name__)


class HealthExtension(RunExtension):
    """The public-health side of one run.

    Parameters
    ----------
    run : EvacuationRun
        The run; its scenario has a ``health:`` section.

    Attributes
    ----------
    nodes : HealthNodes
        Road nodes of the health places and this extension's destinations.
    epi : CompoundEpidemic
        Compartments and places of the residents of every compound.
    campaign, supply, hospital : CampaignSim, SupplySystem, HospitalSystem or None
        The modules the plan has (built at :meth:`start`).
    """

    name = "health"
    TABLE_SCHEMAS = HEALTH_TABLE_SCHEMAS
    COMMANDS: ClassVar[tuple[str, ...]] = ("health_lockdown", "health_staff", "health_beds")

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        sc = ctx.world.loaded.scenario
        assert sc.health is not None
        self.hw: HealthWorld = sc.health
        self.hp: HealthPlan = ctx.plan.health or HealthPlan()
        self.file = str(ctx.world.loaded.path)
        pf = ctx.plan_file
        problems = [Problem(pf, f, r) for f, r in check_health_plan(self.hw, self.hp)]
        if problems:
            raise InputError(problems)
        self._warn(health_warnings(self.hw, self.hp))
        pop = np.array([c.population for c in self.hw.compounds], dtype=np.int64)
        zones_pop = int(ctx.world.zones.population.sum())
        if abs(zones_pop - int(pop.sum())) > 0.01 * max(zones_pop, 1):
            self._warn([f"{self.file}: health.compounds hold {int(pop.sum()):,} residents "
                        f"but the population layer {zones_pop:,}; the epidemic uses the "
                        "compounds"])
        self.nodes = HealthNodes(ctx, self.hw, self.hp)
        start = sc.start
        self.tod0_s = float(start.hour * 3600 + start.minute * 60 + start.second)
        self.horizon_s = ctx.world.duration_s
        self.lockdowns: list[Lockdown] = list(self.hp.lockdowns)
        self.epi = CompoundEpidemic(self.hw.epidemic, pop, [c.id for c in self.hw.compounds],
                                    self.lockdowns, ctx.streams)
        self.vehicles: list[tuple[Any, int]] = []
        self.campaign: CampaignSim | None = None
        self.supply: SupplySystem | None = None
        self.hospital: HospitalSystem | None = None
        self.checks = 0
        self.failures: list[str] = []
        self.ts_rows: list[tuple[Any, ...]] = []

    @property
    def places(self) -> np.ndarray:
        """Residents by place (rows :data:`PLACES`) and compound."""
        return self.epi.places

    # ------------------------------------------------------------------ set-up
    def _warn(self, messages: list[str]) -> None:
        for msg in messages:
            if msg not in self.ctx.world.warnings:
                logger.warning(msg)
                self.ctx.world.warnings.append(msg)

    def destinations(self) -> list[list[int]]:
        """Gates, sites, hospitals, the depot and pick-up points."""
        return self.nodes.dest_nodes

    def dest_label(self, k: int) -> str:
        """Ids of this extension's destinations."""
        return self.nodes.labels[k]

    def _abs(self, local_dest: int) -> int:
        return self.first_dest + local_dest

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        """Build the modules (router destinations are known now) and start processes."""
        ctx, nodes, epi = self.ctx, self.nodes, self.epi
        env, streams = ctx.env, ctx.streams
        cp = self.hp.campaign
        if cp is not None:
            travel = site_travel_s(ctx, self.hw, self.hp, nodes, self.first_dest)
            if cp.kind == "vaccination":
                base = epi.pop - epi.y0_v.astype(np.int64)
            else:
                base = epi.pop
            target = np.floor(cp.target_share * base + 1e-9).astype(np.int64)
            self.campaign = CampaignSim(cp, env, streams, nodes.site_locs, travel, target,
                                        self.tod0_s, self.horizon_s, self,
                                        [c.id for c in self.hw.compounds])
            self.campaign.start()
        sp = self.hp.supply
        if sp is not None:
            gate_index, k = [], 0
            for gates in nodes.gate_nodes:
                gate_index.append(list(range(k, k + len(gates))))
                k += len(gates)
            flat_nodes = [n for gates in nodes.gate_nodes for n in gates]
            hub_walk = None
            if sp.mode == "pickup":
                walk = walk_m(ctx.world.network, nodes.pickup_nodes)[:, flat_nodes]
                speed = np.array([p.cart_speed_mps for p in sp.pickup_points])[:, None]
                hub_walk = np.where(np.isfinite(walk), walk, 3000.0) / speed
                stops = [Site(p.id, n, self._abs(d)) for p, n, d in
                         zip(sp.pickup_points, nodes.pickup_nodes, nodes.pickup_dest,
                             strict=True)]
            else:
                stops = [Site(nodes.labels[d], n, self._abs(d)) for n, d in
                         zip(flat_nodes, (d for ds in nodes.gate_dest for d in ds),
                             strict=True)]
            depot = Site(sp.depot, nodes.depot_node, self._abs(nodes.depot_dest))
            self.supply = SupplySystem(sp, list(self.hw.compounds), stops, depot, gate_index,
                                       hub_walk, ctx, self, self.tod0_s, self.horizon_s)
            self.supply.start()
        self.hospital = HospitalSystem(
            list(self.hw.hospitals), nodes.hosp_nodes, [self._abs(d) for d in nodes.hosp_dest],
            [g[0] for g in nodes.gate_nodes], [self._abs(d[0]) for d in nodes.gate_dest],
            self.hw.epidemic, self.hp.ambulances, env, streams, self, self.horizon_s)
        self.hospital.start()
        for lk in self.lockdowns:
            env.process(self._announce(lk))
        self._record()
        env.process(self._epidemic())

    def _announce(self, lk: Lockdown) -> Any:
        env = self.ctx.env
        if lk.from_h * 3600.0 > self.horizon_s:
            return
        yield env.timeout(lk.from_h * 3600.0)
        self.ctx.log(env.now, "lockdown", value=lk.contact_cut,
                     detail=", ".join(lk.compounds or ["all compounds"]))

    # ------------------------------------------------------------------ road (Road protocol)
    def drive(self, handler: Any, local: int, origin: int, dest: int,
              pcu: float | None = None) -> int:
        """Put a health vehicle on the road (``dest`` is a router destination; ``pcu``:
        the vehicle's road space, by default an ambulance's); returns the traffic-model
        vehicle number."""
        k = len(self.vehicles)
        self.vehicles.append((handler, local))
        if pcu is None:
            pcu = self.hp.ambulances.pcu if self.hp.ambulances else 1.0
        return self.ctx.launch(origin, dest, pcu, self, k)

    def dist_s(self, dest: int, node: int) -> float:
        """Free-flow driving time (s) from ``node`` to router destination ``dest``."""
        return self.ctx.dist_s(dest, node)

    def log(self, t: float, kind: str, detail: str = "", value: float = float("nan")) -> None:
        """Record an event in the run's event log."""
        self.ctx.log(t, kind, value=value, detail=detail)

    def on_reach(self, tv: int, local: int, node: int, t: float) -> bool:
        """A health vehicle reached its destination."""
        handler, k = self.vehicles[local]
        handler.on_reach(k, node, t)
        return True

    def on_strand(self, tv: int, local: int, t: float, reason: str) -> None:
        """A health vehicle has no route left."""
        handler, k = self.vehicles[local]
        handler.on_strand(k, t, reason)

    # ------------------------------------------------------------------ PodHooks
    def move(self, c: int, frm: str, to: str) -> None:
        """A resident of compound ``c`` changes place."""
        self.epi.move(c, frm, to)

    def served(self, c: int, kind: str) -> bool:
        """Outcome of a test or a dose for a resident of compound ``c``."""
        return self.epi.served(c, kind)

    # ------------------------------------------------------------------ epidemic
    def cut_at(self, t: float) -> np.ndarray:
        """Contact cut of each compound at time ``t`` (the largest active lockdown)."""
        return self.epi.cut_at(t)

    def _epidemic(self) -> Any:
        env = self.ctx.env
        step = self.hw.epidemic.step_h * 3600.0
        while env.now < self.horizon_s - 1e-9:
            t0 = float(env.now)
            dt = min(step, self.horizon_s - t0)
            yield env.timeout(dt)
            self._step(t0, dt)
            self._record()
            self._check()

    def _step(self, t0: float, dt_s: float) -> None:
        new = self.epi.step(t0, dt_s)
        assert self.hospital is not None
        for c in np.flatnonzero(new).tolist():
            for _ in range(int(new[c])):
                self.hospital.new_case(c)
        self.epi.track_peak(float(self.ctx.env.now))

    # ------------------------------------------------------------------ ledger
    def _check(self) -> None:
        self.checks += 1
        t = self.ctx.env.now
        bad = ledger_problems(self)
        if bad and len(self.failures) < 20:
            self.failures.extend(f"t={t:.0f} s: {b}" for b in bad)

    def _record(self) -> None:
        self.ts_rows.extend(self.epi.rows(float(self.ctx.env.now)))

    # ------------------------------------------------------------------ outputs
    def finish(self, until: float) -> None:
        """Close the supply trucks' books; a last ledger check at the end."""
        if self.supply is not None:
            self.supply.fleet.close(until)
        self._check()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The health tables (see :mod:`musterpoint.sim.health.results`)."""
        return health_tables(self)

    def kpis(self) -> dict[str, Any]:
        """The ``health`` KPI family."""
        return health_kpis(self)

    def ledger(self) -> dict[str, Any]:
        """Persons by compartment and by place, orders by state; ``balanced`` flag."""
        return health_ledger(self)

    def snapshot(self) -> dict[str, Any]:
        """Compartments, queues, beds and pending orders now."""
        return health_snapshot(self)

    def measure(self, quantity: str, where: str | None) -> float | None:
        """``cases`` (infections so far) or ``infectious`` (persons now), in compound
        ``where`` or in all of them; None for other quantities."""
        row = {"cases": CUM_INF, "infectious": I}.get(quantity)
        if row is None:
            return None
        y = self.epi.y[row]
        if where is None:
            return float(y.sum())
        ids = [c.id for c in self.hw.compounds]
        return float(y[ids.index(where)]) if where in ids else None

    def command(self, kind: str, args: dict[str, Any]) -> bool:
        """Drill commands: ``health_lockdown`` {contact_cut, compounds?, until_h?},
        ``health_staff`` {site, station, staff}, ``health_beds`` {hospital, ward, icu}."""
        now_h = float(self.ctx.env.now) / 3600.0
        if kind == "health_lockdown":
            lk = Lockdown(from_h=now_h, until_h=args.get("until_h"),
                          contact_cut=float(args["contact_cut"]),
                          compounds=args.get("compounds"))
            known = {c.id for c in self.hw.compounds}
            if lk.compounds and not set(lk.compounds) <= known:
                raise InputError.single("command", "compounds", "unknown compound")
            self.lockdowns.append(lk)
            self.ctx.log(self.ctx.env.now, "lockdown", value=lk.contact_cut, detail="drill")
            return True
        if kind == "health_staff" and self.campaign is not None:
            if not self.campaign.set_staff(str(args["site"]), str(args["station"]),
                                           int(args["staff"])):
                raise InputError.single("command", "site", "no such site or station")
            return True
        if kind == "health_beds" and self.hospital is not None:
            if not self.hospital.add_beds(str(args["hospital"]), int(args.get("ward", 0)),
                                          int(args.get("icu", 0))):
                raise InputError.single("command", "hospital", "no such hospital")
            return True
        return False


def health_extension(ctx: RunContext) -> HealthExtension | None:
    """The health extension of a run whose scenario has a ``health:`` section."""
    sc = ctx.world.loaded.scenario
    if sc.health is None:
        if ctx.plan.health is not None:
            raise InputError.single(ctx.plan_file, "health", "the plan has a health section "
                                    "but the scenario has none (health: in scenario.yaml)")
        return None
    return HealthExtension(ctx)

