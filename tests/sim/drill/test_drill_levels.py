"""In a drill, a command changes the flood (the scripted floodgate failure and a
trainer's forecast update), the level plan reacts, and the after-action report lists the
trigger firings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from musterpoint.reports.after_action import render_after_action
from musterpoint.sim.drill import DrillSession, after_action
from tests.helpers.levels_factory import level, make_level_scenario

# A shallow flood (0 -> 0.2 m in 1 h, then flat): alone it never reaches 0.5 m.
LOW = [[0, 0.0], [1, 0.2], [3, 0.2]]
GATE = {"id": "floodgate", "time_h": 0.25, "title": {"en": "Floodgate fails", "zh": "闸门失效"},
        "effect": {"kind": "flood_stage", "args": {"add_m": 0.6, "over_h": 0.5}}}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    fc = level(0.5, forecast="exact", lid="III", grade=3, actions=[])
    fc["when"][0]["lead_h"] = 1.0
    path = make_level_scenario(tmp_path / "sc", {"gauge": [level(0.5), fc]}, stage=LOW)

    sc = yaml.safe_load(path.read_text())
    sc["injects"] = [GATE]
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    return path


def test_the_floodgate_inject_raises_the_river_and_the_level_fires(scenario, tmp_path):
    s = DrillSession.create(tmp_path / "d.sqlite", scenario, "gauge", 3)
    s.set_pause_on_inject(False)
    s.run_to(1200)
    # 0.2 t/3600 + 0.6 (t - 900)/1800 = 0.5 at t = 2,057 s: level II at the 2,100 s check
    assert s.run.roads.hydrograph is not None
    assert float(s.run.roads.hydrograph.level_at(2057.142857)) == pytest.approx(0.5)
    # the forecast issued at 0 h still shows the old river: level III waits for an update
    s.inject("forecast_update", {"forecast": "exact"}, title="New forecast")
    s.run_to(10800)
    aar = after_action(s)
    firings = [(f["level"], f["change"], f["time_s"]) for f in aar["trigger_firings"]]
    # the update at 1,200 s sees 0.2 + 0.6 m one hour ahead: level III at that check
    assert firings == [("III", "on", 1200.0), ("II", "on", 2100.0)]
    assert all(f["without_s"] == f["time_s"] for f in aar["trigger_firings"])
    ev = s.replay_run().events
    assert ev.loc[ev["type"] == "hazard_change", "time_s"].tolist() == [900.0]
    assert set(ev.loc[ev["type"] == "order", "time_s"]) == {2100.0}
    html = render_after_action(aar, "en")
    assert 'id="trigger-firings"' in html and "Response-level trigger firings" in html
    assert "g1 &gt;= 0.5" in html
    assert "响应级别启动与解除" in render_after_action(aar, "zh")


def test_without_the_floodgate_nothing_fires(scenario, tmp_path):

    sc = yaml.safe_load(scenario.read_text())
    sc["injects"] = []
    scenario.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    s = DrillSession.create(tmp_path / "d.sqlite", scenario, "gauge", 3)
    s.run_to(10800)
    assert after_action(s)["trigger_firings"] == []
