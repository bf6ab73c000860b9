"""The map's first view: numpy bounds equal folium's own, to the bit."""

from __future__ import annotations

import random
from typing import Any

from folium.utilities import get_bounds

from musterpoint.maps.geometry import round_coords
from musterpoint.maps.timeline_bounds import geojson_bounds


def _collection(seed: int) -> dict[str, Any]:
    r = random.Random(seed)

    def pos(z: bool = False) -> list[float]:
        p = [r.uniform(-60.0, 60.0), r.uniform(-30.0, 30.0)]
        return [*p, r.uniform(0, 9)] if z else p

    geoms: list[dict[str, Any] | None] = [
        {"type": "Polygon", "coordinates": [[pos() for _ in range(6)], [pos() for _ in range(4)]]},
        {"type": "MultiPolygon", "coordinates": [[[pos() for _ in range(5)]],
                                                 [[pos() for _ in range(7)]]]},
        {"type": "Point", "coordinates": pos()},
        {"type": "LineString", "coordinates": [pos(z=True) for _ in range(3)]},
        None,
    ]
    feats = [{"type": "Feature", "geometry": g, "properties": {}} for g in geoms]
    return {"type": "FeatureCollection", "features": round_coords(feats)}


def test_the_bounds_are_folium_s_for_every_kind_of_geometry():
    for seed in range(20):
        data = _collection(seed)
        assert geojson_bounds(data) == get_bounds(data, lonlat=True)


def test_no_positions_give_no_bounds_and_odd_nesting_is_left_to_folium():
    empty = {"type": "FeatureCollection", "features": []}
    assert geojson_bounds(empty) == [[None, None], [None, None]]
    ragged = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [[1.5, 2.5], [3.5, 4.5, 9.0]]}}]}
    assert geojson_bounds(ragged) == get_bounds(ragged, lonlat=True) == [[2.5, 1.5], [4.5, 3.5]]


def test_rounding_keeps_types_and_nesting():
    assert round_coords([(1.234567, 2), [True, "x", [3.0000049]]]) == \
        [[1.23457, 2.0], [True, "x", [3.0]]]
