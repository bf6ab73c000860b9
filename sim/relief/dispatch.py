"""Dispatch policies of trucks: fixed routes, periodic order-up-to, need-driven, orders.

A *job* is one truck trip from a depot: an ordered list of stops, each a demand point and
the units to unload there. Jobs wait in their depot's queue (first in, first out) until a
truck of that depot (of the job's type, if it names one) is idle and the depot is open.

* ``fixed``: each route of the plan puts a job in the queue at each of its departure
  times; the quantities are taken at loading, up to the depot's stock and the truck's
  capacity, stop by stop.
* ``periodic``: at every review (``first_review_h + k * review_h``) each point orders up
  to ``up_to_days`` of its current daily need minus what it has and what is on the way,
  from its assigned depot or the nearest reachable depots with stock; orders are split
  into truckloads and the stock is reserved at once.
* ``need_driven``: whenever a truck is idle (and every ``review_min``), the point with the
  largest projected deficit over ``projection_h`` (mean person-days short over its
  commodities, times ``1 + (vulnerable_weight - 1) * vulnerable_share``) is served from
  the nearest open depot that has stock it lacks and an idle truck; repeated while trucks
  are idle. A trip is not worth it for less than ``min_load_share`` of a truck unless the
  point is already out of something.
* orders (:func:`order_round`, the lockdown supply's rule): a truck starts with the stop
  that has the oldest waiting order, takes up to its room of orders there (oldest first),
  then goes on to the nearest further stop with waiting orders, up to ``max_stops``
  stops or until it is full.

Loads are whole units. :func:`fit_load` scales a wish list down to a truck's weight and
volume, then tops it up greedily so that the truck leaves as full as the wish list allows.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.scenarios.errors import InputError

if TYPE_CHECKING:
    from musterpoint.sim.relief.service import ReliefService

__all__ = ["MAX_STOPS", "Job", "assign_jobs", "command_job", "fit_load", "need_driven_round",
           "order_round", "periodic_review", "route_times", "split_loads"]

logger = logging.getLogger(__name__)

#: Most stops of one truck round of the orders policy.
MAX_STOPS = 4


@dataclass
class Job:
    """One truck trip waiting for a truck."""

    depot: int
    stops: list[tuple[int, np.ndarray]]
    policy: str
    created_s: float
    truck_type: int = -1
    route: str = ""
    reserved: bool = False


def fit_load(want: np.ndarray, kg: np.ndarray, m3: np.ndarray, cap_kg: float,
             cap_m3: float) -> np.ndarray:
    """Whole units of ``want`` that fit a truck, as full as possible.

    Parameters
    ----------
    want : ndarray
        Wished units per commodity (rounded up to whole units first).
    kg, m3 : ndarray
        Weight and volume of one unit of each commodity.
    cap_kg, cap_m3 : float
        The truck's payload and volume.

    Returns
    -------
    ndarray
        Units per commodity, ``<= want``, within both capacities.
    """
    w = np.ceil(np.maximum(np.asarray(want, dtype=float), 0.0) - 1e-9)
    tot_kg, tot_m3 = float(w @ kg), float(w @ m3)
    f = 1.0
    if tot_kg > cap_kg:
        f = min(f, cap_kg / tot_kg)
    if tot_m3 > cap_m3:
        f = min(f, cap_m3 / tot_m3)
    units = np.floor(w * f + 1e-9)
    for c in np.argsort(-(w - units), kind="stable").tolist():
        room_kg = cap_kg - float(units @ kg)
        room_m3 = cap_m3 - float(units @ m3)
        more = min(w[c] - units[c], math.floor(room_kg / kg[c] + 1e-9),
                   math.floor(room_m3 / m3[c] + 1e-9))
        if more > 0:
            units[c] += more
    return np.asarray(units)


def split_loads(total: np.ndarray, kg: np.ndarray, m3: np.ndarray, cap_kg: float,
                cap_m3: float) -> list[np.ndarray]:
    """Split whole units into truckloads (each fitted with :func:`fit_load`)."""
    left = np.ceil(np.maximum(np.asarray(total, dtype=float), 0.0) - 1e-9)
    loads = []
    while left.sum() > 0:
        load = fit_load(left, kg, m3, cap_kg, cap_m3)
        if load.sum() <= 0:
            logger.warning("a unit is larger than the truck; %s left behind", left)
            break
        loads.append(load)
        left = left - load
    return loads


def route_times(depart_h: list[float], every_h: float | None, start_h: float,
                until_h: float | None, end_s: float) -> list[float]:
    """Departure times (s) of a fixed route within the run."""
    times = [h * 3600.0 for h in depart_h]
    if every_h is not None:
        last = end_s if until_h is None else min(end_s, until_h * 3600.0)
        k = 0
        while start_h * 3600.0 + k * every_h * 3600.0 <= last:
            times.append(start_h * 3600.0 + k * every_h * 3600.0)
            k += 1
    return sorted(t for t in set(times) if t <= end_s)


def _take(svc: ReliefService, job: Job, k: int) -> bool:
    """Fix the quantities of an unreserved job for truck ``k``; False if nothing to load."""
    inp = svc.inp
    depot = inp.depots[job.depot]
    ttype = inp.types[inp.trucks[k].type]
    avail = depot.available.copy()
    cap_kg, cap_m3 = ttype.capacity_kg, ttype.capacity_m3
    stops = []
    for point, want in job.stops:
        q = fit_load(np.minimum(want, np.floor(avail + 1e-9)), inp.kg, inp.m3, cap_kg, cap_m3)
        cap_kg -= float(q @ inp.kg)
        cap_m3 -= float(q @ inp.m3)
        avail -= q
        stops.append((point, q))
    job.stops = [(p, q) for p, q in stops if q.sum() > 0]
    if not job.stops:
        return False
    for p, q in job.stops:
        svc.reserve(job.depot, p, q)
    job.reserved = True
    return True


def assign_jobs(svc: ReliefService) -> None:
    """Give queued jobs to idle trucks of their depots; then run need-driven dispatch."""
    now = svc.ctx.now
    inp = svc.inp
    for d, depot in enumerate(inp.depots):
        if depot.open_s > now:
            continue
        queue = svc.queues[d]
        i = 0
        while i < len(queue):
            job = queue[i]
            k = svc.idle_truck(d, job.truck_type)
            if k < 0:
                i += 1
                continue
            queue.pop(i)
            if not job.reserved and not _take(svc, job, k):
                svc.ctx.log(now, "relief_nothing_to_load", detail=f"{job.route or job.policy}"
                            f" at depot {depot.id}")
                continue
            svc.start_trip(k, job)
    if svc.plan.policy == "need_driven":
        need_driven_round(svc)


def _deficit(svc: ReliefService, horizon_s: float) -> np.ndarray:
    st = svc.state
    projected = st.daily_need() * horizon_s / 86_400.0
    return np.asarray(np.maximum(projected - st.inv - svc.committed, 0.0))


def need_driven_round(svc: ReliefService) -> None:
    """Send idle trucks to the points with the largest weighted projected deficit."""
    nd = svc.plan.need_driven
    inp, st, ctx = svc.inp, svc.state, svc.ctx
    now = ctx.now
    vul = np.array([p.vulnerable for p in inp.points])
    weight = 1.0 + (nd.vulnerable_weight - 1.0) * vul
    skip: set[int] = set()
    while True:
        idle = [d for d, dep in enumerate(inp.depots)
                if dep.open_s <= now and svc.idle_truck(d, -1) >= 0]
        if not idle:
            return
        deficit = _deficit(svc, nd.projection_h * 3600.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            pdays = np.where(inp.mask, deficit / inp.need[None, :], 0.0)
        n_c = np.maximum(inp.mask.sum(axis=1), 1)
        score = pdays.sum(axis=1) / n_c * weight
        out_now = ((st.inv <= 0) & inp.mask).any(axis=1) & st.pressure()
        order = np.lexsort((np.arange(score.size), -score))
        sent = False
        for i in order.tolist():
            if score[i] <= 0:
                break
            if i in skip:
                continue
            best, best_t = -1, np.inf
            for d in idle:
                dep = inp.depots[d]
                useful = (deficit[i] > 0) & (dep.available >= 1)
                t = svc.travel_s(dep.node, inp.points[i].dest)
                if useful.any() and t < best_t:
                    best, best_t = d, t
            if best < 0:
                skip.add(i)
                continue
            k = svc.idle_truck(best, -1)
            ttype = inp.types[inp.trucks[k].type]
            dep = inp.depots[best]
            want = np.minimum(np.ceil(deficit[i] - 1e-9), np.floor(dep.available + 1e-9))
            load = fit_load(want, inp.kg, inp.m3, ttype.capacity_kg, ttype.capacity_m3)
            share = max(float(load @ inp.kg) / ttype.capacity_kg,
                        float(load @ inp.m3) / ttype.capacity_m3)
            if load.sum() <= 0 or (share < nd.min_load_share and not out_now[i]):
                skip.add(i)
                continue
            job = Job(best, [(i, load)], "need_driven", now)
            svc.reserve(best, i, load)
            job.reserved = True
            svc.start_trip(k, job)
            sent = True
            break
        if not sent:
            return


def periodic_review(svc: ReliefService) -> None:
    """Order up to the target level at every point; queue the truckloads."""
    pp = svc.plan.periodic
    inp, st = svc.inp, svc.state
    now = svc.ctx.now
    target = st.daily_need() * pp.up_to_days
    order = np.ceil(np.maximum(target - st.inv - svc.committed, 0.0) - 1e-9)
    ids = [d.id for d in inp.depots]
    for i, p in enumerate(inp.points):
        left = order[i].copy()
        if left.sum() <= 0:
            continue
        if p.id in pp.serve:
            cands = [ids.index(pp.serve[p.id])]
        else:
            t = [svc.travel_s(d.node, p.dest) for d in inp.depots]
            cands = [d for d in np.argsort(t, kind="stable").tolist() if np.isfinite(t[d])]
        for d in cands:
            if not svc.has_trucks(d):
                continue
            dep = inp.depots[d]
            take = np.minimum(left, np.floor(dep.available + 1e-9))
            if take.sum() <= 0:
                continue
            cap_kg, cap_m3 = svc.largest_truck(d)
            for load in split_loads(take, inp.kg, inp.m3, cap_kg, cap_m3):
                job = Job(d, [(i, load)], "periodic", now)
                svc.reserve(d, i, load)
                job.reserved = True
                svc.queues[d].append(job)
            left = left - take
            if left.sum() <= 0:
                break
        if left.sum() > 0:
            svc.ctx.log(now, "relief_order_short", shelter=p.id, value=float(left @ inp.kg),
                        detail="no reachable depot with stock for the whole order (kg short)")


def order_round(queues: list[list[int]], room: int, dist: Callable[[int, int], float],
                max_stops: int = MAX_STOPS) -> list[tuple[int, list[int]]]:
    """One truck's round by the orders rule; the orders it takes leave the queues.

    Parameters
    ----------
    queues : list of list of int
        Waiting orders of each stop, oldest first (order numbers rise with their time).
    room : int
        Orders the truck carries.
    dist : callable
        ``dist(a, b)``: driving time from stop ``a`` to stop ``b``.
    max_stops : int
        Most stops of the round.

    Returns
    -------
    list of (int, list of int)
        The stops in driving order with the orders unloaded at each (empty: nothing
        waits).
    """
    waiting = [(q[0], s) for s, q in enumerate(queues) if q]
    if not waiting:
        return []
    cur = min(waiting)[1]
    stops: list[tuple[int, list[int]]] = []
    while cur >= 0 and room > 0 and len(stops) < max_stops:
        q = queues[cur]
        take, queues[cur] = q[:room], q[room:]
        room -= len(take)
        stops.append((cur, take))
        done = {x for x, _ in stops}
        cand = [s for s, q in enumerate(queues) if q and s not in done]
        here = cur
        cur = min(cand, key=lambda s: (dist(here, s), s)) if cand else -1
    return stops


def fixed_route_process(svc: ReliefService, r: int) -> Any:
    """SimPy process: queue route ``r``'s job at each of its departure times."""
    route = svc.plan.routes[r]
    env = svc.ctx.env
    inp = svc.inp
    depot = [d.id for d in inp.depots].index(route.depot)
    ttype = -1 if route.truck_type is None else \
        [t.id for t in inp.types].index(route.truck_type)
    pos = {p.id: i for i, p in enumerate(inp.points)}
    for t in route_times(route.depart_h, route.every_h, route.start_h, route.until_h,
                         svc.ctx.world.duration_s):
        if t > env.now:
            yield env.timeout(t - env.now)
        stops = [(pos[s.point], np.array([float(s.load.get(c, 0)) for c in inp.commodities]))
                 for s in route.stops]
        svc.queues[depot].append(Job(depot, stops, "fixed", env.now, ttype, route.id))
        svc.assign()


def command_job(svc: ReliefService, args: dict[str, Any]) -> Job:
    """The job of a drill ``send_truck`` command: ``depot``, ``point`` and ``load``
    ({commodity: units}); an InputError naming the bad argument otherwise."""
    inp = svc.inp
    dids = [d.id for d in inp.depots]
    pids = [p.id for p in inp.points]
    d, p, load = args.get("depot"), args.get("point"), args.get("load")
    if d not in dids:
        raise InputError.single("command", "depot", f"no depot {d!r}; have {dids}")
    if p not in pids:
        raise InputError.single("command", "point", f"no demand point {p!r}; have {pids}")
    if not isinstance(load, dict) or not load:
        raise InputError.single("command", "load", "give {commodity: units, ...}")
    bad = [c for c in load if c not in inp.commodities]
    if bad:
        raise InputError.single("command", "load", f"unknown commodity {bad[0]!r}; known: "
                                f"{inp.commodities}")
    if any(not isinstance(v, int | float) or isinstance(v, bool) or v < 0
           for v in load.values()):
        raise InputError.single("command", "load", "units must be numbers >= 0")
    q = np.array([float(load.get(c, 0)) for c in inp.commodities])
    return Job(dids.index(str(d)), [(pids.index(str(p)), q)], "command", svc.ctx.now,
               route=json.dumps(load, sort_keys=True))
