"""Build a complete scenario folder from a district's files: :func:`build`.

The folder holds ``scenario.yaml``, a default plan (``plans/evacuate-all-now.yaml``),
``data/`` with copies (or clipped or converted forms) of every input, and ``README.md``
listing every source, what was done to it and every assumption. The scenario is loaded
and its world built before the folder is put in place (the network is read once, and
its roads serve the coordinate checks of people and places); on any problem nothing is
written.
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


def _read_roads(folder: Path, network: dict[str, Any]) -> Any:
    """The road network the scenario names (for the offset checks without a world)."""
    from musterpoint.sim.network.read import read_network

    first = folder / str(network.get("osm") or network.get("layer") or network.get("nodes"))
    return read_network(first, crs=network.get("crs"), layer=network.get("layer_name"))


def _read_place_files(spec: DistrictSpec) -> list[tuple[PlaceFileSpec, list[PlaceRecord]]]:
    """Every place file read; every problem of every file raised at once."""
    placed: list[tuple[PlaceFileSpec, list[PlaceRecord]]] = []
    problems: list[Problem] = []
    for pf in spec.places:
        cols = PlaceColumns(name=pf.name_col, id=pf.id_col, capacity=pf.capacity_col,
                            lon=pf.lon_col, lat=pf.lat_col, crs=pf.crs, sheet=pf.sheet,
                            layer=pf.layer)
        try:
            placed.append((pf, read_places(pf.file, pf.kind, cols)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return placed


def _offset_checks(spec: DistrictSpec, pop: Any,
                   placed: list[tuple[PlaceFileSpec, list[PlaceRecord]]], net: Any) -> None:
    """Population and places against the roads: a likely wrong CRS, rows off the area."""
    from scipy.spatial import cKDTree

    rlon, rlat = road_points(net)
    diag = diagnose_offset(pop.lon, pop.lat, rlon, rlat, declared=spec.population.crs)
    if diag is not None:
        raise InputError.single(str(spec.population.file), "crs", diag.message)
    k, c = 111_320.0, math.cos(math.radians(float(np.mean(rlat))))
    tree = cKDTree(np.column_stack([rlon * k * c, rlat * k]))
    problems: list[Problem] = []
    for pf, places in placed:
        try:
            _check_places(pf, places, rlon, rlat, tree)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)


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
    from musterpoint.atomic import atomic_folder

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    with atomic_folder(out) as tmp:
        data = tmp / "data"
        data.mkdir()
        geom = area_geometry(spec.area)
        roads = prepare_roads(spec.roads, geom, data)
        t["roads"] = time.perf_counter() - t0
        pop = prepare_population(spec.population, geom, data)
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
        placed = _read_place_files(spec)
        shelters: list[dict[str, Any]] = []
        exits: list[dict[str, Any]] = []
        other: dict[str, list[PlaceRecord]] = {}
        for pf, places in placed:
            if pf.kind == "shelter":
                shelters.extend(_shelter_entry(p) for p in places)
            elif pf.kind == "exit":
                exits.extend({"id": safe_slug(p.id), "name": p.name, "lon": round(p.lon, 7),
                              "lat": round(p.lat, 7)} for p in places)
            else:
                other.setdefault(pf.kind, []).extend(places)
        t["places"] = time.perf_counter() - t0
        notes = [*roads.notes, *pop.notes, *zone_notes]
        write_folder(tmp, spec, roads.network, population, shelters, exits, other, notes)
        zones_n = 0
        if check:
            from musterpoint.scenarios.loader import load_scenario
            from musterpoint.sim.drill.checks import check_scenario

            try:
                checked = check_scenario(load_scenario(tmp / "scenario.yaml"),
                                         standards=False)
            except InputError:
                # a wrong coordinate system shows first as places far from the roads: say
                # which one when the offset explains it
                _offset_checks(spec, pop, placed, _read_roads(tmp, roads.network))
                raise
            net = checked.world.network
            zones_n = len(checked.world.zones.ids)
            t["check"] = time.perf_counter() - t0
        else:
            net = _read_roads(tmp, roads.network)
        _offset_checks(spec, pop, placed, net)
        t["offsets"] = time.perf_counter() - t0
    t["total"] = time.perf_counter() - t0
    logger.info("wrote %s in %.1f s", out, t["total"])
    return BuildResult(out, net.n_nodes, net.n_links, pop.persons, zones_n, len(shelters),
                       t, notes)
