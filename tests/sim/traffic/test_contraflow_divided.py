"""Contraflow on a divided road: the opposite carriageway is found by geometry.

Known answer: a 2 + 2 lane divided road (two one-way carriageways 22 m apart, split at
different points) with 4,000 vehicles queued at its start clears in ``tau + (N - 1) / C``;
reversing the opposite carriageway doubles ``C`` (3,600 -> 7,200 PCU/h), so the clearance
halves (within 2 %: ``tau`` does not halve). The same corridor named by road gives the
same result, and ``muster validate`` refuses what ``run`` refuses, with the same message.
"""

from __future__ import annotations

import pytest

from musterpoint.cli import main
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.scenarios.schema import Contraflow
from musterpoint.sim.engine import simulate
from musterpoint.sim.network.carriageways import opposite_links, road_links
from musterpoint.sim.traffic.levers import NetworkLevers
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0
from tests.sim.evacuation.test_plan_levers import clearance, corridor

#: latitude offset of the inbound carriageway: about 22 m north
GAP_DEG = 0.0002
N_VEH = 4000


def divided_road(tmp_path, plans):
    """Outbound A (1) -> 2 -> 3 -> B (4), three 500 m links; inbound 8 -> 7 -> 5, two
    750 m links 22 m north (split at other points); U-turns at both ends. Both
    carriageways are "Test Avenue", 2 lanes, 3,600 PCU/h."""
    nodes = {i: (LON0 + 0.006 * (i - 1), LAT0) for i in range(1, 5)}
    nodes |= {5: (LON0, LAT0 + GAP_DEG), 7: (LON0 + 0.009, LAT0 + GAP_DEG),
              8: (LON0 + 0.018, LAT0 + GAP_DEG)}
    links = [(f"out{i}", i, i + 1, 500.0, 2, 25.0, 3600.0) for i in range(1, 4)]
    links += [("in1", 8, 7, 750.0, 2, 25.0, 3600.0), ("in2", 7, 5, 750.0, 2, 25.0, 3600.0),
              ("uturn_b", 4, 8, 22.0, 1, 10.0, 1800.0),
              ("uturn_a", 5, 1, 22.0, 1, 10.0, 1800.0)]
    trips = [(k, 1, 4, 0.0) for k in range(N_VEH)]
    scenario = corridor(tmp_path, links, nodes, trips, {"B": 4}, plans)
    lk = scenario.parent / "links.csv"  # name the avenue's carriageways (the CSV reader's `name`)
    rows = lk.read_text().splitlines()
    rows = [rows[0] + ",name"] + [r + (",Test Avenue" if not r.startswith("uturn") else ",")
                                  for r in rows[1:]]
    lk.write_text("\n".join(rows) + "\n")
    return scenario


PLANS = {
    "plain": {"name": "plain", "title": {"en": "plain"}},
    "by-links": {"name": "by-links", "title": {"en": "by links"},
                 "contraflow": [{"links": ["out1", "out2", "out3"]}]},
    "by-road": {"name": "by-road", "title": {"en": "by road"},
                "contraflow": [{"road": "test avenue",
                                "towards": [LON0 + 0.018, LAT0]}]},
}


def test_contraflow_on_a_divided_road_halves_clearance(tmp_path):
    loaded = load_scenario(divided_road(tmp_path / "d", PLANS))
    world = build_world(loaded)
    net = world.network
    ids = list(net.link_id)
    opp = opposite_links(net, [ids.index(f"out{i}") for i in (1, 2, 3)])
    assert [sorted(net.link_id[o]) for o in opp] == [["in2"], ["in1", "in2"], ["in1"]]
    plain = clearance(simulate(world, loaded.plan("plain"), seed=1))
    assert plain == pytest.approx(60.0 + (N_VEH - 1) * 1.0, rel=1e-9)
    for name in ("by-links", "by-road"):
        cf = clearance(simulate(world, loaded.plan(name), seed=1))
        assert cf / plain == pytest.approx(0.5, rel=0.02), name


def test_nodes_left_without_a_way_out_are_named(tmp_path, caplog):
    # nodes 7 and 8 lie on the reversed carriageway: their only way out is closed
    loaded = load_scenario(divided_road(tmp_path / "d", PLANS))
    world = build_world(loaded)
    with caplog.at_level("WARNING", logger="musterpoint.sim.traffic.levers"):
        levers = NetworkLevers(world.network, loaded.plan("by-links"), "by-links.yaml")
    assert sorted(levers.cut_nodes.tolist()) == [7, 8]
    assert "2 node(s) with no way out" in caplog.text and "by-links.yaml" in caplog.text
    assert NetworkLevers(world.network, loaded.plan("plain"), "p").cut_nodes.size == 0


def test_road_corridor_takes_the_carriageway_heading_towards_the_place(tmp_path):
    world = build_world(load_scenario(divided_road(tmp_path / "d", PLANS)))
    net = world.network
    east = road_links(net, "Test Avenue", (LON0 + 0.1, LAT0))
    west = road_links(net, " TEST AVENUE ", (LON0 - 0.1, LAT0))
    assert sorted(net.link_id[east]) == ["out1", "out2", "out3"]
    assert sorted(net.link_id[west]) == ["in1", "in2"]
    assert road_links(net, "No Such Road", (LON0, LAT0)).size == 0


def test_a_parallel_street_too_far_off_or_askew_is_not_a_carriageway(tmp_path):
    world = build_world(load_scenario(divided_road(tmp_path / "d", PLANS)))
    net = world.network
    out2 = list(net.link_id).index("out2")
    assert opposite_links(net, [out2], max_gap_m=15.0)[0].size == 0  # 22 m apart
    assert opposite_links(net, [out2], max_gap_m=30.0)[0].size == 2


def test_validate_refuses_what_run_refuses_with_the_same_message(tmp_path, capsys):
    bad = {"name": "bad", "title": {"en": "bad"},
           "contraflow": [{"links": ["out2"], "max_gap_m": 10}]}
    scenario = divided_road(tmp_path / "v", {"plain": PLANS["plain"], "bad": bad})
    loaded = load_scenario(scenario)
    with pytest.raises(InputError) as run_err:
        simulate(build_world(loaded), loaded.plan("bad"), seed=1)
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    (problem,) = run_err.value.problems
    assert problem.field == "contraflow[0].links" and "no opposite carriageway" in problem.reason
    assert problem.reason in err


def test_a_road_contraflow_needs_a_place_to_head_for():
    with pytest.raises(ValueError, match="towards"):
        Contraflow(road="Test Avenue")
    with pytest.raises(ValueError, match="either"):
        Contraflow(links=["a"], road="Test Avenue", towards=(0.0, 0.0))
