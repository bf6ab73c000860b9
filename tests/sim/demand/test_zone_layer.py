"""Zones from administrative polygons: places go to the polygon that contains them."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.schema import PopulationSource
from musterpoint.sim.demand.population import read_places


def _layer(tmp_path: Path, names: list[str]) -> Path:
    gdf = gpd.GeoDataFrame({"名称": names},
                           geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)],
                           crs="EPSG:4326")
    path = tmp_path / "communities.geojson"
    gdf.to_file(path)
    return path


def test_places_grouped_by_polygon_names_kept(tmp_path: Path) -> None:
    pop = tmp_path / "pop.csv"
    pop.write_text("lon,lat,population\n0.5,0.5,10\n0.2,0.8,5\n1.5,0.5,7\n3,3,100\n")
    src = PopulationSource(file="pop.csv", zones="communities.geojson",
                           zone_id_column="名称")
    places, zones = read_places(pop, src, None, None,
                                _layer(tmp_path, ["关山社区", "光谷社区", "无人社区"]))
    assert zones.ids == ["关山社区", "光谷社区"]  # the empty polygon is no zone
    assert zones.population.tolist() == [15, 7] and zones.evacuees.tolist() == [15, 7]
    assert places.zone.tolist() == [0, 0, 1, -1]
    assert not places.evacuate[3]  # in no polygon: not ordered out
    assert zones.wkt[0].startswith("POLYGON")
    assert np.allclose([zones.lon[0], zones.lat[0]], [0.5, 0.5], atol=0.5)


def test_repeated_or_missing_zone_ids(tmp_path: Path) -> None:
    pop = tmp_path / "pop.csv"
    pop.write_text("lon,lat,population\n0.5,0.5,10\n")
    layer = _layer(tmp_path, ["甲", "甲", "乙"])
    src = PopulationSource(file="pop.csv", zones="x", zone_id_column="名称")
    with pytest.raises(InputError, match="used twice"):
        read_places(pop, src, None, None, layer)
    src = PopulationSource(file="pop.csv", zones="x", zone_id_column="name")
    with pytest.raises(InputError, match="zone_id_column"):
        read_places(pop, src, None, None, layer)
