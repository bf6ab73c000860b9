"""The World cached on disk: identical results, a key that sees every input, atomic
entries, a rebuild (with a warning) whenever an entry cannot be trusted, and pruning."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from musterpoint import world_cache as wc
from musterpoint.cli import main
from musterpoint.scenarios.loader import load_scenario
from tests.helpers.scenario_factory import make_scenario


def _outputs(folder: Path) -> dict[str, str]:
    """sha256 of kpis.json and of every table's bytes (run.json holds the wall time)."""
    files = [folder / "kpis.json", *sorted(folder.glob("*.parquet"))]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _run(sc: Path, out: Path, *extra: str) -> dict[str, str]:
    code = main(["run", str(sc), "--out", str(out), "--no-progress", "--no-map",
                 "--no-report", "--no-catalog", *extra])
    assert code == 0
    return _outputs(out)


def _entries() -> list[Path]:
    return sorted(wc.cache_dir().glob("*.world"))


def test_a_run_from_a_cached_world_writes_byte_identical_kpis_and_tables(tmp_path):
    """Without the cache, with it cold (it writes the World) and warm (it loads it), the
    run's kpis.json and every table are the same bytes."""
    sc = make_scenario(tmp_path / "grid")
    plain = _run(sc, tmp_path / "plain", "--no-cache")
    assert _entries() == []
    cold = _run(sc, tmp_path / "cold")
    assert len(_entries()) == 1
    warm = _run(sc, tmp_path / "warm")
    assert len(plain) > 5
    assert plain == cold == warm


def _same_array(x: np.ndarray, y: np.ndarray) -> bool:
    """Same dtype, shape and values (numbers to the bit, objects by equality)."""
    if x.dtype != y.dtype or x.shape != y.shape:
        return False
    if x.dtype == object:
        return bool(x.tolist() == y.tolist())
    return x.tobytes() == y.tobytes()


def test_a_loaded_world_holds_the_same_fields_as_the_built_one(tmp_path):
    """Every field of the World survives the round trip (arrays to the bit)."""
    from musterpoint.sim.world import build_world

    loaded = load_scenario(make_scenario(tmp_path / "grid"))
    built = build_world(loaded)
    wc.world_for(loaded)
    again = wc.world_for(loaded)
    for f in dataclasses.fields(built):
        a, b = getattr(built, f.name), getattr(again, f.name)
        if isinstance(a, np.ndarray):
            assert _same_array(a, b), f.name
        elif f.name == "network":
            for g in dataclasses.fields(a):
                x, y = getattr(a, g.name), getattr(b, g.name)
                if isinstance(x, np.ndarray):
                    assert _same_array(x, y), g.name
                else:
                    assert repr(x) == repr(y), g.name
        elif f.name not in ("node_index", "raster", "loaded"):
            assert repr(a) == repr(b), f.name
    assert again.loaded is loaded


def test_the_key_changes_with_a_data_file_and_the_scenario_but_not_with_a_plan(tmp_path):
    """A data file's content and the scenario's fields are in the key; plan files are not
    (the World does not depend on them)."""
    sc = make_scenario(tmp_path / "grid")
    key = wc.world_key(load_scenario(sc))
    assert wc.world_key(load_scenario(sc)) == key
    plan = next(p for p in sc.parent.glob("*.yaml") if p != sc)
    plan.write_text(plan.read_text() + "\n# a comment\n")
    assert wc.world_key(load_scenario(sc)) == key
    pop = sc.parent / "population.csv"
    pop.write_text(pop.read_text().replace(",60\n", ",61\n", 1))
    changed = wc.world_key(load_scenario(sc))
    assert changed != key
    loaded = load_scenario(sc)
    shorter = loaded.scenario.model_copy(update={"duration_h": 1.0})
    assert wc.world_key(dataclasses.replace(loaded, scenario=shorter)) != changed


def test_a_file_beside_a_named_one_with_its_stem_is_in_the_key(tmp_path):
    """A shapefile's .prj or a raster's .aux.xml changes what is read: it counts."""
    sc = make_scenario(tmp_path / "grid")
    key = wc.world_key(load_scenario(sc))
    (sc.parent / "population.csv.aux.xml").write_text("<x/>")
    (sc.parent / "population.prj").write_text("GEOGCS")
    assert wc.world_key(load_scenario(sc)) != key


def test_a_killed_write_leaves_no_entry_that_loads(tmp_path, monkeypatch):
    """A write that dies before its rename leaves only a hidden temporary file: the next
    run builds the World again, and a prune removes the leftover once it is old."""
    loaded = load_scenario(make_scenario(tmp_path / "grid"))

    def die(fd: int) -> None:
        raise SystemExit("killed")

    with monkeypatch.context() as m, pytest.raises(SystemExit):
        m.setattr(wc.os, "fsync", die)
        wc.world_for(loaded)
    folder = wc.cache_dir()
    leftovers = list(folder.glob(".*.tmp"))
    assert len(leftovers) == 1 and _entries() == []
    assert wc.load_entry(folder, wc.world_key(loaded), loaded) is None
    old = time.time() - 2 * 3600
    os.utime(leftovers[0], (old, old))
    assert wc.prune(folder, 10**9) == leftovers


@pytest.mark.parametrize("damage", ["truncate", "flip a byte", "not an entry"])
def test_a_damaged_entry_is_rebuilt_with_a_warning(tmp_path, caplog, damage):
    """A cut-short, altered or foreign entry is never loaded: a warning, then a rebuild
    that writes a good entry again."""
    loaded = load_scenario(make_scenario(tmp_path / "grid"))
    wc.world_for(loaded)
    (entry,) = _entries()
    raw = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip a byte":
        entry.write_bytes(raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:])
    else:
        entry.write_bytes(b"hello")
    with caplog.at_level(logging.WARNING, logger="musterpoint.world_cache"):
        world = wc.world_for(loaded)
    assert "could not be loaded" in caplog.text
    assert world.network.n_links > 0
    assert wc.load_entry(entry.parent, entry.stem, loaded) is not None


def test_a_cache_folder_others_may_write_to_is_not_used(tmp_path, monkeypatch, caplog):
    """Entries are pickles: they are only read from a folder private to the user."""
    if not hasattr(os, "getuid"):
        pytest.skip("POSIX permissions")
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv("MUSTER_CACHE_DIR", str(folder))
    loaded = load_scenario(make_scenario(tmp_path / "grid"))
    with caplog.at_level(logging.WARNING, logger="musterpoint.world_cache"):
        world = wc.world_for(loaded)
    assert "not private" in caplog.text
    assert world.network.n_links > 0
    assert list(folder.iterdir()) == []


def test_the_cache_folder_is_the_env_override_else_the_users_cache(tmp_path, monkeypatch):
    """$MUSTER_CACHE_DIR first, then $XDG_CACHE_HOME/musterpoint/worlds."""
    monkeypatch.setenv("MUSTER_CACHE_DIR", str(tmp_path / "mine"))
    assert wc.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("MUSTER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert wc.cache_dir() == tmp_path / "xdg" / "musterpoint" / "worlds"


def test_prune_deletes_the_least_recently_used_entries_beyond_the_limit(tmp_path):
    """Oldest use first; the entry just written stays even when alone over the limit."""
    folder = tmp_path / "c"
    folder.mkdir()
    now = time.time()
    paths = []
    for i in range(4):
        p = folder / f"{i:064x}.world"
        p.write_bytes(b"x" * 1000)
        os.utime(p, (now - 100 * (4 - i), now - 100 * (4 - i)))
        paths.append(p)
    assert wc.prune(folder, 2500) == paths[:2]
    assert wc.prune(folder, 0, keep=paths[3]) == [paths[2]]
    assert [p.name for p in folder.iterdir()] == [paths[3].name]


def test_a_second_run_loads_the_world_and_repeats_its_warnings(tmp_path, caplog):
    """A cached World's warnings are logged as a build logs them."""
    loaded = load_scenario(make_scenario(tmp_path / "grid"))
    first = wc.world_for(loaded)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="musterpoint"):
        second = wc.world_for(loaded)
    assert "world loaded from the cache" in caplog.text
    for w in first.warnings:
        assert w in caplog.text
    assert second.warnings == first.warnings


@pytest.mark.slow
def test_the_default_runs_kpis_are_unchanged_by_the_world_cache():
    """The default scenario and plan (golden duration, bound included): without the
    cache, from a World the cache has just written and from one it loads, kpis.json and
    every table hash alike, and to the golden digests."""
    import json

    from musterpoint.scenarios.loader import DEFAULT_SCENARIO
    from musterpoint.sim.world import build_world
    from tests.helpers.golden import HASHES, case_key, short_loaded, world_digests

    loaded = short_loaded(DEFAULT_SCENARIO)
    plan = loaded.plan(None).name
    golden = json.loads(HASHES.read_text(encoding="utf-8"))[case_key(DEFAULT_SCENARIO, plan, 1)]
    plain = world_digests(build_world(loaded), plan, 1)
    assert _entries() == []
    cold = world_digests(wc.world_for(loaded), plan, 1)
    (entry,) = _entries()
    warm_world = wc.load_entry(entry.parent, entry.stem, loaded)
    assert warm_world is not None
    warm = world_digests(warm_world, plan, 1)
    assert plain == cold == warm == golden


def test_a_pickled_network_keeps_every_link_polyline_to_the_bit():
    """The polylines are packed into one array for the cache and unpacked the same."""
    import pickle

    from musterpoint.sim.network.graph import Network, NetworkReport

    rng = np.random.default_rng(3)
    geometry = [rng.random((n, 2)) for n in (2, 5, 3)]
    ids = np.array(["a", "b", "c"], dtype=object)
    net = Network(np.arange(4), rng.random(4), rng.random(4), ids, np.array([0, 1, 2]),
                  np.array([1, 2, 3]), np.ones(3), np.ones(3), np.ones(3), np.ones(3), ids,
                  ids, NetworkReport("x", 4, 3, 4, 3), geometry)
    again = pickle.loads(pickle.dumps(net))
    assert again.geometry is not None
    assert [g.tobytes() for g in again.geometry] == [g.tobytes() for g in geometry]
    assert [g.shape for g in again.geometry] == [g.shape for g in geometry]
    assert again.report == net.report and _same_array(again.link_id, ids)
