"""Known answers for the Gaussian plume and the polygon-series hazard."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from musterpoint.sim.geo import LocalProjection
from musterpoint.sim.hazards.plume import GaussianPlume, concentration


def textbook_plume(x, y, q, u, h, stability):
    """Ground-level Gaussian plume with ground reflection, Briggs (1973) open country
    (Hanna, Briggs & Hosker 1982, Table 4.5), written out independently of the code."""
    table = {
        "A": (0.22 * x / math.sqrt(1 + 0.0001 * x), 0.20 * x),
        "B": (0.16 * x / math.sqrt(1 + 0.0001 * x), 0.12 * x),
        "C": (0.11 * x / math.sqrt(1 + 0.0001 * x), 0.08 * x / math.sqrt(1 + 0.0002 * x)),
        "D": (0.08 * x / math.sqrt(1 + 0.0001 * x), 0.06 * x / math.sqrt(1 + 0.0015 * x)),
        "E": (0.06 * x / math.sqrt(1 + 0.0001 * x), 0.03 * x / (1 + 0.0003 * x)),
        "F": (0.04 * x / math.sqrt(1 + 0.0001 * x), 0.016 * x / (1 + 0.0003 * x)),
    }
    sy, sz = table[stability]
    return (q / (2 * math.pi * u * sy * sz) * math.exp(-y * y / (2 * sy * sy))
            * 2 * math.exp(-h * h / (2 * sz * sz)))


@pytest.mark.parametrize("stability", list("ABCDEF"))
@pytest.mark.parametrize(("x", "y", "h"), [(500.0, 0.0, 0.0), (1500.0, 120.0, 10.0),
                                           (4000.0, -300.0, 25.0)])
def test_concentration_matches_the_gaussian_plume_formula(stability, x, y, h):
    got = float(concentration(np.array([x]), np.array([y]), 1000.0, 3.0, h, stability)[0])
    want = textbook_plume(x, y, 1000.0, 3.0, h, stability)
    assert got == pytest.approx(want, rel=1e-9)


def test_upwind_is_clean_and_the_wind_direction_turns_the_plume():
    # wind from the west (270 deg): the plume goes east
    plume = GaussianPlume(lon=24.94, lat=60.17, q_gps=500.0, height_m=0.0, start_s=0.0,
                          end_s=7200.0, wind=((0.0, 2.0, 270.0, "D"), (3600.0, 2.0, 0.0, "D")),
                          threshold_gpm3=1e-3)
    proj = LocalProjection(24.94, 60.17)
    lon, lat = proj.inverse(np.array([1000.0, -1000.0, 0.0]), np.array([0.0, 0.0, -1000.0]))
    c_first = plume.concentration_at(lon, lat, 100.0)
    assert c_first[0] > 0 and c_first[1] == 0 and c_first[2] == pytest.approx(0.0, abs=1e-12)
    # from the north after 1 h: now the point 1 km south is downwind
    c_later = plume.concentration_at(lon, lat, 4000.0)
    assert c_later[2] > 0 and c_later[0] == pytest.approx(0.0, abs=1e-12)
    ex = textbook_plume(1000.0, 0.0, 500.0, 2.0, 0.0, "D")
    assert c_first[0] == pytest.approx(ex, rel=1e-6)  # local projection: metres to 1e-6
    iv = plume.intervals(lon, lat)
    assert iv[0] == [(0.0, 3600.0)] and iv[2] == [(3600.0, 7200.0)] and iv[1] == []


def test_danger_zone_contour_is_a_polygon_downwind():
    from shapely.geometry import shape

    plume = GaussianPlume(lon=24.94, lat=60.17, q_gps=2000.0, height_m=0.0, start_s=0.0,
                          end_s=3600.0, wind=((0.0, 3.0, 270.0, "D"),), threshold_gpm3=1e-2)
    g = shape(json.loads(plume.zone_geojson(10.0, extent_m=3000.0, cells=120)))
    assert not g.is_empty
    assert g.centroid.x > 24.94  # east of the source


def test_polygon_series_replace_mode_gives_intervals(tmp_path):
    from musterpoint.sim.hazards.polygons import read_polygon_series

    def square(x0, y0, d):
        return [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"from_h": 0.0},
         "geometry": {"type": "Polygon", "coordinates": square(0.0, 0.0, 1.0)}},
        {"type": "Feature", "properties": {"from_h": 1.0},
         "geometry": {"type": "Polygon", "coordinates": square(0.0, 0.0, 2.0)}},
    ]}
    path = tmp_path / "fire.geojson"
    path.write_text(json.dumps(fc))
    ps = read_polygon_series(path, "EPSG:4326", "replace", "hazard.polygons[0].file",
                             (-1.0, -1.0, 3.0, 3.0))
    iv = ps.intervals_points(np.array([0.5, 1.5, 5.0]), np.array([0.5, 1.5, 5.0]))
    assert iv[0] == [(0.0, math.inf)]  # inside both perimeters, one after the other
    assert iv[1] == [(3600.0, math.inf)]  # only inside the grown perimeter
    assert iv[2] == []
    # links with different numbers of points (OSM geometries) in one call
    lines = [np.array([[0.5, 0.5], [0.6, 0.6]]),
             np.array([[1.5, 1.5], [1.6, 1.5], [1.7, 1.6]]),
             np.array([[5.0, 5.0], [5.1, 5.0], [5.2, 5.0], [5.3, 5.1]])]
    assert ps.intervals_lines(lines) == [[(0.0, math.inf)], [(3600.0, math.inf)], []]
