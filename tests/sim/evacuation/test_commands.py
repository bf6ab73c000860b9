"""Stepping a run and applying commands: replays are exact, commands change outcomes."""

from __future__ import annotations

import pandas as pd
import pytest

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.engine import new_run


def test_stepping_in_pieces_equals_one_run(grid_world):
    loaded, world = grid_world
    whole = new_run(world, loaded.plan("now"), 3).run()
    run = new_run(world, loaded.plan("now"), 3)
    for t in (600.0, 1234.5, 3600.0, 7000.0):
        run.advance(t)
        assert run.now == t
    pieces = run.finish()
    pd.testing.assert_frame_equal(whole.agents, pieces.agents)
    assert whole.kpis == pieces.kpis


def _with_commands(world, plan, cmds):
    run = new_run(world, plan, 5)
    for t, kind, args in cmds:
        run.advance(t)
        run.command(kind, args)
    return run.finish()


def test_commands_replay_exactly_and_change_the_outcome(grid_world):
    loaded, world = grid_world
    plan = loaded.plan("late")
    net = world.network
    north = next(d for d in world.destinations if d.id == "north")
    into_north = [str(net.link_id[i]) for i in range(net.n_links)
                  if int(net.link_to[i]) == north.node]
    cmds = [(300.0, "order_zones", {"zones": list(world.zones.ids[:2])}),
            (900.0, "close_links", {"links": into_north, "reason": "bridge down"}),
            (1500.0, "shelter_capacity", {"shelter": "south", "capacity": 2000})]
    a = _with_commands(world, plan, cmds)
    b = _with_commands(world, plan, cmds)
    base = new_run(world, plan, 5).run()
    pd.testing.assert_frame_equal(a.agents, b.agents)
    assert a.kpis == b.kpis
    # zones ordered at 5 min instead of 30 min leave earlier
    moved = a.agents[a.agents["zone"].isin(world.zones.ids[:2]) & (a.agents["pcu"] > 0)]
    assert moved["depart_s"].min() < 1800.0
    assert (base.agents.loc[moved.index, "depart_s"] >= 1800.0).all()
    # nobody reaches the north shelter's node after its roads closed
    late_north = a.agents[(a.agents["destination"] == "north") & (a.agents["arrive_s"] > 900)]
    assert late_north.empty
    cmd_events = a.events[a.events["type"] == "command"]
    assert list(cmd_events["time_s"]) == [300.0, 900.0, 1500.0]


def test_bad_commands_are_clear_errors(grid_world):
    loaded, world = grid_world
    run = new_run(world, loaded.plan("now"), 1)
    with pytest.raises(InputError, match="links"):
        run.command("close_links", {"links": ["nope"]})
    with pytest.raises(InputError, match="unknown command"):
        run.command("launch_rocket", {})
    snap = run.snapshot()
    assert set(snap) >= {"time_s", "links", "closed", "shelters", "zones", "totals"}
