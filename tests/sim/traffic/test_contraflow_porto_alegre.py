"""Contraflow on a divided corridor of the bundled Porto Alegre network.

Avenida Loureiro da Silva is a dual carriageway (two one-way OSM ways); with everyone
leaving at once, its eastbound carriageway (one lane, 1,000 PCU/h on the stretch west of
the Parque Farroupilha) is an active bottleneck: its links discharge at capacity with
full storage. Before the divided-road rule, contraflow could not be applied to it at all
("is one-way: no opposite lanes"). Reversing the westbound carriageway for traffic heading
towards the Farroupilha shelter must shorten the clearance of the vehicles that use the
corridor (seed 1: last arrival 2,926 s -> 2,164 s; 90 % 2,409 s -> 1,399 s).

Known limitation, not asserted: 160 vehicles (805 persons) whose places snap to a node on
the reversed carriageway (OSM node 7609632356, whose only way out is that carriageway)
have no open route and are stranded; the engine does not yet move people who start on a
reversed carriageway onto the outbound one.
"""

from __future__ import annotations

import pytest

from musterpoint.scenarios.loader import load_scenario, resolve_scenario
from musterpoint.scenarios.schema import Contraflow, DepartureCurve
from musterpoint.sim.engine import new_run
from musterpoint.sim.network.carriageways import opposite_links, road_links
from musterpoint.sim.world import build_world

ROAD = "Avenida Loureiro da Silva"
FARROUPILHA = (-51.216111, -30.036746)  # the shelter's place in scenario.yaml


@pytest.mark.slow
def test_contraflow_on_loureiro_da_silva_shortens_its_users_clearance():
    loaded = load_scenario(resolve_scenario("porto-alegre-flood"))
    world = build_world(loaded)
    net = world.network
    outbound = road_links(net, ROAD, FARROUPILHA)
    opposite = opposite_links(net, outbound.tolist())
    assert outbound.size == 38 and sum(o.size > 0 for o in opposite) == 37
    corridor = set(net.link_id[outbound].tolist())
    base = loaded.plan("evacuate-all-now").model_copy(
        update={"departure": DepartureCurve(curve="all_at_once")})
    plan = base.model_copy(update={"contraflow": [Contraflow(road=ROAD,
                                                             towards=FARROUPILHA)]})
    runs = [new_run(world, p, seed=1, record_link_events=True).run() for p in (base, plan)]
    ev = runs[0].tables["events"]
    users = set(ev[(ev.type == "link_enter") & ev.link_id.isin(corridor)].vehicle_id)
    assert len(users) > 1000
    clear = []
    for r in runs:
        a = r.tables["agents"]
        arr = a[a.vehicle_id.isin(users) & (a.status == "arrived")]
        clear.append((float(arr.arrive_s.max()), float(arr.arrive_s.quantile(0.9))))
    (last0, p90_0), (last1, p90_1) = clear
    assert last1 < 0.8 * last0
    assert p90_1 < 0.7 * p90_0
