"""Public-health emergencies inside a run: epidemic, dispensing sites, lockdown supply,
hospital surge (the ``health`` extension).

The residential compounds (小区) of the scenario's ``health:`` section are the zones of
the epidemic (:mod:`musterpoint.sim.health_seir`): every ``step_h`` the compartments of
each compound move one ODE step (RK4) or one chain-binomial step, with the contact rate
cut by the plan's lockdowns and the doses the sites gave in the last step moving people
from S to V. Severe cases go to :mod:`musterpoint.sim.health_hospital` (ambulances on the
shared roads, beds); the campaign's residents queue at the sites of
:mod:`musterpoint.sim.health_pod`; households' orders reach the compounds' gates through
:mod:`musterpoint.sim.health_supply`. A tested infectious person isolates (I -> R).

Ledger: every person is in exactly one compartment (S, E, I, R, V) and one place (home,
travelling, at a site, in an ambulance, in hospital). Both are checked at every epidemic
step against the compound's population, and the places against the modules' own counts
(people inside the sites' queues, patients in beds and ambulances, visitors on the way);
every order is in exactly one state. The engine raises if the ledger does not balance.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.health_schema import (
    HealthPlan,
    HealthWorld,
    Lockdown,
    check_health_plan,
    health_warnings,
)
from musterpoint.sim.extension import RunExtension, register_extension
from musterpoint.sim.geo import LocalProjection
from musterpoint.sim.health_hospital import HospitalSystem
from musterpoint.sim.health_pod import AT_SITE, TRAVEL_BACK, TRAVEL_OUT, CampaignSim
from musterpoint.sim.health_seir import (
    COMPARTMENTS,
    CUM_INF,
    CUM_SEV,
    E,
    I,
    R,
    S,
    SeirModel,
    V,
    binomial_step,
    initial_state,
    mixing_matrix,
    next_generation_r,
    rk4_step,
)
from musterpoint.sim.health_supply import SupplySystem

if TYPE_CHECKING:
    from musterpoint.sim.evacuation import EvacuationRun

__all__ = ["PLACES", "HealthExtension", "health_extension"]

logger = logging.getLogger(__name__)

#: Places a resident can be in, in row order of the place counters.
PLACES = ("home", "travelling", "at_site", "ambulance", "hospital")
_P = {name: k for k, name in enumerate(PLACES)}


class HealthExtension(RunExtension):
    """The public-health side of one run.

    Parameters
    ----------
    run : EvacuationRun
        The run; its scenario has a ``health:`` section.
    """

    name = "health"
    COMMANDS: ClassVar[tuple[str, ...]] = ("health_lockdown", "health_staff", "health_beds")

    def __init__(self, run: EvacuationRun) -> None:
        super().__init__(run)
        sc = run.world.loaded.scenario
        assert sc.health is not None
        self.hw: HealthWorld = sc.health
        self.hp: HealthPlan = run.plan.health or HealthPlan()
        self.file = str(run.world.loaded.path)
        pf = run.plan_file
        problems = [Problem(pf, f, r) for f, r in check_health_plan(self.hw, self.hp)]
        if problems:
            raise InputError(problems)
        self._warn(health_warnings(self.hw, self.hp))
        comps = self.hw.compounds
        self.pop = np.array([c.population for c in comps], dtype=np.int64)
        zones_pop = int(run.world.zones.population.sum())
        if abs(zones_pop - int(self.pop.sum())) > 0.01 * max(zones_pop, 1):
            self._warn([f"{self.file}: health.compounds hold {int(self.pop.sum()):,} residents "
                        f"but the population layer {zones_pop:,}; the epidemic uses the "
                        "compounds"])
        f = self.file
        self.comp_node = [run.snap(c.lon, c.lat, f, f"health.compounds ({c.id})") for c in comps]
        self.gate_nodes: list[list[int]] = [
            [run.snap(g.lon, g.lat, f, f"health.compounds ({c.id}).gates ({g.id})")
             for g in c.gates] for c in comps]
        self.hosp_nodes = [run.snap(h.lon, h.lat, f, f"health.hospitals ({h.id})")
                           for h in self.hw.hospitals]
        site_loc = {s.id: s for s in self.hw.sites}
        cp = self.hp.campaign
        self.site_locs = [site_loc[s.site] for s in cp.sites] if cp is not None else []
        self.site_nodes = [run.snap(s.lon, s.lat, f, f"health.sites ({s.id})")
                           for s in self.site_locs]
        sp = self.hp.supply
        self.depot_node = -1
        self.pickup_nodes: list[int] = []
        if sp is not None:
            d = next(x for x in self.hw.depots if x.id == sp.depot)
            self.depot_node = run.snap(d.lon, d.lat, f, f"health.depots ({d.id})")
            self.pickup_nodes = [run.snap(p.lon, p.lat, run.plan_file,
                                          f"health.supply.pickup_points ({p.id})")
                                 for p in sp.pickup_points]
        # destinations: gates, sites, hospitals, depot, pick-up points
        self._labels: list[str] = []
        self._dest_nodes: list[list[int]] = []
        self.gate_dest: list[list[int]] = []
        for c, nodes in zip(comps, self.gate_nodes, strict=True):
            self.gate_dest.append([self._add_dest(f"{c.id}/{g.id}", n)
                                   for g, n in zip(c.gates, nodes, strict=True)])
        self.site_dest = [self._add_dest(s.id, n)
                          for s, n in zip(self.site_locs, self.site_nodes, strict=True)]
        self.hosp_dest = [self._add_dest(h.id, n)
                          for h, n in zip(self.hw.hospitals, self.hosp_nodes, strict=True)]
        self.depot_dest = self._add_dest(sp.depot, self.depot_node) if sp is not None else -1
        self.pickup_dest = [self._add_dest(p.id, n) for p, n in
                            zip(sp.pickup_points if sp else [], self.pickup_nodes, strict=True)]
        start = sc.start
        self.tod0_s = float(start.hour * 3600 + start.minute * 60 + start.second)
        self.horizon_s = run.world.duration_s
        self._init_epidemic()
        self.lockdowns: list[Lockdown] = list(self.hp.lockdowns)
        self.vehicles: list[tuple[Any, int]] = []
        self.campaign: CampaignSim | None = None
        self.supply: SupplySystem | None = None
        self.hospital: HospitalSystem | None = None
        self.checks = 0
        self.failures: list[str] = []
        self.ts_rows: list[tuple[Any, ...]] = []

    # ------------------------------------------------------------------ set-up
    def _warn(self, messages: list[str]) -> None:
        for msg in messages:
            if msg not in self.run.world.warnings:
                logger.warning(msg)
                self.run.world.warnings.append(msg)

    def _add_dest(self, label: str, node: int) -> int:
        self._labels.append(label)
        self._dest_nodes.append([node])
        return len(self._dest_nodes) - 1

    def destinations(self) -> list[list[int]]:
        """Gates, sites, hospitals, the depot and pick-up points."""
        return self._dest_nodes

    def dest_label(self, k: int) -> str:
        """Ids of this extension's destinations."""
        return self._labels[k]

    def _abs(self, local_dest: int) -> int:
        return self.first_dest + local_dest

    def _init_epidemic(self) -> None:
        ep = self.hw.epidemic
        k = self.pop.size
        gamma = 1.0 / ep.infectious_days
        self.model = SeirModel(
            beta=ep.r0 * gamma / max(1.0 - ep.severe_share, 1e-9), sigma=1.0 / ep.latent_days,
            gamma=gamma, population=self.pop.astype(float),
            mixing=mixing_matrix(self.pop.astype(float), ep.within_compound_share),
            severe_share=ep.severe_share, efficacy=ep.vaccine_efficacy)
        share = self.pop / self.pop.sum()
        self.stochastic = ep.model == "stochastic"
        e0, i0 = ep.initial_exposed * share, ep.initial_infectious * share
        r0_ = ep.initial_recovered_share * self.pop
        v0 = ep.initial_vaccinated_share * self.pop
        if self.stochastic:
            e0, i0, r0_, v0 = (self._integer_split(x) for x in (e0, i0, r0_, v0))
        self.y = initial_state(self.pop, e0, i0, r0_, v0)
        if self.stochastic:
            self.y = np.rint(self.y).astype(np.int64)
        self.y0_v = self.y[V].copy()
        self.places = np.zeros((len(PLACES), k), dtype=np.int64)
        self.places[_P["home"]] = self.pop
        self.doses = np.zeros(k, dtype=np.int64)
        self.sev_emitted = np.zeros(k, dtype=np.int64)
        self.positives = 0.0
        self.tests = 0
        self.rng_epi = self.run.streams.stream("health_epidemic")
        self.rng_test = self.run.streams.stream("health_test_result")
        self.r_ngm = next_generation_r(self.model)
        self.peak_i = float(self.y[I].sum())
        self.peak_t = 0.0

    @staticmethod
    def _integer_split(x: np.ndarray) -> np.ndarray:
        """Round to integers keeping the total (largest remainders)."""
        base = np.floor(x).astype(np.int64)
        left = round(float(x.sum())) - int(base.sum())
        if left > 0:
            base[np.argsort(-(x - base), kind="stable")[:left]] += 1
        return np.asarray(base)

    def _travel_s(self) -> np.ndarray:
        """Compound -> site travel times (walk: network path length; drive: free flow)."""
        cp = self.hp.campaign
        assert cp is not None
        k, n = self.pop.size, len(self.site_nodes)
        out = np.zeros((k, n))
        if cp.access == "drive":
            for s in range(n):
                d = self.run.router.dist_s[self._abs(self.site_dest[s]), self.comp_node]
                out[:, s] = np.where(np.isfinite(d), d, 3600.0) + 300.0
            return out
        walk = self._walk_m(self.site_nodes)
        proj, net = self._proj(), self.run.world.network
        cx, cy = proj.forward(np.array([c.lon for c in self.hw.compounds]),
                              np.array([c.lat for c in self.hw.compounds]))
        nx, ny = proj.forward(net.lon[self.comp_node], net.lat[self.comp_node])
        sx, sy = proj.forward(np.array([s.lon for s in self.site_locs]),
                              np.array([s.lat for s in self.site_locs]))
        tx, ty = proj.forward(net.lon[self.site_nodes], net.lat[self.site_nodes])
        access = np.hypot(cx - nx, cy - ny)
        egress = np.hypot(sx - tx, sy - ty)
        for s in range(n):
            d = walk[s, self.comp_node]
            d = np.where(np.isfinite(d), d, 5000.0)
            out[:, s] = (access + d + egress[s]) / self.hw.walk_speed_mps
        return out

    def _proj(self) -> LocalProjection:
        net = self.run.world.network
        return LocalProjection(float(net.lon.mean()), float(net.lat.mean()))

    def _walk_m(self, sources: list[int]) -> np.ndarray:
        """Walking distance (m) on the road network, both directions allowed."""
        net = self.run.world.network
        g = coo_matrix((net.length_m, (net.link_from, net.link_to)),
                       shape=(net.n_nodes, net.n_nodes)).tocsr()
        return np.asarray(dijkstra(g, directed=False, indices=sources))

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        """Build the modules (router destinations are known now) and start processes."""
        run = self.run
        env, streams = run.env, run.streams
        cp = self.hp.campaign
        if cp is not None:
            travel = self._travel_s()
            if cp.kind == "vaccination":
                base = self.pop - self.y0_v.astype(np.int64)
            else:
                base = self.pop
            target = np.floor(cp.target_share * base + 1e-9).astype(np.int64)
            self.campaign = CampaignSim(cp, env, streams, self.site_locs, travel, target,
                                        self.tod0_s, self.horizon_s, self,
                                        [c.id for c in self.hw.compounds])
            self.campaign.start()
        sp = self.hp.supply
        if sp is not None:
            gate_index, k = [], 0
            for nodes in self.gate_nodes:
                gate_index.append(list(range(k, k + len(nodes))))
                k += len(nodes)
            flat_nodes = [n for nodes in self.gate_nodes for n in nodes]
            flat_dest = [self._abs(d) for ds in self.gate_dest for d in ds]
            hub_walk = None
            if sp.mode == "pickup":
                walk = self._walk_m(self.pickup_nodes)[:, flat_nodes]
                speed = np.array([p.cart_speed_mps for p in sp.pickup_points])[:, None]
                hub_walk = np.where(np.isfinite(walk), walk, 3000.0) / speed
                stop_nodes, stop_dest = self.pickup_nodes, [self._abs(d)
                                                            for d in self.pickup_dest]
            else:
                stop_nodes, stop_dest = flat_nodes, flat_dest
            self.supply = SupplySystem(sp, list(self.hw.compounds), stop_nodes, stop_dest,
                                       self.depot_node, self._abs(self.depot_dest), gate_index,
                                       hub_walk, env, streams, self, self.tod0_s,
                                       self.horizon_s)
            self.supply.start()
        self.hospital = HospitalSystem(
            list(self.hw.hospitals), self.hosp_nodes, [self._abs(d) for d in self.hosp_dest],
            [g[0] for g in self.gate_nodes], [self._abs(d[0]) for d in self.gate_dest],
            self.hw.epidemic, self.hp.ambulances, env, streams, self, self.horizon_s)
        self.hospital.start()
        for lk in self.lockdowns:
            env.process(self._announce(lk))
        self._record()
        env.process(self._epidemic())

    def _announce(self, lk: Lockdown) -> Any:
        env = self.run.env
        if lk.from_h * 3600.0 > self.horizon_s:
            return
        yield env.timeout(lk.from_h * 3600.0)
        self.run.log(env.now, "lockdown", value=lk.contact_cut,
                     detail=", ".join(lk.compounds or ["all compounds"]))

    # ------------------------------------------------------------------ road (Road protocol)
    def drive(self, handler: Any, local: int, origin: int, dest: int) -> None:
        """Put a health vehicle on the road (``dest`` is a router destination)."""
        k = len(self.vehicles)
        self.vehicles.append((handler, local))
        pcu = (self.hp.ambulances.pcu if handler is self.hospital and self.hp.ambulances
               else (self.hp.supply.truck_pcu if self.hp.supply else 1.0))
        self.run.launch(origin, dest, pcu, owner=self, local=k)

    def dist_s(self, dest: int, node: int) -> float:
        """Free-flow driving time (s) from ``node`` to router destination ``dest``."""
        return float(self.run.router.dist_s[dest, node])

    def log(self, t: float, kind: str, detail: str = "", value: float = float("nan")) -> None:
        """Record an event in the run's event log."""
        self.run.log(t, kind, value=value, detail=detail)

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
        self.places[_P[frm], c] -= 1
        self.places[_P[to], c] += 1

    def served(self, c: int, kind: str) -> bool:
        """Outcome of a test or a dose for a resident of compound ``c``."""
        if kind == "vaccination":
            self.doses[c] += 1
            return False
        self.tests += 1
        y = self.y
        pool = float(y[:5, c].sum()) - float(self.places[_P["hospital"], c]
                                            + self.places[_P["ambulance"], c])
        if pool <= 0:
            return False
        p = self.hw.epidemic.test_sensitivity * float(y[I, c]) / pool
        if self.stochastic:
            if y[I, c] >= 1 and self.rng_test.random() < p:
                y[I, c] -= 1
                y[R, c] += 1
                self.positives += 1
                return True
            return False
        y[I, c] -= p
        y[R, c] += p
        self.positives += p
        return False

    # ------------------------------------------------------------------ epidemic
    def cut_at(self, t: float) -> np.ndarray:
        """Contact cut of each compound at time ``t`` (the largest active lockdown)."""
        cut = np.zeros(self.pop.size)
        ids = [c.id for c in self.hw.compounds]
        for lk in self.lockdowns:
            if lk.from_h * 3600.0 <= t and (lk.until_h is None or t < lk.until_h * 3600.0):
                idx = (range(len(ids)) if lk.compounds is None
                       else [ids.index(c) for c in lk.compounds])
                for i in idx:
                    cut[i] = max(cut[i], lk.contact_cut)
        return cut

    def _epidemic(self) -> Any:
        env = self.run.env
        step = self.hw.epidemic.step_h * 3600.0
        while env.now < self.horizon_s - 1e-9:
            t0 = float(env.now)
            dt = min(step, self.horizon_s - t0)
            yield env.timeout(dt)
            self._step(t0, dt)
            self._record()
            self._check()

    def _step(self, t0: float, dt_s: float) -> None:
        dt = dt_s / 86400.0
        cut = self.cut_at(t0)
        before = self.y[CUM_SEV].copy()
        if self.stochastic:
            self._vaccinate_integer()
            self.y = binomial_step(self.model, self.y, dt, self.rng_epi, cut)
            new = (self.y[CUM_SEV] - before).astype(np.int64)
        else:
            rate = self.doses / dt
            self.doses[:] = 0
            self.y = rk4_step(self.model, self.y, dt, cut, doses=rate)
            total = np.floor(self.y[CUM_SEV] + 1e-9).astype(np.int64)
            new = total - self.sev_emitted
        self.sev_emitted += new
        assert self.hospital is not None
        for c in np.flatnonzero(new).tolist():
            for _ in range(int(new[c])):
                self.hospital.new_case(c)
        total_i = float(self.y[I].sum())
        if total_i > self.peak_i:
            self.peak_i, self.peak_t = total_i, float(self.run.env.now)

    def _vaccinate_integer(self) -> None:
        y = self.y
        away = self.places[_P["hospital"]] + self.places[_P["ambulance"]]
        for c in np.flatnonzero(self.doses).tolist():
            r_free = max(int(y[R, c] - away[c]), 0)
            pool = np.array([int(y[S, c]), int(y[E, c]) + r_free], dtype=np.int64)
            d = int(min(self.doses[c], pool.sum()))
            if d <= 0:
                continue
            got = self.rng_epi.multivariate_hypergeometric(pool, d)
            y[S, c] -= got[0]
            y[V, c] += got[0]
        self.doses[:] = 0

    # ------------------------------------------------------------------ ledger
    def _check(self) -> None:
        self.checks += 1
        t = self.run.env.now
        y, pl = self.y, self.places
        comp_sum = y[:5].sum(axis=0)
        tol = 0 if self.stochastic else 1e-6 * self.pop
        bad: list[str] = []
        if (np.abs(comp_sum - self.pop) > tol).any():
            bad.append("compartments do not add up to the compound populations")
        if (y[:5] < (0 if self.stochastic else -1e-6)).any():
            bad.append("a compartment is negative")
        if (pl.sum(axis=0) != self.pop).any() or (pl < 0).any():
            bad.append("places do not add up to the compound populations")
        if self.campaign is not None:
            st = self.campaign.state
            if int(pl[_P["at_site"]].sum()) != self.campaign.at_site() or \
                    int(pl[_P["at_site"]].sum()) != int((st == AT_SITE).sum()):
                bad.append("people at the sites differ from the sites' queues")
            if int(pl[_P["travelling"]].sum()) != int(((st == TRAVEL_OUT)
                                                      | (st == TRAVEL_BACK)).sum()):
                bad.append("people travelling differ from the visitors on their way")
        elif pl[_P["at_site"]].sum() or pl[_P["travelling"]].sum():
            bad.append("people at sites without a campaign")
        h = self.hospital
        if h is not None:
            if int(pl[_P["hospital"]].sum()) != h.in_hospital():
                bad.append("people in hospital differ from the patients in beds")
            if int(pl[_P["ambulance"]].sum()) != h.in_ambulance():
                bad.append("people in ambulances differ from the patients on board")
            if (pl[_P["hospital"]] + pl[_P["ambulance"]] > y[R] + (0 if self.stochastic
                                                                    else 1e-6)).any():
                bad.append("more severe patients away than removed (R) residents")
        if bad and len(self.failures) < 20:
            self.failures.extend(f"t={t:.0f} s: {b}" for b in bad)

    def _record(self) -> None:
        t = float(self.run.env.now)
        cut = self.cut_at(t)
        y, pl = self.y, self.places
        for c in range(self.pop.size):
            self.ts_rows.append((t, c, *(float(y[k, c]) for k in (S, E, I, R, V, CUM_INF,
                                                                  CUM_SEV)),
                                 *(int(pl[k, c]) for k in range(len(PLACES))),
                                 float(cut[c])))

    # ------------------------------------------------------------------ outputs
    def finish(self, until: float) -> None:
        """A last ledger check at the end."""
        self._check()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The health tables (see the module docstring and ``reports``)."""
        ids = [c.id for c in self.hw.compounds]
        ts = pd.DataFrame(self.ts_rows, columns=["time_s", "c", *COMPARTMENTS,
                                                 "cum_infections", "cum_severe", *PLACES,
                                                 "contact_cut"])
        ts.insert(1, "compound", [ids[c] for c in ts["c"]])
        out: dict[str, pd.DataFrame] = {"health_timeseries": ts.drop(columns="c")}
        until = self.horizon_s
        comp = pd.DataFrame({
            "compound": ids, "name": [c.name for c in self.hw.compounds],
            "name_zh": [c.name_zh or "" for c in self.hw.compounds],
            "lon": [c.lon for c in self.hw.compounds], "lat": [c.lat for c in self.hw.compounds],
            "population": self.pop, "households": [c.n_households for c in self.hw.compounds],
            "gates": [len(c.gates) for c in self.hw.compounds],
            "infections": self.y[CUM_INF].astype(float),
            "attack_rate": self.y[CUM_INF] / self.pop,
            "supply_status": [self.supply.status(c, until) if self.supply else ""
                              for c in range(self.pop.size)],
        })
        out["health_compounds"] = comp
        if self.campaign is not None:
            out.update(self.campaign.tables())
        if self.supply is not None:
            out.update(self.supply.tables())
        if self.hospital is not None:
            out.update(self.hospital.tables())
        return out

    def kpis(self) -> dict[str, Any]:
        """The ``health`` KPI family."""
        until = self.horizon_s
        y = self.y
        ep = self.hw.epidemic
        inf = float(y[CUM_INF].sum())
        out: dict[str, Any] = {
            "epidemic": {
                "model": ep.model,
                "r0": ep.r0,
                "r0_next_generation": self.r_ngm,
                "population": int(self.pop.sum()),
                "infections": inf,
                "attack_rate": inf / float(self.pop.sum()),
                "peak_infectious": self.peak_i,
                "peak_time_s": self.peak_t,
                "severe_cases": int(self.sev_emitted.sum()),
                "tests": int(self.tests),
                "positives_found": float(self.positives),
                "at_end": {name: float(y[k].sum()) for k, name in enumerate(COMPARTMENTS)},
                "by_compound": {c.id: {"name": c.name, "name_zh": c.name_zh,
                                       "infections": float(y[CUM_INF, i]),
                                       "attack_rate": float(y[CUM_INF, i] / self.pop[i])}
                                for i, c in enumerate(self.hw.compounds)},
            },
            "campaign": self.campaign.kpis(until) if self.campaign is not None else None,
            "supply": self.supply.kpis(until) if self.supply is not None else None,
            "hospitals": self.hospital.kpis(until) if self.hospital is not None else None,
        }
        if out["campaign"] is not None:
            out["campaign"]["positives_found"] = float(self.positives)
        return out

    def ledger(self) -> dict[str, Any]:
        """Persons by compartment and by place, orders by state; ``balanced`` flag."""
        y, pl = self.y, self.places
        orders = self.supply.counts() if self.supply is not None else None
        orders_ok = True
        if orders is not None and self.supply is not None:
            placed = int((self.supply.o_time <= self.horizon_s).sum())
            orders_ok = sum(v for k, v in orders.items() if k != "future") == placed
        return {
            "persons": int(self.pop.sum()),
            "compartments": {name: float(y[k].sum()) for k, name in enumerate(COMPARTMENTS)},
            "places": {name: int(pl[k].sum()) for k, name in enumerate(PLACES)},
            "orders": orders,
            "checks": self.checks,
            "failures": list(self.failures),
            "balanced": bool(not self.failures and orders_ok and self.checks > 0),
        }

    def snapshot(self) -> dict[str, Any]:
        """Compartments, queues, beds and pending orders now."""
        y = self.y
        out: dict[str, Any] = {
            "compartments": {name: float(y[k].sum()) for k, name in enumerate(COMPARTMENTS)},
            "places": {name: int(self.places[k].sum()) for k, name in enumerate(PLACES)},
        }
        if self.campaign is not None:
            out["site_queues"] = self.campaign.queue_now()
        if self.hospital is not None:
            now = float(self.run.env.now)
            out["hospitals"] = {
                h.id: {"ward": b.ward_occ, "icu": b.icu_occ,
                       "ward_beds": self.hospital.capacity(k, now)[0],
                       "icu_beds": self.hospital.capacity(k, now)[1]}
                for k, (h, b) in enumerate(zip(self.hw.hospitals, self.hospital.beds,
                                               strict=True))}
            out["patients_waiting"] = len(self.hospital.waiting)
        if self.supply is not None:
            out["orders"] = self.supply.counts()
        return out

    def command(self, kind: str, args: dict[str, Any]) -> bool:
        """Drill commands: ``health_lockdown`` {contact_cut, compounds?, until_h?},
        ``health_staff`` {site, station, staff}, ``health_beds`` {hospital, ward, icu}."""
        now_h = float(self.run.env.now) / 3600.0
        if kind == "health_lockdown":
            lk = Lockdown(from_h=now_h, until_h=args.get("until_h"),
                          contact_cut=float(args["contact_cut"]),
                          compounds=args.get("compounds"))
            known = {c.id for c in self.hw.compounds}
            if lk.compounds and not set(lk.compounds) <= known:
                raise InputError.single("command", "compounds", "unknown compound")
            self.lockdowns.append(lk)
            self.run.log(self.run.env.now, "lockdown", value=lk.contact_cut, detail="drill")
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


def health_extension(run: EvacuationRun) -> HealthExtension | None:
    """The health extension of a run whose scenario has a ``health:`` section."""
    sc = run.world.loaded.scenario
    if sc.health is None:
        if run.plan.health is not None:
            raise InputError.single(run.plan_file, "health", "the plan has a health section "
                                    "but the scenario has none (health: in scenario.yaml)")
        return None
    return HealthExtension(run)


register_extension(health_extension)
