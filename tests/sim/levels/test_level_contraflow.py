"""A response level starts contraflow: the ``contraflow`` command reverses the opposite
carriageway of a corridor from the level's firing on, by the plan lever's rule.

Known answers on the divided road of ``tests/sim/traffic/test_contraflow_divided.py``
(4,000 vehicles queued at A, every link 3,600 PCU/h, free-flow time ``tau`` = 60 s):

* without contraflow the last vehicle arrives at ``tau + (N - 1) / C`` = 4,059 s;
* fired at ``t0 = 0`` the level gives exactly the plan lever's clearance;
* fired at ``t0`` later, about ``C t0`` vehicles have left at ``C`` and the remaining
  ``N - 1 - C t0`` leave at ``2 C``: the last arrives at about
  ``tau + t0 + (N - 1 - C t0) / (2 C)`` (within 2 %, as the plan lever's test: ``tau``
  does not halve), strictly between the two.
"""

from __future__ import annotations

import json

import pytest

from musterpoint.cli import main
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import new_run, simulate
from musterpoint.sim.world import build_world
from tests.sim.evacuation.test_plan_levers import clearance
from tests.sim.traffic.test_contraflow_divided import N_VEH, PLANS, divided_road

CORRIDOR = {"links": ["out1", "out2", "out3"]}


def level_plan(name: str, t0_h: float, args: dict | None = None) -> dict:
    """A plan whose one level fires at ``t0_h`` hours and starts the contraflow."""
    return {"name": name, "title": {"en": name}, "check_every_min": 1,
            "levels": [{"id": "II", "grade": 2, "name": {"en": "Level II"},
                        "when": [{"time_h": t0_h}],
                        "actions": [{"command": {"kind": "contraflow",
                                                 "args": args or CORRIDOR}}]}]}


def test_a_level_contraflow_from_t0_matches_the_plan_lever_then_lies_between(tmp_path):
    t0 = 1800.0  # a check time (every minute)
    plans = {"plain": PLANS["plain"], "by-links": PLANS["by-links"],
             "at0": level_plan("at0", 0.0), "later": level_plan("later", t0 / 3600.0)}
    loaded = load_scenario(divided_road(tmp_path / "d", plans))
    world = build_world(loaded)
    plain = clearance(simulate(world, loaded.plan("plain"), seed=1))
    lever = clearance(simulate(world, loaded.plan("by-links"), seed=1))
    at0 = simulate(world, loaded.plan("at0"), seed=1)
    assert clearance(at0) == lever
    later = simulate(world, loaded.plan("later"), seed=1)
    c_later = clearance(later)
    assert lever < c_later < plain
    cap = 1.0  # vehicles per second
    assert c_later == pytest.approx(60.0 + t0 + (N_VEH - 1 - cap * t0) / (2 * cap),
                                    rel=0.02)
    # the firing is logged as a command at t0, and the opposite carriageway closes then
    ev = later.events
    cmd = ev[ev["type"] == "command"]
    assert cmd["time_s"].tolist() == [t0]
    assert json.loads(cmd["detail"].iloc[0])["kind"] == "contraflow"
    closed = ev[(ev["type"] == "link_closed")]
    assert sorted(closed["link_id"]) == ["in1", "in2"] and set(closed["time_s"]) == {t0}
    # a drill participant's command at t0 (blank form fields left empty) does the same
    run = new_run(world, loaded.plan("plain"), seed=1)
    run.start()
    run.advance(t0)
    run.command("contraflow", {**CORRIDOR, "road": "", "max_gap_m": None})
    run.advance(world.duration_s)
    assert clearance(run.finish()) == c_later


def test_a_level_contraflow_by_road_is_the_same_as_by_links(tmp_path):
    by_road = {"road": "test avenue", "towards": [float(x) for x in
                                                  PLANS["by-road"]["contraflow"][0]["towards"]]}
    plans = {"a": level_plan("a", 0.25), "b": level_plan("b", 0.25, by_road)}
    loaded = load_scenario(divided_road(tmp_path / "d", plans))
    world = build_world(loaded)
    assert clearance(simulate(world, loaded.plan("a"), seed=1)) == \
        clearance(simulate(world, loaded.plan("b"), seed=1))


def test_a_corridor_that_does_not_resolve_is_refused_at_load_not_at_firing(tmp_path,
                                                                          capsys):
    # fires after the end of the run: only a load-time check can catch it
    bad = level_plan("bad", 99.0, {"links": ["out2"], "max_gap_m": 10})
    timed = level_plan("timed", 1.0, {**CORRIDOR, "from_h": 2})
    scenario = divided_road(tmp_path / "v", {"plain": PLANS["plain"], "bad": bad,
                                             "timed": timed})
    loaded = load_scenario(scenario)
    world = build_world(loaded)
    with pytest.raises(InputError) as err:
        simulate(world, loaded.plan("bad"), seed=1)
    (problem,) = err.value.problems
    assert problem.field == "levels[0].actions[0].command.args.links"
    assert "no opposite carriageway" in problem.reason and problem.file.endswith("bad.yaml")
    with pytest.raises(InputError) as err:
        simulate(world, loaded.plan("timed"), seed=1)
    assert err.value.problems[0].field == "levels[0].actions[0].command.args.from_h"
    assert main(["validate", str(scenario)]) == 2
    assert problem.reason in capsys.readouterr().err
