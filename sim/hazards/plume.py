"""Chemical release: a steady-state Gaussian plume under wind that changes over time.

Ground-level concentration of a continuous point release of rate ``Q`` (g/s) at effective
height ``H`` (m), wind speed ``u`` (m/s), at a receptor ``x`` metres downwind and ``y``
metres crosswind (ground reflection included, receptor at z = 0)::

    C = Q / (2 pi u sigma_y sigma_z) * exp(-y^2 / (2 sigma_y^2)) * 2 exp(-H^2 / (2 sigma_z^2))

in g/m^3 (x > 0; zero upwind). Dispersion coefficients are Briggs' (1973) formulas for
open country, as tabulated in Hanna, Briggs & Hosker (1982), *Handbook on Atmospheric
Diffusion*, DOE/TIC-11223, Table 4.5 (x in metres, 100 m < x < 10 km):

======  ===============================  ===============================
class   sigma_y                          sigma_z
======  ===============================  ===============================
A       0.22 x (1 + 0.0001 x)^-1/2       0.20 x
B       0.16 x (1 + 0.0001 x)^-1/2       0.12 x
C       0.11 x (1 + 0.0001 x)^-1/2       0.08 x (1 + 0.0002 x)^-1/2
D       0.08 x (1 + 0.0001 x)^-1/2       0.06 x (1 + 0.0015 x)^-1/2
E       0.06 x (1 + 0.0001 x)^-1/2       0.03 x (1 + 0.0003 x)^-1
F       0.04 x (1 + 0.0001 x)^-1/2       0.016 x (1 + 0.0003 x)^-1
======  ===============================  ===============================

Time: the wind is piecewise constant (each entry holds until the next); the plume is
taken to re-establish at once when the wind changes (no travel time of the cloud), which
over-states the danger zone's speed of change but not its extent. A place is in the danger
zone while the concentration there is at or above the threshold and the release is on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from musterpoint.sim.geo import LocalProjection
from musterpoint.sim.intervals import Interval

__all__ = ["BRIGGS_OPEN_COUNTRY", "GaussianPlume", "briggs_sigmas", "concentration"]

#: (ay, by, az, bz, cz) so that sigma_y = ay x (1 + by x)^-1/2 and
#: sigma_z = az x (1 + bz x)^cz, Briggs (1973) open country.
BRIGGS_OPEN_COUNTRY: dict[str, tuple[float, float, float, float, float]] = {
    "A": (0.22, 0.0001, 0.20, 0.0, 0.0),
    "B": (0.16, 0.0001, 0.12, 0.0, 0.0),
    "C": (0.11, 0.0001, 0.08, 0.0002, -0.5),
    "D": (0.08, 0.0001, 0.06, 0.0015, -0.5),
    "E": (0.06, 0.0001, 0.03, 0.0003, -1.0),
    "F": (0.04, 0.0001, 0.016, 0.0003, -1.0),
}


def briggs_sigmas(x: np.ndarray, stability: str) -> tuple[np.ndarray, np.ndarray]:
    """Dispersion coefficients sigma_y, sigma_z (m) at downwind distance ``x`` (m)."""
    ay, by, az, bz, cz = BRIGGS_OPEN_COUNTRY[stability]
    x = np.asarray(x, dtype=np.float64)
    sy = ay * x * (1.0 + by * x) ** -0.5
    sz = az * x * (1.0 + bz * x) ** cz
    return sy, sz


def concentration(x: np.ndarray, y: np.ndarray, q_gps: float, u_mps: float, height_m: float,
                  stability: str) -> np.ndarray:
    """Ground-level concentration (g/m^3) at downwind ``x`` and crosswind ``y`` (m)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    out = np.zeros(np.broadcast(x, y).shape)
    down = x > 0
    if not down.any():
        return out
    xd = np.broadcast_to(x, out.shape)[down]
    yd = np.broadcast_to(y, out.shape)[down]
    sy, sz = briggs_sigmas(xd, stability)
    out[down] = (q_gps / (2.0 * math.pi * u_mps * sy * sz) * np.exp(-(yd**2) / (2.0 * sy**2))
                 * 2.0 * np.exp(-(height_m**2) / (2.0 * sz**2)))
    return out


@dataclass(frozen=True)
class GaussianPlume:
    """A release with wind periods; answers who is in the danger zone and when.

    Parameters
    ----------
    lon, lat : float
        Source location.
    q_gps : float
        Release rate (g/s).
    height_m : float
        Effective release height (m).
    start_s, end_s : float
        Release on during ``[start_s, end_s)``.
    wind : list of (time_s, speed_mps, from_deg, stability)
        Wind periods; each holds until the next. ``from_deg`` is where the wind blows
        from (meteorological convention, 0 = from the north, clockwise).
    threshold_gpm3 : float
        Concentration at or above which a place is in the danger zone (g/m^3).
    """

    lon: float
    lat: float
    q_gps: float
    height_m: float
    start_s: float
    end_s: float
    wind: tuple[tuple[float, float, float, str], ...]
    threshold_gpm3: float

    def _periods(self) -> list[tuple[float, float, float, float, str]]:
        out = []
        for k, (t, u, d, st) in enumerate(self.wind):
            t_next = self.wind[k + 1][0] if k + 1 < len(self.wind) else math.inf
            lo, hi = max(t, self.start_s), min(t_next, self.end_s)
            if hi > lo:
                out.append((lo, hi, u, d, st))
        return out

    def _local(self, x: np.ndarray, y: np.ndarray, from_deg: float) -> tuple[np.ndarray,
                                                                              np.ndarray]:
        # the plume travels towards from_deg + 180; unit vector of travel (east, north)
        theta = math.radians(from_deg + 180.0)
        ex, ey = math.sin(theta), math.cos(theta)
        down = x * ex + y * ey
        cross = -x * ey + y * ex
        return down, cross

    def concentration_at(self, lon: np.ndarray, lat: np.ndarray, t: float) -> np.ndarray:
        """Ground-level concentration (g/m^3) at points at time ``t``."""
        lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        for lo, hi, u, d, st in self._periods():
            if lo <= t < hi:
                x, y = LocalProjection(self.lon, self.lat).forward(lon, lat)
                down, cross = self._local(x, y, d)
                return concentration(down, cross, self.q_gps, u, self.height_m, st)
        return np.zeros(lon.shape)

    def intervals(self, lon: np.ndarray, lat: np.ndarray) -> list[list[Interval]]:
        """For each point, the times it is in the danger zone."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        x, y = LocalProjection(self.lon, self.lat).forward(lon, lat)
        out: list[list[Interval]] = [[] for _ in range(lon.size)]
        for lo, hi, u, d, st in self._periods():
            down, cross = self._local(x, y, d)
            c = concentration(down, cross, self.q_gps, u, self.height_m, st)
            for i in np.flatnonzero(c >= self.threshold_gpm3).tolist():
                if out[i] and out[i][-1][1] == lo:
                    out[i][-1] = (out[i][-1][0], hi)
                else:
                    out[i].append((lo, hi))
        return out

    def reach_m(self) -> float:
        """Farthest downwind distance (m) the danger zone reaches in any wind period."""
        x = np.geomspace(1.0, 50_000.0, 400)
        best = 0.0
        for _, _, u, _, st in self._periods():
            c = concentration(x, np.zeros_like(x), self.q_gps, u, self.height_m, st)
            hit = np.flatnonzero(c >= self.threshold_gpm3)
            if hit.size:
                best = max(best, float(x[hit[-1]]))
        return best

    def zone_geojson(self, t: float, extent_m: float | None = None, cells: int = 240) -> str:
        """GeoJSON polygon of the danger zone at time ``t`` (contoured on a local grid).

        The grid spans ``extent_m`` around the source (by default 1.2 times the zone's
        reach), so its cells stay small next to the zone.
        """
        if extent_m is None:
            extent_m = max(1.2 * self.reach_m(), 100.0)
        from rasterio.features import shapes
        from rasterio.transform import from_origin
        from shapely.geometry import mapping, shape
        from shapely.ops import unary_union

        proj = LocalProjection(self.lon, self.lat)
        res = 2 * extent_m / cells
        xs = -extent_m + (np.arange(cells) + 0.5) * res
        ys = extent_m - (np.arange(cells) + 0.5) * res
        gx, gy = np.meshgrid(xs, ys)
        lon, lat = proj.inverse(gx.ravel(), gy.ravel())
        c = self.concentration_at(lon, lat, t).reshape(gx.shape)
        mask = c >= self.threshold_gpm3
        if not mask.any():
            return json.dumps({"type": "MultiPolygon", "coordinates": []})
        tr = from_origin(-extent_m, extent_m, res, res)
        polys = [shape(g) for g, v in shapes(mask.astype(np.uint8), mask=mask, transform=tr)
                 if v == 1]
        geom = unary_union(polys)

        def to_deg(xy: np.ndarray) -> np.ndarray:
            lon_, lat_ = proj.inverse(xy[:, 0], xy[:, 1])
            return np.column_stack([lon_, lat_])

        import shapely

        return json.dumps(mapping(shapely.transform(geom, to_deg)))
