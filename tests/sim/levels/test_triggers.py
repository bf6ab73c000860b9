"""Response levels fire at the known time of a gauge crossing (known answers from the
piecewise-linear stage curve), hold for N minutes, de-escalate, follow a late forecast,
and refuse a gauge that does not exist."""

from __future__ import annotations

import json

import numpy as np
import pytest

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world
from tests.helpers.levels_factory import level, make_level_scenario


def _run(tmp_path, levels, plan="p", seed=1, **kw):
    loaded = load_scenario(make_level_scenario(tmp_path / "sc", {plan: levels}, **kw))
    world = build_world(loaded)
    return simulate(world, loaded.plan(plan), seed)


def _changes(res):
    lc = res.tables["level_changes"]
    return [(float(r.time_s), r.level, r.change) for r in lc.itertuples()]


def test_a_crossing_on_a_check_time_fires_the_level_exactly_then(tmp_path):
    # stage 0 -> 3 m over one hour: 1.5 m at exactly 1,800 s
    res = _run(tmp_path, [level(1.5)])
    assert _changes(res) == [(1800.0, "II", "on")]
    ev = res.events[res.events["type"] == "level_on"]
    assert ev["time_s"].tolist() == [1800.0]
    assert ev["value"].iloc[0] == pytest.approx(1.5, abs=1e-12)
    assert json.loads(ev["detail"].iloc[0])["level"] == "II"
    orders = res.events[res.events["type"] == "order"]
    assert len(orders) > 0 and set(orders["time_s"]) == {1800.0}
    assert set(orders["detail"]) == {"level II"}
    ag = res.agents[res.agents["role"] == "evacuee"]
    assert (ag["order_s"] == 1800.0).all()


def test_between_checks_it_fires_at_the_next_check_and_after_for_n_minutes(tmp_path):
    # 1.23 m is reached at 1,476 s: first check at or after is 1,500 s; held 10 min: 2,100 s
    assert _changes(_run(tmp_path / "a", [level(1.23)])) == [(1500.0, "II", "on")]
    assert _changes(_run(tmp_path / "b", [level(1.23, for_min=10)])) == \
        [(2100.0, "II", "on")]


def test_the_level_de_escalates_when_the_river_falls(tmp_path):
    # falls below 1.5 m after 5,400 s: the first check with the level off is 5,460 s
    assert _changes(_run(tmp_path / "a", [level(1.5)], falling=True)) == \
        [(1800.0, "II", "on"), (5460.0, "II", "off")]
    assert _changes(_run(tmp_path / "b", [level(1.5, clear_min=5)], falling=True)) == \
        [(1800.0, "II", "on"), (5760.0, "II", "off")]


def test_a_forecast_30_min_late_delays_the_orders_30_min_and_the_ete(tmp_path):
    low = [[0, 0.0], [1, 0.2], [3, 0.2]]   # a shallow flood: 0.1 m at 1,800 s
    exact = _run(tmp_path / "a", [level(0.1, forecast="exact")], stage=low)
    late = _run(tmp_path / "b", [level(0.1, forecast="late")], stage=low)
    assert _changes(exact) == [(1800.0, "II", "on")]
    assert _changes(late) == [(3600.0, "II", "on")]
    a = exact.agents[(exact.agents["role"] == "evacuee") & (exact.agents["pcu"] > 0)]
    b = late.agents[(late.agents["role"] == "evacuee") & (late.agents["pcu"] > 0)]
    # same households, same mobilisation draws: every departure exactly 30 min later
    np.testing.assert_allclose(b["depart_s"].to_numpy() - a["depart_s"].to_numpy(), 1800.0)
    e_a, e_b = exact.kpis["evacuation"]["ete50_s"], late.kpis["evacuation"]["ete50_s"]
    assert e_b is not None and e_a is not None and e_b >= e_a + 1800.0 - 1e-6


def test_a_lead_time_on_the_forecast_fires_earlier(tmp_path):
    lv = level(1.5, forecast="exact")
    lv["when"][0]["lead_h"] = 0.25   # the value 15 min ahead reaches 1.5 m at 900 s
    assert _changes(_run(tmp_path, [lv])) == [(900.0, "II", "on")]


def test_the_more_severe_level_and_escalation(tmp_path):
    res = _run(tmp_path, [level(1.0, lid="IV", grade=4, actions=[]),
                          level(2.4, lid="I", grade=1)])
    # 1.0 m at 1,200 s; 2.4 m at 2,880 s
    assert _changes(res) == [(1200.0, "IV", "on"), (2880.0, "I", "on")]
    assert res.kpis["levels"]["highest_grade"] == 1
    assert res.kpis["levels"]["first_on_s"] == {"IV": 1200.0, "I": 2880.0}


def test_a_condition_on_a_gauge_that_does_not_exist_is_an_input_error(tmp_path):
    lv = level(1.5)
    lv["when"][0]["gauge"] = "nowhere"
    with pytest.raises(InputError) as err:
        _run(tmp_path, [lv])
    msg = str(err.value)
    assert "levels[0].when[0].gauge" in msg and "nowhere" in msg and "g1" in msg
    assert "plan-p.yaml" in msg


def test_a_level_action_command_is_applied_and_logged(tmp_path):
    res = _run(tmp_path, [level(1.5, actions=[
        {"command": {"kind": "close_shelter", "args": {"shelter": "south"}}}])])
    cmd = res.events[res.events["type"] == "command"]
    assert cmd["time_s"].tolist() == [1800.0]
    assert json.loads(cmd["detail"].iloc[0])["kind"] == "close_shelter"
    # nobody is ordered: the plan has no order action and no stage
    assert (res.events["type"] == "order").sum() == 0
