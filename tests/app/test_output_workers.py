"""Outputs written side by side in forked workers (musterpoint.output_workers): the same
folder as one after the other; a failed step is named and leaves nothing behind."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import musterpoint.gis_export as gis_export
from musterpoint.output_workers import SERIAL_ENV, ForkedSteps, can_fork
from musterpoint.run_pipeline import RunOptions, run_pipeline
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import load_scenario
from tests.helpers.scenario_factory import make_scenario

forks = pytest.mark.skipif(not can_fork(), reason="needs Linux and two CPUs")


def _digests(folder: Path) -> dict[str, str]:
    """sha256 of each file; of the report with its figures masked (it shows the run's wall
    time, as run.json does); not of map.html (folium's element ids are random)."""
    out = {}
    for p in sorted(folder.iterdir()):
        data = p.read_bytes()
        if p.name == "report.html":
            data = re.sub(rb"\d+", b"0", data)
        if p.name not in ("map.html", "run.json"):
            out[p.name] = hashlib.sha256(data).hexdigest()
    return out


def break_gis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the GIS step write half a file and fail (a fork inherits it)."""

    def broken(result: object, folder: Path) -> list[Path]:
        (folder / "run.gpkg").write_text("half written")
        raise InputError([Problem("links", "wkt", "cannot be written")])

    monkeypatch.setattr(gis_export, "write_gis", broken)


def check_failed_gis(tmp_path: Path, run: Callable[[Path], None], note: str) -> None:
    """``run(out)`` with :func:`break_gis` fails with the step's error, a note that has
    ``note``, and leaves neither ``out`` nor a hidden folder in ``tmp_path``."""
    out = tmp_path / "out"
    with pytest.raises(InputError, match="cannot be written") as caught:
        run(out)
    assert any(note in line for line in caught.value.__notes__)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sc"]  # no hidden leftover either


def _run(tmp_path: Path, out: Path) -> None:
    loaded = load_scenario(make_scenario(tmp_path / "sc"))
    run_pipeline(loaded, loaded.plan(None), out, RunOptions(record=False, cache=False))


@forks
def test_forked_and_serial_outputs_are_the_same_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(tmp_path, tmp_path / "forked")
    monkeypatch.setenv(SERIAL_ENV, "1")
    assert not can_fork()
    _run(tmp_path, tmp_path / "serial")
    forked, serial = _digests(tmp_path / "forked"), _digests(tmp_path / "serial")
    assert {"report.html", "run.gpkg", "links.geo.parquet", "kpis.json"} <= set(forked)
    assert (tmp_path / "forked" / "map.html").stat().st_size > 10_000
    assert forked == serial


@forks
def test_a_failed_worker_step_is_named_and_leaves_no_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    break_gis(monkeypatch)
    check_failed_gis(tmp_path, lambda out: _run(tmp_path, out), "writing gis in worker process")


@forks
def test_a_failing_caller_ends_its_workers(tmp_path: Path) -> None:
    pids: list[int] = []

    def slow() -> None:
        time.sleep(60)

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="map failed"), \
            ForkedSteps({"report": slow}) as steps:
        pids.extend(w.pid for w in steps._workers.values())
        raise RuntimeError("map failed")
    assert time.monotonic() - start < 30 and len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # reaped already


def test_without_fork_steps_run_here_when_waited_for() -> None:
    done: list[str] = []
    with ForkedSteps({"a": lambda: done.append("a"), "b": lambda: done.append("b")},
                     fork=False) as steps:
        assert done == []
        steps.wait("b")
        steps.wait("a")
    assert done == ["b", "a"]


@forks
def test_a_worker_logs_though_a_thread_of_the_parent_held_the_display(
        capfd: pytest.CaptureFixture[str]) -> None:
    """The progress bar's display lock, held by its refresh thread at the fork, would never
    be released in the worker: the worker logs through a plain handler instead."""
    import io
    import signal
    import threading

    from rich.console import Console
    from rich.logging import RichHandler

    console = Console(file=io.StringIO(), force_terminal=True)
    handler = RichHandler(console=console)
    package = logging.getLogger("musterpoint")
    package.addHandler(handler)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with console._lock:
            held.set()
            release.wait(60)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)

    def warn() -> None:
        logging.getLogger("musterpoint.gis_export").warning("a warning from the worker")

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the worker hung on the display's lock")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        with ForkedSteps({"gis": warn}, fork=True) as steps:
            steps.wait("gis")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        release.set()
        thread.join()
        package.removeHandler(handler)
    assert "a warning from the worker" in capfd.readouterr().err
