"""Relief truck trips: what is relief-specific in a trip of the fleet.

The trip itself (load, drive each leg in traffic, unload, return, stranding) is the
fleet's (:func:`musterpoint.sim.relief.fleet.trip_process`). Here: a trip waits for a
loading bay (the depot's ``bays`` are a SimPy resource), takes its load off the depot's
shelves when loading starts, and loads for ``load_min_fixed + load_min_per_tonne * t``;
at each stop it unloads for ``unload_min_fixed + unload_min_per_tonne * t`` (the truck
type's) and adds the stock to the point when unloading ends.

If a stop cannot be reached when the truck is about to drive there (the hazard closed
the way since the truck was sent), the stop is skipped; whatever is still on the truck
when it is back at the depot goes back on the shelves. A truck whose way is cut while it
drives, or that cannot get back, is stranded where it is, with its cargo (the ledger
counts it as on trucks).
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.sim.relief.fleet import Trip
from musterpoint.sim.relief.inputs import PointSpec

if TYPE_CHECKING:
    from musterpoint.sim.relief.service import ReliefService

__all__ = ["ReliefCargo"]

logger = logging.getLogger(__name__)


class ReliefCargo:
    """The relief side of the fleet's trips (a :class:`~musterpoint.sim.relief.fleet.Cargo`).

    Parameters
    ----------
    svc : ReliefService
        The relief extension (depots, points, commitments, records).
    """

    def __init__(self, svc: ReliefService) -> None:
        self.svc = svc

    def load(self, k: int, trip: Trip) -> Generator[Any, Any, None]:
        """Wait for a bay, take the load off the shelves, load."""
        svc = self.svc
        ctx, inp = svc.ctx, svc.inp
        env = ctx.env
        dep = inp.depots[trip.depot]
        total = np.sum([q for _, q in trip.stops], axis=0)
        with dep.resource.request() as req:
            yield req
            trip.load_start_s = float(env.now)
            dep.stock -= total
            dep.reserved -= total
            dep.shipped += total
            svc.fleet.take_on(k, trip, total)
            out = (dep.stock <= 0) & (dep.initial > 0) & np.isnan(dep.stockout_s)
            if out.any():
                dep.stockout_s[out] = env.now
                for c in np.flatnonzero(out).tolist():
                    ctx.log(env.now, "relief_depot_out", shelter=dep.id,
                            detail=inp.commodities[c])
            yield env.timeout(dep.load_fixed_s + dep.load_s_per_kg * trip.kg)
        ctx.log(env.now, "relief_dispatch",
                detail=f"{inp.trucks[k].id} from {dep.id}: {trip.kg:,.0f} kg")

    def place(self, stop: int) -> PointSpec:
        """The demand point."""
        return self.svc.inp.points[stop]

    def unload_s(self, k: int, trip: Trip, i: int) -> float:
        """The truck type's fixed time plus its time per tonne."""
        inp = self.svc.inp
        ttype = inp.types[inp.trucks[k].type]
        qkg = float(trip.stops[i][1] @ inp.kg)
        return float(ttype.unload_min_fixed * 60.0
                     + ttype.unload_min_per_tonne * 60.0 / 1000.0 * qkg)

    def unloaded(self, k: int, trip: Trip, i: int, arrive_s: float) -> None:
        """The stock is the point's now."""
        svc = self.svc
        ctx, inp = svc.ctx, svc.inp
        point, q = trip.stops[i]
        pid = inp.points[point].id
        svc.sync()
        svc.state.deliver(point, q)
        svc.fleet.put_off(k, q)
        svc.committed[point] -= q
        tid = inp.trucks[k].id
        for c in np.flatnonzero(q > 0).tolist():
            svc.deliveries.append((ctx.now, arrive_s, tid, trip.no, pid,
                                   inp.depots[trip.depot].id, inp.commodities[c],
                                   float(q[c]), float(q[c] * inp.kg[c]), trip.policy))
        ctx.log(ctx.now, "relief_delivery", shelter=pid, value=float(q @ inp.kg), detail=tid)

    def skipped(self, k: int, trip: Trip, i: int) -> None:
        """Cut off since dispatch: the point no longer counts on this load."""
        svc = self.svc
        point, q = trip.stops[i]
        svc.committed[point] -= q
        svc.ctx.log(svc.ctx.now, "relief_stop_skipped", shelter=svc.inp.points[point].id,
                    detail=f"{svc.inp.trucks[k].id}: no open route")

    def stranded(self, k: int, trip: Trip, i: int) -> None:
        """The points of the stops not reached no longer count on this load."""
        for p, q in trip.stops[i:]:
            self.svc.committed[p] -= q

    def returned(self, k: int, trip: Trip) -> None:
        """Stock of skipped stops goes back on the depot's shelves."""
        svc = self.svc
        tr = svc.inp.trucks[k]
        if tr.cargo.sum() > 0:
            dep = svc.inp.depots[trip.depot]
            back = svc.fleet.give_back(k)
            dep.stock += back
            dep.shipped -= back
            svc.ctx.log(svc.ctx.now, "relief_returned", shelter=dep.id,
                        value=float(back @ svc.inp.kg), detail=tr.id)

    def idle(self, k: int) -> None:
        """Hand out queued jobs and run the need-driven policy."""
        self.svc.assign()
