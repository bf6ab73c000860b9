"""The outputs written by a process forked before the simulation
(musterpoint.output_process): the same files as in the run's own process, from tables read
back identical; a failure there is named; a dead process leaves the outputs to the run;
a failed run ends the process."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from musterpoint import output_process
from musterpoint.bound_step import attach_bound
from musterpoint.output_process import EARLY_ENV, OutputProcess, _read_tables, wanted
from musterpoint.output_workers import can_fork
from musterpoint.run_pipeline import RunOptions, run_pipeline
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import new_run
from tests.app.test_output_workers import _digests, break_gis, check_failed_gis
from tests.helpers.golden import short_world
from tests.helpers.scenario_factory import make_scenario

forks = pytest.mark.skipif(not can_fork(), reason="needs Linux and two CPUs")

OPTIONS = RunOptions(record=False, cache=False)


@pytest.fixture(autouse=True)
def _always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process whatever the machine's load (a test run keeps every CPU busy)."""
    monkeypatch.setenv(EARLY_ENV, "1")


def _run(tmp_path: Path, out: Path, *, early: bool) -> None:
    loaded = load_scenario(make_scenario(tmp_path / "sc"))
    if not early:
        run_pipeline(loaded, loaded.plan(None), out, OPTIONS)
        return
    process = OutputProcess.start(OPTIONS)
    assert process is not None
    with process:
        run_pipeline(loaded, loaded.plan(None), out, OPTIONS, outputs=process.write)


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "plan"), [
    ("porto-alegre-flood", "evacuate-all-now-buses"),
    ("porto-alegre-flood", "relief-need-driven"),
    ("porto-alegre-flood", "gauge-levels"),
    ("helsinki-ammonia", "plume-levels"),
    ("krems-flood", "staged-riverside-first"),
    ("wuhan-optics-valley", "six-sites-pickup-points"),
])
def test_tables_read_back_are_those_in_memory(tmp_path: Path, scenario: str,
                                              plan: str) -> None:
    """The output process writes from the Parquet files: the same tables, in the same
    order, with the same index, columns, types and values, to the bit (every kind of
    bundled plan: buses, relief, warning levels, a plume, facilities, the bound)."""
    world = short_world(scenario)
    result = new_run(world, world.loaded.plan(plan), 1).run()
    attach_bound(result, world, world.loaded.plan(plan))
    result.save(tmp_path)
    back = _read_tables(tmp_path, list(result.tables))
    assert list(back) == list(result.tables)
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(back[name], table, check_exact=True)
        assert back[name].index.equals(table.index), name


@forks
def test_the_output_process_writes_the_same_files(tmp_path: Path) -> None:
    _run(tmp_path, tmp_path / "here", early=False)
    _run(tmp_path, tmp_path / "early", early=True)
    here, early = _digests(tmp_path / "here"), _digests(tmp_path / "early")
    assert {"report.html", "run.gpkg", "links.geo.parquet", "kpis.json"} <= set(early)
    assert (tmp_path / "early" / "map.html").stat().st_size > 10_000
    assert early == here
    maps = [re.sub(rb"[0-9a-f]{32}", b"id", (tmp_path / f / "map.html").read_bytes())
            for f in ("here", "early")]
    assert maps[0] == maps[1]  # but folium's random element ids


@forks
def test_a_failure_in_the_output_process_is_named_and_leaves_no_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    break_gis(monkeypatch)
    check_failed_gis(tmp_path, lambda out: _run(tmp_path, out, early=True),
                     "writing the outputs in process")


@forks
def test_a_dead_output_process_leaves_the_outputs_to_the_run(tmp_path: Path) -> None:
    loaded = load_scenario(make_scenario(tmp_path / "sc"))
    process = OutputProcess.start(OPTIONS)
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)
    with process:
        run_pipeline(loaded, loaded.plan(None), tmp_path / "out", OPTIONS,
                     outputs=process.write)
    assert _gone(process.pid)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"map.html", "report.html", "run.gpkg", "links.geo.parquet"} <= names


@forks
def test_a_failed_run_ends_the_output_process(tmp_path: Path) -> None:
    start = time.monotonic()
    process = OutputProcess.start(OPTIONS)
    assert process is not None
    with pytest.raises(RuntimeError, match="simulation failed"), process:
        raise RuntimeError("simulation failed")
    assert time.monotonic() - start < 30
    assert _gone(process.pid)


def test_the_output_process_is_wanted_when_a_cpu_is_idle_or_when_asked(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv(EARLY_ENV)
    loadavg = tmp_path / "loadavg"
    monkeypatch.setattr(output_process, "LOADAVG", loadavg)
    for load, now, want in ((0.3, 2, True), (1.4, 3, True), (1.6, 2, False), (4.0, 5, False),
                            # runs one after another: the last minute's load is theirs,
                            # nothing else runs now (this process is the one runnable)
                            (1.6, 1, True), (4.0, 1, True), (1.6, None, False)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        loadavg.write_text("" if now is None else f"{load} {load} {load} {now}/612 4242\n")
        assert wanted() is want, (load, now)
    loadavg.unlink()  # not Linux: the load average alone
    assert output_process.runnable_now() is None
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert wanted()
    monkeypatch.setenv(EARLY_ENV, "1")
    assert wanted()
    monkeypatch.setenv(EARLY_ENV, "0")
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not wanted()


def test_no_output_process_when_nothing_is_written_or_it_is_turned_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert OutputProcess.start(RunOptions(write_map=False, write_report=False,
                                          write_gis=False)) is None
    monkeypatch.setenv(EARLY_ENV, "0")
    assert OutputProcess.start(OPTIONS) is None


def _loaded_after(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of the modules ``names`` a fresh interpreter has loaded after running ``code``."""
    probe = f"import sys\n{code}\nprint([m for m in {names!r} if m in sys.modules])\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return list(ast.literal_eval(out.stdout.strip()))


def test_the_output_process_does_not_import_the_engine() -> None:
    """What it imports before it is told to write leaves out the engine (the World, the
    routing, scipy): the simulating process has them, the outputs never need them."""
    code = ("from musterpoint.output_process import warm_modules, _import_all\n"
            "_import_all(warm_modules(write_map=True, write_report=True, write_gis=True))")
    assert _loaded_after(code, ("musterpoint.sim.engine", "musterpoint.sim.world", "scipy",
                                "ortools")) == []


def test_the_gis_schemas_are_the_engines_without_the_engine() -> None:
    """The GIS files are written from :data:`musterpoint.sim.all_tables.ALL_TABLES`, the
    engine's own table list, and having it costs none of the models: the output process
    writes them without the engine, the World, the routing or the scenario schemas."""
    code = ("import musterpoint.gis_export as g, musterpoint.sim.all_tables as a\n"
            "assert g.ALL_TABLES is a.ALL_TABLES")
    heavy = ("musterpoint.sim.engine", "musterpoint.sim.world", "musterpoint.sim.evacuation",
             "musterpoint.sim.health.epidemic", "musterpoint.sim.levels.watcher",
             "musterpoint.scenarios.schema", "scipy", "pydantic")
    assert _loaded_after(code, heavy) == []
    # the probe sees a module that is loaded
    assert _loaded_after("import musterpoint.sim.engine", heavy[:1]) == list(heavy[:1])
    from musterpoint.sim.all_tables import ALL_TABLES
    from musterpoint.sim.engine import ALL_TABLES as ENGINE_TABLES

    assert ENGINE_TABLES is ALL_TABLES
    assert {"agents", "links", "health_compounds", "relief_points", "level_changes"} <= set(
        ALL_TABLES)
