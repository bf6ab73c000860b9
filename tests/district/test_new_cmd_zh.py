"""``muster new`` with bad district inputs under ``MUSTER_LANG=zh``: Chinese reasons, the
file and the row or option named."""

from __future__ import annotations

from pathlib import Path

import pytest

from musterpoint.cli import main
from tests.district.test_build import SHELTERS, _shelters
from tests.district.test_new_cmd import _args


def _swap(args: list[str], old: str, new: str) -> list[str]:
    return [new if a == old else a for a in args]


def wrong_capacity_column(tmp: Path, args: list[str]) -> list[str]:
    return _swap(args, "容纳人数", "人数上限")


def missing_roads(tmp: Path, args: list[str]) -> list[str]:
    return _swap(args, args[args.index("--roads") + 1], str(tmp / "nowhere.geojson"))


def capacity_not_a_number(tmp: Path, args: list[str]) -> list[str]:
    rows = [(n, lon, lat, "很多" if i == 0 else cap)
            for i, (n, lon, lat, cap) in enumerate(SHELTERS)]
    return _swap(args, args[args.index("--shelters") + 1], str(_shelters(tmp, rows, "坏.csv")))


def unknown_file_kind(tmp: Path, args: list[str]) -> list[str]:
    odd = tmp / "shelters.docx"
    odd.write_text("x")
    return _swap(args, args[args.index("--shelters") + 1], str(odd))


#: case -> (a text the line must hold: file, row or option; the Chinese reason)
CASES = [
    (wrong_capacity_column, "--capacity-col", "没有 capacity 列 '人数上限'（现有列："),
    (missing_roads, "nowhere.geojson", "--roads：找不到文件；请检查路径"),
    (capacity_not_a_number, "坏.csv：第 2 行：容纳人数",
     "'很多' 不是人数；请填写大于等于 0 的整数"),
    (unknown_file_kind, "shelters.docx", "无法识别的文件类型 '.docx'；请提供 CSV、Excel .xlsx"),
]


@pytest.mark.parametrize(("case", "where", "reason"), CASES, ids=[c[0].__name__ for c in CASES])
def test_district_input_errors_in_chinese(case, where: str, reason: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSTER_LANG", "zh")
    out = tmp_path / "光谷"
    args = case(tmp_path, _args(tmp_path, out))
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and where in err and reason in err, err
    assert not out.exists()
