"""Walking to a shelter: known walking times on a grid, walkers in the ledger and the ETE."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.kpis.evacuation import STATUSES
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, make_scenario

N = 6
EW_M, NS_M = 193.0, 222.0  # link lengths of the factory's grid


def _run(tmp_path, walking: dict):
    path = make_scenario(tmp_path / "g", n=N, hazard={})
    plan = {"name": "walk", "title": {"en": "walk"}, "walking": walking,
            "departure": {"curve": "rayleigh", "sigma_min": 10}}
    (path.parent / "plan-now.yaml").write_text(yaml.safe_dump({**plan, "name": "now"}))
    loaded = load_scenario(path)
    return simulate(build_world(loaded), loaded.plan("now"), seed=2)


def test_walkers_arrive_after_distance_over_speed(tmp_path):
    r = _run(tmp_path, {"max_distance_m": 5000, "speed_mps": 1.5, "who": "everyone"})
    a = r.agents
    assert (a["mode"] == "walk").all() and (a["status"] == "arrived").all()
    assert (a["pcu"] == 0).all() and (a["group"] == "general").all()
    # the shelters stand at the east corners (row 0: south, row N-1: north); a walk is
    # east along the row and north or south to the nearer corner, on the grid's links
    j = np.rint((a["origin_lon"] - LON0) / STEP_DEG).astype(int)
    i = np.rint((a["origin_lat"] - LAT0) / STEP_DEG).astype(int)
    dist = EW_M * (N - 1 - j) + NS_M * np.minimum(i, N - 1 - i)
    assert (a["arrive_s"] - a["depart_s"]).to_numpy() == pytest.approx(dist / 1.5, abs=1e-6)
    e = r.kpis["evacuation"]
    assert e["arrived"] == e["evacuees"] and e["ete100_s"] is not None
    assert e["groups"]["general"]["ete100_s"] == e["ete100_s"]
    assert r.kpis["traffic"]["link_traversals"] == 0  # nobody drove


def test_only_households_near_a_shelter_walk_and_the_ledger_balances(tmp_path):
    r = _run(tmp_path, {"max_distance_m": 500, "who": "everyone"})
    a = r.agents
    walk, car = a[a["mode"] == "walk"], a[a["mode"] == "car"]
    assert len(walk) and len(car)
    j = np.rint((walk["origin_lon"] - LON0) / STEP_DEG).astype(int)
    i = np.rint((walk["origin_lat"] - LAT0) / STEP_DEG).astype(int)
    assert (EW_M * (N - 1 - j) + NS_M * np.minimum(i, N - 1 - i) <= 500).all()
    e = r.kpis["evacuation"]
    assert sum(e[s] for s in STATUSES) == e["evacuees"] and r.kpis["ledger"]["balanced"]
