"""GIS files of a run: one GeoPackage and one GeoParquet file per spatial table.

Which tables are spatial, and where their geometry is, comes from the one output schema
(:func:`musterpoint.sim.tables.geometry_columns`): a ``wkt`` or ``geojson`` column, or
``lon``/``lat`` points. Each becomes a layer of ``run.gpkg`` and a ``<table>.geo.parquet``
file, in EPSG:4326 (WGS 84), with the table's other columns as attributes; the text
geometry column itself is dropped. When the flow bound ran and found bottleneck links, they
are one more layer, ``bound_bottlenecks`` (the rows of ``links``). QGIS opens both formats
(Layer > Add Layer > Add Vector Layer, or drag the file onto the map).

geopandas, shapely and pyogrio are imported inside the functions: importing this module
(or the engine) stays light.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from musterpoint.sim.all_tables import ALL_TABLES
from musterpoint.sim.result import RunResult
from musterpoint.sim.tables import Table, geometry_columns

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["BOTTLENECK_LAYER", "CRS", "GEOPACKAGE", "GEOPARQUET_SUFFIX", "GPKG_TIMESTAMP",
           "gis_layers", "write_gis"]

logger = logging.getLogger("musterpoint.gis_export")

#: Coordinate reference system of every layer: the tables are in WGS 84 lon/lat.
CRS = "EPSG:4326"
#: File name of the run's GeoPackage.
GEOPACKAGE = "run.gpkg"
#: Ending of the GeoParquet files (``links.geo.parquet``); run folders read as tables only
#: the other ``*.parquet`` files.
GEOPARQUET_SUFFIX = ".geo.parquet"
#: Layer of the links in the flow bound's bottleneck cut.
BOTTLENECK_LAYER = "bound_bottlenecks"
#: ``last_change`` stamped in the GeoPackage (GDAL's ``OGR_CURRENT_DATE``): a fixed value, so
#: that a run repeated with the same seed writes the same bytes, as its other files.
GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"


def _geojson_geometry(text: Any) -> Any:
    """A shapely geometry from a GeoJSON geometry, Feature or FeatureCollection, or None."""
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, shape

    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    try:
        obj = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        logger.warning("GIS export: skipping invalid GeoJSON %.60r", text)
        return None
    if not isinstance(obj, dict):
        return None
    if obj.get("type") == "FeatureCollection":
        parts = [f.get("geometry") for f in obj.get("features", []) if isinstance(f, dict)]
    elif obj.get("type") == "Feature":
        parts = [obj.get("geometry")]
    else:
        parts = [obj]
    shapes = [shape(p) for p in parts if isinstance(p, dict) and "coordinates" in p]
    if len(shapes) == 1:
        return shapes[0]
    polygons: list[Polygon] = []
    for s in shapes:
        if isinstance(s, Polygon):
            polygons.append(s)
        elif isinstance(s, MultiPolygon):
            polygons.extend(s.geoms)
        else:
            return GeometryCollection(shapes)
    return MultiPolygon(polygons)


def _polygons_fast(text: Any) -> Any:
    """A (multi)polygon parsed by GEOS from GeoJSON text, or None for anything else.

    For a Polygon or MultiPolygon geometry (or a Feature holding one), the shape
    :func:`_geojson_geometry` makes, at a third of its time (the hazard frames); the rest
    (collections, invalid text) is left to it.
    """
    import shapely

    if not isinstance(text, str) or not text:
        return None
    geom = shapely.from_geojson(text, on_invalid="ignore")
    return geom if shapely.get_type_id(geom) in (3, 6) else None  # Polygon, MultiPolygon


def _geometry(df: pd.DataFrame, columns: tuple[str, ...]) -> Any:
    """The geometry array of a table whose geometry is in ``columns``."""
    import numpy as np
    import shapely

    if columns == ("lon", "lat"):
        lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(float)
        points = shapely.points(lon, lat)
        points[~(np.isfinite(lon) & np.isfinite(lat))] = None
        return points
    (name,) = columns
    values = df[name].astype(object).where(df[name].notna() & (df[name] != ""), None)
    if name == "geojson":
        return np.array([_polygons_fast(v) or _geojson_geometry(v) for v in values],
                        dtype=object)
    return shapely.from_wkt(values.to_numpy(object), on_invalid="warn")


def _layer(df: pd.DataFrame, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """``df`` as a GeoDataFrame in :data:`CRS`, its text geometry column dropped."""
    import geopandas as gpd

    attrs = df.drop(columns=[c for c in columns if c not in ("lon", "lat")])
    return gpd.GeoDataFrame(attrs.reset_index(drop=True),
                            geometry=_geometry(df, columns), crs=CRS)


def gis_layers(result: RunResult,
               schemas: Mapping[str, Table] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The run's spatial tables as GeoDataFrames in EPSG:4326, by layer name.

    Parameters
    ----------
    result : RunResult
        A finished run.
    schemas : Mapping[str, Table], optional
        Output schemas that say which tables are spatial (default: every table a run with
        the built-in services may write,
        :data:`~musterpoint.sim.all_tables.ALL_TABLES`).

    Returns
    -------
    dict[str, GeoDataFrame]
        One layer per non-empty spatial table, in schema order, then
        :data:`BOTTLENECK_LAYER` when the bound found bottleneck links.
    """
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name, schema in (ALL_TABLES if schemas is None else schemas).items():
        columns = geometry_columns(schema)
        df = result.tables.get(name)
        if not columns or df is None or df.empty:
            continue
        layers[name] = _layer(df, columns)
    bottleneck = {str(x) for x in ((result.kpis.get("bounds") or {}).get("bottleneck_links")
                                   or [])}
    links = layers.get("links")
    if bottleneck and links is not None:
        cut = links[links["link_id"].astype(str).isin(bottleneck)]
        if not cut.empty:
            layers[BOTTLENECK_LAYER] = cut.reset_index(drop=True)
    return layers


def write_gis(result: RunResult, folder: Path) -> list[Path]:
    """Write ``run.gpkg`` and ``<layer>.geo.parquet`` files of a run into ``folder``.

    Parameters
    ----------
    result : RunResult
        A finished run.
    folder : Path
        The run folder (it must exist).

    Returns
    -------
    list[Path]
        The files written: the GeoPackage first, then the GeoParquet files; empty when the
        run has no spatial table.
    """
    t0 = time.perf_counter()
    layers = gis_layers(result)
    if not layers:
        return []
    import pyogrio

    gpkg = Path(folder) / GEOPACKAGE
    written = [gpkg]
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    try:
        for name, layer in layers.items():
            # through Arrow: the same bytes, the links layer a sixth faster
            layer.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio", use_arrow=True,
                          promote_to_multi=name == "hazard_frames")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
    for name, layer in layers.items():
        parquet = Path(folder) / f"{name}{GEOPARQUET_SUFFIX}"
        layer.to_parquet(parquet, index=False)
        written.append(parquet)
    logger.info("GIS export: %d layers in %s and GeoParquet in %.2f s", len(layers), gpkg,
                time.perf_counter() - t0)
    return written
