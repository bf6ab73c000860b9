"""SUMO input read with sumolib (no SUMO binaries needed): a .net.xml network, and trips
and fixed routes from a .rou.xml, with bad routes named by file, vehicle and edge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.network.read import read_network
from musterpoint.sim.world import build_world

DATA = Path(__file__).resolve().parents[2] / "data" / "sumo"

ROUTES = """<routes>
  <vType id="car" length="5"/>
  <route id="r0" edges="a b c"/>
  <vehicle id="v0" depart="0.00" route="r0"/>
  <vehicle id="v1" depart="5.00"><route edges="direct"/></vehicle>
  <trip id="t2" depart="7" from="a-back" to="direct"/>
</routes>
"""


def test_a_sumo_network_keeps_edge_ids_lanes_speeds_and_its_geo_reference():
    net = read_network(DATA / "square.net.xml")
    ids = list(net.link_id)
    assert sorted(ids) == sorted(f"{e}{s}" for e in ("a", "b", "c", "direct")
                                 for s in ("", "-back"))
    a = ids.index("a")
    assert net.lanes[a] == 2
    assert net.capacity_vph[a] == pytest.approx(2 * 1800.0)  # no road class: 1,800 per lane
    assert net.speed_mps[a] == pytest.approx(10.0)
    assert 250.0 < net.length_m[a] < 340.0  # SUMO's length: node to node less junctions
    n1 = list(net.node_id).index(1)
    assert net.lon[n1] == pytest.approx(-51.2, abs=1e-5)
    assert net.lat[n1] == pytest.approx(-30.0, abs=1e-5)
    assert int(net.node_id[net.link_from[a]]) == 1 and int(net.node_id[net.link_to[a]]) == 2


def test_a_sumo_network_without_projection_needs_a_crs():
    with pytest.raises(InputError, match=r"no geo-reference.*network\.crs"):
        read_network(DATA / "square_plain.net.xml")
    net = read_network(DATA / "square_plain.net.xml", crs="EPSG:3857")
    assert net.n_links == 8
    assert float(net.lon.max()) == pytest.approx(300 / 111_319.5, rel=1e-3)  # metres at 0°


def _scenario(tmp: Path, routes_xml: str, **extra: object) -> Path:
    shutil.copy(DATA / "square.net.xml", tmp / "square.net.xml")
    (tmp / "demand.rou.xml").write_text(routes_xml)
    (tmp / "p.yaml").write_text(yaml.safe_dump({"name": "p", "title": {"en": "p"}}))
    sc = {"name": "sumo-square", "title": {"en": "SUMO square"},
          "start": "2024-01-01T00:00:00", "duration_h": 1,
          "network": {"sumo": "square.net.xml"}, "trips": "demand.rou.xml",
          "shelter_access_m": 0, "plans": ["p.yaml"], **extra}
    (tmp / "scenario.yaml").write_text(yaml.safe_dump(sc))
    return tmp / "scenario.yaml"


def test_trips_from_a_rou_xml_drive_their_sumo_routes(tmp_path):
    loaded = load_scenario(_scenario(tmp_path, ROUTES))
    world = build_world(loaded)
    assert world.trips is not None and world.routes is not None
    assert world.routes.n_routed == 2  # the <trip> has no route
    r = new_run(world, loaded.plan("p"), seed=1, record_link_events=True).run()
    assert (r.agents["status"] == "arrived").all()
    ev: pd.DataFrame = r.tables["events"]
    enter = ev[ev["type"] == "link_enter"].sort_values("time_s", kind="stable")
    paths = {int(v): list(g["link_id"]) for v, g in enter.groupby("vehicle_id")}
    assert paths[0] == ["a", "b", "c"]  # not the shorter direct edge
    assert paths[1] == ["direct"]
    assert paths[2][0] == "a-back" and paths[2][-1] == "direct"  # from/to of the trip
    assert float(r.agents.set_index("vehicle_id").loc[1, "depart_s"]) == pytest.approx(5.0)


@pytest.mark.parametrize(("route", "expect"), [
    ('<vehicle id="v9" depart="0"><route edges="a bee c"/></vehicle>',
     ["demand.rou.xml: links (vehicle 'v9')", "no link 'bee'", "link ids of the network"]),
    ('<vehicle id="v9" depart="0"><route edges="a c"/></vehicle>',
     ["demand.rou.xml: links (vehicle 'v9')", "'a' and the next link 'c' do not share"]),
    ('<vehicle id="v9" depart="0"><route edges="zed b c"/></vehicle>',
     ["demand.rou.xml: vehicle 'v9'", "no link 'zed'"]),
    ('<vehicle id="v9" depart="0" route="nowhere"/>',
     ["demand.rou.xml: vehicle 'v9'", "route 'nowhere' is not defined"]),
    ('<flow id="f" begin="0" end="9" number="3" from="a" to="c"/>',
     ["demand.rou.xml: flow 'f'", "flows are not read"]),
])
def test_bad_sumo_routes_are_input_errors_naming_file_vehicle_and_edge(tmp_path, route,
                                                                        expect):
    path = _scenario(tmp_path, f"<routes>{route}</routes>")
    with pytest.raises(InputError) as err:
        build_world(load_scenario(path))
    for part in expect:
        assert part in str(err.value)


def test_a_rou_xml_gives_the_routes_of_csv_trips(tmp_path):
    path = _scenario(tmp_path, ROUTES)
    (tmp_path / "trips.csv").write_text("id,origin,destination,depart_s\nv0,1,4,0\nv1,1,4,0\n")
    (tmp_path / "routes.rou.xml").write_text(
        '<routes><vehicle id="v0" depart="0"><route edges="a b c"/></vehicle></routes>')
    sc = yaml.safe_load(path.read_text())
    sc.update(trips="trips.csv", routes="routes.rou.xml")
    path.write_text(yaml.safe_dump(sc))
    world = build_world(load_scenario(path))
    assert world.routes is not None
    ids = [str(x) for x in world.network.link_id]
    assert [ids[k] for k in world.routes.route(0)] == ["a", "b", "c"]
    assert world.routes.route(1) == []
