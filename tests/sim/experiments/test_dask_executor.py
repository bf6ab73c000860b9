"""The Dask executor gives the same comparison.json, byte for byte, as local processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from musterpoint.cli import main
from tests.helpers.scenario_factory import make_scenario

distributed = pytest.importorskip("distributed")

STANDARD = {"id": "stranded-under-400", "kpi": "evacuation.stranded", "op": "<=",
            "threshold": 400, "label": {"en": "Fewer than 400 stranded", "zh": "受困少于400人"}}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


@pytest.mark.slow
def test_dask_and_local_processes_write_identical_comparisons(cluster, tmp_path: Path):
    sc = make_scenario(tmp_path / "grid", standards=[STANDARD])
    outs = {}
    for name, extra in (("local", ["--workers", "2"]),
                        ("dask", ["--scheduler", cluster.scheduler_address])):
        out = tmp_path / name
        rc = main(["compare", str(sc), "-n", "4", "--out", str(out), "--no-progress",
                   "--no-map", "--no-report", "--catalog", str(tmp_path / "cat.sqlite"),
                   *extra])
        assert rc == 0
        outs[name] = (out / "comparison.json").read_bytes()
        assert f'"executor": "{name}"' in (out / "timing.json").read_text()
    assert outs["local"] == outs["dask"]
    assert b'"stranded-under-400"' in outs["dask"]


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, capsys):
    sc = make_scenario(tmp_path / "grid")
    rc = main(["compare", str(sc), "-n", "1", "--scheduler", "tcp://127.0.0.1:9",
               "--no-catalog", "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "cannot reach the Dask scheduler" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
