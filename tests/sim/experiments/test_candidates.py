"""Candidate changes of a plan on small hand networks: contraflow on a bottleneck street
(only where the engine's rule finds opposite lanes), shelter reassignment of the zones that
were redirected from a full shelter, staging, and their combination."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from musterpoint.scenarios.loader import load_scenario
from musterpoint.scenarios.schema import Contraflow
from musterpoint.sim.bounds.bound import BoundResult, link_labels
from musterpoint.sim.experiments.candidates import (
    Candidate,
    Skipped,
    combine,
    contraflow_candidates,
    shelter_candidate,
    staging_candidate,
)
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import make_scenario

N = 6


def _named_grid(folder: Path, one_way_main: bool = False) -> Path:
    """The test grid with row 0's street named "Avenida Teste" (two-way, or eastbound
    only) and row 2's named "Rua Dois"."""
    path = make_scenario(folder)
    links = pd.read_csv(folder / "links.csv")
    nodes = pd.read_csv(folder / "nodes.csv").set_index("id")
    row = ((links["from"] - 1) // N).to_numpy()
    same_row = row == ((links["to"] - 1) // N).to_numpy()
    names = np.where(same_row & (row == 0), "Avenida Teste",
                     np.where(same_row & (row == 2), "Rua Dois", ""))
    links["name"] = names
    if one_way_main:
        west = nodes.loc[links["to"], "x"].to_numpy() < nodes.loc[links["from"], "x"].to_numpy()
        links = links[~((names == "Avenida Teste") & west)]
    links.to_csv(folder / "links.csv", index=False)
    return path


def _bound(world, link_ids: list[str], shelters: tuple[str, ...] = ()) -> BoundResult:
    names, labels = link_labels(world, link_ids)
    return BoundResult(
        times_s=np.zeros(1), persons_safe=np.zeros(1), pcu_safe=np.zeros(1), t0_s=0.0,
        evacuees=0, ete50_s=None, ete90_s=None, ete100_s=None,
        bottleneck_links=tuple(link_ids), bottleneck_link_pcu=tuple(100.0 for _ in link_ids),
        bottleneck_link_names=tuple(names), bottleneck_link_labels=tuple(labels),
        bottleneck_shelters=shelters, bottleneck_time_s=None, step_s=120.0,
        horizon_s=3600.0, compute_s=0.0)


def _eastbound(world, street: str) -> list[str]:
    net = world.network
    return [str(net.link_id[i]) for i in range(net.n_links)
            if str(net.name[i]) == street and net.lon[net.link_to[i]] > net.lon[net.link_from[i]]]


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    loaded = load_scenario(_named_grid(tmp_path_factory.mktemp("named") / "g"))
    return loaded, build_world(loaded)


def test_contraflow_on_a_bottleneck_street_names_it_and_lists_its_links(named):
    loaded, world = named
    east = _eastbound(world, "Avenida Teste")
    assert len(east) == N - 1
    found, skipped = contraflow_candidates(world, loaded.plan("now"),
                                           _bound(world, east[1:3]))
    assert skipped == []
    assert len(found) == 1
    c = found[0]
    assert c.kind == "contraflow" and c.details["street"] == "Avenida Teste"
    assert c.details["heading"] == "eastbound"
    # the whole eastbound street is the corridor; each gains its reversed twin
    assert sorted(c.details["outbound_links"]) == sorted(east)
    assert len(c.details["reversed_links"]) == N - 1
    cf = c.plan.contraflow[-1]
    assert cf.road == "Avenida Teste" and cf.towards is not None
    assert "Avenida Teste" in c.summary["en"] and "Avenida Teste" in c.summary["zh"]
    assert c.plan.name == "now-contraflow-1"


def test_two_bottleneck_streets_give_two_candidates_largest_cut_first(named):
    loaded, world = named
    east = _eastbound(world, "Avenida Teste")[:1] + _eastbound(world, "Rua Dois")[:3]
    found, _ = contraflow_candidates(world, loaded.plan("now"), _bound(world, east))
    assert [c.details["street"] for c in found] == ["Rua Dois", "Avenida Teste"]


def test_a_one_way_street_without_opposite_carriageway_is_not_proposed(tmp_path):
    loaded = load_scenario(_named_grid(tmp_path / "g", one_way_main=True))
    world = build_world(loaded)
    east = _eastbound(world, "Avenida Teste")
    found, skipped = contraflow_candidates(world, loaded.plan("now"), _bound(world, east))
    assert found == []
    assert len(skipped) == 1 and "Avenida Teste" in skipped[0].reason["en"]
    assert "opposite" in skipped[0].reason["en"]


def test_no_road_in_the_cut_gives_the_reason(named):
    loaded, world = named
    found, skipped = contraflow_candidates(world, loaded.plan("now"), _bound(world, []))
    assert found == [] and "departures" in skipped[0].reason["en"]
    found, skipped = contraflow_candidates(world, loaded.plan("now"),
                                           _bound(world, [], ("north",)))
    assert "shelter capacity" in skipped[0].reason["en"]


def _agents(world, zone_of: dict[str, str], dest: dict[str, str]) -> pd.DataFrame:
    """One car household of 4 persons per zone, starting at the zone's first place."""
    net = world.network
    rows = []
    for k, zid in enumerate(world.zones.ids):
        node = int(net.node_id[int(np.argmin(np.hypot(net.lon - world.zones.lon[k],
                                                      net.lat - world.zones.lat[k])))])
        rows.append({"vehicle_id": k, "role": "evacuee", "zone": zid, "origin_node": node,
                     "persons": 4, "pcu": 1.0, "status": "arrived",
                     "destination": dest.get(zid, "south")})
    return pd.DataFrame(rows)


def test_shelter_reassignment_moves_redirected_zones_to_the_nearest_shelter_with_room(
        tmp_path):
    # zone 0 filled south; zone 1, redirected from south, ended at north, the one
    # shelter with room for all its 4 persons
    shelters = [{"id": "north", "name": "N", "lon": -51.19, "lat": -29.99, "capacity": 8},
                {"id": "south", "name": "S", "lon": -51.19, "lat": -30.0, "capacity": 4}]
    loaded = load_scenario(make_scenario(tmp_path / "g", shelters=shelters))
    world = build_world(loaded)
    zones = world.zones.ids
    assert len(zones) >= 2
    agents = _agents(world, {}, {z: "north" for z in zones[1:]} | {zones[0]: "south"})
    agents = agents[agents["zone"].isin([zones[0], zones[1]])]
    red = pd.DataFrame({"time_s": [10.0], "type": ["redirect"], "vehicle_id": [1],
                        "link_id": [""], "zone": [zones[1]], "shelter": ["north"],
                        "value": [np.nan], "detail": ["south full"]})
    c = shelter_candidate(world, loaded.plan("now"), agents, red)
    assert isinstance(c, Candidate)
    assert c.plan.shelter_choice == "zone_map"
    assert c.plan.zone_shelters == {zones[1]: "north"}
    assert c.details["zones"][zones[1]]["redirected_persons"] == 4
    no_red = shelter_candidate(world, loaded.plan("now"), agents, red.iloc[:0])
    assert isinstance(no_red, Skipped) and "does not bind" in no_red.reason["en"]


def test_staging_is_skipped_when_the_flow_holds_no_zone_back(grid_world):
    loaded, world = grid_world
    plan = loaded.plan("now")
    agents = pd.DataFrame({"zone": pd.Series([], dtype=str),
                           "origin_node": pd.Series([], dtype="int64"),
                           "depart_s": pd.Series([], dtype=float),
                           "pcu": pd.Series([], dtype=float)})
    bound = _bound(world, [])
    out = staging_candidate(world, plan, bound, agents)
    assert isinstance(out, Skipped) and "holds no zone back" in out.reason["en"]


def test_combining_keeps_every_part(named):
    loaded, world = named
    base = loaded.plan("now")
    flows, _ = contraflow_candidates(world, base, _bound(world,
                                                         _eastbound(world, "Rua Dois")[:2]))
    shelters = Candidate("shelters", "shelters", base.model_copy(update={
        "shelter_choice": "zone_map", "zone_shelters": {world.zones.ids[0]: "north"}}),
        {"en": "s", "zh": "s"})
    both = combine(base, [*flows, shelters])
    assert both.plan.shelter_choice == "zone_map"
    assert both.plan.zone_shelters == {world.zones.ids[0]: "north"}
    assert [cf.road for cf in both.plan.contraflow] == ["Rua Dois"]
    assert isinstance(both.plan.contraflow[0], Contraflow)
    assert both.details["parts"] == ["contraflow-1", "shelters"]
