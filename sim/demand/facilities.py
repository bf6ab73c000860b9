"""Special facilities as demand (NUREG/CR-7002): schools, hospitals, care homes.

Each facility in ``scenario.special_facilities`` is placed at its nearest road node and in
the zone of its nearest populated place inside the evacuation area (within one zone cell;
a facility farther from every evacuating place is outside the area and is not ordered
out). Its residents become "loads": one agent per vehicle trip (``seats`` persons, the last
one the rest), without a vehicle of their own (``pcu = 0``); they are ready to board at
the zone's order time plus the facility's ``mobilisation_min``. Facility residents are
counted in addition to the population layer's residents (a population grid counts people
at home; a school's pupils or a hospital's patients are elsewhere at the time).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.evacuation_schema import SpecialFacility
from musterpoint.sim.demand.population import Places, Vehicles
from musterpoint.sim.geo import LocalProjection, NodeIndex

__all__ = ["FacilityLoads", "facility_loads"]

logger = logging.getLogger(__name__)


@dataclass
class FacilityLoads:
    """The vehicle loads of the facilities that are ordered out.

    Attributes
    ----------
    veh : Vehicles
        One row per load: zone, origin (the facility's node), persons; no vehicle.
    facility : ndarray of int
        Index of each load's facility in ``scenario.special_facilities``.
    node : ndarray of int
        Road node of every facility (-1 for those outside the evacuation area).
    zone : ndarray of int
        Zone of every facility (-1: outside the evacuation area).
    """

    veh: Vehicles
    facility: np.ndarray
    node: np.ndarray
    zone: np.ndarray


def facility_loads(facilities: Sequence[SpecialFacility], places: Places,
                   node_index: NodeIndex, zone_cell_m: float, max_snap_m: float,
                   file: str) -> FacilityLoads:
    """The loads of every facility inside the evacuation area.

    Parameters
    ----------
    facilities : sequence of SpecialFacility
        ``scenario.special_facilities``.
    places : Places
        Populated places (their zones and whether they are ordered out).
    node_index : NodeIndex
        Nearest road node lookup.
    zone_cell_m : float
        Side of the zone grid: the farthest a facility may be from an evacuating place.
    max_snap_m : float
        Farthest a facility may be from the road network.
    file : str
        The scenario file, for messages.
    """
    n = len(facilities)
    node = np.full(n, -1, dtype=np.int64)
    zone = np.full(n, -1, dtype=np.int64)
    ev = np.flatnonzero(places.evacuate)
    if n and ev.size:
        lon = np.array([f.lon for f in facilities])
        lat = np.array([f.lat for f in facilities])
        nd, dist = node_index.nearest(lon, lat)
        for i, f in enumerate(facilities):
            if float(dist[i, 0]) > max_snap_m:
                raise InputError.single(
                    file, f"special_facilities[{i}] ({f.id})",
                    f"is {float(dist[i, 0]):,.0f} m from the nearest road (limit "
                    f"{max_snap_m:,.0f} m); move it onto the network or check lon/lat")
        proj = LocalProjection(float(places.lon.mean()), float(places.lat.mean()))
        px, py = proj.forward(places.lon[ev], places.lat[ev])
        fx, fy = proj.forward(lon, lat)
        d2 = (fx[:, None] - px[None, :]) ** 2 + (fy[:, None] - py[None, :]) ** 2
        near = np.argmin(d2, axis=1)
        inside = np.sqrt(d2[np.arange(n), near]) <= zone_cell_m
        node[inside] = nd[inside, 0]
        zone[inside] = places.zone[ev[near[inside]]]
        for i in np.flatnonzero(~inside).tolist():
            logger.info("special facility %s is outside the evacuation area: not ordered out",
                        facilities[i].id)
    rows: list[tuple[int, int, int]] = []  # facility, persons, zone
    for i, f in enumerate(facilities):
        if zone[i] < 0:
            continue
        left = f.persons
        while left > 0:
            take = min(f.seats, left)
            rows.append((i, take, int(zone[i])))
            left -= take
    fac = np.array([r[0] for r in rows], dtype=np.int64)
    k = fac.size
    veh = Vehicles(
        zone=np.array([r[2] for r in rows], dtype=np.int64),
        place=np.full(k, -1, dtype=np.int64),
        origin=node[fac] if k else np.zeros(0, dtype=np.int64),
        persons=np.array([r[1] for r in rows], dtype=np.int64),
        pcu=np.zeros(k),
        destination=np.full(k, -1, dtype=np.int64),
        depart_s=np.full(k, np.nan),
    )
    return FacilityLoads(veh, fac, node, zone)
