"""The compiled traffic core (setup.py, sim/_accel.py): an accelerator, never a second truth.

It runs only if it was built from the sources as they are now, ``MUSTER_PURE_PYTHON=1``
turns it off, and it gives the same results to the bit as the pure-Python core.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import subprocess
import sys
import types
from pathlib import Path

import pytest

from musterpoint.sim import _accel

ROOT = Path(__file__).resolve().parents[3]


def _setup_module() -> types.SimpleNamespace:
    """setup.py's names (its setup() call runs only as __main__)."""
    return types.SimpleNamespace(**runpy.run_path(str(ROOT / "setup.py"),
                                                  run_name="musterpoint_setup"))


def _built() -> bool:
    try:
        importlib.import_module(_accel.STAMPS)
    except ImportError:
        return False
    return True


def _python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (the core is chosen at import); its stdout."""
    full = {k: v for k, v in os.environ.items() if k != _accel.PURE_ENV} | env
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full, cwd=ROOT, check=True)
    return out.stdout.strip()


def test_setup_compiles_what_the_loader_checks():
    setup = _setup_module()
    assert setup.SOURCES == _accel.SOURCES
    assert f"{setup.PACKAGE}.{setup.STAMPS}" == _accel.STAMPS
    assert [setup.compiled_name(n) for n in setup.SOURCES] == [
        _accel.compiled_name(n) for n in _accel.SOURCES]


def test_the_copies_are_the_sources_above_the_marker_and_stamped(tmp_path: Path):
    setup = _setup_module()
    paths = setup.staged_copies(tmp_path / "stage")
    by_name = {p.stem: p for p in paths}
    for name in _accel.SOURCES:
        src = _accel.source_path(name).read_text(encoding="utf-8")
        copy = by_name[_accel.compiled_name(name).rpartition(".")[2]].read_text(
            encoding="utf-8")
        above = src[:src.index(setup.MARKER)]
        assert "_compiled(" not in copy  # the loader below the marker stays pure
        # the copy differs only in importing the other compiled copies
        for other in _accel.SOURCES:
            above = above.replace(f"from musterpoint.sim.{other} import",
                                  f"from {_accel.compiled_name(other)} import")
        assert copy.strip() == above.strip()
    stamps: dict[str, str] = {}
    exec(by_name["_stamps_c"].read_text(encoding="utf-8"), stamps)
    assert stamps["BUILT_FROM"] == {n: _accel.source_digest(n) for n in _accel.SOURCES}


def _fake_stamps(monkeypatch: pytest.MonkeyPatch, built_from: dict[str, str] | None) -> None:
    mod = None if built_from is None else types.SimpleNamespace(BUILT_FROM=built_from)
    monkeypatch.setitem(sys.modules, _accel.STAMPS, mod)  # type: ignore[arg-type]
    monkeypatch.delenv(_accel.PURE_ENV, raising=False)


def test_a_build_from_other_sources_is_refused_with_a_warning(monkeypatch, caplog):
    stale = {n: _accel.source_digest(n) for n in _accel.SOURCES}
    stale["traffic.queue_model"] = "0" * 64  # queue_model.py was edited after the build
    _fake_stamps(monkeypatch, stale)
    with caplog.at_level("WARNING", logger=_accel.__name__):
        assert _accel._fresh.__wrapped__() is False  # type: ignore[attr-defined]
    assert "queue_model.py" in caplog.text and "pure-Python" in caplog.text


def test_a_build_from_these_sources_is_taken(monkeypatch, caplog):
    _fake_stamps(monkeypatch, {n: _accel.source_digest(n) for n in _accel.SOURCES})
    with caplog.at_level("WARNING", logger=_accel.__name__):
        assert _accel._fresh.__wrapped__() is True  # type: ignore[attr-defined]
    assert not caplog.text


def test_no_build_or_the_switch_means_pure_python(monkeypatch):
    _fake_stamps(monkeypatch, None)  # not built: the import fails
    assert _accel._fresh.__wrapped__() is False  # type: ignore[attr-defined]
    _fake_stamps(monkeypatch, {n: _accel.source_digest(n) for n in _accel.SOURCES})
    monkeypatch.setenv(_accel.PURE_ENV, "1")
    assert _accel._fresh.__wrapped__() is False  # type: ignore[attr-defined]


_WHICH = ("from musterpoint.sim.traffic.fixed_routes import RoutedTrafficModel\n"
          "from musterpoint.sim.traffic.queue_model import TrafficModel\n"
          "from musterpoint.sim.des import BareCall\n"
          "print(TrafficModel.__module__, RoutedTrafficModel.__module__, BareCall.__module__)")


def test_the_switch_runs_the_pure_modules_in_a_fresh_process():
    assert _python(_WHICH, MUSTER_PURE_PYTHON="1").split() == [
        "musterpoint.sim.traffic.queue_model", "musterpoint.sim.traffic.fixed_routes",
        "musterpoint.sim.des"]


@pytest.mark.skipif(not _built(), reason="the compiled core is not built (no C compiler?)")
def test_an_edited_source_is_never_shadowed_by_the_old_build():
    # the fresh build is taken ...
    assert _python(_WHICH).split() == [
        "musterpoint.sim.traffic._queue_model_c", "musterpoint.sim.traffic._fixed_routes_c",
        "musterpoint.sim._des_c"]
    # ... and once queue_model.py differs from what was compiled, the pure core runs
    edited = ("import musterpoint.sim._accel as a\n"
              "real = a.source_digest\n"
              "a.source_digest = lambda n: 'edited' if n == 'traffic.queue_model' else real(n)\n"
              + _WHICH)
    assert _python(edited).split() == [
        "musterpoint.sim.traffic.queue_model", "musterpoint.sim.traffic.fixed_routes",
        "musterpoint.sim.des"]


_DIGESTS = ("import json\n"
            "from tests.helpers.golden import run_digests\n"
            "print(json.dumps(run_digests('krems-flood', '{plan}', 1)))")


@pytest.mark.slow
@pytest.mark.skipif(not _built(), reason="the compiled core is not built (no C compiler?)")
def test_compiled_and_pure_cores_give_the_same_outputs():
    from tests.helpers.golden import golden_cases

    plan = next(p for name, p, _ in golden_cases() if name == "krems-flood")
    code = _DIGESTS.format(plan=plan)
    assert json.loads(_python(code)) == json.loads(_python(code, MUSTER_PURE_PYTHON="1"))
