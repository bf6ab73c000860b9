"""The agents of a run: households (vehicles or none), shadow evacuees, background traffic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.demand.departure import departure_delays_s
from musterpoint.sim.demand.extra_traffic import background_vehicles, shadow_vehicles
from musterpoint.sim.demand.facilities import facility_loads
from musterpoint.sim.demand.population import Vehicles, make_vehicles
from musterpoint.sim.rng import RandomStreams
from musterpoint.sim.traffic.queue_model import TrafficModel, VehicleState
from musterpoint.sim.world import World

__all__ = ["AgentBook", "Agents", "concat_vehicles", "prepare_agents", "zone_order_times"]


def zone_order_times(world: World, plan: Plan) -> np.ndarray:
    """Order time (s) of each zone: the earliest stage that names it, else the default
    (in a plan with response levels: never, until a level orders it)."""
    z = world.zones
    out = np.full(len(z.ids), np.inf if plan.levels else plan.order_time_h * 3600.0)
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


def _texts(n: int, value: str) -> np.ndarray:
    """An object array of ``n`` times the string ``value`` (one shared object: ten times
    faster than ``np.full`` for millions of agents)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
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
    delay_s: np.ndarray | None = None
    facility: np.ndarray | None = None  # special facility index per agent (-1: none)


def prepare_agents(w: World, plan: Plan, streams: RandomStreams,
                   exit_dest: Sequence[int]) -> Agents:
    """Households and vehicles of a run: evacuees (or none, for a plan that does not
    evacuate), shadow evacuees and background traffic (bound for the router destinations
    ``exit_dest``), with their departure times."""
    sc = w.loaded.scenario
    roles: list[np.ndarray] = []
    delay_s = None
    if w.trips is not None:
        veh = w.trips
        zone_order = np.array([float(np.min(veh.depart_s))])
        depart = veh.depart_s.copy()
    else:
        assert w.places is not None
        if plan.evacuate:
            veh = make_vehicles(w.places, sc.households, w.node_index, streams,
                                sc.max_snap_m, str(w.loaded.path))
            zone_order = zone_order_times(w, plan)
        else:  # nobody is ordered out
            veh = Vehicles(*(np.zeros(0, dtype=np.int64),) * 4, np.zeros(0),
                           np.zeros(0, dtype=np.int64), np.zeros(0))
            zone_order = np.full(len(w.zones.ids), np.inf)
        u = streams.stream("departure").random(veh.zone.size)
        delay_s = departure_delays_s(plan.departure, u)
        depart = zone_order[veh.zone] + delay_s
    finite = zone_order[np.isfinite(zone_order)]
    first_order_s = float(np.min(finite)) if finite.size else 0.0
    parts, departs = [veh], [depart]
    roles.append(_texts(veh.zone.size, "evacuee"))
    facility = [np.full(veh.zone.size, -1, dtype=np.int64)]
    if sc.special_facilities and plan.evacuate and w.places is not None:
        assert sc.population is not None
        fl = facility_loads(sc.special_facilities, w.places, w.node_index,
                            sc.population.zone_cell_m, sc.max_snap_m, str(w.loaded.path))
        mob = np.array([f.mobilisation_min * 60.0 for f in sc.special_facilities])
        parts.append(fl.veh)
        departs.append(zone_order[fl.veh.zone] + mob[fl.facility])
        roles.append(_texts(fl.veh.zone.size, "evacuee"))
        facility.append(fl.facility)
    if plan.shadow_share > 0 and w.places is not None:
        sv, sd = shadow_vehicles(w.places, sc.households, w.node_index, streams,
                                 plan, first_order_s, sc.max_snap_m,
                                 str(w.loaded.path))
        parts.append(sv)
        departs.append(sd)
        roles.append(_texts(sv.zone.size, "shadow"))
    if plan.background_vph > 0:
        has_out = np.unique(w.network.link_from)
        bv, bd = background_vehicles(plan.background_vph, w.duration_s, has_out,
                                     len(exit_dest), streams)
        bv.destination = np.array(exit_dest, dtype=np.int64)[bv.destination]
        parts.append(bv)
        departs.append(bd)
        roles.append(_texts(bv.zone.size, "background"))
    n_other = sum(p.zone.size for p in parts) - sum(f.size for f in facility)
    facility.append(np.full(n_other, -1, dtype=np.int64))
    return Agents(concat_vehicles(parts) if len(parts) > 1 else veh, np.concatenate(roles),
                  np.concatenate(departs), zone_order, first_order_s, delay_s,
                  np.concatenate(facility))


class AgentBook:
    """Every agent of a run and where it is in its life (arrays indexed by agent).

    Parameters
    ----------
    agents : Agents
        The agents and their planned departures.

    Attributes
    ----------
    veh : Vehicles
        Zone, place, origin, persons, PCU (0: no transport), destination of each agent.
    role : ndarray
        ``evacuee``, ``shadow`` or ``background``.
    depart_s_all, depart_s : ndarray
        Planned departure of every agent; of those who drive (NaN without transport).
    zone_order : ndarray
        Order time of each zone (s; inf: not ordered yet).
    delay_s : ndarray or None
        Each evacuee household's mobilisation delay after its zone's order (s).
    status, reason : ndarray of str
        One of the four exclusive end states, and why.
    arrive_s, final_dest, vehicle : ndarray
        Arrival time, router destination reached, traffic-model vehicle number (-1).
    bus_road_exposure, exposed_home_s, exposed_road_s, left_hazard_s : ndarray
        Exposure (s) on buses (and on earlier vehicles of a household that waited and set
        off again), at home, on the road, and when it ended.
    group : ndarray of str
        NUREG/CR-7002 group of evacuees: ``general`` (a car, a ride or on foot),
        ``transit_dependent`` (needs a bus) or ``special_facility``; empty for others.
    cut_off_at_start, at_home : ndarray of bool
        No open road from home to any shelter at the order; has not left home.
    waits, retries : ndarray of int
        Times it had to wait for a road; times it set off again after waiting.
    left_home_s, road_exposure_end : ndarray
        When it first entered the road (NaN: not yet); end of road exposure on earlier
        vehicles (-inf: none).
    facility_index : ndarray of int
        Index of its special facility in the scenario's list, or -1.
    stop_node : ndarray of int
        Node where it waits (or waited, if stranded there), else -1.
    walker : ndarray of bool
        Walks to a shelter (``plan.walking``).
    has_transport : ndarray of bool
        Has a way to leave: a car or a ride, feet, a bus of the plan, the facility's
        vehicles (False: transit-dependent with no bus).
    """

    def __init__(self, agents: Agents) -> None:
        self.veh: Vehicles = agents.veh
        self.role = agents.role
        self.depart_s_all = agents.depart_s_all
        self.zone_order = agents.zone_order
        self.first_order_s = agents.first_order_s
        self.delay_s = agents.delay_s
        self.depart_s = np.where(self.veh.pcu > 0, self.depart_s_all, np.nan)
        n = self.veh.zone.size
        self.status = _texts(n, "never_departed")
        self.reason = _texts(n, "")
        self.reason[self.veh.pcu <= 0] = "no transport (needs a bus or a ride)"
        self.arrive_s = np.full(n, np.nan)
        self.final_dest = np.full(n, -1, dtype=np.int64)
        self.vehicle = np.full(n, -1, dtype=np.int64)
        self.bus_road_exposure = np.zeros(n)
        self.exposed_home_s = np.zeros(n)
        self.exposed_road_s = np.zeros(n)
        self.left_hazard_s = np.full(n, np.nan)
        self.depart_token = [0] * n
        ev = self.role == "evacuee"
        self.group = np.array(["general", "transit_dependent", ""], dtype=object)[
            np.where(ev, np.where(self.veh.pcu > 0, 0, 1), 2)]
        self.facility_index = (agents.facility if agents.facility is not None
                               else np.full(n, -1, dtype=np.int64))
        self.group[self.facility_index >= 0] = "special_facility"
        self.reason[self.facility_index >= 0] = "waiting for the facility's vehicles"
        self.cut_off_at_start = np.zeros(n, dtype=bool)
        self.at_home = np.ones(n, dtype=bool)
        self.waits = np.zeros(n, dtype=np.int64)
        self.retries = np.zeros(n, dtype=np.int64)
        self.left_home_s = np.full(n, np.nan)
        self.road_exposure_end = np.full(n, -np.inf)
        self.stop_node = np.full(n, -1, dtype=np.int64)
        self.walker = np.zeros(n, dtype=bool)
        self.has_transport = self.group != "transit_dependent"

    @property
    def size(self) -> int:
        """Number of agents."""
        return int(self.status.size)

    def arrive(self, v: int, d: int, t: float) -> None:
        """Agent ``v`` reached router destination ``d`` at ``t``."""
        self.status[v] = "arrived"
        self.reason[v] = ""
        self.arrive_s[v] = t
        self.final_dest[v] = d

    def strand(self, v: int, reason: str) -> None:
        """Agent ``v`` can go no further, for ``reason``."""
        self.status[v] = "stranded"
        self.reason[v] = reason

    def make_walkers(self, idx: np.ndarray) -> None:
        """Agents ``idx`` walk: no vehicle on the road, in the general group."""
        self.walker[idx] = True
        self.has_transport[idx] = True
        self.veh.pcu[idx] = 0.0
        self.depart_s[idx] = np.nan
        self.group[idx] = "general"
        self.reason[idx] = "walks to a shelter"

    def retire_vehicle(self, v: int, traffic: TrafficModel) -> None:
        """Agent ``v``'s vehicle is off the road (stranded; it will wait): keep what it
        did (when it left home, exposure) before a new vehicle carries on for it."""
        tv = int(self.vehicle[v])
        if tv < 0:
            return
        entered = float(traffic.first_enter_t[tv])
        if np.isfinite(entered):
            self.at_home[v] = False
            if np.isnan(self.left_home_s[v]):
                self.left_home_s[v] = entered
        self.bus_road_exposure[v] += traffic.exposed_s[tv]
        self.road_exposure_end[v] = max(self.road_exposure_end[v], traffic.exposure_end[tv])
        self.vehicle[v] = -1

    def close_books(self, traffic: TrafficModel, world: World, boarded: dict[int, float],
                    until: float,
                    place_flooded: list[list[tuple[float, float]]] | None = None) -> None:
        """Final reasons, exposure at home and on the road, and when exposure ended.

        ``boarded`` is when bus riders boarded (they left home then); ``place_flooded``
        replaces the world's flooded intervals of places (a flood changed in the run)."""
        tm = traffic
        n = self.size
        home = np.zeros(n)
        road = self.bus_road_exposure.copy()
        left_hazard = np.full(n, np.nan)
        fl = world.place_flooded if place_flooded is None else place_flooded
        # whole arrays at once (the same operations, in the same order, per agent)
        tv = self.vehicle
        on = np.flatnonzero(tv >= 0)
        tvo = tv[on]
        exposed = np.asarray(tm.exposed_s, dtype=np.float64)
        state = np.asarray(tm.state, dtype=np.int64)
        first_enter = np.asarray(tm.first_enter_t, dtype=np.float64)
        end_road = self.road_exposure_end.copy()
        road[on] += exposed[tvo]
        end_road[on] = np.maximum(end_road[on], np.asarray(tm.exposure_end,
                                                           dtype=np.float64)[tvo])
        en_route = on[self.status[on] == "en_route"]
        st = state[tv[en_route]]
        self.reason[en_route[st == VehicleState.WAITING]] = "waiting to enter the road"
        self.reason[en_route[st == VehicleState.ON_ROAD]] = "on the road"
        end_home = np.full(n, -np.inf)
        if fl is not None:
            place = self.veh.place
            flooded_place = np.zeros(len(fl) + 1, dtype=bool)  # the last: place -1
            flooded_place[:-1] = [bool(iv) for iv in fl]
            hit = np.flatnonzero(flooded_place[place] & (place >= 0)
                                 & (self.role == "evacuee"))
            for v in hit.tolist():
                k = int(tv[v])
                left = until
                if np.isfinite(self.left_home_s[v]):
                    left = float(self.left_home_s[v])
                elif k >= 0 and np.isfinite(first_enter[k]):
                    left = first_enter[k]
                elif v in boarded:
                    left = boarded[v]
                for s, e in fl[int(place[v])]:
                    lo, hi = max(s, 0.0), min(e, left)
                    if hi > lo:
                        home[v] += hi - lo
                        end_home[v] = hi
        last = np.maximum(end_home, end_road)
        fin = np.isfinite(last)
        left_hazard[fin] = last[fin]
        self.exposed_home_s = home
        self.exposed_road_s = road
        self.left_hazard_s = left_hazard
