"""Coordinate systems used in China, and a check that a file's points are where the roads are.

Web maps in mainland China publish coordinates that are deliberately offset from WGS 84:

- **GCJ-02** ("Mars coordinates", 国测局坐标; Amap/高德, Tencent, Google Maps China): WGS 84
  shifted by a published nonlinear function of position on the Krasovsky ellipsoid; the
  shift is a few hundred metres and depends on where you are. The inverse has no closed
  form; :func:`gcj02_to_wgs84` inverts it by fixed-point iteration (better than 1 mm).
- **BD-09** (Baidu): GCJ-02 rotated and scaled about the origin with a small periodic term.

Outside mainland China (a bounding box, as in the published implementations) GCJ-02 is
WGS 84 itself. CGCS2000 (EPSG:4490) and its Gauss–Krüger zones (EPSG:4491–4554) are
ordinary EPSG systems and go through pyproj (:func:`to_wgs84`).

:func:`diagnose_offset` tells why points lie outside the road network's area: lon/lat
swapped, GCJ-02 or BD-09 coordinates read as WGS 84, or projected metres read as degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "WEB_SYSTEMS",
    "Diagnosis",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "diagnose_offset",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Names accepted for the web-map systems (lower case), mapped to the canonical name.
WEB_SYSTEMS = {
    "gcj02": "GCJ-02", "gcj-02": "GCJ-02", "gcj": "GCJ-02", "mars": "GCJ-02",
    "amap": "GCJ-02", "bd09": "BD-09", "bd-09": "BD-09", "baidu": "BD-09",
}

_A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0

Arr = NDArray[np.float64]


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where the GCJ-02 offset applies (the published rough mainland-China box).

    Parameters
    ----------
    lon, lat : array_like
        Degrees.

    Returns
    -------
    ndarray of bool
    """
    x, y = np.asarray(lon, float), np.asarray(lat, float)
    return (x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271)


def _delta(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
    """The GCJ-02 shift (degrees of lon, lat) at a WGS 84 position."""
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
            + 0.1 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * pi)
    return dlon, dlat


def _pair(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    """WGS 84 to GCJ-02 (unchanged outside mainland China).

    Parameters
    ----------
    lon, lat : array_like
        WGS 84 degrees.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude.
    """
    x, y = _pair(lon, lat)
    dx, dy = _delta(x, y)
    inside = in_china(x, y)
    return np.where(inside, x + dx, x), np.where(inside, y + dy, y)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    """GCJ-02 to WGS 84 by fixed-point iteration of the forward shift (error < 1 mm).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees.

    Returns
    -------
    tuple of ndarray
        WGS 84 longitude and latitude.
    """
    gx, gy = _pair(lon, lat)
    x, y = gx.copy(), gy.copy()
    for _ in range(30):
        fx, fy = wgs84_to_gcj02(x, y)
        ex, ey = gx - fx, gy - fy
        x, y = x + ex, y + ey
        if float(np.max(np.abs(ex), initial=0.0)) < 1e-12 and \
                float(np.max(np.abs(ey), initial=0.0)) < 1e-12:
            break
    return x, y


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    """GCJ-02 to BD-09 (Baidu).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees.

    Returns
    -------
    tuple of ndarray
        BD-09 longitude and latitude.
    """
    x, y = _pair(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    """BD-09 (Baidu) to GCJ-02 (the published closed-form inverse).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude.
    """
    bx, by = _pair(lon, lat)
    x, y = bx - 0.0065, by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    """WGS 84 to BD-09, through GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        WGS 84 degrees.

    Returns
    -------
    tuple of ndarray
        BD-09 longitude and latitude.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Arr, Arr]:
    """BD-09 to WGS 84, through GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees.

    Returns
    -------
    tuple of ndarray
        WGS 84 longitude and latitude.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(x: ArrayLike, y: ArrayLike, crs: str) -> tuple[Arr, Arr]:
    """Coordinates in ``crs`` to WGS 84 longitude and latitude.

    Parameters
    ----------
    x, y : array_like
        Coordinates (longitude first for geographic systems).
    crs : str
        ``GCJ-02`` / ``BD-09`` (or the aliases in :data:`WEB_SYSTEMS`), or anything pyproj
        understands (``EPSG:4326``, ``EPSG:4490`` CGCS2000, ``EPSG:4547`` CGCS2000 / 3-degree
        Gauss–Krüger CM 114E, ...).

    Returns
    -------
    tuple of ndarray
        WGS 84 longitude and latitude.

    Raises
    ------
    ValueError
        If pyproj does not know the CRS.
    """
    key = crs.strip().lower()
    if key in WEB_SYSTEMS:
        return gcj02_to_wgs84(x, y) if WEB_SYSTEMS[key] == "GCJ-02" else bd09_to_wgs84(x, y)
    if key in ("epsg:4326", "wgs84", "wgs 84", "wgs-84"):
        return _pair(x, y)
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        tr = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4326", always_xy=True)
    except CRSError as exc:
        raise ValueError(f"unknown coordinate system {crs!r}; give an EPSG code such as "
                         "EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000), or GCJ-02 / BD-09"
                         ) from exc
    lon, lat = tr.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


@dataclass(frozen=True)
class Diagnosis:
    """The likely reason points lie off the road network, and what to do."""

    cause: str  # "swapped", "gcj02", "bd09", "projected", "unknown"
    message: str


def _share_inside(lon: Arr, lat: Arr, bbox: tuple[float, float, float, float]) -> float:
    w, s, e, n = bbox
    if lon.size == 0:
        return 0.0
    return float(np.mean((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)))


def _median_offset_m(lon: Arr, lat: Arr, nlon: Arr, nlat: Arr) -> float:
    """Median distance (m) from each point to the nearest of the reference points."""
    from scipy.spatial import cKDTree

    lat0 = float(np.mean(nlat))
    k = 111_320.0
    c = math.cos(math.radians(lat0))
    tree = cKDTree(np.column_stack([nlon * k * c, nlat * k]))
    d, _ = tree.query(np.column_stack([lon * k * c, lat * k]))
    return float(np.median(d))


def diagnose_offset(lon: ArrayLike, lat: ArrayLike, node_lon: ArrayLike,
                    node_lat: ArrayLike, declared: str = "EPSG:4326") -> Diagnosis | None:
    """Why points declared as WGS 84 do not fit the road network, if they do not.

    Projected metres (values beyond ±180/±90) and swapped columns (most points outside
    the network's bounding box, grown by 2 km, but inside it once swapped) are found
    first. Inside China, the points are then read as GCJ-02 and as BD-09: when that brings
    the median distance to the nearest road point from over 20 m to under a third of it,
    the file is in that system. Pass road points dense enough that a correct place is
    close to one (link vertices rather than junctions only).

    Parameters
    ----------
    lon, lat : array_like
        The points as read (WGS 84 degrees if ``declared`` says so).
    node_lon, node_lat : array_like
        Points along the roads (WGS 84): nodes and link vertices.
    declared : str
        The CRS the file was declared in (for the message).

    Returns
    -------
    Diagnosis or None
        None when the points fit the network.
    """
    x, y = _pair(lon, lat)
    nx, ny = _pair(node_lon, node_lat)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size == 0 or nx.size == 0:
        return None
    pad = 2000.0 / 111_320.0
    bbox = (float(nx.min()) - pad, float(ny.min()) - pad,
            float(nx.max()) + pad, float(ny.max()) + pad)
    near = 20.0
    swapped_fit = _share_inside(y, x, bbox) >= 0.5
    if (np.nanmax(np.abs(x)) > 180 or np.nanmax(np.abs(y)) > 90) and not swapped_fit:
        return Diagnosis("projected", (
            f"the coordinates are not degrees (up to {np.nanmax(np.abs(x)):,.0f}, "
            f"{np.nanmax(np.abs(y)):,.0f}): they look like projected metres read as "
            f"{declared}; declare the file's CRS (for example EPSG:4547, CGCS2000 / "
            "3-degree Gauss-Kruger CM 114E, or the UTM zone)"))
    inside = _share_inside(x, y, bbox)
    if inside < 0.5:
        if swapped_fit:
            return Diagnosis("swapped", (
                "the points lie outside the road network's area, but fit it with longitude "
                "and latitude swapped; check which column is longitude (lon, x, 经度) and "
                "which is latitude (lat, y, 纬度)"))
        return Diagnosis("unknown", (
            f"{100 * (1 - inside):.0f}% of the points lie outside the road network's area "
            f"(lon {bbox[0]:.4f}..{bbox[2]:.4f}, lat {bbox[1]:.4f}..{bbox[3]:.4f}); check the "
            "file's coordinate system and that it covers the same district"))
    if not bool(np.any(in_china(x, y))):
        return None
    base = _median_offset_m(x, y, nx, ny)
    for cause, name, conv in (("gcj02", "GCJ-02", gcj02_to_wgs84),
                              ("bd09", "BD-09", bd09_to_wgs84)):
        cx, cy = conv(x, y)
        fixed = _median_offset_m(cx, cy, nx, ny)
        if base > near and fixed < base / 3:
            return Diagnosis(cause, (
                f"the points are a median {base:,.0f} m from the nearest road, but "
                f"{fixed:,.0f} m once read as {name} (web-map coordinates, "
                f"{'Amap/高德, Tencent' if cause == 'gcj02' else 'Baidu/百度'}); declare the "
                f"file's CRS as {name} (--crs {name}) instead of {declared}"))
    return None
