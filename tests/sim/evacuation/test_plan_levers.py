"""Plan levers end to end: contraflow, slower-is-faster, buses, shelter assignment,
shadow and background traffic, staged plans in the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.demand.departure import departure_delays_s
from musterpoint.sim.engine import simulate
from musterpoint.sim.kpis.evacuation import STATUSES
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0, make_scenario


def corridor(folder: Path, links: list[tuple[str, int, int, float, int, float, float]],
             nodes: dict[int, tuple[float, float]], trips: list[tuple[int, int, int, float]],
             shelters: dict[str, int], plans: dict[str, dict]) -> Path:
    """A scenario on a hand-built CSV network with explicit trips."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nodes.csv").write_text("id,x,y\n" + "".join(
        f"{i},{x:.6f},{y:.6f}\n" for i, (x, y) in nodes.items()))
    (folder / "links.csv").write_text("id,from,to,length_m,lanes,speed_mps,capacity_vph\n" +
                                      "".join(",".join(map(str, r)) + "\n" for r in links))
    (folder / "trips.csv").write_text("id,origin,destination,depart_s\n" + "".join(
        f"{i},{o},{d},{t:.3f}\n" for i, o, d, t in trips))
    for name, plan in plans.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(plan))
    sc = {
        "name": "corridor", "title": {"en": "Corridor"}, "start": "2024-01-01T00:00:00",
        "duration_h": 6,
        "network": {"nodes": "nodes.csv", "links": "links.csv", "crs": "EPSG:4326"},
        "trips": "trips.csv",
        "shelters": [{"id": s, "name": s, "lon": nodes[n][0], "lat": nodes[n][1],
                      "capacity": 100000} for s, n in shelters.items()],
        "shelter_access_m": 0,
        "plans": [f"{p}.yaml" for p in plans],
    }
    (folder / "scenario.yaml").write_text(yaml.safe_dump(sc))
    return folder / "scenario.yaml"


def clearance(result) -> float:
    a = result.agents
    assert (a["status"] == "arrived").all()
    return float(a["arrive_s"].max())


def test_contraflow_on_a_2_plus_2_lane_corridor_halves_clearance(tmp_path):
    # A (1) -> 2 -> 3 -> B (4): three 500 m links each way, 2 lanes, 1,800 PCU/h/lane
    nodes = {i: (LON0 + 0.006 * (i - 1), LAT0) for i in range(1, 5)}
    links = []
    for i in range(1, 4):
        links.append((f"out{i}", i, i + 1, 500.0, 2, 25.0, 3600.0))
        links.append((f"in{i}", i + 1, i, 500.0, 2, 25.0, 3600.0))
    n = 4000
    trips = [(k, 1, 4, 0.0) for k in range(n)]
    plans = {"plain": {"name": "plain", "title": {"en": "plain"}},
             "contraflow": {"name": "contraflow", "title": {"en": "contraflow"},
                            "contraflow": [{"links": ["out1", "out2", "out3"], "from_h": 0}]}}
    loaded = load_scenario(corridor(tmp_path / "c", links, nodes, trips, {"B": 4}, plans))
    world = build_world(loaded)
    plain = clearance(simulate(world, loaded.plan("plain"), seed=1))
    cf = clearance(simulate(world, loaded.plan("contraflow"), seed=1))
    # theory: tau + (N - 1) / C with C doubling from 3,600 to 7,200 PCU/h
    assert plain == pytest.approx(60.0 + (n - 1) * 1.0, rel=1e-9)
    assert cf / plain == pytest.approx(0.5, rel=0.02)


def test_slower_is_faster_when_spillback_blocks_a_diverging_flow(tmp_path):
    # O2 (1) --900 m--> O1 (2) --a--> J (3) --s--> K (4); at K, flow 1 (300 vehicles from
    # O1, near the diverge) turns to X (5) through a 600 PCU/h bottleneck; flow 2 (1,200
    # vehicles from O2, further back) goes on to Y (6) at 2,400 PCU/h. Each flow alone
    # needs 1,800 s. Theory (FIFO diverge with spillback): leaving at once, the two flows
    # merge into a half and half (the node model: equal capacities), so s carries them
    # interleaved and each flow-1 car at K waits for the bottleneck (one per 6 s) with a
    # flow-2 car behind it: 300 of each pass in 1,800 s, then the other 900 of flow 2 at
    # 2,400 PCU/h (1,350 s), plus 700 m at 15 m/s: 3,196.7 s, far above the 1,800 s of
    # either flow alone. Spread out, flow 1 arrives nearer the rate its bottleneck
    # serves it, less of its queue reaches the diverge, and the flows share the road
    # more in parallel (12 % sooner here; 19 % when departures at O1 took every gap).
    nodes = {1: (LON0, LAT0), 2: (LON0 + 0.009, LAT0), 3: (LON0 + 0.012, LAT0),
             4: (LON0 + 0.015, LAT0), 5: (LON0 + 0.016, LAT0 + 0.001),
             6: (LON0 + 0.016, LAT0 - 0.001)}
    links = [("o", 1, 2, 900.0, 1, 15.0, 3600.0), ("a", 2, 3, 300.0, 1, 15.0, 3600.0),
             ("s", 3, 4, 300.0, 1, 15.0, 3600.0), ("x", 4, 5, 100.0, 1, 15.0, 600.0),
             ("y", 4, 6, 100.0, 1, 15.0, 2400.0)]
    links += [(f"r{name}", b, a, length, 1, 15.0, cap) for name, a, b, length, _, _, cap
              in links]
    n1, n2 = 300, 1200
    from musterpoint.scenarios.schema import DepartureCurve

    quantiles = (np.arange(n1 + n2) + 0.5) / (n1 + n2)
    spread = departure_delays_s(DepartureCurve(curve="normal", mean_min=15, sd_min=8),
                                quantiles)[np.random.default_rng(1).permutation(n1 + n2)]
    results = {}
    for name, times in (("at-once", np.zeros(n1 + n2)), ("spread", spread)):
        trips = [(k, 2, 5, float(times[k])) for k in range(n1)]
        trips += [(n1 + k, 1, 6, float(times[n1 + k])) for k in range(n2)]
        plans = {"p": {"name": "p", "title": {"en": "p"}, "stuck_time_s": 7200}}
        loaded = load_scenario(corridor(tmp_path / name, links, nodes, trips,
                                        {"X": 5, "Y": 6}, plans))
        results[name] = simulate(build_world(loaded), loaded.plan("p"), seed=1)
    at_once, spread_r = clearance(results["at-once"]), clearance(results["spread"])
    assert results["at-once"].kpis["traffic"]["gridlock_forced_moves"] == 0
    assert at_once == pytest.approx(1800.0 + 900 * 1.5 + 700.0 / 15.0, rel=0.02)
    assert spread_r < 0.9 * at_once


def test_congestion_aware_rerouting_spreads_traffic_over_a_parallel_route(tmp_path):
    # O (1) -> D (4) by a short route through a 600 PCU/h bottleneck (1 -> 2 -> 4) or a
    # longer free route (1 -> 3 -> 4). With free-flow routing everyone queues at the
    # bottleneck: clearance = tau + (N - 1) / 600 h. Re-planning on queues every minute
    # sends later vehicles the long way round once the queue costs more than the detour.
    nodes = {1: (LON0, LAT0), 2: (LON0 + 0.004, LAT0 + 0.001), 3: (LON0 + 0.004, LAT0 - 0.004),
             4: (LON0 + 0.008, LAT0)}
    links = [("a1", 1, 2, 500.0, 1, 12.5, 600.0), ("a2", 2, 4, 500.0, 1, 12.5, 3600.0),
             ("b1", 1, 3, 1500.0, 1, 12.5, 3600.0), ("b2", 3, 4, 1500.0, 1, 12.5, 3600.0)]
    links += [(f"r{n}", b, a, length, 1, 12.5, 3600.0) for n, a, b, length, _, _, _ in links]
    n = 600
    trips = [(k, 1, 4, 0.0) for k in range(n)]
    plans = {"fixed": {"name": "fixed", "title": {"en": "fixed"}},
             "adaptive": {"name": "adaptive", "title": {"en": "adaptive"},
                          "reroute_interval_min": 1}}
    loaded = load_scenario(corridor(tmp_path / "r", links, nodes, trips, {"D": 4}, plans))
    world = build_world(loaded)
    fixed = simulate(world, loaded.plan("fixed"), seed=1)
    adaptive = simulate(world, loaded.plan("adaptive"), seed=1)
    t_fixed, t_adaptive = clearance(fixed), clearance(adaptive)
    assert t_fixed == pytest.approx(80.0 + (n - 1) * 6.0, rel=1e-9)
    assert t_adaptive < 0.7 * t_fixed
    assert adaptive.kpis["traffic"]["route_rebuilds"] > 10
    _balanced_run = adaptive.kpis["ledger"]["balanced"]
    assert _balanced_run is True


def _run(tmp_path, name="g", plan_extra=None, **overrides):
    path = make_scenario(tmp_path / name, **overrides)
    if plan_extra:
        p = path.parent / "plan-now.yaml"
        data = yaml.safe_load(p.read_text())
        data.update(plan_extra)
        p.write_text(yaml.safe_dump(data))
    loaded = load_scenario(path)
    return simulate(build_world(loaded), loaded.plan("now"), seed=4)


def _balanced(r) -> None:
    assert r.kpis["ledger"]["balanced"] is True
    e = r.kpis["evacuation"]
    assert sum(e[s] for s in STATUSES) == e["evacuees"]


def test_buses_carry_households_without_cars(tmp_path):
    east = LON0 + 5 * 0.002
    r = _run(tmp_path, households={"mean_size": 2.5, "car_share": 0.3,
                                   "carless_ride_share": 0.0},
             plan_extra={"buses": {
                 "depot": {"id": "depot", "lon": east, "lat": LAT0 + 0.004},
                 "buses": 4,
                 "pickups": [{"id": "p1", "lon": LON0, "lat": LAT0 + 0.002},
                             {"id": "p2", "lon": LON0 + 0.004, "lat": LAT0 + 0.008}]}})
    _balanced(r)
    t = r.kpis["transit"]
    assert t["buses"] == 4 and t["riders"] > 0
    assert t["delivered"] > 0 and t["shelter_trips"] >= 1
    b = r.tables["buses"]
    assert ((b["ready_s"] >= 90 * 60) & (b["ready_s"] <= 180 * 60)).all()
    riders = r.agents[r.agents["mode"] == "bus"]
    arrived = riders[riders["status"] == "arrived"]
    assert (arrived["arrive_s"] >= b["ready_s"].min()).all()
    # no bus ever carries more than its seats: every boarding batch fits in 50
    ev = r.events[r.events["type"] == "board"]
    assert ev["value"].sum() == riders.loc[riders["status"].isin(["arrived"]), "persons"].sum() \
        + riders.loc[(riders["status"] == "en_route") & (riders["reason"] == "on a bus"),
                     "persons"].sum()


def test_zone_map_sends_a_zone_to_its_assigned_shelter(grid_world, tmp_path):
    loaded, world = grid_world
    zones = list(world.zones.ids)
    plan = loaded.plan("now").model_copy(update={
        "shelter_choice": "zone_map", "zone_shelters": {z: "south" for z in zones}})
    r = simulate(world, plan, seed=2)
    _balanced(r)
    arrived = r.agents[r.agents["status"] == "arrived"]
    first = r.events[r.events["type"] == "depart"]
    assert (first["shelter"] == "south").all()
    assert set(arrived["destination"]) <= {"south", "north"}


def test_capacity_balanced_and_opening_times(grid_world):
    loaded, world = grid_world
    plan = loaded.plan("now").model_copy(update={"shelter_choice": "capacity_balanced",
                                                 "shelter_open_h": {"north": 0.5}})
    r = simulate(world, plan, seed=2)
    _balanced(r)
    north = r.agents[(r.agents["destination"] == "north") & (r.agents["status"] == "arrived")]
    assert (north["arrive_s"] >= 1800.0 - 1e-9).all()
    assert (r.shelters["occupancy_end"] <= r.shelters["capacity"]).all()


def test_shadow_and_background_traffic_load_the_roads_but_are_not_evacuees(tmp_path):
    east = LON0 + 5 * 0.002
    exits = [{"id": "e1", "lon": east, "lat": LAT0 + 0.006}]
    base = _run(tmp_path, "a", exits=exits)
    more = _run(tmp_path, "b", exits=exits,
                plan_extra={"shadow_share": 0.0, "background_vph": 600})
    _balanced(more)
    assert more.kpis["evacuation"]["evacuees"] == base.kpis["evacuation"]["evacuees"]
    bg = more.kpis["background"]
    assert bg["vehicles"] > 0
    assert more.kpis["ledger"]["background"]["balanced"]


def test_staged_and_all_at_once_plans_both_report_etes_and_exposure(grid_world, tmp_path):
    from musterpoint.reports import write_run_report

    loaded, world = grid_world
    from musterpoint.scenarios.schema import Plan

    staged = Plan.model_validate({
        **loaded.plan("now").model_dump(), "name": "staged",
        "stages": [{"time_h": 0, "max_elevation_m": 2.0}], "order_time_h": 0.5})
    for plan in (loaded.plan("now"), staged):
        r = simulate(world, plan, seed=9)
        _balanced(r)
        page = write_run_report(r, tmp_path / f"{plan.name}.html").read_text()
        for zone in r.zones["zone"]:
            assert zone in page
        assert "exposed" in page.lower()
    orders = {z: v["order_s"] for z, v in r.kpis["evacuation"]["by_zone"].items()}
    assert set(orders.values()) == {0.0, 1800.0}
