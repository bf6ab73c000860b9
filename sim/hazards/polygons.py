"""Hazard areas as a series of polygons over time: a fire perimeter, a dam-break extent.

A layer (GeoJSON, GeoPackage) whose features carry ``from_h`` (hours after the scenario
start) and optionally ``until_h``. In ``replace`` mode (fire perimeters, the default) each
time's features replace the previous ones: a feature holds until the next later
``from_h`` in the series unless it has its own ``until_h``. In ``accumulate`` mode (a
growing flood extent) features hold until their ``until_h`` or the end. A link is in the
hazard while any part of it is inside an active polygon; a place while its point is.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.intervals import Interval, union

__all__ = ["PolygonSeries", "read_polygon_series"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PolygonSeries:
    """Polygons, each active during ``[start_s, end_s)``."""

    geoms: list[object]  # shapely geometries, EPSG:4326
    start_s: np.ndarray
    end_s: np.ndarray

    def intervals_points(self, lon: np.ndarray, lat: np.ndarray) -> list[list[Interval]]:
        """For each point, the times it is inside an active polygon."""
        from shapely import points

        pts = points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return self._intervals(pts)

    def intervals_lines(self, coords: list[np.ndarray]) -> list[list[Interval]]:
        """For each polyline, the times any part of it is inside an active polygon."""
        from shapely import linestrings

        if not coords:
            return []
        # polylines of different lengths (OSM link geometries): one flat array + indices
        sizes = [len(c) for c in coords]
        flat = np.concatenate([np.asarray(c, dtype=float) for c in coords])
        return self._intervals(linestrings(flat, indices=np.repeat(np.arange(len(sizes)),
                                                                   sizes)))

    def _intervals(self, geoms: np.ndarray) -> list[list[Interval]]:
        from shapely import STRtree

        out: list[list[Interval]] = [[] for _ in range(len(geoms))]
        tree = STRtree(geoms)
        for g, s, e in zip(self.geoms, self.start_s, self.end_s, strict=True):
            for i in tree.query(g, predicate="intersects").tolist():
                out[i].append((float(s), float(e)))
        return [union(iv) for iv in out]

    def frame_geojson(self, t: float) -> str:
        """GeoJSON of the area active at ``t``."""
        from shapely.geometry import mapping
        from shapely.ops import unary_union

        active = [g for g, s, e in zip(self.geoms, self.start_s, self.end_s, strict=True)
                  if s <= t < e]
        if not active:
            return json.dumps({"type": "MultiPolygon", "coordinates": []})
        return json.dumps(mapping(unary_union(active)))

    def change_times(self) -> list[float]:
        """Times at which the active area changes."""
        ts = set(self.start_s.tolist()) | {e for e in self.end_s.tolist() if np.isfinite(e)}
        return sorted(ts)


def read_polygon_series(path: Path, declared_crs: str, mode: str, field: str,
                        bounds: tuple[float, float, float, float]) -> PolygonSeries:
    """Read and check a polygon series layer.

    Parameters
    ----------
    path : Path
        The layer.
    declared_crs : str
        CRS the scenario says the layer is in.
    mode : {"replace", "accumulate"}
        How features follow each other (see module docstring).
    field : str
        Scenario field naming the layer (for messages).
    bounds : tuple
        ``(min_lon, min_lat, max_lon, max_lat)`` of the network, to catch a wrong CRS.
    """
    import geopandas as gpd
    from pyproj import CRS

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise InputError.single(str(path), field, f"cannot read the layer: {exc}") from exc
    declared = CRS.from_user_input(declared_crs)
    if gdf.crs is not None and not CRS.from_user_input(gdf.crs).equals(declared):
        # GeoJSON files without a "crs" member read as EPSG:4326 (RFC 7946)
        raise InputError.single(
            str(path), "crs",
            f"the layer is in {gdf.crs.to_string()} but the scenario declares {declared_crs}; "
            "declare the layer's CRS or reproject it",
        )
    gdf = gdf.set_crs(declared, allow_override=True)
    if "from_h" not in gdf.columns:
        raise InputError.single(str(path), "from_h",
                                "every feature needs a from_h property (hours after start)")
    if gdf.empty:
        raise InputError.single(str(path), field, "the layer has no features")
    bad = ~gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        raise InputError.single(str(path), "geometry",
                                f"feature {int(np.flatnonzero(bad)[0])} is not a polygon")
    x0, y0, x1, y1 = gdf.total_bounds
    if declared.is_geographic and (abs(x0) > 180 or abs(x1) > 180 or abs(y0) > 90
                                   or abs(y1) > 90):
        raise InputError.single(str(path), "crs", f"coordinates are not degrees, so the "
                                f"layer is not in {declared_crs}; declare its real CRS")
    g4326 = gdf.to_crs("EPSG:4326")
    bx0, by0, bx1, by1 = g4326.total_bounds
    nx0, ny0, nx1, ny1 = bounds
    if bx1 < nx0 or bx0 > nx1 or by1 < ny0 or by0 > ny1:
        raise InputError.single(
            str(path), "crs",
            f"the polygons ({bx0:.4f}, {by0:.4f}, {bx1:.4f}, {by1:.4f}) do not overlap the road "
            f"network ({nx0:.4f}, {ny0:.4f}, {nx1:.4f}, {ny1:.4f}); check the declared CRS",
        )
    start = g4326["from_h"].to_numpy(float) * 3600.0
    if (start < 0).any() or not np.isfinite(start).all():
        raise InputError.single(str(path), "from_h", "from_h must be a number >= 0")
    until = (g4326["until_h"].to_numpy(float) * 3600.0 if "until_h" in g4326.columns
             else np.full(start.size, np.nan))
    if mode == "replace":
        times = np.unique(start)
        nxt = np.array([times[times > s].min() if (times > s).any() else np.inf
                        for s in start])
        end = np.where(np.isfinite(until), until, nxt)
    else:
        end = np.where(np.isfinite(until), until, np.inf)
    if (end <= start).any():
        raise InputError.single(str(path), "until_h", "until_h must be after from_h")
    logger.info("%s: %d hazard polygons from %.1f h to %.1f h", path.name, len(g4326),
                start.min() / 3600, start.max() / 3600)
    return PolygonSeries(list(g4326.geometry), start, end)
