"""Live views of a run: KPIs so far, vehicles for the map, per-agent state.

Each function takes a started run, reads it mid-way (the finished run's KPIs come from
:mod:`musterpoint.sim.evacuation.kpis`) without changing it, and returns JSON-ready
data. The drill reads a run only through these views and the methods of
:class:`LiveRun`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from musterpoint.sim.intervals import inside_at
from musterpoint.sim.kpis.evacuation import STATUSES
from musterpoint.sim.result import RunResult, clean_json
from musterpoint.sim.traffic.queue_model import VehicleState

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["MAX_CARS_ON_MAP", "LiveRun", "agent_state", "live_kpis", "service_places",
           "vehicles_on_map"]

#: Most cars drawn on the live map (buses, trucks and other service vehicles: all).
MAX_CARS_ON_MAP = 2000


class LiveRun(Protocol):
    """What a driver of a run (the drill) may do with it: step it, command it, watch it."""

    @property
    def now(self) -> float:
        """Current simulated time (s)."""

    @property
    def manual_closed(self) -> np.ndarray:
        """Links closed by commands now."""

    @property
    def extension_names(self) -> list[str]:
        """Names (KPI families) of the run's services, in attachment order."""

    def start(self) -> None:
        """Set up every process at time 0."""

    def advance(self, t: float) -> None:
        """Run up to time ``t``."""

    def finish(self) -> RunResult:
        """Run to the end and return the result."""

    def command(self, kind: str, args: dict[str, Any]) -> None:
        """Apply a command now."""

    def command_specs(self) -> dict[str, dict[str, Any]]:
        """Every command the run accepts."""

    def snapshot(self) -> dict[str, Any]:
        """State now, for a live map."""

    def live_kpis(self) -> dict[str, Any]:
        """Headline figures now."""

    def vehicles_on_map(self) -> dict[str, Any]:
        """Vehicles on the road now."""

    def agent_state(self) -> dict[str, Any]:
        """Every agent's state and a digest."""

    def service_places(self) -> list[dict[str, Any]]:
        """Where the run's services drive to (depots, sites, pickup points)."""


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
    ev = run.agents.role == "evacuee"
    evacuees = int(run.agents.veh.persons[ev].sum())
    tm = run.roads.traffic
    state = np.asarray(tm.state, dtype=np.int64)
    cap = run.shelters.capacity[np.isfinite(run.shelters.capacity)]
    occ = int(run.shelters.occupancy.sum())
    sh = run.shelters
    out: dict[str, Any] = {
        "time_s": run.now,
        "evacuees": evacuees,
        **snap_totals,
        "share_arrived": snap_totals["arrived"] / evacuees if evacuees else None,
        "vehicles_on_road": int((state == VehicleState.ON_ROAD).sum()),
        "closed_links": int(run.roads.closed.sum()),
        "closed_by_command": int(run.roads.manual_closed.sum()),
        "shelter_occupancy": occ,
        "shelter_capacity": float(cap.sum()),
        "shelters_full": int(((sh.occupancy >= sh.capacity) & np.isfinite(sh.capacity))[
            : sh.n].sum()),
        "zones_ordered": int((run.agents.zone_order <= run.now).sum()),
        "exposed_person_h_so_far": _exposure_so_far(run) / 3600.0,
        "persons_in_hazard_at_home": _at_home_in_hazard(run),
    }
    for ext in run.extensions:
        extra: dict[str, Any] = {}
        _flat_numbers(ext.name, ext.snapshot(), extra)
        out.update(extra)
    return out


def _totals(run: EvacuationRun) -> dict[str, int]:
    ev = run.agents.role == "evacuee"
    p = run.agents.veh.persons
    return {s: int(p[ev & (run.agents.status == s)].sum())
            for s in STATUSES}


def _home_left(run: EvacuationRun) -> np.ndarray:
    """When each household left home (its car entered the road), else now."""
    tm = run.roads.traffic
    left = np.full(run.agents.status.size, run.now)
    has = run.agents.vehicle >= 0
    if has.any():
        first = np.asarray(tm.first_enter_t, dtype=float)[run.agents.vehicle[has]]
        left[has] = np.where(np.isfinite(first), np.minimum(first, run.now), run.now)
    boarded: dict[int, float] = getattr(run.extension("transit"), "boarded_s", {}) or {}
    for v, t in boarded.items():
        left[v] = min(left[v], t)
    return left


def _exposure_so_far(run: EvacuationRun) -> float:
    """Person-seconds in the hazard so far: at home, and in cars on the road."""
    fl = run.world.place_flooded
    persons = run.agents.veh.persons.astype(float)
    ev = run.agents.role == "evacuee"
    total = 0.0
    has = run.agents.vehicle >= 0
    if has.any():
        road = np.asarray(run.roads.traffic.exposed_s, dtype=float)[run.agents.vehicle[has]]
        total += float((road * persons[has]).sum())
    if fl is None:
        return total
    left = _home_left(run)
    place = run.agents.veh.place
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
    wet = inside_at(fl, t)
    place = run.agents.veh.place
    ok = (run.agents.role == "evacuee") & (place >= 0) & (run.agents.status == "never_departed")
    idx = np.flatnonzero(ok)
    return int(run.agents.veh.persons[idx[wet[place[idx]]]].sum()) if idx.size else 0


def vehicles_on_map(run: EvacuationRun) -> dict[str, Any]:
    """Vehicles on the road now: a sample of cars, and every service vehicle.

    ``on_road`` counts them; ``cars`` has ``[lon, lat]`` of at most
    :data:`MAX_CARS_ON_MAP` cars, ``fleet`` ``[lon, lat, owner]`` of every other vehicle.
    """
    tm = run.roads.traffic
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
    owners = [run.roads.owner[int(v)] for v in on.tolist()]
    fleet = [[round(float(lon[k]), 6), round(float(lat[k]), 6), o.name]
             for k, o in enumerate(owners) if o is not None]
    cars = np.array([k for k, o in enumerate(owners) if o is None], dtype=np.int64)
    if cars.size > MAX_CARS_ON_MAP:
        cars = cars[np.linspace(0, cars.size - 1, MAX_CARS_ON_MAP).astype(np.int64)]
    return {"on_road": int(on.size),
            "cars": [[round(float(lon[k]), 6), round(float(lat[k]), 6)] for k in cars.tolist()],
            "fleet": fleet}


def service_places(run: EvacuationRun) -> list[dict[str, Any]]:
    """The destinations of the run's extensions: ``extension``, ``id``, ``lon``, ``lat``."""
    net = run.world.network
    places = []
    for lo, hi, ext in run.ext_dest:
        for k in range(hi - lo):
            nodes = run.roads.router.destinations[lo + k]
            if not nodes:
                continue
            n = nodes[0]
            places.append({"extension": ext.name, "id": ext.dest_label(k),
                           "lon": float(net.lon[n]), "lat": float(net.lat[n])})
    return places


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
    tm = run.roads.traffic
    ids = run.world.network.link_id
    agents = {
        "status": _plain(run.agents.status.tolist()),
        "reason": _plain(run.agents.reason.tolist()),
        "depart_s": _plain(run.agents.depart_s.tolist()),
        "arrive_s": _plain(run.agents.arrive_s.tolist()),
        "destination": [run.dest_id(int(d)) for d in run.agents.final_dest.tolist()],
        "vehicle": _plain(run.agents.vehicle.tolist()),
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
        "occupancy": _plain(run.shelters.occupancy.tolist()),
        "capacity": _plain(run.shelters.capacity.tolist()),
        "open_s": _plain(run.shelters.open_s.tolist()),
        "closed": [str(ids[i]) for i in np.flatnonzero(run.roads.closed).tolist()],
        "zone_order_s": _plain(run.agents.zone_order.tolist()),
        "queued": [len(q) for q in tm.queue],
        "events": len(run.recorder.events),
        "extensions": clean_json({e.name: e.snapshot() for e in run.extensions}),
    }
    h = hashlib.sha256()
    for part in (agents, vehicles, other):
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
    h.update(repr(run.recorder.events).encode())
    return {"digest": h.hexdigest(), "agents": agents, "vehicles": vehicles, **other}
