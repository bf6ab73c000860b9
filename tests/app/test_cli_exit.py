"""``muster run`` as a process ends at once after its run, with everything it printed and
its exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _muster(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m musterpoint ARGV``, its output buffered as a pipe's is by default."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-m", "musterpoint", *argv], capture_output=True,
                          text=True, check=False, env=env)


def test_a_run_prints_all_its_lines_into_a_pipe_and_exits_0(grid_scenario: Path,
                                                             tmp_path: Path):
    out = tmp_path / "out"
    done = _muster("-v", "run", str(grid_scenario), "--out", str(out), "--no-progress",
                   "--no-map", "--no-report", "--no-gis", "--no-catalog")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("evacuees ")
    assert lines[-1] == f"results: {out}"  # the last line, block-buffered in a pipe
    assert "INFO:" in done.stderr  # the log handler's lines too
    assert (out / "kpis.json").is_file()


def test_a_run_that_fails_exits_2_with_its_message(tmp_path: Path):
    done = _muster("run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out"),
                   "--no-progress", "--no-catalog")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")


_TRACED = """
import sys
import musterpoint.cli as cli
sys.settrace(lambda frame, event, arg: None)  # as coverage or a debugger would
sys.argv = ["muster", *sys.argv[1:]]
code = cli.main()
print("main returned", code)
"""


def test_a_traced_run_returns_so_that_the_tracer_can_write_at_exit(grid_scenario: Path,
                                                                   tmp_path: Path):
    """A profiler or a tracer (pyinstrument, cProfile, coverage) writes its findings at the
    interpreter's exit: with one watching, main returns and the interpreter exits."""
    done = subprocess.run([sys.executable, "-c", _TRACED, "run", str(grid_scenario), "--out",
                           str(tmp_path / "out"), "--no-progress", "--no-map", "--no-report",
                           "--no-gis", "--no-catalog"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "main returned 0"
