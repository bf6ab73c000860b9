"""Output folders: ``muster run --force`` replaces an old result atomically (the review's
L1), killed runs' leftovers are cleaned up, permissions follow the umask (K2), and crash
logs go to the user's cache folder and are pruned.

The kill tests run ``muster run --force`` as a real process over an old result with a
``user_notes/`` folder, with ``MUSTER_DEBUG_PAUSE_BEFORE_STEP=N`` (the documented debug
pause: it only sleeps) so that SIGKILL lands exactly before step N of the replacement:
step 1 is the swap, steps 2 and on delete the old result one entry at a time. After each
kill the output folder must be, byte for byte, the complete old result or the complete
new one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import musterpoint.atomic as atomic
from musterpoint.atomic import DEBUG_PAUSE_ENV, atomic_folder, clean_leftovers
from musterpoint.scenarios.errors import InputError
from tests.helpers.scenario_factory import make_scenario

RUN = ("run", "--no-bound", "--no-catalog", "--no-progress", "--no-map", "--no-report")
RESULT_FILES = ("agents.parquet", "events.parquet", "hazard_frames.parquet", "kpis.json",
                "link_states.parquet", "links.parquet", "run.json",
                "shelter_timeseries.parquet", "shelters.parquet", "timeseries.parquet",
                "zones.parquet",
                # the GIS copies of the spatial tables (musterpoint.gis_export)
                "run.gpkg", "hazard_frames.geo.parquet", "links.geo.parquet",
                "shelters.geo.parquet", "zones.geo.parquet")
NOTES = 8  # user notes in the old result: 16 + 8 files and 2 folders, 26 deletions


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path) and its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _muster(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "musterpoint.cli", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small grid scenario."""
    return make_scenario(tmp_path_factory.mktemp("force") / "grid")


def _old_result(out: Path) -> dict[str, str]:
    """Write an old result into ``out``: the files of a run and a user's notes; return
    its tree."""
    out.mkdir()
    for name in RESULT_FILES:
        (out / name).write_bytes(f"old {name}\n".encode() * 100)
    (out / "user_notes").mkdir()
    for i in range(NOTES):
        (out / "user_notes" / f"note{i}.txt").write_text(f"note {i}\n")
    return _tree(out)


def _which(tree: dict[str, str], old: dict[str, str], new: dict[str, str]) -> str:
    """``old`` or ``new`` when ``tree`` is that complete result, else what it holds."""
    if tree == old:
        return "old"
    # run.json holds the wall time; every other file of the same seed is identical
    if tree.keys() == new.keys() and all(tree[k] == new[k] for k in new if k != "run.json"):
        return "new"
    return f"partial: {sorted(tree)}"


@pytest.mark.parametrize("points", [
    pytest.param((1, 14), id="2-points"),
    pytest.param(tuple(range(1, 21)), id="20-points", marks=pytest.mark.slow),
])
def test_a_killed_force_run_leaves_the_complete_old_or_new_result(
        scenario: Path, tmp_path: Path, points: tuple[int, ...]) -> None:
    """SIGKILL before each chosen step of the replacement; then one more run cleans up
    every leftover, and its result is the reference every killed run's "new" matches."""
    out = tmp_path / "out"
    seen = []
    for step in points:
        shutil.rmtree(out, ignore_errors=True)
        old = _old_result(out)
        proc = _muster(*RUN, str(scenario), "--seed", "2", "--out", str(out), "--force",
                       env={DEBUG_PAUSE_ENV: str(step)})
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while line and "pausing" not in line:
            line = proc.stderr.readline()
        assert f"before replace step {step} " in line, f"step {step}: {line!r}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
        seen.append(_tree(out))
    assert any(p.name.startswith(".out.muster-") for p in tmp_path.iterdir())
    proc = _muster(*RUN, str(scenario), "--seed", "2", "--out", str(out), "--force")
    assert proc.wait(timeout=120) == 0
    new = _tree(out)
    assert sorted(new) == sorted(RESULT_FILES)
    assert [_which(tree, old, new) for tree in seen] == \
        ["old" if step == 1 else "new" for step in points]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no leftover
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask


def test_the_swap_fallback_replaces_and_a_half_done_fallback_is_put_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system cannot swap two folders, the old one is moved aside first; a run
    killed between the two renames is repaired by the next one."""
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old")
    with atomic_folder(out) as tmp:
        (tmp / "b.txt").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in out.iterdir()] == ["b.txt"]
    # what a kill between "move aside" and "move in" leaves: no out, an old aside
    os.replace(out, tmp_path / ".out.muster-old-0123abcd")
    (tmp_path / ".out.muster-tmp-4567cdef").mkdir()
    assert len(clean_leftovers(tmp_path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "b.txt").read_text() == "new"


def test_a_leftover_of_a_live_run_is_not_touched(tmp_path: Path) -> None:
    """A concurrent run's temporary folder is locked; only dead runs' are cleaned."""
    live = tmp_path / ".other.muster-tmp-89abcdef"
    live.mkdir()
    (live / "agents.parquet").write_bytes(b"x")
    fd = atomic._lock(live)
    assert fd is not None
    try:
        with atomic_folder(tmp_path / "mine") as tmp:
            (tmp / "kpis.json").write_text("{}")
        assert (live / "agents.parquet").exists()
    finally:
        os.close(fd)
    assert clean_leftovers(tmp_path) == [live] and not live.exists()


def test_a_failed_write_leaves_the_old_result_and_no_leftover(tmp_path: Path) -> None:
    """An error inside the block removes the temporary folder; ``out`` is untouched."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "kpis.json").write_text("old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_folder(out) as tmp:
        (tmp / "kpis.json").write_text("new")
        raise RuntimeError("disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "kpis.json").read_text() == "old"


def test_an_out_that_is_a_file_is_a_message(tmp_path: Path) -> None:
    """The review's C1 ``NotADirectoryError``, as a message naming the file."""
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(InputError, match="out: --out: this is a file, not a folder"), \
            atomic_folder(tmp_path / "out"):
        pass


def test_crash_logs_go_to_the_cache_folder_and_only_the_newest_are_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An internal error prints one line naming its log; old logs are pruned."""
    import musterpoint.cli as cli
    from musterpoint.crash_log import KEEP

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    logs = tmp_path / "cache" / "musterpoint" / "crash-logs"
    logs.mkdir(parents=True)
    for i in range(KEEP + 5):
        old = logs / f"muster-crash-2020{i:04d}.txt"
        old.write_text("old")
        os.utime(old, (1_600_000_000 + i, 1_600_000_000 + i))

    def boom() -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_cmd_scenarios", boom)
    assert cli.main(["scenarios"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: boom\n")
    written = Path(err.split("The details are in ")[1].split(";")[0])
    assert written.parent == logs and "RuntimeError: boom" in written.read_text()
    kept = sorted(logs.iterdir())
    assert len(kept) == KEEP and written in kept
    assert logs / "muster-crash-20200000.txt" not in kept  # the oldest went
