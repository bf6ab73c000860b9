"""Demand: people in places, grouped into zones, turned into households and vehicles.

From a population layer (points, or polygons taken at their centroid, with a population
column): places are grouped into square zones of ``zone_cell_m``; the places inside the
evacuation area (ground at or below ``max_elevation_m`` and/or inside an ``area`` polygon)
are ordered out. Each place's people are split into households whose sizes are
``1 + Poisson(mean_size - 1)``; a household owns a car with probability ``car_share``.
Carless households find a seat in a neighbour's car in the same zone with probability
``carless_ride_share`` (if a car has room); the rest have no transport and are counted as
never departed (transit-dependent; bus plans address them).

From a trips CSV (``id,origin,destination,depart_s[,persons]``): one vehicle per row,
origin and destination are network node ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Households, PopulationSource
from musterpoint.sim.geo import LocalProjection, NodeIndex
from musterpoint.sim.rng import RandomStreams

__all__ = [
    "MAX_PERSONS",
    "MAX_TRIP_PERSONS",
    "Places",
    "Vehicles",
    "Zones",
    "make_vehicles",
    "read_places",
    "read_population_table",
    "read_trips",
]

logger = logging.getLogger(__name__)

#: Most persons a population file may hold (the simulation keeps a record per household).
MAX_PERSONS = 50_000_000
#: Most persons one trip may carry: a trip is usually one vehicle, but a group (people
#: already in a shelter, a train) is legal; above this the figure is a unit error.
MAX_TRIP_PERSONS = 1_000_000


@dataclass
class Places:
    """Populated places (points)."""

    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray  # int64
    evacuate: np.ndarray  # bool: inside the evacuation area
    zone: np.ndarray  # int: index into Zones
    elevation: np.ndarray  # float, NaN if no raster


@dataclass
class Zones:
    """Evacuation zones (square grid cells holding places)."""

    ids: list[str]
    lon: np.ndarray
    lat: np.ndarray
    wkt: list[str]
    population: np.ndarray
    evacuees: np.ndarray
    elevation: np.ndarray  # lowest ground of the zone's evacuating places


@dataclass
class Vehicles:
    """Vehicles (and households without transport, with ``pcu == 0``)."""

    zone: np.ndarray  # int
    place: np.ndarray  # int (-1 for trips)
    origin: np.ndarray  # node index
    persons: np.ndarray  # int
    pcu: np.ndarray  # float; 0 means no transport
    destination: np.ndarray  # node index or -1 (choose a shelter)
    depart_s: np.ndarray  # fixed departure (trips) or NaN (from the plan's curve)


def read_population_table(path: Path, src: PopulationSource) -> pd.DataFrame:
    field = "population.file"
    if path.suffix.lower() == ".csv":
        try:
            df = pd.read_csv(path)
        except Exception as exc:
            raise InputError.single(str(path), field, f"cannot read the CSV: {exc}") from exc
        for col in (src.x_column, src.y_column, src.population_column):
            if col not in df.columns:
                raise InputError.single(
                    str(path), col,
                    f"column missing (have: {', '.join(map(str, df.columns))}); set "
                    "population.x_column / y_column / population_column in the scenario",
                )
        if df.empty:
            raise InputError.single(str(path), field, "the population file has no rows; it "
                                    "needs one row per populated place")
        lon = _coordinate(df[src.x_column], path, src.x_column)
        lat = _coordinate(df[src.y_column], path, src.y_column)
        if src.crs.upper() not in ("EPSG:4326", "WGS84"):
            from pyproj import Transformer

            tr = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True)
            lon, lat = tr.transform(lon, lat)
        out = pd.DataFrame({"lon": lon, "lat": lat, "population": df[src.population_column]})
    else:
        import geopandas as gpd

        try:
            gdf = gpd.read_file(path)
        except Exception as exc:
            raise InputError.single(str(path), field, f"cannot read the layer: {exc}") from exc
        if gdf.crs is None:
            raise InputError.single(str(path), "crs", "the layer has no CRS; set one")
        if src.population_column not in gdf.columns:
            raise InputError.single(str(path), src.population_column,
                                    "population column missing; set population_column")
        if gdf.empty:
            raise InputError.single(str(path), field, "the population layer has no "
                                    "features; it needs one per populated place")
        gdf = gdf.to_crs("EPSG:4326")
        pts = gdf.geometry.representative_point()
        out = pd.DataFrame({"lon": pts.x, "lat": pts.y,
                            "population": gdf[src.population_column]})
    pop = pd.to_numeric(out["population"], errors="coerce")
    bad = np.flatnonzero(~np.isfinite(pop.to_numpy(float)) | (pop.to_numpy(float) < 0))
    if bad.size:
        first = out["population"].iloc[int(bad[0])]
        raise InputError.single(
            str(path), src.population_column,
            f"{bad.size} rows have a missing, non-numeric or negative population (first at "
            f"row {bad[0] + 2}: {str(first)[:40]!r}); give a number of persons >= 0",
        )
    total = float(pop.sum())
    if total > MAX_PERSONS:
        raise InputError.single(
            str(path), src.population_column,
            f"{total:,.0f} persons in all: more than musterpoint simulates ({MAX_PERSONS:,}; it "
            "keeps a record per household); check the column's unit or scale")
    if (np.abs(out["lat"]) > 90).any() or (np.abs(out["lon"]) > 180).any():
        raise InputError.single(str(path), "crs",
                                f"coordinates are not degrees; the CRS {src.crs} looks wrong")
    out["population"] = np.rint(pop.to_numpy(float)).astype(np.int64)
    return out


def _coordinate(col: pd.Series, path: Path, name: str) -> np.ndarray:
    """A coordinate column as floats; refuse text, empty cells and infinities."""
    val = pd.to_numeric(col, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(val))
    if bad.size:
        raise InputError.single(
            str(path), name, f"{bad.size} rows have a missing or non-numeric coordinate "
            f"(first at row {bad[0] + 2}: {str(col.iloc[int(bad[0])])[:40]!r}); give a number")
    return val


def read_places(
    path: Path,
    src: PopulationSource,
    elevation: np.ndarray | None,
    area_mask: np.ndarray | None,
    zone_layer: Path | None = None,
) -> tuple[Places, Zones]:
    """Read the population layer and build places and zones.

    Parameters
    ----------
    path : Path
        The population file.
    src : PopulationSource
        Its description in the scenario.
    elevation : ndarray or None
        Ground elevation at each row of the file (same order), if a raster is known.
    area_mask : ndarray of bool or None
        True for rows inside the scenario's area polygon, if one is given.
    zone_layer : Path, optional
        Polygon layer whose polygons are the zones (``population.zones``); default: square
        cells of ``zone_cell_m``.
    """
    df = read_population_table(path, src)
    if elevation is None:
        elevation = np.full(len(df), np.nan)
    keep = (df["population"].to_numpy() > 0)
    evac = keep.copy()
    if src.max_elevation_m is not None:
        evac &= np.nan_to_num(elevation, nan=np.inf) <= src.max_elevation_m
    if area_mask is not None:
        evac &= area_mask
    lon, lat = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
    if zone_layer is not None:
        from musterpoint.sim.demand.zone_layer import polygon_zones

        zone, ids, zlon, zlat, wkt = polygon_zones(zone_layer, src.zone_id_column,
                                                   lon, lat, evac)
        evac &= zone >= 0
    else:
        zone, ids, zlon, zlat, wkt = _grid_zones(lon, lat, evac, src.zone_cell_m)
    n = len(ids)
    pop = df["population"].to_numpy()
    zpop = np.zeros(n, dtype=np.int64)
    zev = np.zeros(n, dtype=np.int64)
    zel = np.full(n, np.inf)
    inz = zone >= 0
    np.add.at(zpop, zone[inz], pop[inz])
    np.add.at(zev, zone[evac], pop[evac])
    np.minimum.at(zel, zone[evac], np.nan_to_num(elevation[evac], nan=np.inf))
    places = Places(lon[keep], lat[keep], pop[keep], evac[keep], zone[keep], elevation[keep])
    zones = Zones(ids, zlon, zlat, wkt, zpop, zev, np.where(np.isinf(zel), np.nan, zel))
    logger.info("%s: %d places, %d persons; %d persons in %d zones ordered out",
                path.name, keep.sum(), pop.sum(), zev.sum(), n)
    return places, zones


def _grid_zones(lon: np.ndarray, lat: np.ndarray, evac: np.ndarray, cell: float,
                ) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, list[str]]:
    """Square zones of side ``cell`` (m): the cells holding at least one evacuating place."""
    proj = LocalProjection(float(np.mean(lon)), float(np.mean(lat)))
    x, y = proj.forward(lon, lat)
    x0, y0 = np.floor(x.min() / cell) * cell, np.floor(y.min() / cell) * cell
    ix = ((x - x0) // cell).astype(int)
    iy = ((y - y0) // cell).astype(int)
    # zones are the grid cells that hold at least one evacuating place
    keys = sorted({(int(r), int(c)) for r, c, e in zip(iy, ix, evac, strict=True) if e})
    index = {k: i for i, k in enumerate(keys)}
    zone = np.array([index.get((int(r), int(c)), -1) for r, c in zip(iy, ix, strict=True)])
    n = len(keys)
    ids, zlon, zlat, wkt = [], np.zeros(n), np.zeros(n), []
    for i, (r, c) in enumerate(keys):
        ids.append(f"Z{r:02d}-{c:02d}")
        xs = np.array([c, c + 1, c + 1, c, c]) * cell + x0
        ys = np.array([r, r, r + 1, r + 1, r]) * cell + y0
        plon, plat = proj.inverse(xs, ys)
        wkt.append("POLYGON ((" + ", ".join(f"{a:.6f} {b:.6f}" for a, b in
                                            zip(plon, plat, strict=True)) + "))")
        clon, clat = proj.inverse(np.array([(c + 0.5) * cell + x0]),
                                  np.array([(r + 0.5) * cell + y0]))
        zlon[i], zlat[i] = float(clon[0]), float(clat[0])
    return zone, ids, zlon, zlat, wkt


def make_vehicles(
    places: Places, hh: Households, nodes: NodeIndex, streams: RandomStreams,
    max_snap_m: float, source: str, *, which: np.ndarray | None = None, prefix: str = "",
) -> Vehicles:
    """Turn the people of some places into households and vehicles.

    Parameters
    ----------
    which : ndarray of bool, optional
        Places to use; the evacuating places by default.
    prefix : str
        Prefix of the random-stream names, so that other groups of households (shadow
        evacuees) draw from streams of their own.
    """
    rng_size = streams.stream(prefix + "household_size")
    rng_car = streams.stream(prefix + "car_ownership")
    rng_ride = streams.stream(prefix + "ride_share")
    rng_node = streams.stream(prefix + "origin_node")
    ev = np.flatnonzero(places.evacuate if which is None else which)
    near, dist = nodes.nearest(places.lon[ev], places.lat[ev], k=hh.origin_nodes_per_place)
    far = int((dist[:, 0] > max_snap_m).sum())
    if far and not prefix:  # the world warns once (see sim/world.py)
        logger.debug("%s: %d populated places are more than %.0f m from the road network; "
                     "their people start at the nearest road node", source, far, max_snap_m)
    # every place's draws at once: each stream gives the same numbers in one call as in
    # one call per place, in the order of the places
    pop = places.population[ev].astype(np.int64)
    m = (pop / hh.mean_size * 1.5).astype(np.int64) + 8  # draws per place (enough)
    first = np.zeros(ev.size + 1, dtype=np.int64)
    np.cumsum(m, out=first[1:])
    sizes_all = 1 + rng_size.poisson(hh.mean_size - 1.0, size=int(first[-1]))
    cum = np.cumsum(sizes_all)
    base = np.where(first[:-1] > 0, cum[np.maximum(first[:-1] - 1, 0)], 0)
    # each place's last household: where its running total reaches its people
    cut = np.maximum(np.searchsorted(cum, base + pop, side="left") - first[:-1], 0)
    if (cut >= m).any():
        raise RuntimeError("too few household sizes drawn for a place")
    count = cut + 1  # households per place
    last = first[:-1] + cut
    hh_place = np.repeat(np.arange(ev.size), count)
    take = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    sizes = sizes_all[first[:-1][hh_place] + take]
    sizes[np.cumsum(count) - 1] -= cum[last] - base - pop
    car = rng_car.random(sizes.size) < hh.car_share
    choice = rng_node.integers(0, near.shape[1], size=sizes.size)
    zone = places.zone[ev].astype(np.int64)[hh_place]
    place = ev.astype(np.int64)[hh_place]
    origin = near[hh_place, choice].astype(np.int64)
    persons = sizes.astype(np.int64)
    # ride sharing inside each zone: carless households join cars with spare seats
    riding = np.zeros(zone.size, dtype=bool)
    spare = np.where(car, hh.seats_per_car - persons, 0)
    # each zone's households in ascending order (a stable sort by zone), without
    # scanning every household once per zone
    by_zone = np.argsort(zone, kind="stable")
    zones_sorted = zone[by_zone]
    starts = np.flatnonzero(np.r_[True, zones_sorted[1:] != zones_sorted[:-1]])
    ends = np.r_[starts[1:], zones_sorted.size]
    # the ride draws of every zone at once (the carless, zone after zone)
    carless_all = by_zone[~car[by_zone]]
    seeks_all = rng_ride.random(carless_all.size) < hh.carless_ride_share
    n_carless = (np.add.reduceat((~car[by_zone]).astype(np.int64), starts) if starts.size
                 else starts)
    spare_l: list[int] = spare.tolist()
    persons_l: list[int] = persons.tolist()
    riding_l: list[bool] = riding.tolist()
    lo = 0
    for a, b, k in zip(starts.tolist(), ends.tolist(), n_carless.tolist(), strict=True):
        members = by_zone[a:b]
        cars_z: list[int] = members[car[members]].tolist()
        seek = carless_all[lo: lo + k][seeks_all[lo: lo + k]].tolist()
        lo += k
        ptr, n_cars = 0, len(cars_z)
        for h in seek:
            while ptr < n_cars and spare_l[cars_z[ptr]] <= 0:
                ptr += 1
            p_h = persons_l[h]
            for c in cars_z[ptr: ptr + 64]:
                if spare_l[c] >= p_h:
                    spare_l[c] -= p_h
                    persons_l[c] += p_h
                    riding_l[h] = True
                    break
    persons = np.array(persons_l, dtype=np.int64)
    riding = np.array(riding_l, dtype=bool)
    keep = ~riding
    pcu = np.where(car, hh.pcu_per_car, 0.0)[keep]
    n = int(keep.sum())
    return Vehicles(
        zone=zone[keep], place=place[keep], origin=origin[keep], persons=persons[keep],
        pcu=pcu,
        destination=np.full(n, -1, dtype=np.int64), depart_s=np.full(n, np.nan),
    )


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """The arrays ``parts`` end to end (an empty array of ``dtype`` if there are none)."""
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _trip_nodes(df: pd.DataFrame, col: str, node_index: dict[int, int], file: str,
                note: str, problems: list[Problem]) -> np.ndarray:
    """Node positions of a trips column; collect a problem for text or unknown ids."""
    val = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
    whole = np.isfinite(val) & (val == np.round(val))
    if not whole.all():
        k = int(np.flatnonzero(~whole)[0])
        problems.append(Problem(file, col, f"{int((~whole).sum())} rows are not node ids "
                                f"(first at line {k + 2}: {str(df[col].iloc[k])[:40]!r}); give "
                                "the whole-number id of a network node"))
        return np.zeros(len(df), dtype=np.int64)
    pos = np.array([node_index.get(int(v), -1) for v in val], dtype=np.int64)
    if (pos < 0).any():
        k = int(np.flatnonzero(pos < 0)[0])
        problems.append(Problem(file, col, f"node {int(val[k])} is not on the network "
                                f"({int((pos < 0).sum())} rows, first at line {k + 2}); use "
                                f"node ids of the network{note}"))
    return pos


def read_trips(path: Path, node_index: dict[int, int],
               note: str = "") -> tuple[Vehicles, pd.DataFrame]:
    """Read a trips CSV: ``id,origin,destination,depart_s[,persons]`` (node ids).

    ``note`` is added to the message about ids that are not on the network (why nodes
    may be missing from it).
    """
    file = str(path)
    try:
        df = pd.read_csv(path)
    except Exception as exc:
        raise InputError.single(file, "trips", f"cannot read the CSV: {exc}") from exc
    for col in ("id", "origin", "destination", "depart_s"):
        if col not in df.columns:
            raise InputError.single(file, col, "column missing; a trips file has "
                                    "id,origin,destination,depart_s[,persons]")
    if df.empty:
        raise InputError.single(file, "trips", "the file has no trips")
    problems: list[Problem] = []
    origin = _trip_nodes(df, "origin", node_index, file, note, problems)
    destination = _trip_nodes(df, "destination", node_index, file, note, problems)
    dep = pd.to_numeric(df["depart_s"], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(dep) | (dep < 0))
    if bad.size:
        problems.append(Problem(file, "depart_s", f"must be a number >= 0 on every row "
                                f"(line {bad[0] + 2}: {str(df['depart_s'].iloc[bad[0]])[:40]!r})"))
    persons = np.ones(len(df), dtype=np.int64)
    if "persons" in df.columns:
        raw = pd.to_numeric(df["persons"], errors="coerce").to_numpy(float)
        ok = np.isfinite(raw) & (raw == np.round(raw)) & (raw >= 1) & (raw <= MAX_TRIP_PERSONS)
        if not ok.all():
            k = int(np.flatnonzero(~ok)[0])
            problems.append(Problem(file, "persons", f"{int((~ok).sum())} rows hold no whole "
                                    f"number from 1 to {MAX_TRIP_PERSONS:,} (first at line "
                                    f"{k + 2}: {str(df['persons'].iloc[k])[:40]!r}); a trip is "
                                    "one vehicle (or group) with its occupants"))
        elif raw.sum() > MAX_PERSONS:
            problems.append(Problem(file, "persons", f"{raw.sum():,.0f} persons in all: more "
                                    f"than musterpoint simulates ({MAX_PERSONS:,}); check the "
                                    "column's unit"))
        else:
            persons = raw.astype(np.int64)
    if problems:
        raise InputError(problems)
    n = len(df)
    veh = Vehicles(
        zone=np.zeros(n, dtype=np.int64), place=np.full(n, -1, dtype=np.int64),
        origin=origin, persons=persons, pcu=np.ones(n), destination=destination,
        depart_s=dep,
    )
    return veh, df
