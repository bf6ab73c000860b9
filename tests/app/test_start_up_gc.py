"""The garbage collector held off while ``muster run`` starts up, and only then."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import musterpoint.output_process as output_process
import musterpoint.sim.engine as engine
import musterpoint.world_cache as world_cache
from musterpoint.cli import main
from musterpoint.start_up_gc import StartUpCollector


@pytest.fixture
def collector_on():
    """The collector on during the test, and as it was after it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_pause_and_resume_switch_a_collector_that_was_on(collector_on):
    with StartUpCollector() as c:
        c.pause()
        assert not gc.isenabled()
        c.resume()
        assert gc.isenabled()
        with c.paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        c.pause()
    assert gc.isenabled()  # leaving resumes it


def test_what_was_made_while_off_is_not_walked_when_it_resumes(collector_on):
    """The objects made while off go to the oldest generation: no collection follows
    at once (a young one would walk them all), and nothing is left frozen."""
    collections: list[int] = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    with StartUpCollector() as c:
        c.pause()
        made = [[i] for i in range(50_000)]
        gc.callbacks.append(count)
        try:
            c.resume()
            more = [[i] for i in range(100)]
        finally:
            gc.callbacks.remove(count)
    assert collections == []
    assert gc.get_freeze_count() == 0
    assert len(made) + len(more) == 50_100


def test_leaving_on_an_error_resumes_the_collector(collector_on):
    with pytest.raises(RuntimeError), StartUpCollector() as c:
        c.pause()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_is_never_switched_on(collector_on):
    gc.disable()
    try:
        with StartUpCollector() as c:
            c.pause()
            c.resume()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_starts_up_without_collections_and_simulates_with_them(
        collector_on, grid_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Off while the World is read, on at the fork of the output process (it inherits the
    state) and when the simulation starts, on after the command."""
    seen: dict[str, bool] = {}

    def spy(name, fn):
        def wrapped(*args, **kwargs):
            seen.setdefault(name, gc.isenabled())
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(world_cache, "world_for", spy("world", world_cache.world_for))
    monkeypatch.setattr(engine, "new_run", spy("simulate", engine.new_run))
    start = output_process.OutputProcess.start.__func__
    monkeypatch.setattr(output_process.OutputProcess, "start",
                        classmethod(spy("fork", start)))
    code = main(["run", str(grid_scenario), "--out", str(tmp_path / "out"), "--no-progress",
                 "--no-map", "--no-report", "--no-gis", "--no-catalog"])
    assert code == 0
    assert seen == {"fork": True, "world": False, "simulate": True}
    assert gc.isenabled()


def test_a_run_that_fails_to_start_leaves_the_collector_on(collector_on, tmp_path: Path):
    code = main(["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out"),
                 "--no-progress", "--no-catalog"])
    assert code == 2
    assert gc.isenabled()
