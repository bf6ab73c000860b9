"""Read a road network from a GIS line layer (GeoJSON, GeoPackage, Shapefile, ...).

Each LineString or MultiLineString feature is a road. Nodes are made by snapping
vertices to rounded EPSG:4326 coordinates: features that end on, or share, a vertex are
joined there, and roads are split into links at those junctions (see
:func:`musterpoint.sim.network.read_osm.build_network`).

Optional attribute columns (case-insensitive):

``oneway``
    ``yes``/``no``/``-1``/``true``/``false``/``1``/``0``, booleans, or ESRI-style
    ``FT``/``TF``/``B``. Missing means two-way (motorways: oneway).
``lanes``
    Total lanes as in OSM (split over both directions of a two-way road).
``speed_kph`` or ``maxspeed``
    Free speed; ``maxspeed`` is parsed like the OSM tag (``"30 mph"``).
``capacity_vph``
    Capacity of each directed link in PCU/h; otherwise capacity per lane times lanes.
``highway``
    Road class; its row of :data:`~musterpoint.sim.network.highway_defaults.HIGHWAY_DEFAULTS`
    fills missing values. Features of other classes use the reader's defaults.
``name``
    Road name.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.network.graph import Network, largest_strong_component
from musterpoint.sim.network.highway_defaults import (
    EXCLUDED_HIGHWAYS,
    HIGHWAY_DEFAULTS,
    HighwayDefaults,
    road_attributes,
)
from musterpoint.sim.network.read_csv import to_wgs84
from musterpoint.sim.network.read_osm import RoadPiece, build_network

__all__ = ["LAYER_SUFFIXES", "MAX_SEGMENT_M", "read_line_layer"]

logger = logging.getLogger(__name__)

#: File name endings read as GIS layers.
LAYER_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml")
#: A straight segment longer than this means the coordinates are not what the CRS says.
MAX_SEGMENT_M = 500_000.0

_ONEWAY_ALIASES = {"ft": "yes", "tf": "-1", "b": "no", "n": "no"}


def _present(value: Any) -> bool:
    """Whether an attribute value is given (not None, NaN or empty text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float | np.floating) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """An attribute as tag text; whole floats lose their ``.0``."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _feature_tags(row: dict[str, Any]) -> dict[str, str]:
    """OSM-style tags from a feature's attributes."""
    tags: dict[str, str] = {}
    if _present(row.get("highway")):
        tags["highway"] = _text(row["highway"])
    if _present(row.get("oneway")):
        v = _text(row["oneway"])
        tags["oneway"] = _ONEWAY_ALIASES.get(v.lower(), v)
    if _present(row.get("lanes")):
        tags["lanes"] = _text(row["lanes"])
    if _present(row.get("speed_kph")):
        tags["maxspeed"] = _text(row["speed_kph"])
    elif _present(row.get("maxspeed")):
        tags["maxspeed"] = _text(row["maxspeed"])
    return tags


def _check_numbers(gdf: Any, file: str) -> None:
    """Raise when ``lanes``, ``speed_kph`` or ``capacity_vph`` hold non-positive values."""
    for col in ("lanes", "speed_kph", "capacity_vph"):
        if col not in gdf.columns:
            continue
        raw = gdf[col]
        given = raw.notna().to_numpy(dtype=bool)
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad = given & ~(np.isfinite(values) & (values > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            word = "negative" if values[i] < 0 else "not a positive number"
            raise InputError.single(
                file, col, f"feature {i}: {col} is {word} ({raw.iloc[i]!r}; "
                f"{int(bad.sum())} features in all); give a positive number or leave it empty"
            )


def read_line_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    default_speed_kph: float = 50.0,
    default_lanes: int = 1,
    default_capacity_per_lane_vph: float = 600.0,
    snap_decimals: int = 6,
    keep_largest_component: bool = True,
) -> Network:
    """Read a network from a line layer that geopandas/pyogrio can open.

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage, Shapefile or another OGR vector file.
    layer : str, optional
        Layer name for multi-layer files such as GeoPackage; the first layer by default.
    crs : str, optional
        CRS to assume when the layer declares none (a declared CRS always wins).
    default_speed_kph, default_lanes, default_capacity_per_lane_vph : float, int, float
        Values for features whose ``highway`` class is not in the default table.
    snap_decimals : int, optional
        Decimal places of longitude/latitude at which vertices are merged into one
        node; 6 (about 0.1 m) by default.
    keep_largest_component : bool, optional
        Keep only the largest strongly connected component (default).

    Returns
    -------
    Network
        With link geometry. Link ids are ``"<feature>:<from>-<to>"`` where ``<feature>``
        is the ``id`` column if it is unique, else the row number.

    Raises
    ------
    InputError
        When the file or layer is missing, the layer has no CRS, its coordinates do not
        fit the CRS, it holds non-line geometries, or no road is left.
    """
    import geopandas as gpd
    import shapely

    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputError.single(
            file, "", "the road layer file does not exist; check the path (GeoJSON, "
            "GeoPackage or Shapefile with LineString features)"
        )
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for bad files/layers
        field = "layer" if layer is not None else ""
        raise InputError.single(
            file, field, f"could not read the road layer ({exc}); check the file"
            + (f" and that it has a layer named {layer!r}" if layer else "")
        ) from exc
    if len(gdf) == 0:
        raise InputError.single(file, "", "the road layer has no features; add LineStrings")
    layer_crs: Any = gdf.crs if gdf.crs is not None else crs
    if layer_crs is None:
        raise InputError.single(
            file, "crs", "the layer declares no coordinate reference system; save it with "
            "a CRS (e.g. EPSG:4326) or pass the CRS the coordinates are in"
        )

    gdf.columns = [str(c).lower() if c != gdf.geometry.name else c for c in gdf.columns]
    _check_numbers(gdf, file)
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    wrong = ~missing & ~np.isin(kinds, [1, 5])  # LineString, MultiLineString
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError.single(
            file, "geometry", f"feature {i} is a {geoms[i].geom_type}; a road layer must "
            "hold only LineString or "
            f"MultiLineString features ({int(wrong.sum())} others found)"
        )
    parts, part_feature = shapely.get_parts(geoms[~missing], return_index=True)
    part_feature = np.flatnonzero(~missing)[part_feature]
    coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
    lon, lat = to_wgs84(file, coords[:, 0], coords[:, 1], layer_crs)
    keys = np.round(np.column_stack([lon, lat]), snap_decimals)
    _, node_of_vertex = np.unique(keys, axis=0, return_inverse=True)
    node_of_vertex = node_of_vertex.ravel()

    ids: list[str]
    if "id" in gdf.columns and gdf["id"].is_unique and gdf["id"].notna().all():
        ids = [_text(v) for v in gdf["id"]]
    else:
        ids = [str(i) for i in range(len(gdf))]
    attr_cols = [c for c in ("highway", "oneway", "lanes", "speed_kph", "maxspeed",
                             "capacity_vph", "name") if c in gdf.columns]
    records: list[dict[str, Any]] = gdf[attr_cols].to_dict("records") if attr_cols else [
        {} for _ in range(len(gdf))
    ]
    own = HighwayDefaults(default_lanes, default_speed_kph, default_capacity_per_lane_vph)
    starts = np.searchsorted(vertex_part, np.arange(len(parts) + 1))
    n_parts_of = np.bincount(part_feature, minlength=len(gdf))
    pieces: list[RoadPiece] = []
    excluded = speed_default = lanes_default = 0
    part_no = 0
    for p, f in enumerate(part_feature):
        part_no = part_no + 1 if p > 0 and part_feature[p - 1] == f else 0
        row = records[f]
        tags = _feature_tags(row)
        hw = tags.get("highway", "unknown")
        if hw in EXCLUDED_HIGHWAYS:
            excluded += 1
            continue
        attrs = road_attributes(tags, None if hw in HIGHWAY_DEFAULTS else own)
        assert attrs is not None
        speed_default += attrs.speed_default
        lanes_default += attrs.lanes_default
        cap = row.get("capacity_vph")
        s, e = int(starts[p]), int(starts[p + 1])
        way_id = ids[f] if n_parts_of[f] == 1 else f"{ids[f]}.{part_no}"
        pieces.append(RoadPiece(
            way_id=way_id,
            node_ids=node_of_vertex[s:e].tolist(),
            lon=lon[s:e].tolist(),
            lat=lat[s:e].tolist(),
            highway=hw,
            name=_text(row["name"]) if _present(row.get("name")) else "",
            attrs=attrs,
            capacity_vph=float(cap) if _present(cap) and float(cap) > 0 else None,
        ))
    if not pieces:
        raise InputError.single(
            file, "geometry", "no drivable roads in the layer; it needs LineString features "
            "that are not footways or cycleways"
        )
    notes = [f"{len(gdf)} features read, {len(pieces)} road lines kept"]
    if missing.any():
        notes.append(f"{int(missing.sum())} features without geometry skipped")
    if excluded:
        notes.append(f"{excluded} lines of non-drivable classes (footway, ...) dropped")
    notes.append(f"default speed used on {speed_default} lines, default lanes on "
                 f"{lanes_default}")
    if gdf.crs is None:
        notes.append(f"layer has no CRS; assumed {crs}")
    net = build_network(pieces, file, notes)
    if net.n_links and float(net.length_m.max()) > MAX_SEGMENT_M:
        raise InputError.single(
            file, "crs", f"a road link is {net.length_m.max() / 1000:.0f} km long; the "
            f"coordinates are probably not in the declared CRS ({gdf.crs or crs}), for "
            "example metres labelled as degrees"
        )
    logger.info("%s: %d features, %d nodes, %d links", file, len(gdf), net.n_nodes,
                net.n_links)
    return largest_strong_component(net) if keep_largest_component else net
