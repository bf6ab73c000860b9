"""What a run derives from its World, cached beside it (musterpoint.derived_cache): read
back instead of computed, identical, recomputed when damaged or when its inputs change."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pandas as pd

import musterpoint.sim.bounds.bound as bound_module
import musterpoint.sim.drill.checks as checks_module
from musterpoint import world_cache as wc
from musterpoint.cli import main
from musterpoint.derived_cache import frame_digest, remember
from tests.helpers.scenario_factory import make_scenario


def _counted(value: object) -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> object:
        calls.append(1)
        return value

    return calls, compute


def test_a_value_is_computed_once_per_key_and_read_back_equal():
    calls, compute = _counted({"curve": [1.5, 2.5], "name": "成都"})
    assert remember("thing", {"world": "w1"}, compute) == {"curve": [1.5, 2.5], "name": "成都"}
    assert remember("thing", {"world": "w1"}, compute) == {"curve": [1.5, 2.5], "name": "成都"}
    assert len(calls) == 1
    remember("thing", {"world": "w2"}, compute)
    remember("other", {"world": "w1"}, compute)
    assert len(calls) == 3
    assert len(list(wc.cache_dir().glob("*.derived"))) == 3


def test_disabled_computes_and_writes_nothing():
    calls, compute = _counted(7)
    assert remember("thing", {"world": "w"}, compute, enabled=False) == 7
    assert remember("thing", {"world": "w"}, compute, enabled=False) == 7
    assert len(calls) == 2
    assert not wc.cache_dir().exists() or not list(wc.cache_dir().glob("*.derived"))


def test_a_damaged_file_is_computed_again_with_a_warning(caplog):
    calls, compute = _counted([1, 2, 3])
    remember("thing", {"world": "w"}, compute)
    (path,) = wc.cache_dir().glob("thing-*.derived")
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING, logger="musterpoint.world_cache"):
        assert remember("thing", {"world": "w"}, compute) == [1, 2, 3]
    assert len(calls) == 2
    assert "checksum" in caplog.text


def test_the_table_digest_sees_values_types_and_order():
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]})
    assert frame_digest(df) == frame_digest(df.copy())
    assert frame_digest(df) != frame_digest(df.assign(b=[0.5, 1.25]))
    assert frame_digest(df) != frame_digest(df.astype({"a": "int32"}))
    assert frame_digest(df) != frame_digest(df.iloc[::-1])


def _outputs(folder: Path) -> dict[str, str]:
    files = [folder / "kpis.json", *sorted(folder.glob("*.parquet"))]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_a_second_run_reads_the_bound_and_writes_the_same_bytes(tmp_path, monkeypatch):
    """The second run of the same plan and seed computes no bound and no standards probe;
    another seed computes its own bound."""
    sc = make_scenario(tmp_path / "grid")
    real = bound_module.evacuation_bound
    calls: list[int] = []

    def counted(*a: object, **k: object) -> object:
        calls.append(1)
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(bound_module, "evacuation_bound", counted)
    probes: list[int] = []
    real_check = checks_module.check_standard_names

    def counted_check(*a: object, **k: object) -> object:
        probes.append(1)
        return real_check(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(checks_module, "check_standard_names", counted_check)

    def run(out: str, *extra: str) -> dict[str, str]:
        code = main(["run", str(sc), "--out", str(tmp_path / out), "--no-progress",
                     "--no-map", "--no-report", "--no-catalog", *extra])
        assert code == 0
        return _outputs(tmp_path / out)

    plain = run("plain", "--no-cache")
    first = run("first")
    second = run("second")
    assert "bound_curve.parquet" in plain
    assert plain == first == second
    assert len(calls) == 2  # --no-cache, then the first run; the second read it
    assert len(probes) == 2  # the standards' probe run likewise
    run("seed2", "--seed", "2")
    assert len(calls) == 3
    assert len(probes) == 2  # the probe does not depend on the seed


def _page(path: Path) -> str:
    """The map page without folium's random element ids."""
    import re

    return re.sub(r"[a-z_]+_[0-9a-f]{32}", "ID", path.read_text(encoding="utf-8"))


def test_the_map_draws_the_same_page_from_cached_streets(tmp_path, monkeypatch):
    import musterpoint.maps.run_map_explain as explain
    from musterpoint.map_step import write_map
    from musterpoint.maps import write_run_map
    from musterpoint.scenarios.loader import load_scenario
    from musterpoint.sim.engine import new_run
    from musterpoint.world_cache import world_for

    loaded = load_scenario(make_scenario(tmp_path / "grid"))
    result = new_run(world_for(loaded), loaded.plan(None), 1).run()
    write_run_map(result, tmp_path / "plain.html")
    real = explain.streets_of
    calls: list[int] = []

    def counted(links: pd.DataFrame | None) -> explain.Streets:
        calls.append(1)
        return real(links)

    monkeypatch.setattr(explain, "streets_of", counted)
    write_map(result, tmp_path / "cold.html", None, None, cache=True)
    write_map(result, tmp_path / "warm.html", None, None, cache=True)
    assert calls == [1]
    assert len(list(wc.cache_dir().glob("streets-*.derived"))) == 1
    plain = _page(tmp_path / "plain.html")
    assert "musterRoads(" in plain
    assert plain == _page(tmp_path / "cold.html") == _page(tmp_path / "warm.html")
