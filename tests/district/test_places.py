"""Reading shelters and other places from spreadsheets and GIS layers; every bad row named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musterpoint.district.coords import wgs84_to_gcj02
from musterpoint.district.places import PlaceColumns, read_places
from musterpoint.scenarios.errors import InputError

GOOD = ("名称,地址,经度,纬度,容纳人数\n光谷广场,武汉,114.3980,30.5050,3000\n"
        "第一中学,武汉,114.4100,30.4900,1200\n")


def _write(tmp_path: Path, text: str, name: str = "shelters.csv",
           encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def test_chinese_columns_found_and_names_kept(tmp_path: Path) -> None:
    places = read_places(_write(tmp_path, GOOD))
    assert [p.id for p in places] == ["光谷广场", "第一中学"]
    assert [p.capacity for p in places] == [3000, 1200]
    assert places[0].lon == pytest.approx(114.398) and places[0].row == 2


def test_gbk_csv_and_column_mapping(tmp_path: Path) -> None:
    text = "场所,X坐标,Y坐标,可住\n体育馆,114.40,30.50,500\n"
    path = _write(tmp_path, text, encoding="gbk")
    cols = PlaceColumns(name="场所", capacity="可住", lon="X坐标", lat="Y坐标")
    (p,) = read_places(path, columns=cols)
    assert (p.name, p.capacity) == ("体育馆", 500)


def test_xlsx(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["名称", "经度", "纬度", "容纳人数"])
    ws.append(["光谷广场", 114.398, 30.505, 3000])
    ws.append([None, None, None, None])  # an empty line is skipped, not an error
    ws.append(["第一中学", 114.41, 30.49, "1,200"])
    path = tmp_path / "避难场所.xlsx"
    wb.save(path)
    places = read_places(path)
    assert [(p.name, p.capacity) for p in places] == [("光谷广场", 3000), ("第一中学", 1200)]


def test_gcj02_declared_is_converted(tmp_path: Path) -> None:
    gx, gy = wgs84_to_gcj02(np.array([114.398]), np.array([30.505]))
    path = _write(tmp_path, f"name,lon,lat,capacity\nA,{float(gx[0])!r},{float(gy[0])!r},10\n")
    (p,) = read_places(path, columns=PlaceColumns(crs="GCJ-02"))
    assert abs(p.lon - 114.398) < 1e-8 and abs(p.lat - 30.505) < 1e-8


def test_geojson_layer(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame({"名称": ["甲", "乙"], "容纳人数": [10, 20]},
                           geometry=[Point(114.4, 30.5), Point(114.41, 30.51)], crs="EPSG:4326")
    path = tmp_path / "s.geojson"
    gdf.to_file(path)
    places = read_places(path)
    assert [p.id for p in places] == ["甲", "乙"] and places[1].lat == pytest.approx(30.51)


BAD = [
    ("missing capacity column", "名称,经度,纬度\n甲,114.4,30.5\n", {},
     ["capacity", "--capacity-col"]),
    ("given column missing", GOOD, {"capacity": "人数上限"}, ["人数上限", "--capacity-col"]),
    ("text in capacity", "名称,经度,纬度,容纳人数\n甲,114.4,30.5,很多\n乙,114.4,30.5,-3\n", {},
     ["row 2: 容纳人数", "'很多'", "row 3: 容纳人数"]),
    ("text in coordinate", "名称,经度,纬度,容纳人数\n甲,东经114度,30.5,10\n", {},
     ["row 2: 经度", "not a number"]),
    ("duplicated names",
     "名称,经度,纬度,容纳人数\n甲,114.4,30.5,1\n乙,114.4,30.5,1\n甲,114.4,30.5,1\n", {},
     ["row 4: 名称", "first in row 2", "--id-col"]),
    ("empty name", "名称,经度,纬度,容纳人数\n,114.4,30.5,1\n", {}, ["row 2: 名称", "empty"]),
    ("metres as degrees", "name,lon,lat,capacity\nA,535000,3378000,5\n", {},
     ["row 2", "projected metres", "--crs"]),
    ("no rows", "name,lon,lat,capacity\n", {}, ["no rows"]),
    ("unknown crs", GOOD, {"crs": "EPSG:99999999"}, ["crs", "unknown coordinate system"]),
]


@pytest.mark.parametrize(("case", "text", "cols", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_named(tmp_path: Path, case: str, text: str, cols: dict[str, str],
                         words: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_places(path, columns=PlaceColumns(**cols))
    msg = str(err.value)
    assert str(path) in msg
    for w in words:
        assert w in msg, (case, msg)


def test_every_bad_row_reported_at_once(tmp_path: Path) -> None:
    text = "名称,经度,纬度,容纳人数\n甲,x,30.5,1\n乙,114.4,30.5,y\n丙,114.4,30.5,5\n"
    with pytest.raises(InputError) as err:
        read_places(_write(tmp_path, text))
    assert len(err.value.problems) == 2


def test_pickup_points_need_no_capacity(tmp_path: Path) -> None:
    path = _write(tmp_path, "名称,经度,纬度\n东门,114.4,30.5\n")
    (p,) = read_places(path, kind="pickup")
    assert p.capacity is None
