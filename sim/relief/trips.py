"""Relief truck trips: load at the depot, drive in traffic, unload at each stop, return.

A trip waits for a loading bay (the depot's ``bays`` are a SimPy resource), takes its
load off the depot's shelves when loading starts, and loads for ``load_min_fixed +
load_min_per_tonne * t``. It then drives to each stop in the shared traffic model (the
truck takes its type's PCU), unloads for ``unload_min_fixed + unload_min_per_tonne * t``
and adds the stock to the point when unloading ends, and drives back to its depot.

If a stop cannot be reached when the truck is about to drive there (the hazard closed
the way since the truck was sent), the stop is skipped; whatever is still on the truck
when it is back at the depot goes back on the shelves. A truck whose way is cut while it
drives, or that cannot get back, is stranded where it is, with its cargo (the ledger
counts it as on trucks).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.sim.relief.dispatch import Job

if TYPE_CHECKING:
    from musterpoint.sim.relief.service import ReliefService

__all__ = ["drive", "strand_truck", "trip_process"]

logger = logging.getLogger(__name__)


def trip_process(svc: ReliefService, k: int, job: Job, trip: int) -> Any:
    """SimPy process: truck ``k`` loads ``job`` at its depot, serves its stops, returns."""
    ctx, inp = svc.ctx, svc.inp
    env = ctx.env
    tr = inp.trucks[k]
    dep = inp.depots[job.depot]
    ttype = inp.types[tr.type]
    total = np.sum([q for _, q in job.stops], axis=0)
    assigned = env.now
    with dep.resource.request() as req:
        yield req
        t_load = env.now
        dep.stock -= total
        dep.reserved -= total
        dep.shipped += total
        tr.cargo += total
        out = (dep.stock <= 0) & (dep.initial > 0) & np.isnan(dep.stockout_s)
        if out.any():
            dep.stockout_s[out] = env.now
            for c in np.flatnonzero(out).tolist():
                ctx.log(env.now, "relief_depot_out", shelter=dep.id,
                        detail=inp.commodities[c])
        kg = float(total @ inp.kg)
        yield env.timeout(dep.load_fixed_s + dep.load_s_per_kg * kg)
    ctx.log(env.now, "relief_dispatch", detail=f"{tr.id} from {dep.id}: {kg:,.0f} kg")
    tr.trips += 1
    first = env.now
    for point, q in job.stops:
        pid = inp.points[point].id
        if not np.isfinite(svc.travel_s(tr.node, inp.points[point].dest)):
            svc.committed[point] -= q  # cut off since dispatch: skip the stop
            ctx.log(env.now, "relief_stop_skipped", shelter=pid,
                    detail=f"{tr.id}: no open route")
            continue
        tr.state = "driving"
        ok = yield from drive(svc, k, trip, inp.points[point].dest, pid)
        if not ok:
            strand_truck(svc, k, job, point)
            return
        tr.state = "unloading"
        arrive = env.now
        qkg = float(q @ inp.kg)
        yield env.timeout(ttype.unload_min_fixed * 60.0 + ttype.unload_min_per_tonne
                          * 60.0 / 1000.0 * qkg)
        svc.sync()
        svc.state.deliver(point, q)
        tr.cargo -= q
        svc.committed[point] -= q
        for c in np.flatnonzero(q > 0).tolist():
            svc.deliveries.append((env.now, arrive, tr.id, trip, pid, dep.id,
                                    inp.commodities[c], float(q[c]), float(q[c] * inp.kg[c]),
                                    job.policy))
        ctx.log(env.now, "relief_delivery", shelter=pid, value=qkg, detail=tr.id)
    tr.state = "returning"
    if tr.node != dep.node:
        if not np.isfinite(svc.travel_s(tr.node, dep.dest)):
            tr.reason = "no open route back to the depot"
            strand_truck(svc, k, job, -1)
            return
        ok = yield from drive(svc, k, trip, dep.dest, dep.id)
        if not ok:
            strand_truck(svc, k, job, -1)
            return
    if tr.cargo.sum() > 0:  # stops skipped: the load goes back on the shelves
        dep.stock += tr.cargo
        dep.shipped -= tr.cargo
        ctx.log(env.now, "relief_returned", shelter=dep.id,
                value=float(tr.cargo @ inp.kg), detail=tr.id)
        tr.cargo = np.zeros_like(tr.cargo)
    svc.trip_rows.append((trip, tr.id, dep.id, job.policy, job.route, job.created_s,
                           assigned, t_load, first, env.now, len(job.stops),
                           float(total @ inp.kg), "done"))
    tr.busy_s += env.now - tr.busy_since
    tr.state = "idle"
    svc.assign()

def drive(svc: ReliefService, k: int, trip: int, dest: int, to: str) -> Any:
    """Drive truck ``k`` to router destination ``dest`` in traffic; True if it got there."""
    ctx = svc.ctx
    tr = svc.inp.trucks[k]
    km, links = svc.path(tr.node, dest)
    ev = ctx.env.event()
    tr.arrival = ev
    t0 = ctx.now
    origin = tr.node
    ctx.launch(tr.node, dest, svc.inp.types[tr.type].pcu, svc, k)
    result = yield ev
    tr.legs += 1
    tr.km += km
    ok = result is not None
    svc.legs.append((tr.id, trip, tr.legs, origin, to, t0, ctx.now, km,
                      "arrived" if ok else "stranded", links))
    return ok

def strand_truck(svc: ReliefService, k: int, job: Job, point: int) -> None:
    """Truck ``k`` can go no further: it keeps its cargo; later stops are given up."""
    ctx = svc.ctx
    tr = svc.inp.trucks[k]
    tr.state = "stranded"
    tr.busy_s += ctx.now - tr.busy_since
    left = [p for p, _ in job.stops]
    start = left.index(point) if point >= 0 else len(left)
    for p, q in job.stops[start:]:
        svc.committed[p] -= q
    ctx.log(ctx.now, "relief_truck_stranded", detail=f"{tr.id}: {tr.reason}")
    svc.trip_rows.append((-1, tr.id, svc.inp.depots[job.depot].id, job.policy,
                           job.route, job.created_s, tr.busy_since, np.nan, np.nan,
                           ctx.now, len(job.stops), float(tr.cargo @ svc.inp.kg),
                           "stranded"))
    svc.assign()
