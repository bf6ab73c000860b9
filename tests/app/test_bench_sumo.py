"""bench/bench_sumo.py end to end on a tiny grid: SUMO meso and musterpoint on the same
duarouter routes (skipped where SUMO is not installed; CI does not install it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_sumo.py"

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("sumo", "netconvert", "duarouter")),
    reason="SUMO is not installed (apt-get install -y sumo sumo-tools)")


def test_the_sumo_benchmark_runs_on_a_tiny_grid_and_prints_its_ratio_line(tmp_path):
    res = subprocess.run([sys.executable, str(BENCH), "--grid", "4", "--vehicles", "40",
                          "--repeat", "1", "--keep", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    last = res.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"N=40 wall_ratio=(\S+) ete50_ratio=(\S+) ete90_ratio=(\S+) "
                     r"ete100_ratio=(\S+)", last)
    assert m, last
    # 40 trips on an empty grid: no queues, so both tools agree on every arrival time to
    # within a few seconds in an hour
    for r in m.groups()[1:]:
        assert float(r) == pytest.approx(1.0, abs=0.02)
    assert float(m.group(1)) > 0
    # the very routes: musterpoint read SUMO's routes.rou.xml (its trips are those vehicles)
    assert (tmp_path / "n40" / "routes.rou.xml").is_file()
    assert "arrived 40" in res.stdout
