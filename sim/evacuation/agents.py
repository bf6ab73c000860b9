"""The agents of a run: households (vehicles or none), shadow evacuees, background traffic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.demand.departure import departure_delays_s
from musterpoint.sim.demand.extra_traffic import background_vehicles, shadow_vehicles
from musterpoint.sim.demand.population import Vehicles, make_vehicles
from musterpoint.sim.world import World

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["Agents", "concat_vehicles", "prepare_agents", "zone_order_times"]


def zone_order_times(world: World, plan: Plan) -> np.ndarray:
    """Order time (s) of each zone: the earliest stage that names it, else the default."""
    z = world.zones
    out = np.full(len(z.ids), plan.order_time_h * 3600.0)
    named = np.zeros(len(z.ids), dtype=bool)
    pos = {zid: i for i, zid in enumerate(z.ids)}
    for stage in plan.stages:
        hit = np.zeros(len(z.ids), dtype=bool)
        if stage.zones is not None:
            for zid in stage.zones:
                if zid in pos:
                    hit[pos[zid]] = True
        if stage.max_elevation_m is not None:
            hit |= np.nan_to_num(z.elevation, nan=np.inf) <= stage.max_elevation_m
        t = stage.time_h * 3600.0
        out = np.where(hit & (~named | (t < out)), t, out)
        named |= hit
    return out


def concat_vehicles(parts: list[Vehicles]) -> Vehicles:
    """One Vehicles table from several."""
    return Vehicles(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                      ("zone", "place", "origin", "persons", "pcu", "destination", "depart_s")))


@dataclass
class Agents:
    """The agents of a run and their planned departures."""

    veh: Vehicles
    role: np.ndarray
    depart_s_all: np.ndarray
    zone_order: np.ndarray
    first_order_s: float


def prepare_agents(run: EvacuationRun) -> Agents:
    """Households and vehicles of a run: evacuees (or none, for a plan that does not
    evacuate), shadow evacuees and background traffic, with their departure times."""
    w, plan, sc = run.world, run.plan, run.world.loaded.scenario
    roles: list[np.ndarray] = []
    if w.trips is not None:
        veh = w.trips
        zone_order = np.array([float(np.min(veh.depart_s))])
        depart = veh.depart_s.copy()
    else:
        assert w.places is not None
        if plan.evacuate:
            veh = make_vehicles(w.places, sc.households, w.node_index, run.streams,
                                sc.max_snap_m, str(w.loaded.path))
            zone_order = zone_order_times(w, plan)
        else:  # nobody is ordered out
            veh = Vehicles(*(np.zeros(0, dtype=np.int64),) * 4, np.zeros(0),
                           np.zeros(0, dtype=np.int64), np.zeros(0))
            zone_order = np.full(len(w.zones.ids), np.inf)
        u = run.streams.stream("departure").random(veh.zone.size)
        depart = zone_order[veh.zone] + departure_delays_s(plan.departure, u)
    finite = zone_order[np.isfinite(zone_order)]
    first_order_s = float(np.min(finite)) if finite.size else 0.0
    parts, departs = [veh], [depart]
    roles.append(np.full(veh.zone.size, "evacuee", dtype=object))
    if plan.shadow_share > 0 and w.places is not None:
        sv, sd = shadow_vehicles(w.places, sc.households, w.node_index, run.streams,
                                 plan, first_order_s, sc.max_snap_m,
                                 str(w.loaded.path))
        parts.append(sv)
        departs.append(sd)
        roles.append(np.full(sv.zone.size, "shadow", dtype=object))
    if plan.background_vph > 0:
        has_out = np.unique(w.network.link_from)
        bv, bd = background_vehicles(plan.background_vph, w.duration_s, has_out,
                                     len(run.exit_dest), run.streams)
        bv.destination = np.array(run.exit_dest, dtype=np.int64)[bv.destination]
        parts.append(bv)
        departs.append(bd)
        roles.append(np.full(bv.zone.size, "background", dtype=object))
    return Agents(concat_vehicles(parts) if len(parts) > 1 else veh, np.concatenate(roles),
                  np.concatenate(departs), zone_order, first_order_s)
