"""Flood hazard: a stage hydrograph (water level over time) over a ground-elevation raster.

A place (node, link, home) is flooded while its ground elevation is strictly below the
water level. The level is piecewise linear between the given points and constant before
the first and after the last. Flooded intervals are computed exactly from the crossings
of the level with each elevation, so exposure does not depend on a time step; only road
closures are applied on a step (``step_min``), at the first step after the water arrives.

Simplification (documented for users): a "bathtub" model. Every cell below the level is
wet, whether or not water can reach it over land; dikes, pumps and drainage are ignored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from musterpoint.scenarios.errors import InputError

__all__ = ["ElevationRaster", "StageHydrograph", "flooded_intervals", "link_elevations"]

logger = logging.getLogger(__name__)

Interval = tuple[float, float]


@dataclass(frozen=True)
class StageHydrograph:
    """Water level over time.

    Parameters
    ----------
    times_s : ndarray
        Strictly ascending times (seconds since scenario start).
    levels_m : ndarray
        Water level at each time (metres, in the raster's vertical datum).
    """

    times_s: np.ndarray
    levels_m: np.ndarray

    def level_at(self, t: float | np.ndarray) -> np.ndarray:
        """Water level at time(s) ``t`` (linear between points, constant outside)."""
        return np.asarray(np.interp(t, self.times_s, self.levels_m), dtype=np.float64)

    @property
    def peak_m(self) -> float:
        """Highest level."""
        return float(self.levels_m.max())


def _intervals_one(e: float, ts: list[float], hs: list[float]) -> list[Interval]:
    """Times when level > e for one elevation, from the piecewise-linear hydrograph."""
    out: list[Interval] = []
    wet = hs[0] > e
    start = 0.0 if wet else -1.0
    for k in range(len(ts) - 1):
        t0, t1, h0, h1 = ts[k], ts[k + 1], hs[k], hs[k + 1]
        wet1 = h1 > e
        if wet1 != wet:
            # crossing inside (t0, t1]: solve h0 + (h1 - h0) * f = e
            f = (e - h0) / (h1 - h0)
            tc = t0 + f * (t1 - t0)
            if wet1:
                start = tc
            else:
                out.append((max(start, 0.0), tc))
            wet = wet1
    if wet:
        out.append((max(start, 0.0), float("inf")))
    return [(s, e2) for s, e2 in out if e2 > s]


def flooded_intervals(elev: np.ndarray, hydro: StageHydrograph) -> list[list[Interval]]:
    """For each elevation, the time intervals during which it is under water."""
    ts = [float(x) for x in hydro.times_s]
    hs = [float(x) for x in hydro.levels_m]
    peak = max(hs)
    out: list[list[Interval]] = []
    for e in np.asarray(elev, dtype=np.float64):
        if not np.isfinite(e) or e >= peak:
            out.append([])
        else:
            out.append(_intervals_one(float(e), ts, hs))
    return out


class ElevationRaster:
    """A ground-elevation raster (any CRS GDAL reads; sampled at lon/lat points).

    Parameters
    ----------
    path : Path
        A GeoTIFF (or any raster rasterio opens) of ground elevation in metres.
    field : str
        The scenario field that named the file (for error messages).
    """

    def __init__(self, path: Path, field: str = "hazard.flood.elevation") -> None:
        import rasterio

        self.path = Path(path)
        try:
            with rasterio.open(self.path) as src:
                self.data = src.read(1).astype(np.float64)
                self.transform = src.transform
                self.crs = src.crs
                nodata = src.nodata
        except rasterio.errors.RasterioIOError as exc:
            raise InputError.single(
                str(path), field, f"cannot read the raster ({exc}); give a GeoTIFF (or "
                "another raster GDAL reads) of ground elevation in metres") from exc
        if self.crs is None:
            raise InputError.single(str(path), field,
                                    "the raster has no CRS; add one (e.g. with gdal_edit -a_srs)")
        if nodata is not None:
            self.data[self.data == nodata] = np.nan
        #: flooded areas already drawn, by (level, simplification): a pure function of
        #: the raster, kept so that every run (and a cached World) draws each level once
        self._flooded: dict[tuple[float, float], str] = {}
        self._to_raster = None
        if self.crs.to_epsg() != 4326:
            from pyproj import Transformer

            self._to_raster = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    def sample(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Elevation at points (NaN outside the raster or on no-data)."""
        from rasterio.transform import rowcol

        x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        if x.size == 0:
            return np.empty(0)
        if self._to_raster is not None:
            x, y = self._to_raster.transform(x, y)
        rows, cols = rowcol(self.transform, x, y)
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        h, w = self.data.shape
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        out = np.full(x.shape, np.nan)
        out[inside] = self.data[rows[inside], cols[inside]]
        return out

    def flooded_geojson(self, level: float, simplify_deg: float = 0.0002) -> str:
        """GeoJSON (EPSG:4326) of the area below ``level``, as one MultiPolygon.

        Computed once per level and simplification, then returned from memory.
        """
        key = (float(level), float(simplify_deg))
        memo = self.__dict__.setdefault("_flooded", {})
        if key not in memo:
            memo[key] = self._flooded_geojson(*key)
        return str(memo[key])

    def _flooded_geojson(self, level: float, simplify_deg: float) -> str:
        from rasterio.features import shapes
        from shapely.geometry import mapping, shape
        from shapely.ops import transform as shp_transform
        from shapely.ops import unary_union

        mask = np.isfinite(self.data) & (self.data < level)
        if not mask.any():
            return json.dumps({"type": "MultiPolygon", "coordinates": []})
        polys = [shape(g) for g, v in shapes(mask.astype(np.uint8), mask=mask,
                                              transform=self.transform) if v == 1]
        geom = unary_union(polys)
        if self._to_raster is not None:
            from pyproj import Transformer

            back = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
            geom = shp_transform(back.transform, geom)
        geom = geom.simplify(simplify_deg, preserve_topology=True)
        return json.dumps(mapping(geom))


def link_elevations(
    raster: ElevationRaster, coords: list[np.ndarray], spacing_deg: float = 0.0003
) -> np.ndarray:
    """Lowest ground elevation along each link (vertices, and points every ~30 m between).

    A link floods as soon as its lowest point does: that is where the road goes under.
    """
    pts: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    for i, c in enumerate(coords):
        seg = [c[:1]]
        for a, b in pairwise(c):
            n = max(int(np.hypot(*(b - a)) / spacing_deg), 1)
            f = (np.arange(1, n + 1) / n)[:, None]
            seg.append(a + (b - a) * f)
        arr = np.concatenate(seg)
        pts.append(arr)
        owner.append(np.full(arr.shape[0], i))
    if not pts:
        return np.empty(0)
    allp = np.concatenate(pts)
    own = np.concatenate(owner)
    z = raster.sample(allp[:, 0], allp[:, 1])
    z = np.where(np.isnan(z), np.inf, z)
    out = np.full(len(coords), np.inf)
    np.minimum.at(out, own, z)
    return out
