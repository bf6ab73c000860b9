"""The builder on a Chinese district: Chinese names as ids, polygon and hexagon zones, a
population raster, and table-driven bad input (each a clear message, nothing written)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import yaml
from shapely.geometry import box

from musterpoint.district.build import build
from musterpoint.district.coords import wgs84_to_gcj02
from musterpoint.district.spec import (
    AreaSpec,
    DistrictSpec,
    PlaceFileSpec,
    PopulationSpec,
    RoadsSpec,
    ZonesSpec,
)
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import bundled_scenarios

WUHAN = bundled_scenarios()["wuhan-optics-valley"].parent / "data"
ROADS = WUHAN / "optics_valley_roads.geojson"
COMPOUNDS = WUHAN / "compounds.geojson"
# two real road vertices of the Optics Valley layer (WGS 84)
SHELTERS = [("光谷体育馆", 114.5100, 30.4930, 3000), ("高新第一中学", 114.5060, 30.4950, 1500)]


def _road_points() -> np.ndarray:
    roads = gpd.read_file(ROADS)
    return np.vstack([np.asarray(g.coords) for g in roads.geometry])


def _shelters(tmp: Path, rows: list[tuple[str, float, float, object]] | None = None,
              name: str = "避难场所.csv") -> Path:
    pts = _road_points()
    text = "名称,经度,纬度,容纳人数\n"
    for n, lon, lat, cap in rows or SHELTERS:
        i = int(np.argmin(np.hypot(pts[:, 0] - lon, pts[:, 1] - lat)))
        text += f"{n},{float(pts[i, 0])!r},{float(pts[i, 1])!r},{cap}\n"
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _communities(tmp: Path) -> Path:
    gdf = gpd.GeoDataFrame({"社区名称": ["关山社区", "光谷社区"]},
                           geometry=[box(114.50, 30.489, 114.508, 30.50),
                                     box(114.508, 30.489, 114.52, 30.50)], crs="EPSG:4326")
    path = tmp / "社区.geojson"
    gdf.to_file(path)
    return path


def _spec(tmp: Path, **kw: object) -> DistrictSpec:
    base: dict[str, object] = dict(
        name="光谷演练", title_en="Optics Valley drill", title_zh="光谷疏散演练",
        timezone="Asia/Shanghai", duration_h=2,
        roads=RoadsSpec(file=ROADS),
        population=PopulationSpec(file=COMPOUNDS, column="population"),
        zones=ZonesSpec(kind="polygons", file=_communities(tmp), name_col="社区名称"))
    if "places" not in kw:
        base["places"] = [PlaceFileSpec(kind="shelter", file=_shelters(tmp))]
    base.update(kw)
    return DistrictSpec.model_validate(base)


def test_chinese_district_builds_and_validates(tmp_path: Path) -> None:
    res = build(_spec(tmp_path), tmp_path / "光谷")
    sc = yaml.safe_load((res.folder / "scenario.yaml").read_text(encoding="utf-8"))
    assert sc["name"] == "光谷演练"
    assert [s["id"] for s in sc["shelters"]] == ["光谷体育馆", "高新第一中学"]
    assert [s["capacity"] for s in sc["shelters"]] == [3000, 1500]
    assert sc["population"]["zones"] == "data/zones.geojson"
    zones = gpd.read_file(res.folder / "data" / "zones.geojson")
    assert zones["name"].tolist() == ["关山社区", "光谷社区"]
    assert res.persons == int(gpd.read_file(COMPOUNDS)["population"].sum())
    assert res.zones == 2 and res.shelters == 2
    readme = (res.folder / "README.md").read_text(encoding="utf-8")
    assert "避难场所.csv" in readme and "sha256" in readme
    assert (res.folder / "plans" / "evacuate-all-now.yaml").is_file()


def test_population_raster_in_utm_keeps_the_total(tmp_path: Path) -> None:
    import rasterio
    from rasterio.transform import from_origin

    # 20 x 20 cells of 50 m in UTM 50N (EPSG:32650) over Optics Valley, 0.4 persons each
    pts = gpd.GeoSeries(gpd.points_from_xy([114.503], [30.498]), crs="EPSG:4326")
    x0, y0 = pts.to_crs("EPSG:32650").iloc[0].coords[0]
    raster = tmp_path / "worldpop.tif"
    vals = np.full((20, 20), 0.4, dtype="float32")
    vals[0, 0] = -99999.0  # WorldPop's no-data
    with rasterio.open(raster, "w", driver="GTiff", height=20, width=20, count=1,
                       dtype="float32", crs="EPSG:32650", nodata=-99999.0,
                       transform=from_origin(x0, y0, 50, 50)) as dst:
        dst.write(vals, 1)
    res = build(_spec(tmp_path, population=PopulationSpec(file=raster),
                      zones=ZonesSpec(kind="hexagon", cell_m=300)), tmp_path / "out")
    assert res.persons == round(399 * 0.4)
    import pandas as pd

    pop = pd.read_csv(res.folder / "data" / "population.csv")
    assert int(pop["population"].sum()) == round(399 * 0.4)
    assert res.zones >= 2


def _gcj_shelters(tmp: Path) -> Path:
    path = _shelters(tmp)
    rows = path.read_text(encoding="utf-8").splitlines()
    out = [rows[0]]
    for r in rows[1:]:
        n, x, y, c = r.split(",")
        gx, gy = wgs84_to_gcj02(float(x), float(y))
        out.append(f"{n},{float(gx)!r},{float(gy)!r},{c}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _no_crs_raster(tmp: Path) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    path = tmp / "pop.tif"
    with rasterio.open(path, "w", driver="GTiff", height=2, width=2, count=1,
                       dtype="float32", transform=from_origin(114.5, 30.5, 0.001, 0.001)) as d:
        d.write(np.ones((2, 2), dtype="float32"), 1)
    return path


def _far_row(tmp: Path) -> Path:
    path = _shelters(tmp)
    with path.open("a", encoding="utf-8") as f:
        f.write("远处学校,114.70,30.60,100\n")
    return path


BAD = {
    "gcj02 declared as wgs84": (
        lambda t: {"places": [PlaceFileSpec(kind="shelter", file=_gcj_shelters(t))]},
        "避难场所.csv", ["crs", "GCJ-02", "--crs"]),
    "row outside the area": (
        lambda t: {"places": [PlaceFileSpec(kind="shelter", file=_far_row(t))]},
        "避难场所.csv", ["row 4", "from the nearest road"]),
    "missing capacity column": (
        lambda t: {"places": [PlaceFileSpec(kind="shelter", file=_shelters(t),
                                            capacity_col="床位")]},
        "避难场所.csv", ["床位", "--capacity-col"]),
    "empty clip": (
        lambda t: {"area": AreaSpec(bbox=(100.0, 20.0, 100.1, 20.1), buffer_m=0)},
        "optics_valley_roads.geojson", ["clip is empty"]),
    "population raster without a CRS": (
        lambda t: {"population": PopulationSpec(file=_no_crs_raster(t))},
        "pop.tif", ["no coordinate system"]),
    "population swapped lon/lat": (
        lambda t: {"population": PopulationSpec(file=_swapped_pop(t))},
        "pop.csv", ["swapped"]),
}


def _swapped_pop(tmp: Path) -> Path:
    path = tmp / "pop.csv"
    path.write_text("lon,lat,population\n30.493,114.506,100\n30.495,114.510,50\n")
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_clear_and_nothing_written(case: str, tmp_path: Path) -> None:
    make, file, words = BAD[case]
    out = tmp_path / "out"
    with pytest.raises(InputError) as err:
        build(_spec(tmp_path, **make(tmp_path)), out)
    msg = str(err.value)
    assert file in msg, msg
    for w in words:
        assert w in msg, msg
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
