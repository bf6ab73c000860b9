"""``muster new`` on a Chinese district, then ``muster validate`` and ``muster run --lang zh``:
Chinese ids for zones, shelters and the plan run, and the map and report show the names."""

from __future__ import annotations

from pathlib import Path

import pytest

from musterpoint.cli import main
from tests.district.test_build import COMPOUNDS, ROADS, _communities, _shelters


def _args(tmp: Path, out: Path) -> list[str]:
    return ["new", str(out), "--name", "光谷演练", "--title", "Optics Valley drill",
            "--title-zh", "光谷疏散演练", "--timezone", "Asia/Shanghai", "--duration-h", "1",
            "--plan-name", "立即疏散", "--roads", str(ROADS), "--population", str(COMPOUNDS),
            "--zones", str(_communities(tmp)), "--zone-name-col", "社区名称",
            "--shelters", str(_shelters(tmp)), "--name-col", "名称",
            "--capacity-col", "容纳人数"]


def test_new_then_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "光谷"
    assert main(_args(tmp_path, out)) == 0
    said = capsys.readouterr().out
    assert "2 shelters" in said and "muster run" in said
    assert main(["validate", str(out / "scenario.yaml")]) == 0
    # the folder exists now: refused without --force, nothing changed
    assert main(_args(tmp_path, out)) == 2
    assert "--force" in capsys.readouterr().err


def test_new_bad_options_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    out = tmp_path / "x"
    assert main(["new", str(out), "--roads", str(ROADS)]) == 2
    err = capsys.readouterr().err
    assert "population" in err and "--population FILE" in err and "Traceback" not in err
    args = _args(tmp_path, out)
    args[args.index("容纳人数")] = "人数上限"
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "人数上限" in err and "--capacity-col" in err
    assert not out.exists()


def test_chinese_ids_run_and_show(tmp_path: Path) -> None:
    folder = tmp_path / "光谷"
    assert main(_args(tmp_path, folder)) == 0
    run = tmp_path / "run"
    assert main(["run", str(folder), "--plan", "立即疏散", "--out", str(run), "--lang", "zh",
                 "--no-bound", "--no-progress", "--no-catalog"]) == 0
    import json

    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    assert set(kpis["evacuation"]["by_zone"]) == {"关山社区", "光谷社区"}
    report = (run / "report.html").read_text(encoding="utf-8")
    page = (run / "map.html").read_text(encoding="utf-8")
    for name in ("关山社区", "光谷体育馆", "立即疏散"):
        assert name in report, name
    for name in ("关山社区", "光谷体育馆"):
        assert name in page or json.dumps(name)[1:-1] in page, name
