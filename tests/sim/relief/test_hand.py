"""Hand-calculated relief runs on the line network (every time is known exactly).

One depot at node 1 (3,000 L of water, one bay, loading 10 min per tonne), one shelter at
node 3 (200 s away: two 100 s links), one truck of 1,000 kg (unloading 5 min per tonne).
1,728 people are in the shelter from time 0, so it needs 1,728 * 15 / 86,400 = 0.3 L/s.

Need-driven, reviewed every minute: the first review that sees the people is at 60 s.
Each cycle: load 1 t (600 s), drive 200 s, unload 300 s (the stock arrives when unloading
ends), drive back 200 s, and go again at once. Deliveries of 1,000 L end at 1,160 s,
2,460 s and 3,760 s; then the depot is empty. The shelter is out from 0 to 1,160 s; it
holds 2,220 L at 3,760 s, which lasts 7,400 s (to 11,160 s); it is out again until the
end (14,400 s): 4,400 s out, 1,320 L = 88 person-days unmet, fill rate 3,000 / 4,320.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers.relief_factory import hand_world, line_scenario, run_line

RATE = 1728 * 15 / 86400  # L/s


def _expected_stock(t: float) -> float:
    deliveries = [1160.0, 2460.0, 3760.0]
    stock, last = 0.0, 0.0
    for d in deliveries:
        if t < d:
            break
        stock = max(stock - RATE * (d - last), 0.0) + 1000.0
        last = d
    return max(stock - RATE * (t - last), 0.0) if last else 0.0


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    path = line_scenario(tmp_path_factory.mktemp("hand"), hand_world(),
                         {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}],
                          "need_driven": {"review_min": 1, "projection_h": 6}})
    return run_line(path)


def test_delivery_times_match_the_hand_calculation(hand):
    d = hand.tables["relief_deliveries"]
    assert d["time_s"].tolist() == [1160.0, 2460.0, 3760.0]
    assert d["arrive_s"].tolist() == [860.0, 2160.0, 3460.0]
    assert d["units"].tolist() == [1000.0] * 3
    legs = hand.tables["relief_legs"]
    assert legs["depart_s"].tolist() == [660.0, 1160.0, 1960.0, 2460.0, 3260.0, 3760.0]
    assert legs["arrive_s"].tolist() == [860.0, 1360.0, 2160.0, 2660.0, 3460.0, 3960.0]
    assert legs["km"].tolist() == [2.0] * 6


def test_shelter_inventory_curve_matches_the_hand_calculation(hand):
    ts = hand.tables["relief_timeseries"]
    s = ts[(ts["site"] == "s") & (ts["commodity"] == "water")]
    assert s["time_s"].tolist() == [300.0 * k for k in range(49)]
    expected = np.array([_expected_stock(t) for t in s["time_s"]])
    np.testing.assert_allclose(s["stock"].to_numpy(), expected, rtol=1e-12, atol=1e-9)
    assert s["population"].iloc[1:].eq(1728.0).all()
    dep = ts[ts["site"] == "dep"].set_index("time_s")["stock"]
    assert dep[600.0] == 2000.0 and dep[3000.0] == 0.0


def test_stockouts_unmet_demand_and_fill_rate(hand):
    k = hand.kpis["relief"]
    assert k["first_delivery_median_s"] == 1160.0
    assert k["longest_stockout_s"] == pytest.approx(14400.0 - 11160.0, abs=1e-6)
    assert k["deprivation_worst_s"] == pytest.approx(4400.0, abs=1e-6)
    assert k["unmet_person_days"] == pytest.approx(1320.0 / 15.0, rel=1e-9)
    assert k["fill_rate"]["water"] == pytest.approx(3000.0 / (RATE * 14400.0), rel=1e-12)
    assert k["first_depot_stockout"] == {"depot": "dep", "commodity": "water",
                                         "time_s": 2660.0}
    assert k["trips"] == 3 and k["truck_km"] == 12.0
    # busy from 60 s until back at 3,960 s, available from 0 to 14,400 s
    assert k["truck_utilisation"] == pytest.approx(3900.0 / 14400.0)


def test_the_ledger_balances(hand):
    led = hand.kpis["ledger"]["relief"]
    assert led["balanced"]
    w = led["water"]
    assert w["depot_initial"] == 3000.0 == w["delivered"] + w["in_depots"] + w["on_trucks"]
    assert w["consumed"] == pytest.approx(3000.0)


def test_the_routing_reference_matches_a_one_truck_shuttle(hand):
    ref = hand.kpis["relief"]["reference"]
    assert ref["available"] and ref["feasible"]
    assert ref["plan_km"] == ref["reference_km"] == 12.0
    assert ref["distance_gap"] == 0.0


def test_periodic_policy_orders_up_to_the_level_in_truckloads(tmp_path):
    # review at 900 s: 0.1 day of 25,920 L/day = 2,592 L -> loads 1,000, 1,000, 592
    path = line_scenario(tmp_path, hand_world(),
                         {"policy": "periodic", "fleet": [{"depot": "dep", "type": "t1"}],
                          "periodic": {"review_h": 3, "first_review_h": 0.25,
                                       "up_to_days": 0.1}}, duration_h=2)
    res = run_line(path)
    d = res.tables["relief_deliveries"]
    load3 = 592 * 0.6  # 592 kg at 10 min per tonne
    np.testing.assert_allclose(d["time_s"], [2000.0, 3300.0, 3500.0 + load3 + 200.0 + 592 * 0.3])
    assert d["units"].tolist() == [1000.0, 1000.0, 592.0]
    assert res.kpis["ledger"]["relief"]["water"]["in_depots"] == 408.0


def test_fixed_routes_wait_for_a_busy_truck(tmp_path):
    route = {"id": "r1", "depot": "dep", "depart_h": [0.5, 0.75],
             "stops": [{"point": "s", "load": {"water": 800}}]}
    path = line_scenario(tmp_path, hand_world(),
                         {"policy": "fixed", "fleet": [{"depot": "dep", "type": "t1"}],
                          "routes": [route]}, duration_h=2)
    res = run_line(path)
    trips = res.tables["relief_trips"]
    # 1,800 s: load 800 kg (480 s), drive 200 s, unload 240 s, back 200 s -> 2,920 s
    assert trips["assigned_s"].tolist() == [1800.0, 2920.0]
    assert trips["created_s"].tolist() == [1800.0, 2700.0]
    assert res.tables["relief_deliveries"]["time_s"].tolist() == [2720.0, 3840.0]


def test_a_truck_cut_off_keeps_its_cargo_in_the_ledger(tmp_path):
    # leaves at 1,200 s; the last link closes at 1,250 s while it is on the first one
    route = {"id": "r1", "depot": "dep", "depart_h": [0.2],
             "stops": [{"point": "s", "load": {"water": 800}}]}
    path = line_scenario(tmp_path, hand_world(),
                         {"policy": "fixed", "fleet": [{"depot": "dep", "type": "t1"}],
                          "routes": [route]}, duration_h=1,
                         closures=[{"links": ["c"], "from_h": 1250 / 3600}])
    res = run_line(path)
    k, w = res.kpis["relief"], res.kpis["ledger"]["relief"]["water"]
    assert k["trucks_stranded"] == 1 and k["deliveries"] == 0
    assert (w["delivered"], w["in_depots"], w["on_trucks"]) == (0.0, 2200.0, 800.0)
    assert res.kpis["ledger"]["relief"]["balanced"]
    assert res.tables["relief_trucks"]["state"].tolist() == ["stranded"]


def test_vulnerable_people_are_served_first(tmp_path):
    world = hand_world(lon=-51.190)  # depot in the middle (node 2)
    world["all_shelters"] = False
    world["points"] = [
        {"id": "west", "kind": "community", "lon": -51.200, "lat": -30.0, "population": 1000,
         "vulnerable_share": 0.0},
        {"id": "east", "kind": "community", "lon": -51.180, "lat": -30.0, "population": 1000,
         "vulnerable_share": 0.5},
    ]
    path = line_scenario(tmp_path, world,
                         {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}]},
                         duration_h=1)
    d = run_line(path).tables["relief_deliveries"]
    # east's shortfall weighs 1.5 times as much: it gets the first two loads
    assert d["point"].tolist() == ["east", "east", "west"]


def test_a_pod_serves_its_throughput_and_the_rest_queue(tmp_path):
    world = hand_world(stock={"water": 0})
    world["all_shelters"] = False
    world["points"] = [{"id": "pod", "kind": "pod", "lon": -51.180, "lat": -30.0,
                        "population": 10000, "persons_per_day": 5000,
                        "stock": {"water": 1_000_000}}]
    path = line_scenario(tmp_path, world,
                         {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}]},
                         duration_h=4)
    res = run_line(path)
    pts = res.tables["relief_points"].set_index("point")
    assert pts.loc["pod", "queue_peak"] == pytest.approx(5000 * 4 / 24, rel=1e-9)
    sup = res.tables["relief_supply"].set_index("site")
    assert sup.loc["pod", "consumed"] == pytest.approx(5000 * 4 / 24 * 15, rel=1e-9)
    assert sup.loc["pod", "fill_rate"] == pytest.approx(0.5, rel=1e-9)
    assert res.kpis["ledger"]["relief"]["balanced"]


def test_same_seed_gives_identical_relief_results(tmp_path):
    world = hand_world()
    plan = {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1", "count": 2}]}
    a = run_line(line_scenario(tmp_path / "a", world, plan), seed=3)
    b = run_line(line_scenario(tmp_path / "b", world, plan), seed=3)
    assert a.kpis["relief"] == b.kpis["relief"]
    for name in a.tables:
        if name.startswith("relief_"):
            pd.testing.assert_frame_equal(a.tables[name], b.tables[name])


def test_a_stop_cut_off_during_loading_is_skipped_and_the_load_goes_back(tmp_path):
    # loads from 360 s to 840 s; the road to the shelter closes at 540 s
    route = {"id": "r1", "depot": "dep", "depart_h": [0.1],
             "stops": [{"point": "s", "load": {"water": 800}}]}
    path = line_scenario(tmp_path, hand_world(),
                         {"policy": "fixed", "fleet": [{"depot": "dep", "type": "t1"}],
                          "routes": [route]}, duration_h=1,
                         closures=[{"links": ["c"], "from_h": 0.15}])
    res = run_line(path)
    w = res.kpis["ledger"]["relief"]["water"]
    assert (w["delivered"], w["in_depots"], w["on_trucks"]) == (0.0, 3000.0, 0.0)
    assert res.kpis["relief"]["trucks_stranded"] == 0
    ev = res.tables["events"]
    assert ev[ev["type"] == "relief_stop_skipped"]["time_s"].tolist() == [840.0]
    assert res.tables["relief_trucks"]["state"].tolist() == ["idle"]


def test_a_drill_can_send_a_truck_and_watching_changes_nothing(tmp_path):
    from musterpoint.scenarios.loader import load_scenario
    from musterpoint.sim.engine import new_run
    from musterpoint.sim.world import build_world

    path = line_scenario(tmp_path, hand_world(),
                         {"policy": "fixed", "fleet": [{"depot": "dep", "type": "t1"}],
                          "routes": [{"id": "r", "depot": "dep", "depart_h": [3.0],
                                      "stops": [{"point": "s", "load": {"water": 100}}]}]},
                         duration_h=1)
    loaded = load_scenario(path)
    world = build_world(loaded)
    results = []
    for watch in (False, True):
        run = new_run(world, loaded.plan(None), 1)
        run.advance(600.0)
        run.command("send_truck", {"depot": "dep", "point": "s", "load": {"water": 500}})
        for t in range(700, 3600, 97):
            run.advance(float(t))
            if watch:
                snap = run.snapshot()["extensions"]["relief"]
                assert snap["points"]["s"]["population"] == 1728.0
        results.append(run.finish())
    a, b = results
    assert a.tables["relief_deliveries"]["time_s"].tolist() == [600.0 + 300 + 200 + 150]
    assert a.kpis["relief"] == b.kpis["relief"]
    with pytest.raises(Exception, match="unknown commodity"):
        run = new_run(world, loaded.plan(None), 1)
        run.command("send_truck", {"depot": "dep", "point": "s", "load": {"fuel": 5}})


def test_a_multi_day_run_has_one_reference_per_planning_day(tmp_path):
    world = hand_world(stock={"water": 200000})
    world["day_h"] = 24
    world["record_min"] = 30
    path = line_scenario(tmp_path, world,
                         {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}],
                          "need_driven": {"review_min": 60, "projection_h": 24}},
                         persons=500, duration_h=72)
    res = run_line(path)
    ref = res.tables["relief_reference"]
    assert ref["day"].tolist() == [0, 1, 2]
    assert ref["start_s"].tolist() == [0.0, 86400.0, 172800.0]
    assert res.kpis["relief"]["reference"]["days"] == 3
    assert res.kpis["relief"]["fill_rate"]["water"] > 0.95  # all but the first hour
    assert res.kpis["ledger"]["relief"]["balanced"]


def test_prepositioned_stock_in_the_plan_replaces_the_scenario_figures(tmp_path):
    plan = {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}],
            "stock": {"dep": {"water": 1000}, "s": {"water": 500}}}
    res = run_line(line_scenario(tmp_path, hand_world(), plan, duration_h=1))
    w = res.kpis["ledger"]["relief"]["water"]
    assert (w["depot_initial"], w["points_initial"]) == (1000.0, 500.0)
    # 500 L last 500 / 0.3 s; the first review (15 min) sends the truck: back at 2,000 s
    assert res.kpis["relief"]["longest_stockout_s"] == pytest.approx(2000.0 - 500.0 / RATE)
    assert res.tables["relief_deliveries"]["time_s"].tolist() == [2000.0]
