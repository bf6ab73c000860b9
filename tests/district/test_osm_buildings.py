"""Population from OSM buildings: persons in proportion to floor area (known answer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musterpoint.district.osm_buildings import building_population

LAT0 = 48.4
DLAT = 1 / 110_574.0  # degrees per metre north (the module's constant)
DLON = 1 / (111_320.0 * np.cos(np.radians(LAT0)))


def _square(ids: int, x0: float, side: float) -> tuple[list[str], list[str]]:
    corners = [(0, 0), (side, 0), (side, side), (0, side)]
    nodes = [f'<node id="{ids + i}" version="1" lat="{float(LAT0 + y * DLAT):.9f}" '
             f'lon="{float(15.6 + (x0 + x) * DLON):.9f}"/>' for i, (x, y) in enumerate(corners)]
    refs = [f'<nd ref="{ids + i}"/>' for i in (0, 1, 2, 3, 0)]
    return nodes, refs


def test_floor_area_shares(tmp_path: Path) -> None:
    # squares of 10 m, one level (100 m²) and of sqrt(300) m with 2 levels (600 m²): 70
    # persons split 1:6; a church and a 60 m x 60 m hall (over 3,000 m²) get nobody
    parts = [(_square(1, 0, 10.0), '<tag k="building" v="house"/>'),
             (_square(11, 100, np.sqrt(300.0)),
              '<tag k="building" v="yes"/><tag k="building:levels" v="2"/>'),
             (_square(21, 300, 10.0), '<tag k="building" v="church"/>'),
             (_square(31, 500, 60.0), '<tag k="building" v="yes"/>')]
    nodes, ways = [], []
    for i, ((n, refs), tags) in enumerate(parts):
        nodes += n
        ways.append(f'<way id="{100 + i}" version="1">{"".join(refs)}{tags}</way>')
    path = tmp_path / "town.osm"
    path.write_text('<?xml version="1.0"?><osm version="0.6">' + "".join(nodes)
                    + "".join(ways) + "</osm>")
    lon, lat, persons, counts = building_population(str(path), 70)
    assert persons.tolist() == [10, 60]
    assert counts == {"buildings": 4, "non_residential": 1, "on_grounds": 0, "large": 1}
    # the centroid of the first square, to OSM's coordinate precision (1e-7 degrees)
    assert abs(lon[0] - (15.6 + 5 * DLON)) < 2e-7 and abs(lat[0] - (LAT0 + 5 * DLAT)) < 2e-7
