"""Bad input under ``--lang zh``: the reason is Chinese, the file and field path as written,
the value given shown (the same table of bad inputs as ``test_cli_bad_input``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from musterpoint.cli import main
from tests.app.test_cli_bad_input import (
    _edit_yaml,
    bad_yaml,
    bus_depot_off_network,
    empty_network,
    missing_file,
    negative_capacity,
    negative_link_capacity,
    phase_before_start,
    polygons_in_another_crs,
    shelter_off_network,
    unknown_key,
    unknown_plan_key,
    wind_outside_0_360,
    wrong_crs,
    zone_without_route,
)
from tests.helpers.scenario_factory import make_scenario


def capacity_as_text(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc, lambda d: d["shelters"][0].update(capacity="lots"))
    return "scenario.yaml", "shelters[0].capacity"


def missing_name(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc, lambda d: d.pop("name"))
    return "scenario.yaml", "name"


def unknown_time_zone(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc, lambda d: d.update(timezone="Mars/Olympus"))
    return "scenario.yaml", "timezone"


def bad_stability(sc: Path) -> tuple[str, str]:
    wind_outside_0_360(sc)  # a plume, then a good direction and an unknown stability class
    _edit_yaml(sc, lambda d: d["hazard"]["plume"]["wind"][0].update(from_deg=90,
                                                                    stability="Q"))
    return "scenario.yaml", "hazard.plume.wind[0].stability"


#: case -> the Chinese reason it must give (a regular expression).
CASES: list[tuple[Callable[[Path], tuple[str, str]], str]] = [
    (missing_file, r"找不到文件 'population\.csv'（查找位置："),
    (unknown_key, r"未知的键；请删除或检查拼写"),
    (unknown_plan_key, r"未知的键；请删除或检查拼写"),
    (missing_name, r"缺少必填的键"),
    (negative_capacity, r"应不小于 0，而不是 -5"),
    (capacity_as_text, r"应为整数，而不是 'lots'"),
    (wind_outside_0_360, r"应不大于 360(\.0)?，而不是 400"),
    (phase_before_start, r"应不小于 0(\.0)?，而不是 -1"),
    (bad_stability, r"应为 .*'A'.* 之一，而不是 'Q'"),
    (bad_yaml, r"不是有效的 YAML："),
    (unknown_time_zone, r"无法识别的时区 'Mars/Olympus'；请使用 IANA 时区名"),
    (polygons_in_another_crs, r"图层的坐标参考系是 EPSG:4326，但情景文件声明的是 EPSG:3857"),
    (wrong_crs, r"36 个点中有 36 个位于 EPSG:32722 的有效范围之外"),
    (empty_network, r"路段文件没有数据行；路网需要路段"),
    (negative_link_capacity, r"第 4 行（路段 'L3'）：capacity_vph 为负数（-600）；请填写大于 0 的"
                             r"整条路段通行能力"),
    (shelter_off_network, r"距路网最近的道路 [\d,]+ 米（上限 max_snap_m = 500 米）"),
    (bus_depot_off_network, r"距最近的道路 [\d,]+ 米（上限 500 米）；请将其移到路网上"),
    (zone_without_route, r"区域 Z00-00（共 \d+ 个区域）在开始时没有通往任何避难场所的通行道路"),
]


#: Fields the cases name loosely (a word of the field) -> the field path shown.
_FIELD_SHOWN = {"line": "第 2 行第 1 列", "links": "network.nodes", "zone": "shelters"}


@pytest.mark.parametrize(("case", "reason"), CASES, ids=[c.__name__ for c, _ in CASES])
def test_bad_input_is_explained_in_chinese(case: Callable[[Path], tuple[str, str]], reason: str,
                                           tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    sc = make_scenario(tmp_path / "sc")
    file, field = case(sc)
    field = _FIELD_SHOWN.get(field, field)
    code = main(["run", str(sc), "--out", str(tmp_path / "out"), "--no-progress",
                 "--lang", "zh"])
    err = capsys.readouterr().err
    assert code == 2, err
    line = next(x for x in err.splitlines() if x.startswith("错误："))
    assert file in line and field in line, line
    assert re.search(f"{re.escape(field)}[^：]*：{reason}", line), line


def test_the_same_input_stays_english_by_default(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sc = make_scenario(tmp_path / "sc")
    capacity_as_text(sc)
    assert main(["run", str(sc), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert "shelters[0].capacity: give a whole number, not 'lots'" in capsys.readouterr().err


def test_a_long_list_of_rows_is_shown_in_chinese() -> None:
    from musterpoint.display.input_text import problem_text
    from musterpoint.scenarios.errors import Problem

    rows = ", ".join(f"line {i} (link 'L{i}')" for i in range(2, 7)) + " and 3 more"
    p = Problem("links.csv", "lanes", f"{rows}: lanes is zero (0); give a number of lanes >= 1")
    assert problem_text(p, "zh") == (
        "links.csv：lanes：第 2 行（路段 'L2'）、第 3 行（路段 'L3'）、第 4 行（路段 'L4'）、"
        "第 5 行（路段 'L5'）、第 6 行（路段 'L6'）等，另有 3 行：lanes 为零（0）；"
        "请填写不少于 1 的车道数")
    assert problem_text(p, "en") == f"links.csv: lanes: {rows}: lanes is zero (0); give a " \
        "number of lanes >= 1"
