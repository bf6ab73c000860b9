"""A response level deploys the buses: the ``deploy_buses`` command mobilises them at the
level's firing instead of the first order.

Known answer: the buses' mobilisation delays are the same draws (stream
``bus_mobilisation``) with and without levels, so each bus deployed at ``t`` is ready at
exactly ``t`` plus the delay it has in the fixed-time plan (ready at the first order plus
that delay); no bus leaves its depot before it is ready, and the riders still arrive.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0, make_scenario

BUSES = {"depot": {"id": "depot", "lon": LON0 + 0.01, "lat": LAT0 + 0.004}, "buses": 4,
         "pickups": [{"id": "p1", "lon": LON0, "lat": LAT0 + 0.002},
                     {"id": "p2", "lon": LON0 + 0.004, "lat": LAT0 + 0.008}]}


def deploy_level(lid: str, grade: int, at_h: float, args: dict | None = None) -> dict:
    return {"id": lid, "grade": grade, "name": {"en": lid}, "when": [{"time_h": at_h}],
            "actions": [{"command": {"kind": "deploy_buses", "args": args or {}}}]}


#: every zone ordered out at 0, as the fixed-time plan does (its ``order_time_h`` is 0)
ORDER_AT_0 = {"id": "IV", "grade": 4, "name": {"en": "IV"}, "when": [{"time_h": 0}],
              "actions": [{"order": {"all": True}}]}


def _runs(tmp_path, variants: dict[str, dict]) -> dict:
    path = make_scenario(tmp_path / "g", duration_h=6,
                         households={"mean_size": 2.5, "car_share": 0.3,
                                     "carless_ride_share": 0.0})
    base = yaml.safe_load((path.parent / "plan-now.yaml").read_text())
    files = []
    for name, extra in variants.items():
        (path.parent / f"{name}.yaml").write_text(yaml.safe_dump(
            {**base, "name": name, "buses": BUSES, **extra}))
        files.append(f"{name}.yaml")
    sc = yaml.safe_load(path.read_text())
    sc["plans"] = files
    sc.pop("default_plan", None)
    path.write_text(yaml.safe_dump(sc, allow_unicode=True))
    loaded = load_scenario(path)
    world = build_world(loaded)
    return {n: simulate(world, loaded.plan(n), seed=4) for n in variants}


def test_buses_deployed_by_a_level_are_ready_their_delay_after_the_firing(tmp_path):
    r = _runs(tmp_path, {
        "fixed": {},
        "all": {"levels": [ORDER_AT_0, deploy_level("II", 2, 1.0)]},
        "split": {"levels": [ORDER_AT_0, deploy_level("III", 3, 1.0, {"buses": 2}),
                             deploy_level("II", 2, 2.0)]}})
    fixed, every, split = (r[k].tables["buses"]["ready_s"].to_numpy()
                           for k in ("fixed", "all", "split"))
    delay = fixed  # ordered at 0: ready at its mobilisation delay
    assert ((delay >= 90 * 60) & (delay <= 180 * 60)).all()
    np.testing.assert_array_equal(every, 3600.0 + delay)
    np.testing.assert_array_equal(split, np.r_[3600.0 + delay[:2], 7200.0 + delay[2:]])
    for name in ("all", "split"):
        res = r[name]
        ready = res.tables["buses"]["ready_s"].to_numpy()
        ev = res.events
        bus_ready = ev[ev["type"] == "bus_ready"]
        assert len(bus_ready) == 4 and (bus_ready["time_s"] >= 3600.0 + delay.min()).all()
        assert sorted(bus_ready["time_s"]) == sorted(ready)
        board = ev[ev["type"] == "board"]
        assert len(board) and (board["time_s"] >= ready.min()).all()
        t = res.kpis["transit"]
        assert t["riders"] > 0 and t["delivered"] > 0
        riders = res.agents[res.agents["mode"] == "bus"]
        arrived = riders[riders["status"] == "arrived"]
        assert len(arrived) and (arrived["arrive_s"] > ready.min()).all()
    # ordered at 0 by a level, riders reach their pickup points exactly as when ordered
    # at 0 by the fixed-time plan (same delays)
    def at_pickup(res):
        ev = res.events[res.events["type"] == "at_pickup"]
        return sorted(zip(ev["vehicle_id"], ev["time_s"], strict=True))

    assert at_pickup(r["all"]) == at_pickup(r["fixed"]) and len(at_pickup(r["fixed"])) > 0
    # later buses, later deliveries
    assert r["all"].kpis["transit"]["last_delivery_s"] > \
        r["fixed"].kpis["transit"]["last_delivery_s"]


def test_deploy_buses_without_buses_or_with_a_bad_count_is_an_input_error(tmp_path):
    path = make_scenario(tmp_path / "g")
    p = path.parent / "plan-now.yaml"
    data = yaml.safe_load(p.read_text())
    p.write_text(yaml.safe_dump({**data, "levels": [deploy_level("II", 2, 1.0)]}))
    loaded = load_scenario(path)
    with pytest.raises(InputError) as err:
        simulate(build_world(loaded), loaded.plan("now"), seed=1)
    (problem,) = err.value.problems
    assert problem.field == "levels[0].actions[0].command.kind"
    assert "needs the plan's buses" in problem.reason
    p.write_text(yaml.safe_dump({**data, "buses": BUSES,
                                 "levels": [deploy_level("II", 2, 9.0, {"buses": 0})]}))
    loaded = load_scenario(path)
    with pytest.raises(InputError) as err:
        simulate(build_world(loaded), loaded.plan("now"), seed=1)
    assert err.value.problems[0].field == "levels[0].actions[0].command.args.buses"
