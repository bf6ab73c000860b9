"""The synthetic metropolitan region of bench/bench_metro.py: its size, its people, and a
run of it whose ledger balances."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


region = _module("_metro_region")


def test_grid_side_gives_about_one_link_per_ten_residents():
    side = region.grid_side(10_000_000)
    assert side == 500
    assert 4 * side * (side - 1) == 998_000
    assert region.grid_side(1000) == 12  # the smallest grid


def test_region_files_hold_every_resident(tmp_path: Path):
    r = region.write_region(tmp_path / "r", 20_000, hours=2.0)
    links = pd.read_csv(r.folder / "data" / "links.csv")
    nodes = pd.read_csv(r.folder / "data" / "nodes.csv")
    pop = pd.read_csv(r.folder / "data" / "population.csv")
    assert (r.side, r.nodes, r.links) == (22, 484, 1848)
    assert len(nodes) == 484 and len(links) == 1848
    assert int(pop["population"].sum()) == 20_000
    assert links["id"].is_unique
    # every street is two-way: each (from, to) has its (to, from)
    pairs = set(zip(links["from"], links["to"], strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    # arterials every 10th line: 2 lanes, 3,600 PCU/h
    art = links[links["highway"] == "primary"]
    assert set(art["lanes"]) == {2.0} and set(art["capacity_vph"]) == {3600.0}
    # denser at the centre than at the edge
    centre = np.hypot(pop["x"] - pop["x"].mean(), pop["y"] - pop["y"].mean())
    assert pop["population"][centre.argmin()] > pop["population"][centre.argmax()]
    # the same size and seed give the same files
    again = region.write_region(tmp_path / "again", 20_000, hours=2.0)
    for name in ("data/links.csv", "data/population.csv", "scenario.yaml"):
        assert (again.folder / name).read_bytes() == (r.folder / name).read_bytes()


def test_too_few_residents_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="too few"):
        region.write_region(tmp_path / "r", 10)


def test_region_runs_and_its_ledger_balances(tmp_path: Path):
    from musterpoint.scenarios.loader import load_scenario
    from musterpoint.sim.engine import simulate
    from musterpoint.sim.world import build_world

    r = region.write_region(tmp_path / "r", 5_000, hours=6.0)
    world = build_world(load_scenario(r.folder / "scenario.yaml"))
    assert world.network.n_links == r.links  # a grid is strongly connected: nothing dropped
    result = simulate(world, world.loaded.plan(None), seed=1)
    assert result.kpis["ledger"]["balanced"]
    led = result.kpis["ledger"]["evacuee"]
    assert led["persons"]["total"] == 5_000
    # relief centres have room for all: after 6 h (4 sigma of the departure curve)
    # nearly everyone with a car has arrived
    assert led["vehicles"]["arrived"] > 0.95 * led["vehicles"]["total"]
    assert led["vehicles"]["stranded"] == 0
