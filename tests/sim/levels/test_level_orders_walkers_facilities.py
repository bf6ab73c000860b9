"""A level's order also sets off walkers and special facilities (not only drivers and bus
riders): they read their departure when their zone is ordered, not once at the start.

Known answer: a level ordering every zone at 0:30 gives each walker the same mobilisation
delay as the fixed-time plan ordering at 0:00, so every walk departs and arrives exactly
1,800 s later; a facility's vans are ready at 0:30 plus its mobilisation, 1,800 s later
than in the fixed-time plan, and on the same empty roads each load arrives 1,800 s later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, make_scenario

ORDER_AT_30 = {"id": "II", "grade": 2, "name": {"en": "II"}, "when": [{"time_h": 0.5}],
               "actions": [{"order": {"all": True}}]}
FACILITY = {"id": "casa-1", "name": "Care home", "kind": "care_home",
            "lon": LON0 + STEP_DEG, "lat": LAT0 + 2 * STEP_DEG, "persons": 25,
            "vehicle": "wheelchair_van", "vehicles": 2, "seats": 4,
            "mobilisation_min": 60.0, "loading_min": 5.0}


def _pair(tmp_path: Path, plan_extra: dict[str, Any], **scenario: Any) -> tuple[Any, Any]:
    files = ["plan-now.yaml", "plan-lv.yaml"]
    path = make_scenario(tmp_path / "g", hazard={}, plans=files, default_plan="now",
                         duration_h=6, **scenario)
    base = {"title": {"en": "t"}, "departure": {"curve": "rayleigh", "sigma_min": 10},
            **plan_extra}
    (path.parent / files[0]).write_text(yaml.safe_dump({**base, "name": "now"}))
    (path.parent / files[1]).write_text(yaml.safe_dump({**base, "name": "lv",
                                                        "levels": [ORDER_AT_30]}))
    loaded = load_scenario(path)
    world = build_world(loaded)
    return (simulate(world, loaded.plan("now"), seed=3).agents,
            simulate(world, loaded.plan("lv"), seed=3).agents)


def test_walkers_leave_when_the_level_orders_their_zone(tmp_path: Path) -> None:
    now, lv = _pair(tmp_path, {"walking": {"max_distance_m": 5000, "who": "everyone"}})
    assert (now["mode"] == "walk").all() and (lv["mode"] == "walk").all()
    assert (lv["status"] == "arrived").all(), lv["status"].value_counts()
    for col in ("depart_s", "arrive_s"):
        assert lv[col].to_numpy() == pytest.approx(now[col].to_numpy() + 1800.0, abs=1e-6)


def test_facility_vans_set_off_when_the_level_orders_their_zone(tmp_path: Path) -> None:
    now, lv = _pair(tmp_path, {}, special_facilities=[FACILITY])
    a_now = now[now["facility"] == "casa-1"].sort_values("arrive_s")
    a_lv = lv[lv["facility"] == "casa-1"].sort_values("arrive_s")
    assert len(a_lv) == len(a_now) > 0
    assert (a_lv["status"] == "arrived").all(), a_lv["status"].value_counts()
    assert np.asarray(a_lv["arrive_s"]) == pytest.approx(
        np.asarray(a_now["arrive_s"]) + 1800.0, abs=1e-6)
