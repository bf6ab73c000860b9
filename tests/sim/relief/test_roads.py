"""Relief trucks share the road: evacuation traffic delays a delivery."""

from __future__ import annotations

import pytest
import yaml

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, make_scenario, write_grid

RELIEF = {
    "commodities": [{"id": "water", "unit": "L", "per_person_day": 15, "kg_per_unit": 1,
                     "m3_per_unit": 0.001}],
    "depots": [{"id": "west", "lon": LON0, "lat": LAT0, "stock": {"water": 20000},
                "load_min_fixed": 0, "load_min_per_tonne": 0}],
    # a camp beside the south shelter, where the evacuees are heading too
    "points": [{"id": "camp", "kind": "community", "lon": LON0 + 5 * STEP_DEG, "lat": LAT0,
                "population": 500}],
    "all_shelters": False,
}


def test_evacuation_congestion_delays_a_delivery(tmp_path):
    path = make_scenario(tmp_path, hazard={}, relief=RELIEF,
                         plans=["plan-evac.yaml", "plan-quiet.yaml"], default_plan="evac")
    write_grid(tmp_path, 6, capacity=300.0)  # narrower streets: queues form
    route = {"id": "r", "depot": "west", "depart_h": [0.2],
             "stops": [{"point": "camp", "load": {"water": 2000}}]}
    for name, order_h in (("evac", 0.0), ("quiet", 50.0)):  # quiet: nobody is ordered out
        plan = {"name": name, "title": {"en": name}, "order_time_h": order_h,
                "departure": {"curve": "rayleigh", "sigma_min": 10},
                "relief": {"policy": "fixed", "fleet": [{"depot": "west", "type": "rigid"}],
                           "routes": [route]}}
        (tmp_path / f"plan-{name}.yaml").write_text(yaml.safe_dump(plan))
    loaded = load_scenario(path)
    world = build_world(loaded)
    busy = simulate(world, loaded.plan("evac"), 1)
    quiet = simulate(world, loaded.plan("quiet"), 1)
    assert busy.kpis["evacuation"]["arrived"] > 0 == quiet.kpis["evacuation"]["arrived"]
    leg_busy = busy.tables["relief_legs"].iloc[0]
    leg_quiet = quiet.tables["relief_legs"].iloc[0]
    assert leg_busy["depart_s"] == leg_quiet["depart_s"] == 720.0
    assert leg_busy["km"] == leg_quiet["km"]  # same road ...
    assert leg_busy["arrive_s"] > leg_quiet["arrive_s"] + 120.0  # ... but stuck in traffic
    free_flow = leg_quiet["arrive_s"] - leg_quiet["depart_s"]
    assert free_flow < 80.0
    assert (busy.tables["relief_deliveries"]["time_s"].iloc[0]
            > quiet.tables["relief_deliveries"]["time_s"].iloc[0] + 120.0)
    assert busy.kpis["ledger"]["relief"]["balanced"] and quiet.kpis["ledger"]["relief"]["balanced"]


@pytest.mark.parametrize("policy", ["need_driven", "periodic", "fixed"])
def test_ledger_balances_under_a_rising_flood(tmp_path, policy):
    # the flood comes in from the west; the camp in the west is cut off within the hour
    relief = {
        "depots": [{"id": "east", "lon": LON0 + 5 * STEP_DEG, "lat": LAT0 + 2 * STEP_DEG,
                    "stock": {"water": 30000, "food": 2000, "medical": 3}, "bays": 2}],
        "points": [{"id": "camp", "kind": "community", "lon": LON0 + STEP_DEG,
                    "lat": LAT0 + 2 * STEP_DEG, "population": 800},
                   {"id": "pod", "kind": "pod", "pod_type": "III", "lon": LON0 + 3 * STEP_DEG,
                    "lat": LAT0 + 3 * STEP_DEG, "population": 3000, "from_h": 0.5}],
    }
    route = {"id": "r", "depot": "east", "every_h": 0.25, "truck_type": "van",
             "stops": [{"point": "camp", "load": {"water": 600, "food": 50}},
                       {"point": "pod", "load": {"water": 500, "food": 100}}]}
    plan = {"name": "relief", "title": {"en": "relief"},
            "departure": {"curve": "rayleigh", "sigma_min": 10},
            "relief": {"policy": policy, "routes": [route] if policy == "fixed" else [],
                       "fleet": [{"depot": "east", "type": "van", "count": 2},
                                 {"depot": "east", "type": "rigid"}],
                       "periodic": {"review_h": 0.5}, "reference": {"iterations": 200}}}
    path = make_scenario(tmp_path, relief=relief, plans=["plan-relief.yaml"],
                         default_plan="relief")
    (tmp_path / "plan-relief.yaml").write_text(yaml.safe_dump(plan))
    loaded = load_scenario(path)
    res = simulate(build_world(loaded), loaded.plan(None), 2)
    led = res.kpis["ledger"]["relief"]
    assert led["balanced"]
    for c in ("water", "food", "medical"):
        v = led[c]
        assert v["depot_initial"] == v["delivered"] + v["in_depots"] + v["on_trucks"]
        assert v["points_initial"] + v["delivered"] == pytest.approx(
            v["consumed"] + v["at_points"])
    k = res.kpis["relief"]
    assert k["deliveries"] > 0 and k["points"] == 4  # two shelters, camp, pod
    assert 0.0 <= k["equity_gini"] <= 1.0
