"""Population and zones for a new scenario, from whatever form a district has them in.

Population:

- a raster of persons per cell (GHSL, WorldPop, any GeoTIFF with a CRS): each cell with
  people becomes a point at its centre; fractional persons are rounded so that the total
  is kept (largest remainder);
- polygons with a population column (census communities): used as they are (each
  polygon's people at its representative point);
- points (CSV/XLSX with lon/lat, or a point layer), including the hexgrid form.

Zones: square cells of ``cell_m``; hexagons of ``cell_m`` across the flats (written as
``data/zones.geojson``); or the administrative polygons themselves, named as given.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.district.coords import WEB_SYSTEMS, to_wgs84
from musterpoint.district.spec import PopulationSpec, ZonesSpec
from musterpoint.district.tables import pick_column, read_table
from musterpoint.scenarios.errors import InputError

__all__ = ["PreparedPopulation", "hexagon_zones", "integer_persons", "prepare_population",
           "prepare_zones"]

_POP = ("population", "pop", "persons", "人口", "人数", "常住人口", "户籍人口", "总人口")
_LON = ("lon", "lng", "longitude", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")
_ZONE = ("name", "名称", "社区", "社区名称", "街道", "街道名称", "村居", "id")
_RASTER = (".tif", ".tiff", ".vrt", ".img", ".asc")


@dataclass
class PreparedPopulation:
    """The population section of the scenario, its points (WGS 84) and notes."""

    population: dict[str, Any]
    lon: np.ndarray
    lat: np.ndarray
    persons: int
    notes: list[str] = field(default_factory=list)


def integer_persons(values: np.ndarray) -> np.ndarray:
    """Whole persons per cell with the same (rounded) total: largest-remainder rounding.

    Parameters
    ----------
    values : ndarray
        Persons per cell, >= 0, possibly fractional.

    Returns
    -------
    ndarray of int64
        ``floor(values)`` plus one for the cells with the largest remainders, as many as
        the rounded total needs (ties go to the earlier cell).
    """
    v = np.asarray(values, float)
    base = np.floor(v)
    short = round(float(v.sum())) - int(base.sum())
    if short > 0:
        order = np.argsort(-(v - base), kind="stable")[:short]
        base[order] += 1
    return np.asarray(base, dtype=np.int64)


def _raster_points(path: Path, geom: Any | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import rasterio

    file = str(path)
    try:
        src = rasterio.open(path)
    except Exception as exc:
        raise InputError.single(file, "", f"cannot read the raster: {exc}") from exc
    with src:
        if src.crs is None:
            raise InputError.single(file, "crs", (
                "the raster has no coordinate system; give it one (gdal_edit.py -a_srs "
                "EPSG:4326 or the raster's projection) and try again"))
        band = src.read(1, masked=True).astype(float)
        crs = src.crs.to_string()
        transform = src.transform
    vals = np.ma.filled(band, 0.0)
    vals[~np.isfinite(vals)] = 0.0
    if (vals < 0).any():
        vals[vals < 0] = 0.0  # GHSL and WorldPop use negative values for "no data"
    rows, cols = np.nonzero(vals > 0)
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    lon, lat = to_wgs84(np.asarray(xs, float), np.asarray(ys, float), crs)
    persons = vals[rows, cols]
    if geom is not None:
        import shapely

        inside = shapely.contains_xy(geom, lon, lat)
        lon, lat, persons = lon[inside], lat[inside], persons[inside]
    return lon, lat, persons


def _write_points(data: Path, lon: np.ndarray, lat: np.ndarray, persons: np.ndarray) -> dict[
        str, Any]:
    pd.DataFrame({"lon": np.round(lon, 7), "lat": np.round(lat, 7),
                  "population": integer_persons(persons)}).to_csv(
        data / "population.csv", index=False)
    return {"file": "data/population.csv", "population_column": "population",
            "x_column": "lon", "y_column": "lat", "crs": "EPSG:4326"}


def _kind(spec: PopulationSpec) -> str:
    if spec.kind != "auto":
        return spec.kind
    name = spec.file.name.lower()
    if name.endswith(_RASTER):
        return "raster"
    if name.endswith((".gpkg", ".shp", ".geojson", ".json", ".fgb")):
        import pyogrio

        info = pyogrio.read_info(spec.file)
        return "polygons" if "Polygon" in str(info.get("geometry_type")) else "points"
    return "points"


def prepare_population(spec: PopulationSpec, geom: Any | None, data: Path
                       ) -> PreparedPopulation:
    """Turn the population file into the scenario's population source in ``data``.

    Parameters
    ----------
    spec : PopulationSpec
        The file and its columns.
    geom : shapely geometry or None
        The area (WGS 84): only people inside are kept.
    data : Path
        The scenario's data folder.

    Returns
    -------
    PreparedPopulation

    Raises
    ------
    InputError
        A missing column, a raster without a CRS, or nobody inside the area.
    """
    src, file = spec.file, str(spec.file)
    if not src.exists():
        raise InputError.single(file, "--population", "file not found; check the path")
    kind = _kind(spec)
    notes: list[str] = []
    if kind == "raster":
        lon, lat, persons = _raster_points(src, geom)
        notes.append(f"population: raster {src.name}, {lon.size:,} cells with people, "
                     "each a place at the cell centre; fractions rounded keeping the total")
        pop = _write_points(data, lon, lat, persons) if lon.size else {}
    else:
        df, georef = read_table(src, sheet=spec.sheet)
        col = pick_column(df, spec.column, _POP, file, "population", "--population-col")
        lon_c = pick_column(df, None if georef else spec.lon_col, _LON, file, "longitude",
                            "--population-lon-col")
        lat_c = pick_column(df, None if georef else spec.lat_col, _LAT, file, "latitude",
                            "--population-lat-col")
        assert col is not None and lon_c is not None and lat_c is not None
        persons = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(persons) | (persons < 0))
        if bad.size:
            raise InputError.single(file, f"row {bad[0] + 2}: {col}", (
                f"{bad.size} rows have no number of persons >= 0 (first: "
                f"{str(df[col].iloc[int(bad[0])])[:40]!r}); give a number"))
        lon = pd.to_numeric(df[lon_c], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(df[lat_c], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat))
        if bad.size:
            raise InputError.single(file, f"row {bad[0] + 2}: {lon_c}/{lat_c}",
                                    f"{bad.size} rows have no numeric coordinates")
        if not georef:
            try:
                lon, lat = to_wgs84(lon, lat, spec.crs)
            except ValueError as exc:
                raise InputError.single(file, "crs", str(exc)) from exc
        inside = np.ones(lon.size, bool)
        if geom is not None:
            import shapely

            inside = shapely.contains_xy(geom, lon, lat)
        web = spec.crs.strip().lower() in WEB_SYSTEMS
        plain_csv = (src.suffix.lower() == ".csv" and not web and _utf8(src))
        if georef and geom is None:
            shutil.copy2(src, data / src.name)
            for side in src.parent.glob(src.stem + ".*") if src.suffix == ".shp" else []:
                shutil.copy2(side, data / side.name)
            pop = {"file": f"data/{src.name}", "population_column": col}
            notes.append(f"population: {kind} layer {src.name}, column {col!r}, used as given")
        elif plain_csv and geom is None:
            shutil.copy2(src, data / src.name)
            pop = {"file": f"data/{src.name}", "population_column": col, "x_column": lon_c,
                   "y_column": lat_c, "crs": spec.crs}
            notes.append(f"population: {src.name}, column {col!r}, used as given")
        else:
            lon, lat, persons = lon[inside], lat[inside], persons[inside]
            pop = _write_points(data, lon, lat, persons) if lon.size else {}
            notes.append(f"population: {src.name} (column {col!r}, CRS {spec.crs}) written "
                         f"as WGS 84 points, {lon.size:,} places inside the area")
    if lon.size == 0 or float(np.sum(persons)) <= 0:
        raise InputError.single(file, "--population", (
            "nobody lives inside the area (the clip is empty); check that the population "
            "file covers the district and its CRS"))
    return PreparedPopulation(pop, lon, lat, round(float(np.sum(persons))), notes)


def _utf8(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return True


def hexagon_zones(lon: np.ndarray, lat: np.ndarray, cell_m: float) -> Any:
    """Pointy-top hexagons ``cell_m`` across the flats holding the points.

    Parameters
    ----------
    lon, lat : ndarray
        Points (WGS 84).
    cell_m : float
        Distance between opposite sides (m).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id`` (``H<row>-<col>``) and the hexagon, in EPSG:4326.
    """
    import geopandas as gpd
    from shapely.geometry import Polygon

    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    utm = pts.estimate_utm_crs()
    p = pts.to_crs(utm)
    x, y = p.x.to_numpy(), p.y.to_numpy()
    x0, y0 = float(x.min()), float(y.min())
    rad = cell_m / math.sqrt(3.0)
    q = (math.sqrt(3.0) / 3.0 * (x - x0) - (y - y0) / 3.0) / rad
    r = (2.0 / 3.0 * (y - y0)) / rad
    s = -q - r
    rq, rr, rs = np.rint(q), np.rint(r), np.rint(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    cells = sorted({(int(a), int(b)) for a, b in zip(rr, rq, strict=True)})
    ids, polys = [], []
    for row, col in cells:
        cx = x0 + rad * (math.sqrt(3.0) * col + math.sqrt(3.0) / 2.0 * row)
        cy = y0 + rad * 1.5 * row
        ang = [math.radians(60 * k - 30) for k in range(6)]
        polys.append(Polygon([(cx + rad * math.cos(a), cy + rad * math.sin(a)) for a in ang]))
        ids.append(f"H{row:02d}-{col:02d}")
    return gpd.GeoDataFrame({"id": ids}, geometry=polys, crs=utm).to_crs("EPSG:4326")


def prepare_zones(spec: ZonesSpec, lon: np.ndarray, lat: np.ndarray, data: Path
                  ) -> tuple[dict[str, Any], list[str]]:
    """The zone fields of the population section, writing any zone layer into ``data``.

    Parameters
    ----------
    spec : ZonesSpec
        Square cells, hexagons or polygons.
    lon, lat : ndarray
        The populated places (WGS 84).
    data : Path
        The scenario's data folder.

    Returns
    -------
    tuple of (dict, list of str)
        Fields to merge into the population section, and notes.

    Raises
    ------
    InputError
        If the polygon file lacks a name column, or names are empty or repeated.
    """
    if spec.kind == "square":
        return {"zone_cell_m": spec.cell_m}, [f"zones: square cells of {spec.cell_m:g} m"]
    if spec.kind == "hexagon":
        hexes = hexagon_zones(lon, lat, spec.cell_m)
        hexes.to_file(data / "zones.geojson", driver="GeoJSON")
        return ({"zones": "data/zones.geojson", "zone_id_column": "id"},
                [f"zones: hexagons {spec.cell_m:g} m across ({len(hexes)} holding people)"])
    assert spec.file is not None
    import geopandas as gpd

    file = str(spec.file)
    df, _ = read_table(spec.file, geometry="polygon")
    col = pick_column(df, spec.name_col, _ZONE, file, "zone name", "--zone-name-col")
    assert col is not None
    names = [str(v).strip() for v in df[col]]
    for i, n in enumerate(names):
        if not n or n.lower() == "nan" or names.index(n) != i:
            raise InputError.single(file, f"feature {i + 1}: {col}", (
                f"zone name {n!r} is {'empty' if not n or n == 'nan' else 'used twice'}; "
                "give every polygon its own name"))
    gdf = gpd.GeoDataFrame({"name": names}, geometry=df["geometry"].to_numpy(),
                           crs="EPSG:4326")
    gdf.to_file(data / "zones.geojson", driver="GeoJSON")
    return ({"zones": "data/zones.geojson", "zone_id_column": "name"},
            [f"zones: the {len(gdf)} polygons of {spec.file.name}, named by {col!r}"])
