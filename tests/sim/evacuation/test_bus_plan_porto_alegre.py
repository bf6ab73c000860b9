"""The bundled Porto Alegre bus plan gives everyone a way out (issue 16, item 1)."""

from __future__ import annotations

import math

import pytest

from musterpoint.scenarios.loader import BUNDLED_DIR, load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world

pytestmark = pytest.mark.slow


def test_the_bus_plan_reaches_ete90_meets_its_standard_and_leaves_nobody_behind():
    loaded = load_scenario(BUNDLED_DIR / "porto_alegre_flood" / "scenario.yaml")
    world = build_world(loaded)
    plan = loaded.plan("evacuate-all-now-buses")
    assert plan.buses is not None
    # the sizing rule of the plan's description: ceil(3,609 / (50 seats x 2 trips))
    assert plan.buses.buses == math.ceil(3609 / (plan.buses.seats * 2))
    for seed in (1, 2, 3):
        r = simulate(world, plan, seed=seed)
        e = r.kpis["evacuation"]
        assert e["never_departed"] == 0 and e["stranded"] == 0
        assert e["ete90_s"] is not None and e["ete90_s"] <= 4 * 3600
        assert {g: e["groups"][g]["ete90_s"] is not None
                for g in ("general", "transit_dependent", "whole")} == dict.fromkeys(
            ("general", "transit_dependent", "whole"), True)
        std = {s["id"]: s for s in r.meta["standards"]}
        assert std["ninety-out-in-4h"]["met"] is True
