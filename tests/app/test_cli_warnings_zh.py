"""Warnings of implausible but legal input are shown in the run's language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scenario_factory import base_scenario, make_scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grid with one shelter closed to everybody (capacity 0): legal, but odd."""
    shelters = base_scenario()["shelters"]
    shelters[0] = {**shelters[0], "capacity": 0}
    return make_scenario(tmp_path_factory.mktemp("warn"), shelters=shelters)


def _run(scenario: Path, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MUSTER_LANG"}
    return subprocess.run([sys.executable, "-m", "musterpoint", "run", str(scenario), *flags,
                           "--out", str(tmp_path / "out"), "--no-map", "--no-report",
                           "--no-catalog", "--no-progress"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def test_a_warning_is_shown_in_chinese(scenario: Path, tmp_path: Path) -> None:
    done = _run(scenario, tmp_path, "--lang", "zh")
    assert done.returncode == 0, done.stderr
    name = base_scenario()["shelters"][0]["id"]
    assert f"警告：{scenario}：避难场所 '{name}' 的容量为 0；无法安置任何人" in done.stderr, \
        done.stderr
    assert "WARNING" not in done.stderr and "nobody" not in done.stderr


def test_the_same_warning_in_english(scenario: Path, tmp_path: Path) -> None:
    done = _run(scenario, tmp_path)
    assert done.returncode == 0, done.stderr
    name = base_scenario()["shelters"][0]["id"]
    assert f"WARNING: {scenario}: shelter '{name}' has capacity 0; nobody can stay there" \
        in done.stderr, done.stderr


def test_validate_shows_the_warning_in_chinese(scenario: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MUSTER_LANG"}
    env["MUSTER_LANG"] = "zh"
    done = subprocess.run([sys.executable, "-m", "musterpoint", "validate", str(scenario)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "的容量为 0；无法安置任何人" in done.stdout, done.stdout
