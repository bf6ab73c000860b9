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


def test_local_cluster_addresses():
    from musterpoint.scenarios.errors import MusterError
    from musterpoint.sim.experiments.runner import DaskExecutor, local_cluster_workers

    assert local_cluster_workers("local:3") == 3
    assert local_cluster_workers("local") is not None and local_cluster_workers("local") >= 1
    assert local_cluster_workers("tcp://127.0.0.1:8786") is None
    assert DaskExecutor("local:2").workers == 2
    for bad in ("local:0", "local:two"):
        with pytest.raises(MusterError, match="local:N"):
            local_cluster_workers(bad)


def test_bad_local_cluster_is_a_clear_error(tmp_path: Path, capsys):
    sc = make_scenario(tmp_path / "grid")
    rc = main(["compare", str(sc), "-n", "1", "--scheduler", "local:0", "--no-catalog",
               "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "local:N with N >= 1" in err and "Traceback" not in err


@pytest.mark.slow
def test_default_scenario_on_a_local_dask_cluster_matches_local_processes(tmp_path: Path):
    """``muster compare`` of the default scenario's two plans on ``--scheduler local:2`` and
    on local processes: comparison.json and replications.csv byte for byte (2 replications
    here; bench/bench_metro.py --compare times 10)."""
    outs = {}
    for name, extra in (("local", ["--workers", "2"]), ("dask", ["--scheduler", "local:2"])):
        out = tmp_path / name
        rc = main(["compare", "--plans", "evacuate-all-now", "staged-by-risk", "-n", "2",
                   "--out", str(out), "--no-progress", "--no-map", "--no-report",
                   "--catalog", str(tmp_path / "cat.sqlite"), *extra])
        assert rc == 0
        outs[name] = out
        assert f'"executor": "{name}"' in (out / "timing.json").read_text()
    for f in ("comparison.json", "replications.csv"):
        assert (outs["local"] / f).read_bytes() == (outs["dask"] / f).read_bytes(), f
    assert (outs["dask"] / "replications.csv").read_text().count("\n") == 5  # 2 x 2 + header
