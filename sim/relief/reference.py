"""The optimised routing reference of a relief run, one planning day at a time.

For each planning day (``relief.day_h`` of the scenario, cut at the end of the run) the
quantities the plan actually delivered to each point that day are delivered again by the
same fleet (same depots, truck types and counts; each truck may return to its depot to
reload) on routes solved as a capacitated vehicle routing problem with PyVRP
(:func:`musterpoint.sim.relief.vrp.solve_routing`), minimising the total distance.
Distances (m) and times (s) are along shortest free-flow-time paths on the road network
without the links that are closed at any time during that day (where that leaves no path,
the network at the start of the day is used). A point's delivery larger than a truck is
split into truckloads. The time at each stop is the unloading time plus the depot loading
time for that load. The reference knows neither congestion nor depot stock limits: it is
a lower bound on distance for the same deliveries, and shows how late the plan's first
deliveries are against optimised routes.

Figures per day: ``plan_km`` (legs the plan's trucks started that day), ``reference_km``,
``plan_wait_s`` and ``reference_wait_s`` (sum over the points served that day of the time
from when they needed supplies, or the day start, to their first delivery).
"""

from __future__ import annotations

import logging
import math
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.sim.relief.vrp import UNREACHABLE, VehicleGroup, solve_routing

if TYPE_CHECKING:
    from musterpoint.sim.relief.service import ReliefService

__all__ = ["daily_reference", "network_matrices"]

logger = logging.getLogger(__name__)


def _closed_during(svc: ReliefService, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Links closed at any time in [a, b), and links closed at ``a``."""
    w = svc.ctx.world
    n = w.network.n_links
    during = np.zeros(n, dtype=bool)
    at_a = np.zeros(n, dtype=bool)
    for i, iv in enumerate(w.link_flooded or []):
        for s, e in iv:
            during[i] |= s < b and e > a
            at_a[i] |= s <= a < e
    for s, e, links, _ in w.closures:
        if s < b and e > a:
            during[links] = True
        if s <= a < e:
            at_a[links] = True
    return during, at_a


def network_matrices(svc: ReliefService, nodes: list[int],
                     closed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and free-flow time (s) between nodes along shortest-time paths."""
    net = svc.ctx.world.network
    open_ = np.flatnonzero(~closed)
    frm, to = net.link_from[open_], net.link_to[open_]
    cost = np.maximum(net.freeflow_s[open_], 1e-3)
    order = np.lexsort((open_, cost, to, frm))
    frm, to, cost, idx = frm[order], to[order], cost[order], open_[order]
    first = np.ones(frm.size, dtype=bool)
    first[1:] = (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])
    frm, to, cost, idx = frm[first], to[first], cost[first], idx[first]
    n = net.n_nodes
    graph = csr_matrix((cost, (frm, to)), shape=(n, n))
    link_of = {(int(f), int(t)): int(k) for f, t, k in zip(frm, to, idx, strict=True)}
    time, pred = dijkstra(graph, directed=True, indices=nodes, return_predecessors=True)
    k = len(nodes)
    dist = np.full((k, k), np.inf)
    dur = np.full((k, k), np.inf)
    for a in range(k):
        for b in range(k):
            if a == b:
                dist[a, b] = dur[a, b] = 0.0
                continue
            node = nodes[b]
            if not np.isfinite(time[a, node]):
                continue
            metres = 0.0
            while node != nodes[a]:
                p = int(pred[a, node])
                metres += float(net.length_m[link_of[(p, node)]])
                node = p
            dist[a, b] = metres
            dur[a, b] = time[a, nodes[b]]
    return dist, dur


def _solver_version() -> str:
    try:
        return f"pyvrp {version('pyvrp')}"
    except PackageNotFoundError:
        return "pyvrp"


def daily_reference(svc: ReliefService, until: float) -> tuple[dict[str, Any] | None,
                                                                 list[tuple[Any, ...]]]:
    """The reference KPIs and one table row per planning day (None if nothing delivered)."""
    if not svc.deliveries:
        return None, []
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        logger.warning("relief: PyVRP is not installed; no routing reference")
        return {"available": False, "reason": "pyvrp not installed"}, []
    inp = svc.inp
    ref = svc.plan.reference
    day = svc.world_cfg.day_h * 3600.0
    fleet: dict[tuple[int, int], int] = {}
    for tr in inp.trucks:
        fleet[(tr.depot, tr.type)] = fleet.get((tr.depot, tr.type), 0) + 1
    depots = sorted({d for d, _ in fleet})
    rows: list[tuple[Any, ...]] = []
    all_feasible = True
    a = 0.0
    n_day = 0
    while a < until:
        b = min(a + day, until)
        row = _one_day(svc, n_day, a, b, fleet, depots, ref.iterations, ref.seed)
        if row is not None:
            rows.append(row)
            all_feasible = all_feasible and bool(row[8])
        a = b
        n_day += 1
    if not rows:
        return None, []
    plan_km = sum(r[4] for r in rows)
    ref_km = sum(r[5] for r in rows)
    return {
        "available": True,
        "solver": _solver_version(),
        "iterations": ref.iterations,
        "seed": ref.seed,
        "days": len(rows),
        "plan_km": plan_km,
        "reference_km": ref_km,
        "distance_gap": (plan_km / ref_km - 1.0) if ref_km > 0 else None,
        "plan_wait_s": float(sum(r[6] for r in rows)),
        "reference_wait_s": float(sum(r[7] for r in rows)),
        "feasible": all_feasible,
    }, rows


def _one_day(svc: ReliefService, n_day: int, a: float, b: float,
             fleet: dict[tuple[int, int], int], depots: list[int], iterations: int,
             seed: int) -> tuple[Any, ...] | None:
    inp, st = svc.inp, svc.state
    got: dict[int, np.ndarray] = {}
    first: dict[int, float] = {}
    pid = {p.id: i for i, p in enumerate(inp.points)}
    cidx = {c: k for k, c in enumerate(inp.commodities)}
    for t, _, _, _, point, _, com, units, _, _ in svc.deliveries:
        if a <= t < b:
            i = pid[point]
            got.setdefault(i, np.zeros(len(inp.commodities)))[cidx[com]] += units
            first[i] = min(first.get(i, np.inf), t)
    if not got:
        return None
    types = inp.types
    cap_kg = int(max(types[t].capacity_kg for _, t in fleet))
    cap_dm3 = int(max(types[t].capacity_m3 for _, t in fleet) * 1000)
    depot_objs = [inp.depots[d] for d in depots]
    load_fixed = float(np.mean([d.load_fixed_s for d in depot_objs]))
    load_per_kg = float(np.mean([d.load_s_per_kg for d in depot_objs]))
    t0 = types[next(iter(fleet))[1]]
    clients: list[int] = []
    demand: list[tuple[int, int]] = []
    service: list[int] = []
    for i in sorted(got):
        kg = float(got[i] @ inp.kg)
        dm3 = float(got[i] @ inp.m3) * 1000.0
        n = max(1, math.ceil(kg / cap_kg), math.ceil(dm3 / cap_dm3))
        for _ in range(n):
            ckg, cdm3 = math.ceil(kg / n), math.ceil(dm3 / n)
            clients.append(i)
            demand.append((min(ckg, cap_kg), min(cdm3, cap_dm3)))
            service.append(round(t0.unload_min_fixed * 60 + t0.unload_min_per_tonne * 60
                                 * ckg / 1000 + load_fixed + load_per_kg * ckg))
    ctx = svc.ctx
    node_of = [inp.depots[d].node for d in depots] + [
        ctx.shelters.dest[inp.points[i].shelter].node if inp.points[i].shelter >= 0
        else inp.points[i].nodes[0] for i in sorted(got)]
    during, at_a = _closed_during(svc, a, b)
    dist, dur = network_matrices(svc, node_of, during)
    if not np.isfinite(dist).all():
        d2, t2 = network_matrices(svc, node_of, at_a)
        bad = ~np.isfinite(dist)
        dist[bad], dur[bad] = d2[bad], t2[bad]
    uniq = sorted(got)
    loc = list(range(len(depots))) + [len(depots) + uniq.index(i) for i in clients]
    dist_l = dist[np.ix_(loc, loc)]
    dur_l = dur[np.ix_(loc, loc)]
    dist_i = np.where(np.isfinite(dist_l), np.round(dist_l), UNREACHABLE).astype(np.int64)
    dur_i = np.where(np.isfinite(dur_l), np.round(dur_l), UNREACHABLE).astype(np.int64)
    groups = [VehicleGroup(depots.index(d), cnt, (int(types[t].capacity_kg),
                                                 int(types[t].capacity_m3 * 1000)),
                           ready_s=int(max(0.0, inp.depots[d].open_s - a)))
              for (d, t), cnt in sorted(fleet.items())]
    res = solve_routing(dist_i, dur_i, len(depots), np.array(demand, dtype=np.int64),
                        np.array(service, dtype=np.int64), groups, iterations=iterations,
                        seed=seed)
    ref_first: dict[int, float] = {}
    nd = len(depots)
    for r in res.routes:
        for v, s in zip(r.visits, r.start_s, strict=True):
            if v >= nd:
                j = v - nd
                i = clients[j]
                ref_first[i] = min(ref_first.get(i, np.inf), a + s + service[j])

    def wait(times: dict[int, float]) -> float:
        tot = 0.0
        for i, t in times.items():
            start = max(a, float(st.need_start[i])) if np.isfinite(st.need_start[i]) else a
            tot += max(0.0, t - start)
        return tot

    plan_km = float(sum(leg[7] for leg in svc.fleet.legs if a <= leg[5] < b))
    feasible = res.feasible and res.cost < UNREACHABLE
    return (n_day, a, b, len(clients), plan_km, res.cost / 1000.0, wait(first),
            wait(ref_first), bool(feasible))
