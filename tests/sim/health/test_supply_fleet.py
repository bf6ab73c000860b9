"""The lockdown supply's trucks are trucks of the relief fleet: the same trip and leg
records, the same goods ledger, beside relief trucks in one run."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.relief.fleet import LEG_COLUMNS, TRIP_COLUMNS, TRUCK_COLUMNS
from musterpoint.sim.world import build_world
from tests.helpers.health_factory import _at, health_plan, make_health_scenario

RELIEF_WORLD = {
    "commodities": [{"id": "water", "unit": "L", "per_person_day": 15, "kg_per_unit": 1,
                     "m3_per_unit": 0.001}],
    "truck_types": [{"id": "t1", "capacity_kg": 1000, "capacity_m3": 10, "pcu": 2}],
    "depots": [{"id": "RD", **_at(0, 0), "stock": {"water": 20000}, "bays": 1}],
    "points": [{"id": "camp", "kind": "community", **_at(3, 3), "population": 600}],
    "all_shelters": False,
}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    plan = health_plan()
    plan["relief"] = {"policy": "need_driven", "fleet": [{"depot": "RD", "type": "t1"}]}
    path = make_health_scenario(tmp_path_factory.mktemp("hf") / "s", plan=plan,
                                duration_h=30, relief=RELIEF_WORLD)
    loaded = load_scenario(path)
    return simulate(build_world(loaded), loaded.plan("health"), 1)


@pytest.mark.parametrize(("kind", "columns"), [("legs", LEG_COLUMNS), ("trips", TRIP_COLUMNS),
                                               ("trucks", TRUCK_COLUMNS)])
def test_supply_and_relief_trucks_share_one_record_format(both, kind, columns):
    relief = both.tables[f"relief_{kind}"]
    supply = both.tables[f"health_supply_{kind}"]
    assert list(relief.columns) == list(supply.columns) == columns
    assert len(relief) > 0 and len(supply) > 0
    assert not set(relief["truck"]) & set(supply["truck"])


def test_supply_trucks_are_recorded_trip_by_trip_and_leg_by_leg(both):
    trips = both.tables["health_supply_trips"]
    legs = both.tables["health_supply_legs"]
    trucks = both.tables["health_supply_trucks"]
    assert trucks["truck"].tolist() == ["D1-supply-1", "D1-supply-2"]
    assert set(trucks["type"]) == {"supply"} and set(trucks["depot"]) == {"D1"}
    assert set(trips["policy"]) == {"orders"} and set(trips["status"]) == {"done"}
    # loading takes depot_load_min (30 min), a round has 1 to 4 stops
    assert ((trips["depart_s"] - trips["load_start_s"]) == 1800.0).all()
    assert trips["stops"].between(1, 4).all()
    done = set(trips["trip"])
    started = both.kpis["health"]["supply"]["truck_trips"]
    assert legs["trip"].between(1, started).all() and len(done) <= started
    # every finished trip ends with a leg back to the depot
    last = legs.sort_values("arrive_s").groupby("trip").tail(1)
    assert set(last[last["trip"].isin(done)]["to"]) == {"D1"}
    assert trucks["legs"].sum() == len(legs)
    assert abs(trucks["km"].sum() - both.kpis["health"]["supply"]["truck_km"]) < 1e-9


def test_the_fleet_ledgers_balance(both):
    led = both.kpis["ledger"]
    assert led["balanced"] is True
    assert led["relief"]["balanced"] is True and led["health"]["balanced"] is True
    fleet = led["health"]["supply_fleet"]
    orders = led["health"]["orders"]
    assert fleet["balanced"] is True
    # goods follow the orders: unloaded at the gates, on trucks while the orders are
    assert fleet["unloaded"] == [orders["at_gate"] + orders["delivered"]]
    assert fleet["on_trucks"] == [orders["on_truck"]]
    assert fleet["loaded"][0] == fleet["unloaded"][0] + fleet["on_trucks"][0]


def test_stops_cut_off_are_skipped_and_the_goods_go_back_to_the_depot(tmp_path):
    """The depot's roads closed from hour 1: each truck loads, finds no open road to any
    of its stops, and unloads at the depot again; the orders wait there, nothing is lost."""
    path = make_health_scenario(tmp_path / "s", duration_h=12)
    links = pd.read_csv(path.parent / "links.csv")
    at_depot = links[(links["from"] == 6) | (links["to"] == 6)]["id"].tolist()  # D1: node 6
    sc = yaml.safe_load(path.read_text())
    sc["hazard"] = {"closures": [{"links": at_depot, "from_h": 1}]}
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    loaded = load_scenario(path)
    res = simulate(build_world(loaded), loaded.plan("health"), 1)
    led = res.kpis["ledger"]["health"]
    fleet, orders = led["supply_fleet"], led["orders"]
    assert led["balanced"] is True and fleet["balanced"] is True
    assert fleet["loaded"][0] > 0 and fleet["unloaded"] == [0.0]
    assert fleet["given_back"][0] + fleet["on_trucks"][0] == fleet["loaded"][0]
    assert orders["at_gate"] == orders["delivered"] == 0
    assert len(res.tables["health_supply_legs"]) == 0
    trips = res.tables["health_supply_trips"]
    assert len(trips) > 0 and set(trips["status"]) == {"done"}
