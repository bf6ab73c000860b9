"""``muster run --lang zh`` and ``MUSTER_LANG=zh`` print the summary in Chinese."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scenario_factory import make_scenario

#: ASCII words allowed in a Chinese summary: file names, KPI family ids, formats.
ALLOWED = {"kpis", "json", "bounds", "GIS", "geo", "parquet", "gpkg", "run", "EPSG", "PDF",
           "pdf", "html", "map", "report"}


def _muster(args: list[str], env_lang: str | None, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MUSTER_LANG"}
    if env_lang is not None:
        env["MUSTER_LANG"] = env_lang
    return subprocess.run([sys.executable, "-m", "musterpoint", *args], capture_output=True,
                          text=True, env=env, cwd=tmp, timeout=300)


def _english_words(text: str, tmp: Path) -> set[str]:
    """ASCII words outside the allow-list, the paths under ``tmp`` left out."""
    text = re.sub(re.escape(str(tmp)) + r"\S*", "", text)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_scenario(tmp_path_factory.mktemp("sc"))


@pytest.mark.parametrize(("flag", "env_lang"), [(["--lang", "zh"], None), ([], "zh"),
                                                (["--lang", "zh"], "en")])
def test_run_prints_chinese(scenario: Path, tmp_path: Path, flag: list[str],
                            env_lang: str | None) -> None:
    out = tmp_path / "out"
    done = _muster(["run", str(scenario), *flag, "--out", str(out), "--no-map", "--no-report",
                    "--no-catalog"], env_lang, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"疏散人员 [\d,]+ 人：已抵达 [\d,]+，受困 [\d,]+，途中 [\d,]+，"
                        r"未出发 [\d,]+，就地避险 [\d,]+", lines[0]), lines[0]
    assert lines[1].startswith("50%疏散时间 ") and "（首次疏散令后的时:分）" in lines[1]
    assert "未抵达避难场所的人员及原因：" in lines
    assert f"结果：{out}" in lines
    assert _english_words(done.stdout, tmp_path) == set()


def test_run_prints_english_by_default(scenario: Path, tmp_path: Path) -> None:
    done = _muster(["run", str(scenario), "--out", str(tmp_path / "out"), "--no-map",
                    "--no-report", "--no-catalog"], None, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("evacuees 1,080: arrived ")
    assert "(h:mm after the first order)" in done.stdout


def test_errors_are_prefixed_in_chinese(tmp_path: Path) -> None:
    done = _muster(["run", str(tmp_path / "nowhere.yaml")], "zh", tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：")
