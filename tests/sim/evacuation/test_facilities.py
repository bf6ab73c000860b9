"""Special facilities: their own vehicles shuttle residents to a shelter (known times)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.scenarios.evacuation_schema import Walking
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, make_scenario

MOB_MIN, LOAD_MIN = 60.0, 5.0


def _world(tmp_path, **facility):
    fac = {"id": "casa-1", "name": "Care home", "kind": "care_home",
           "lon": LON0 + STEP_DEG, "lat": LAT0 + 2 * STEP_DEG, "persons": 25,
           "vehicle": "wheelchair_van", "vehicles": 2, "seats": 4,
           "mobilisation_min": MOB_MIN, "loading_min": LOAD_MIN, **facility}
    path = make_scenario(tmp_path / "g", hazard={}, special_facilities=[fac])
    loaded = load_scenario(path)
    return loaded, build_world(loaded)


def _drive_s(world, a: int, b: int) -> float:
    net = world.network
    g = csr_matrix((net.freeflow_s, (net.link_from, net.link_to)),
                   shape=(net.n_nodes, net.n_nodes))
    return float(dijkstra(g, indices=a)[b])


def test_vans_shuttle_the_residents_at_the_computed_times(tmp_path):
    loaded, world = _world(tmp_path)
    r = simulate(world, loaded.plan("now"), seed=1)
    a = r.agents[r.agents["facility"] == "casa-1"]
    assert list(a["persons"]) == [4] * 6 + [1]
    assert (a["group"] == "special_facility").all() and (a["mode"] == "wheelchair_van").all()
    assert (a["status"] == "arrived").all() and (a["destination"] == "south").all()
    # households left long before (Rayleigh sigma 10 min), so the vans drive on empty
    # roads: out tau, back tau; van k's m-th load reaches the shelter at
    # T + load + tau + m (2 tau + load); the second van leaves the first link one
    # headway behind the first (2 PCU at 600 PCU/h: 12 s) and stays that far behind
    home = int(np.flatnonzero(world.network.node_id == a["origin_node"].iloc[0])[0])
    south = next(d.node for d in world.destinations if d.id == "south")
    tau, back = _drive_s(world, home, south), _drive_s(world, south, home)
    t_ready, load = MOB_MIN * 60, LOAD_MIN * 60
    headway = 2.0 * 3600.0 / 600.0
    expect = sorted(t_ready + load + tau + m * (tau + back + load) + k * headway
                    for k, m in ((0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2), (0, 3)))
    assert sorted(a["arrive_s"]) == pytest.approx(expect, abs=1e-6)
    sf = r.kpis["evacuation"]["special_facilities"]
    assert sf["facilities"]["casa-1"]["kind"] == "care_home"
    assert sf["facilities"]["casa-1"]["ete100_s"] == pytest.approx(expect[-1])
    g = r.kpis["evacuation"]["groups"]["special_facility"]
    assert g["persons"] == 25 and g["ete100_s"] == pytest.approx(expect[-1])
    fv = r.tables["facility_vehicles"]
    assert list(fv["trips"]) == [4, 3] and list(fv["delivered"]) == [13, 12]
    assert r.kpis["ledger"]["balanced"]


def test_a_facility_outside_the_evacuation_area_is_not_ordered_out(tmp_path):
    # on the east edge: 3 grid columns (580 m) from the nearest place, zones are 400 m
    loaded, world = _world(tmp_path, lon=LON0 + 5 * STEP_DEG)
    r = simulate(world, loaded.plan("now"), seed=1)
    assert (r.agents["facility"] == "").all()
    assert r.kpis["evacuation"]["special_facilities"]["persons"] == 0


def test_the_bound_stays_above_arrivals_with_walkers_and_facility_vehicles(tmp_path):
    from musterpoint.sim.bounds.bound import evacuation_bound
    from tests.sim.bounds.test_flow_bound import _never_above

    loaded, world = _world(tmp_path)
    plan = loaded.plan("now").model_copy(update={"walking": Walking(max_distance_m=800)})
    r = simulate(world, plan, seed=1)
    a = r.tables["agents"]
    assert {"walk", "wheelchair_van"} <= set(a["mode"])
    b = evacuation_bound(world, a, plan=plan, step_s=60.0)
    ev = a[(a["role"] == "evacuee") & (a["status"] == "arrived")]
    assert _never_above(b.times_s, b.persons_safe, ev["arrive_s"].to_numpy(float),
                        ev["persons"].to_numpy(float)) <= 1e-6
    # without the walkers' and the vans' earliest arrivals the bound would be too low
    cars = ev[ev["mode"] == "car"]
    assert cars["persons"].sum() < ev["persons"].sum()
