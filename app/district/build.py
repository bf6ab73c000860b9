"""Build a complete scenario folder from a district's files: :func:`build`.

The folder holds ``scenario.yaml``, a default plan (``plans/evacuate-all-now.yaml``),
``data/`` with copies (or clipped or converted forms) of every input, and ``README.md``
listing every source, what was done to it and every assumption. The scenario is loaded
and its world built before anything is written; on any problem nothing is written.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musterpoint.district.coords import diagnose_offset
from musterpoint.district.people import prepare_population, prepare_zones
from musterpoint.district.places import PlaceColumns, PlaceRecord, read_places
from musterpoint.district.roads import area_geometry, prepare_roads
from musterpoint.district.spec import DistrictSpec, PlaceFileSpec
from musterpoint.district.writer import write_folder
from musterpoint.scenarios._base import safe_slug
from musterpoint.scenarios.errors import InputError, Problem

__all__ = ["BuildResult", "build", "road_points"]

logger = logging.getLogger(__name__)

#: A place farther than this from every road point is outside the network's area (m);
#: the scenario's ``max_snap_m`` default.
MAX_SNAP_M = 500.0


@dataclass
class BuildResult:
    """What :func:`build` wrote and measured."""

    folder: Path
    nodes: int
    links: int
    persons: int
    zones: int
    shelters: int
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def road_points(net: Any) -> tuple[np.ndarray, np.ndarray]:
    """Points along the roads of a network: its nodes and every link vertex (WGS 84).

    Parameters
    ----------
    net : Network
        A read network.

    Returns
    -------
    tuple of ndarray
        Longitudes and latitudes.
    """
    lon, lat = [net.lon], [net.lat]
    if net.geometry is not None:
        for g in net.geometry:
            lon.append(g[:, 0])
            lat.append(g[:, 1])
    return np.concatenate(lon), np.concatenate(lat)


def _far_rows(places: list[PlaceRecord], tree: Any, lat0: float) -> list[tuple[int, float]]:
    k = 111_320.0
    c = math.cos(math.radians(lat0))
    xy = np.array([[p.lon * k * c, p.lat * k] for p in places])
    d, _ = tree.query(xy)
    return [(p.row, float(x)) for p, x in zip(places, d, strict=True) if x > MAX_SNAP_M]


def _check_places(pf: PlaceFileSpec, places: list[PlaceRecord], rlon: np.ndarray,
                  rlat: np.ndarray, tree: Any) -> None:
    file = str(pf.file)
    diag = diagnose_offset([p.lon for p in places], [p.lat for p in places], rlon, rlat,
                           declared=pf.crs)
    if diag is not None:
        raise InputError.single(file, "crs", diag.message)
    far = _far_rows(places, tree, float(np.mean(rlat)))
    if far:
        raise InputError([Problem(file, f"row {row}", (
            f"{d:,.0f} m from the nearest road: outside the road network's area; fix the "
            "coordinates (lon first), remove the row, or enlarge the area")) for row, d in far])


def _shelter_entry(p: PlaceRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"id": safe_slug(p.id), "name": p.name, "lon": round(p.lon, 7),
                           "lat": round(p.lat, 7), "capacity": int(p.capacity or 0)}
    if p.access_radius_m is not None:
        out["access_radius_m"] = p.access_radius_m
    return out


def build(spec: DistrictSpec, out: Path, *, check: bool = True) -> BuildResult:
    """Write the scenario folder ``out`` from a district's files.

    Parameters
    ----------
    spec : DistrictSpec
        The files and choices.
    out : Path
        The folder to write (replaced as a whole if it exists; written only when complete).
    check : bool
        Load the written scenario and build its world (and each plan's run) before the
        folder is put in place, as ``muster validate`` does.

    Returns
    -------
    BuildResult

    Raises
    ------
    InputError
        Every problem with the inputs, each naming the file, the row or field and what to
        do; nothing is written then.
    """
    from scipy.spatial import cKDTree

    from musterpoint.atomic import atomic_folder
    from musterpoint.sim.network.read import read_network

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    with atomic_folder(out) as tmp:
        data = tmp / "data"
        data.mkdir()
        geom = area_geometry(spec.area)
        roads = prepare_roads(spec.roads, geom, data)
        t["roads"] = time.perf_counter() - t0
        net_src = roads.network
        first = (data.parent / str(net_src.get("osm") or net_src.get("layer")
                                   or net_src.get("nodes")))
        net = read_network(first, crs=net_src.get("crs"), layer=net_src.get("layer_name"))
        rlon, rlat = road_points(net)
        k, c = 111_320.0, math.cos(math.radians(float(np.mean(rlat))))
        tree = cKDTree(np.column_stack([rlon * k * c, rlat * k]))
        t["network"] = time.perf_counter() - t0
        pop = prepare_population(spec.population, geom, data)
        diag = diagnose_offset(pop.lon, pop.lat, rlon, rlat, declared=spec.population.crs)
        if diag is not None:
            raise InputError.single(str(spec.population.file), "crs", diag.message)
        zone_fields, zone_notes = prepare_zones(spec.zones, pop.lon, pop.lat, data)
        population = {**pop.population, **zone_fields}
        if spec.evacuate_below_m is not None:
            population["max_elevation_m"] = spec.evacuate_below_m
        if spec.evacuate_area is not None:
            if not spec.evacuate_area.exists():
                raise InputError.single(str(spec.evacuate_area), "--evacuate-area",
                                        "file not found; check the path")
            shutil.copy2(spec.evacuate_area, data / spec.evacuate_area.name)
            population["area"] = f"data/{spec.evacuate_area.name}"
        t["population"] = time.perf_counter() - t0
        shelters: list[dict[str, Any]] = []
        exits: list[dict[str, Any]] = []
        other: dict[str, list[PlaceRecord]] = {}
        problems: list[Problem] = []
        for pf in spec.places:
            cols = PlaceColumns(name=pf.name_col, id=pf.id_col, capacity=pf.capacity_col,
                                lon=pf.lon_col, lat=pf.lat_col, crs=pf.crs, sheet=pf.sheet,
                                layer=pf.layer)
            try:
                places = read_places(pf.file, pf.kind, cols)
                _check_places(pf, places, rlon, rlat, tree)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if pf.kind == "shelter":
                shelters.extend(_shelter_entry(p) for p in places)
            elif pf.kind == "exit":
                exits.extend({"id": safe_slug(p.id), "name": p.name, "lon": round(p.lon, 7),
                              "lat": round(p.lat, 7)} for p in places)
            else:
                other.setdefault(pf.kind, []).extend(places)
        if problems:
            raise InputError(problems)
        t["places"] = time.perf_counter() - t0
        notes = [*roads.notes, *pop.notes, *zone_notes]
        write_folder(tmp, spec, net_src, population, shelters, exits, other, notes)
        zones_n = 0
        if check:
            from musterpoint.scenarios.loader import load_scenario
            from musterpoint.sim.drill.checks import check_scenario

            checked = check_scenario(load_scenario(tmp / "scenario.yaml"), standards=False)
            zones_n = len(checked.world.zones.ids)
            t["check"] = time.perf_counter() - t0
    t["total"] = time.perf_counter() - t0
    logger.info("wrote %s in %.1f s", out, t["total"])
    return BuildResult(out, net.n_nodes, net.n_links, pop.persons, zones_n, len(shelters),
                       t, notes)
