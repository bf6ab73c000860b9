"""Zones from a polygon layer: each administrative area (社区, 街道, ward) is a zone.

A populated place belongs to the polygon that contains it; its zone id is the polygon's
``zone_id_column`` value, kept exactly as written (Chinese names included). Places in no
polygon belong to no zone and are not ordered out.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from musterpoint.scenarios.errors import InputError

__all__ = ["polygon_zones"]

logger = logging.getLogger(__name__)


def polygon_zones(
    path: Path, id_column: str, lon: np.ndarray, lat: np.ndarray, evac: np.ndarray,
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, list[str]]:
    """Assign places to the polygons of a layer.

    Parameters
    ----------
    path : Path
        Polygon layer (GeoJSON, GeoPackage, Shapefile) with a CRS.
    id_column : str
        Column holding each polygon's zone id (unique, non-empty).
    lon, lat : ndarray
        Places (WGS 84).
    evac : ndarray of bool
        Places inside the evacuation area.

    Returns
    -------
    tuple
        ``(zone, ids, zone_lon, zone_lat, wkt)``: each place's zone index (-1: none);
        the ids, representative points and outlines of the zones that hold at least one
        evacuating place, in the layer's order.

    Raises
    ------
    InputError
        If the layer cannot be read, has no CRS, lacks the id column, or has empty or
        repeated ids.
    """
    import geopandas as gpd

    file = str(path)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise InputError.single(file, "population.zones", f"cannot read the layer: {exc}"
                                ) from exc
    if gdf.crs is None:
        raise InputError.single(file, "crs", "the zone layer has no CRS; set one")
    if id_column not in gdf.columns:
        raise InputError.single(file, id_column, (
            f"no zone id column {id_column!r} (columns: "
            f"{', '.join(str(c) for c in gdf.columns if c != 'geometry')}); set "
            "population.zone_id_column"))
    gdf = gdf[~gdf.geometry.isna()].to_crs("EPSG:4326")
    ids_all = [str(v).strip() for v in gdf[id_column]]
    for i, ident in enumerate(ids_all):
        if not ident or ident.lower() == "nan":
            raise InputError.single(file, f"feature {i}: {id_column}",
                                    "the zone id is empty; give every polygon a name")
        if ids_all.index(ident) != i:
            raise InputError.single(file, f"feature {i}: {id_column}",
                                    f"zone id {ident!r} is used twice; make names unique")
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    poly_of = np.full(len(lon), -1, dtype=np.int64)
    hit_pt, hit_poly = gdf.sindex.query(pts, predicate="within")
    # a place on a shared edge goes to the first polygon in the layer's order
    order = np.lexsort((hit_poly, hit_pt))
    hit_pt, hit_poly = hit_pt[order], hit_poly[order]
    first = np.ones(hit_pt.size, dtype=bool)
    first[1:] = hit_pt[1:] != hit_pt[:-1]
    poly_of[hit_pt[first]] = hit_poly[first]
    used = sorted({int(p) for p in poly_of[evac & (poly_of >= 0)]})
    index = np.full(len(gdf), -1, dtype=np.int64)
    index[used] = np.arange(len(used))
    zone = np.where(poly_of >= 0, index[np.maximum(poly_of, 0)], -1)
    geoms = gdf.geometry.iloc[used]
    rep = geoms.representative_point()
    outside = int((poly_of < 0).sum())
    if outside:
        logger.info("%s: %d populated places lie in no zone polygon", path.name, outside)
    return (zone, [ids_all[i] for i in used], rep.x.to_numpy(float), rep.y.to_numpy(float),
            [g.wkt for g in geoms])
