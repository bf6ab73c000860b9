"""Live views of a drill's run: KPIs so far, vehicles for the map, per-agent state.

Each function takes a started :class:`~musterpoint.sim.evacuation.run.EvacuationRun`, reads
it mid-way (the finished run's KPIs come from :mod:`musterpoint.sim.evacuation.kpis`) without
changing it, and returns JSON-ready data.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from musterpoint.sim.evacuation.kpis import clean_json
from musterpoint.sim.evacuation.run import EvacuationRun
from musterpoint.sim.traffic.queue_model import VehicleState

__all__ = ["MAX_CARS_ON_MAP", "agent_state", "live_kpis", "vehicles_on_map"]

#: Most cars drawn on the live map (buses, trucks and other service vehicles: all).
MAX_CARS_ON_MAP = 2000


def _flat_numbers(prefix: str, value: Any, out: dict[str, Any], limit: int = 40) -> None:
    if len(out) >= limit:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flat_numbers(f"{prefix}.{k}", v, out, limit)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float | np.integer | np.floating):
        out[prefix] = value


def live_kpis(run: EvacuationRun) -> dict[str, Any]:
    """The run's KPIs now, flat (extension figures as ``name.key``).

    Time, the evacuees' ledger so far, traffic, closures, shelters, zone orders, exposure
    so far, and up to 40 numbers of each extension's snapshot.
    """
    snap_totals = _totals(run)
    ev = run.role == "evacuee"
    evacuees = int(run.veh.persons[ev].sum())
    tm = run.traffic
    state = np.asarray(tm.state, dtype=np.int64)
    cap = run.capacity[np.isfinite(run.capacity)]
    occ = int(run.occupancy.sum())
    out: dict[str, Any] = {
        "time_s": run.now,
        "evacuees": evacuees,
        **snap_totals,
        "share_arrived": snap_totals["arrived"] / evacuees if evacuees else None,
        "vehicles_on_road": int((state == VehicleState.ON_ROAD).sum()),
        "closed_links": int(run.closed.sum()),
        "closed_by_command": int(run.manual_closed.sum()),
        "shelter_occupancy": occ,
        "shelter_capacity": float(cap.sum()),
        "shelters_full": int(((run.occupancy >= run.capacity) & np.isfinite(run.capacity))[
            : run.n_shelters].sum()),
        "zones_ordered": int((run.zone_order <= run.now).sum()),
        "exposed_person_h_so_far": _exposure_so_far(run) / 3600.0,
        "persons_in_hazard_at_home": _at_home_in_hazard(run),
    }
    for ext in run.extensions:
        extra: dict[str, Any] = {}
        _flat_numbers(ext.name, ext.snapshot(), extra)
        out.update(extra)
    return out


def _totals(run: EvacuationRun) -> dict[str, int]:
    ev = run.role == "evacuee"
    p = run.veh.persons
    return {s: int(p[ev & (run.status == s)].sum())
            for s in ("arrived", "stranded", "en_route", "never_departed")}


def _home_left(run: EvacuationRun) -> np.ndarray:
    """When each household left home (its car entered the road), else now."""
    tm = run.traffic
    left = np.full(run.status.size, run.now)
    has = run.tm_id >= 0
    if has.any():
        first = np.asarray(tm.first_enter_t, dtype=float)[run.tm_id[has]]
        left[has] = np.where(np.isfinite(first), np.minimum(first, run.now), run.now)
    boarded: dict[int, float] = getattr(run.extension("transit"), "boarded_s", {}) or {}
    for v, t in boarded.items():
        left[v] = min(left[v], t)
    return left


def _exposure_so_far(run: EvacuationRun) -> float:
    """Person-seconds in the hazard so far: at home, and in cars on the road."""
    fl = run.world.place_flooded
    persons = run.veh.persons.astype(float)
    ev = run.role == "evacuee"
    total = 0.0
    has = run.tm_id >= 0
    if has.any():
        road = np.asarray(run.traffic.exposed_s, dtype=float)[run.tm_id[has]]
        total += float((road * persons[has]).sum())
    if fl is None:
        return total
    left = _home_left(run)
    place = run.veh.place
    for v in np.flatnonzero(ev & (place >= 0)).tolist():
        iv = fl[int(place[v])]
        if not iv:
            continue
        for s, e in iv:
            lo, hi = max(s, 0.0), min(e, left[v])
            if hi > lo:
                total += (hi - lo) * persons[v]
    return total


def _at_home_in_hazard(run: EvacuationRun) -> int:
    fl = run.world.place_flooded
    if fl is None:
        return 0
    t = run.now
    wet = np.array([any(s <= t < e for s, e in iv) for iv in fl], dtype=bool)
    place = run.veh.place
    ok = (run.role == "evacuee") & (place >= 0) & (run.status == "never_departed")
    idx = np.flatnonzero(ok)
    return int(run.veh.persons[idx[wet[place[idx]]]].sum()) if idx.size else 0


def vehicles_on_map(run: EvacuationRun) -> dict[str, Any]:
    """Vehicles on the road now: a sample of cars, and every service vehicle.

    ``on_road`` counts them; ``cars`` has ``[lon, lat]`` of at most
    :data:`MAX_CARS_ON_MAP` cars, ``fleet`` ``[lon, lat, owner]`` of every other vehicle.
    """
    tm = run.traffic
    net = run.world.network
    state = np.asarray(tm.state, dtype=np.int64)
    on = np.flatnonzero(state == VehicleState.ON_ROAD)
    if not on.size:
        return {"on_road": 0, "cars": [], "fleet": []}
    link = np.asarray(tm.link, dtype=np.int64)[on]
    t0 = np.asarray(tm.enter_t, dtype=float)[on]
    t1 = np.asarray(tm.end_t, dtype=float)[on]
    span = np.where(t1 > t0, t1 - t0, 1.0)
    f = np.clip((run.now - t0) / span, 0.0, 1.0)
    a, b = net.link_from[link], net.link_to[link]
    lon = net.lon[a] + (net.lon[b] - net.lon[a]) * f
    lat = net.lat[a] + (net.lat[b] - net.lat[a]) * f
    owners = [run.tm_owner[int(v)] for v in on.tolist()]
    fleet = [[round(float(lon[k]), 6), round(float(lat[k]), 6), o.name]
             for k, o in enumerate(owners) if o is not None]
    cars = np.array([k for k, o in enumerate(owners) if o is None], dtype=np.int64)
    if cars.size > MAX_CARS_ON_MAP:
        cars = cars[np.linspace(0, cars.size - 1, MAX_CARS_ON_MAP).astype(np.int64)]
    return {"on_road": int(on.size),
            "cars": [[round(float(lon[k]), 6), round(float(lat[k]), 6)] for k in cars.tolist()],
            "fleet": fleet}


def _plain(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None if math.isnan(v) else ("inf" if v > 0 else "-inf")
        out.append(v)
    return out


def agent_state(run: EvacuationRun) -> dict[str, Any]:
    """Per-agent state now (households and traffic-model vehicles) and its digest.

    ``digest`` is the SHA-256 of everything else and the run's event log; ``agents`` and
    ``vehicles`` hold a list per field; shelters, closures, zone orders and extensions'
    snapshots follow.
    """
    tm = run.traffic
    ids = run.world.network.link_id
    agents = {
        "status": _plain(run.status.tolist()),
        "reason": _plain(run.reason.tolist()),
        "depart_s": _plain(run.depart_s.tolist()),
        "arrive_s": _plain(run.arrive_s.tolist()),
        "destination": [run.dest_id(int(d)) for d in run.final_dest.tolist()],
        "vehicle": _plain(run.tm_id.tolist()),
    }
    vehicles = {
        "state": _plain(tm.state),
        "link": [str(ids[i]) if i >= 0 else "" for i in tm.link],
        "node": _plain(tm.node),
        "destination": [run.dest_id(int(d)) for d in tm.dest],
        "enter_t": _plain(tm.enter_t),
        "exposed_s": _plain(tm.exposed_s),
    }
    other = {
        "time_s": run.now,
        "occupancy": _plain(run.occupancy.tolist()),
        "capacity": _plain(run.capacity.tolist()),
        "open_s": _plain(run.open_s.tolist()),
        "closed": [str(ids[i]) for i in np.flatnonzero(run.closed).tolist()],
        "zone_order_s": _plain(run.zone_order.tolist()),
        "queued": [len(q) for q in tm.queue],
        "events": len(run.events),
        "extensions": clean_json({e.name: e.snapshot() for e in run.extensions}),
    }
    h = hashlib.sha256()
    for part in (agents, vehicles, other):
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
    h.update(repr(run.events).encode())
    return {"digest": h.hexdigest(), "agents": agents, "vehicles": vehicles, **other}
