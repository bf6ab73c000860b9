"""Known answers for the web-map coordinate systems used in China, and the offset diagnosis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musterpoint.district.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    diagnose_offset,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Published test vectors of the eviltransform implementations (WGS 84 -> GCJ-02):
# (wgs lat, wgs lon, gcj lat, gcj lon) for Shanghai, Shenzhen, Beijing.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    k = 111_320.0
    return math.hypot((lon1 - lon2) * k * math.cos(math.radians(lat1)), (lat1 - lat2) * k)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_wgs84_to_gcj02_published(wlat: float, wlon: float, glat: float, glon: float) -> None:
    x, y = wgs84_to_gcj02(wlon, wlat)
    assert float(x) == pytest.approx(glon, abs=1e-9)
    assert float(y) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_gcj02_to_wgs84_published(wlat: float, wlon: float, glat: float, glon: float) -> None:
    x, y = gcj02_to_wgs84(glon, glat)
    assert _metres(float(x), float(y), wlon, wlat) < 0.01


def test_bd09_published() -> None:
    """wandergis/coordtransform's fixture: GCJ-02 (116.404, 39.915) <-> BD-09."""
    x, y = gcj02_to_bd09(116.404, 39.915)
    assert (float(x), float(y)) == pytest.approx((116.41036949371029, 39.92133699351021),
                                                 abs=1e-12)
    x, y = bd09_to_gcj02(116.404, 39.915)
    assert (float(x), float(y)) == pytest.approx((116.39762729119315, 39.90865673957631),
                                                 abs=1e-12)


def test_round_trips_inside_china_within_a_metre() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(75, 134, 2000)
    lat = rng.uniform(18, 53, 2000)
    x, y = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    d = np.hypot((x - lon) * 111_320 * np.cos(np.radians(lat)), (y - lat) * 111_320)
    assert d.max() < 1.0
    x, y = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    d = np.hypot((x - lon) * 111_320 * np.cos(np.radians(lat)), (y - lat) * 111_320)
    assert d.max() < 1.0
    # and the offset itself is the web-map offset: tens to hundreds of metres
    gx, gy = wgs84_to_gcj02(lon, lat)
    off = np.hypot((gx - lon) * 111_320 * np.cos(np.radians(lat)), (gy - lat) * 111_320)
    assert off.min() > 10 and off.max() < 1500


def test_gcj02_is_identity_outside_china() -> None:
    lon = np.array([-51.2, 24.94, 139.69, 2.35])  # Porto Alegre, Helsinki, Tokyo, Paris
    lat = np.array([-30.03, 60.17, 35.69, 48.85])
    x, y = wgs84_to_gcj02(lon, lat)
    assert np.array_equal(x, lon) and np.array_equal(y, lat)
    x, y = gcj02_to_wgs84(lon, lat)
    assert np.array_equal(x, lon) and np.array_equal(y, lat)


def test_cgcs2000_gauss_kruger_through_pyproj() -> None:
    # EPSG:4547 (CGCS2000 / 3-degree GK CM 114E): the central meridian maps to 500 km east
    x, y = to_wgs84(np.array([500_000.0]), np.array([3_378_000.0]), "EPSG:4547")
    assert float(x[0]) == pytest.approx(114.0, abs=1e-9)
    assert 30.4 < float(y[0]) < 30.6
    with pytest.raises(ValueError, match="unknown coordinate system"):
        to_wgs84([1.0], [2.0], "EPSG:99999999")


def _grid(lon0: float, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along a street grid of 400 m blocks, every 20 m."""
    step = 400 / 111_320
    along = np.arange(0, 8 * step, 20 / 111_320)
    lines = np.arange(0, 9) * step
    lon = np.concatenate([np.repeat(lines, along.size), np.tile(along, lines.size)])
    lat = np.concatenate([np.tile(along, lines.size), np.repeat(lines, along.size)])
    return lon0 + lon, lat0 + lat


def test_diagnose_gcj_offset_swapped_projected() -> None:
    nlon, nlat = _grid(114.40, 30.48)  # road nodes, Wuhan
    pts_lon, pts_lat = nlon[::23], nlat[::23]
    assert diagnose_offset(pts_lon, pts_lat, nlon, nlat) is None
    glon, glat = wgs84_to_gcj02(pts_lon, pts_lat)
    d = diagnose_offset(glon, glat, nlon, nlat)
    assert d is not None and d.cause == "gcj02" and "GCJ-02" in d.message
    blon, blat = wgs84_to_bd09(pts_lon, pts_lat)
    d = diagnose_offset(blon, blat, nlon, nlat)
    assert d is not None and d.cause == "bd09"
    d = diagnose_offset(pts_lat, pts_lon, nlon, nlat)
    assert d is not None and d.cause == "swapped"
    d = diagnose_offset(pts_lon * 1e4, pts_lat * 1e5, nlon, nlat)
    assert d is not None and d.cause == "projected"
    d = diagnose_offset(pts_lon + 3, pts_lat, nlon, nlat)
    assert d is not None and d.cause == "unknown"
