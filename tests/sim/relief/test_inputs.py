"""Bad relief input gives one clear message: the file, the field and what to do."""

from __future__ import annotations

import pytest

from musterpoint.cli import main
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from tests.helpers.relief_factory import TRUCK, WATER, depot, hand_world, line_scenario, run_line

PLAN = {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}]}


def _problems(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[str, str, str]]:
    return [(p.file, p.field, p.reason) for p in exc.value.problems]


def test_negative_stock_names_the_depot_and_the_commodity(tmp_path):
    path = line_scenario(tmp_path, hand_world(stock={"water": -5}), PLAN)
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    (file, field, reason), = _problems(exc)
    assert file.endswith("scenario.yaml") and field == "relief.depots[0].stock"
    assert "stock of 'water' is -5" in reason and ">= 0" in reason


def test_negative_prepositioned_stock_in_a_plan(tmp_path):
    path = line_scenario(tmp_path, hand_world(), {**PLAN, "stock": {"dep": {"water": -1}}})
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert any("plan.yaml" in f and "relief.stock" in fld and "-1" in r
               for f, fld, r in _problems(exc))


def test_a_truck_with_zero_capacity(tmp_path):
    world = {"commodities": [WATER], "truck_types": [{**TRUCK, "capacity_kg": 0}],
             "depots": [depot()]}
    path = line_scenario(tmp_path, world, PLAN)
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    (_, field, reason), = _problems(exc)
    assert field == "relief.truck_types[0].capacity_kg"
    assert "a truck needs a capacity > 0" in reason


def test_a_demand_for_an_unknown_commodity_in_the_scenario(tmp_path):
    world = hand_world()
    world["points"] = [{"id": "camp", "kind": "community", "lon": -51.18, "lat": -30.0,
                        "population": 10, "commodities": ["water", "fuel"]}]
    path = line_scenario(tmp_path, world, PLAN)
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    (_, field, reason), = _problems(exc)
    assert field == "relief"
    assert "points[0] (camp): demand for unknown commodity 'fuel'" in reason
    assert "known commodities: water" in reason


def test_a_demand_for_an_unknown_commodity_in_a_route(tmp_path):
    route = {"id": "r1", "depot": "dep", "depart_h": [1.0],
             "stops": [{"point": "s", "load": {"fuel": 100}}]}
    path = line_scenario(tmp_path, hand_world(), {"policy": "fixed", "routes": [route],
                                                  "fleet": PLAN["fleet"]})
    with pytest.raises(InputError) as exc:
        run_line(path)
    (file, field, reason), = _problems(exc)
    assert file.endswith("plan.yaml")
    assert field == "relief.routes[0] (r1).stops[0].load.fuel"
    assert "unknown commodity" in reason and "known: water" in reason


def test_unknown_fleet_depot_and_type_are_both_reported(tmp_path):
    plan = {"policy": "need_driven", "fleet": [{"depot": "nowhere", "type": "t1"},
                                               {"depot": "dep", "type": "zeppelin"}]}
    with pytest.raises(InputError) as exc:
        run_line(line_scenario(tmp_path, hand_world(), plan))
    fields = [fld for _, fld, _ in _problems(exc)]
    assert fields == ["relief.fleet[0].depot", "relief.fleet[1].type"]


def test_a_depot_that_cannot_reach_any_demand_point(tmp_path):
    # the only road out of the depot (links a and b) is closed from the start
    path = line_scenario(tmp_path, hand_world(), PLAN,
                         closures=[{"links": ["a", "b"], "from_h": 0, "reason": "flooded"}])
    with pytest.raises(InputError) as exc:
        run_line(path)
    (file, field, reason), = _problems(exc)
    assert file.endswith("scenario.yaml") and field == "relief.depots[0] (dep)"
    assert "cannot reach any demand point" in reason


def test_a_plan_with_relief_needs_a_scenario_with_relief(tmp_path):
    with pytest.raises(InputError) as exc:
        run_line(line_scenario(tmp_path, None, PLAN))
    (file, field, reason), = _problems(exc)
    assert file.endswith("plan.yaml") and field == "relief" and "has none" in reason


def test_the_command_line_says_it_and_exits_2(tmp_path, capsys):
    path = line_scenario(tmp_path / "sc", hand_world(stock={"water": -5}), PLAN)
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "relief.depots[0].stock" in err and "stock of 'water' is -5" in err
    assert not (tmp_path / "out").exists()
