"""Fixed routes from routes.csv: followed link by link, left at the next node when a link
ahead closes, and bad routes are input errors naming file, line and link."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0
from tests.sim.evacuation.test_plan_levers import corridor

# 1 (origin) --direct 300 m--> 4 (shelter B); the long way 1 -a-> 2 -b-> 3 -c-> 4, and a
# shortcut 2 -> 4 (500 m) that is the shortest way from 2. Every link has its reverse.
_NODES = {1: (LON0, LAT0), 2: (LON0, LAT0 + 0.003), 3: (LON0 + 0.003, LAT0 + 0.003),
          4: (LON0 + 0.003, LAT0)}
_FORWARD = [("direct", 1, 4, 300.0), ("a", 1, 2, 330.0), ("b", 2, 3, 290.0),
            ("c", 3, 4, 330.0), ("shortcut", 2, 4, 500.0)]
SPEED = 10.0  # m/s: link a takes 33 s


def _scenario(tmp: Path, routes: str, closures: list[dict] | None = None) -> Path:
    links = []
    for lid, u, v, length in _FORWARD:
        links.append((lid, u, v, length, 1, SPEED, 1800.0))
        links.append((f"{lid}-back", v, u, length, 1, SPEED, 1800.0))
    trips = [(0, 1, 4, 0.0), (1, 1, 4, 5.0)]
    plans = {"p": {"name": "p", "title": {"en": "p"}}}
    path = corridor(tmp, links, _NODES, trips, {"B": 4}, plans)
    (tmp / "routes.csv").write_text(routes)
    sc = yaml.safe_load(path.read_text())
    sc["routes"] = "routes.csv"
    if closures:
        sc["hazard"] = {"closures": closures}
    path.write_text(yaml.safe_dump(sc))
    return path


def _run_events(path: Path) -> pd.DataFrame:
    loaded = load_scenario(path)
    r = new_run(build_world(loaded), loaded.plan("p"), seed=1, record_link_events=True).run()
    assert (r.agents["status"] == "arrived").all()
    ev: pd.DataFrame = r.tables["events"]
    return ev


def _link_paths(path: Path) -> dict[int, list[str]]:
    ev = _run_events(path)
    enters = ev[ev["type"] == "link_enter"].sort_values("time_s", kind="stable")
    return {int(v): list(g["link_id"]) for v, g in enters.groupby("vehicle_id")}


def test_a_routed_trip_drives_its_route_link_by_link_and_the_others_the_shortest(tmp_path):
    paths = _link_paths(_scenario(tmp_path, "id,links\n0,a b c\n"))
    assert paths[0] == ["a", "b", "c"]  # its route, not the 300 m direct link
    assert paths[1] == ["direct"]  # no route: shortest time


def test_a_link_ahead_that_closes_makes_it_leave_its_route_at_its_next_node(tmp_path):
    # c (two links ahead) closes at 10 s while trip 0 is on a: at node 2 it takes the
    # shortest open way, the shortcut, instead of b
    closure = [{"links": ["c"], "from_h": 10 / 3600, "reason": "test"}]
    path = _scenario(tmp_path, "id,links\n0,a b c\n", closure)
    paths = _link_paths(path)
    assert paths[0] == ["a", "shortcut"]
    left = _run_events(path).query("type == 'route_left'")
    assert list(left["vehicle_id"]) == [0]
    assert list(left["link_id"]) == ["b"]  # the route link it did not take
    assert float(left["time_s"].iloc[0]) == pytest.approx(330.0 / SPEED)  # end of link a
    assert "node 2" in left["detail"].iloc[0]


def test_a_route_with_no_closure_ahead_keeps_its_route_after_a_closure_elsewhere(tmp_path):
    closure = [{"links": ["direct"], "from_h": 10 / 3600, "reason": "test"}]
    paths = _link_paths(_scenario(tmp_path, "id,links\n0,a b c\n", closure))
    assert paths[0] == ["a", "b", "c"]


@pytest.mark.parametrize(("routes", "expect"), [
    ("id,links\n0,a bee c\n", ["routes.csv: links (line 2, trip '0')", "no link 'bee'",
                               "link ids of the network"]),
    ("id,links\n1,direct\n0,a c\n", ["routes.csv: links (line 3, trip '0')",
                                     "'a' and the next link 'c' do not share a node",
                                     "driving order"]),
    ("id,links\n0,b c\n", ["line 2", "does not start at the trip's origin"]),
    ("id,links\n0,a b\n", ["line 2", "does not end at the trip's destination"]),
    ("id,links\n7,direct\n", ["routes.csv: id (line 2)", "trip '7' is not in the trips file"]),
    ("id,route\n0,direct\n", ["routes.csv: links", "column missing"]),
])
def test_bad_routes_are_input_errors_naming_file_line_and_link(tmp_path, routes, expect):
    path = _scenario(tmp_path, routes)
    with pytest.raises(InputError) as err:
        build_world(load_scenario(path))
    text = str(err.value)
    for part in expect:
        assert part in text


def test_the_command_names_an_unknown_route_link_without_a_traceback(tmp_path):
    path = _scenario(tmp_path, "id,links\n0,a bee c\n")
    muster = str(Path(sys.executable).with_name("muster"))
    res = subprocess.run([muster, "validate", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2
    assert "routes.csv: links (line 2, trip '0'): no link 'bee' in the network" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
