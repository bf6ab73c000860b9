"""Waiting and retrying when a closure cuts every road out (known answers on a line)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import simulate
from musterpoint.sim.world import build_world
from tests.helpers.scenario_factory import LAT0, LON0
from tests.sim.evacuation.test_plan_levers import corridor

# 1 -> 2 -> 3 -> 4 (shelter B): three 500 m links at 25 m/s, 20 s each; link out2 (2 -> 3)
# is closed from 0:10 (600 s) to 0:40 (2,400 s).
CLOSED_FROM, REOPEN = 600.0, 2400.0
LEG = 20.0


def _line(tmp: Path, retry: dict) -> tuple:
    nodes = {i: (LON0 + 0.006 * (i - 1), LAT0) for i in range(1, 5)}
    links = []
    for i in range(1, 4):
        links.append((f"out{i}", i, i + 1, 500.0, 1, 25.0, 1800.0))
        links.append((f"in{i}", i + 1, i, 500.0, 1, 25.0, 1800.0))
    # A leaves while out2 is closed (cut off at home); B reaches node 2 just after it
    # closed (cut off on the road); C is through before the closure
    trips = [(0, 1, 4, 900.0), (1, 1, 4, 590.0), (2, 1, 4, 0.0)]
    plans = {"p": {"name": "p", "title": {"en": "p"}, "retry": retry}}
    path = corridor(tmp, links, nodes, trips, {"B": 4}, plans)
    sc = yaml.safe_load(path.read_text())
    sc["hazard"] = {"closures": [{"links": ["out2"], "from_h": CLOSED_FROM / 3600,
                                  "until_h": REOPEN / 3600, "reason": "test"}]}
    path.write_text(yaml.safe_dump(sc))
    loaded = load_scenario(path)
    r = simulate(build_world(loaded), loaded.plan("p"), seed=1)
    return r, r.agents.set_index("vehicle_id")


def _first_look_after(since: float, every: float, t: float) -> float:
    """The first multiple of ``every`` after ``since`` (strictly) and at or after ``t``."""
    k = 1
    while k * every <= since or k * every < t:
        k += 1
    return k * every


def test_a_road_closed_then_reopened_strands_nobody_and_they_leave_at_the_next_look(tmp_path):
    every = 7 * 60.0
    r, a = _line(tmp_path, {"interval_min": 7})
    assert (a["status"] == "arrived").all()
    assert r.kpis["evacuation"]["stranded"] == 0
    # C: straight through before the closure
    assert a.loc[2, "arrive_s"] == pytest.approx(3 * LEG)
    # A: waits at home from 900 s; the first look (a multiple of 7 min) after the
    # reopening, then three legs
    assert a.loc[0, "arrive_s"] == pytest.approx(_first_look_after(900.0, every, REOPEN)
                                                 + 3 * LEG)
    assert a.loc[0, "arrive_s"] == pytest.approx(2580.0)  # 6 x 420 s + 60 s
    # B: reaches node 2 at 610 s, waits there; then the two legs left
    assert a.loc[1, "arrive_s"] == pytest.approx(_first_look_after(590.0 + LEG, every, REOPEN)
                                                 + 2 * LEG)
    assert a.loc[1, "arrive_s"] == pytest.approx(2560.0)  # 6 x 420 s + 40 s
    assert list(a["waits"]) == [1, 1, 0] and list(a["retries"]) == [1, 1, 0]
    w = r.kpis["evacuation"]["waiting"]
    assert w["households_retried"] == 2 and w["retries"] == 2
    retry = r.events[r.events["type"] == "retry"]
    assert sorted(retry["time_s"]) == pytest.approx([2520.0, 2520.0])


def test_give_up_time_strands_them_where_they_wait(tmp_path):
    every = 7 * 60.0
    r, a = _line(tmp_path, {"interval_min": 7, "give_up_h": 0.25})
    assert list(a["status"]) == ["stranded", "stranded", "arrived"]
    assert "cut off at home" in a.loc[0, "reason"] and "gave up" in a.loc[0, "reason"]
    assert "cut off on the road" in a.loc[1, "reason"]
    st = r.events[r.events["type"] == "stranded"].set_index("vehicle_id")["time_s"]
    assert st[0] == pytest.approx(_first_look_after(900.0, every, 900.0 + 900.0))
    assert st[1] == pytest.approx(_first_look_after(610.0, every, 610.0 + 900.0))
    # stranded where they wait: A at home (node 1), B at node 2
    assert list(a["end_node"]) == [1, 2, 4]


def test_without_retry_they_are_stranded_at_once(tmp_path):
    r, a = _line(tmp_path, {"enabled": False})
    assert list(a["status"]) == ["stranded", "stranded", "arrived"]
    st = r.events[r.events["type"] == "stranded"].set_index("vehicle_id")["time_s"]
    assert st[0] == pytest.approx(900.0) and st[1] == pytest.approx(610.0)


def test_ticks_that_skip_the_look_when_nothing_changed_give_the_same_run(tmp_path,
                                                                          monkeypatch):
    from musterpoint.sim.evacuation.waiting import WaitingRoom

    def runs(tag: str) -> list:
        out = []
        for k, retry in enumerate(({"interval_min": 7}, {"interval_min": 7, "give_up_h": 0.25},
                                   {"interval_min": 3, "give_up_h": 0.6})):
            folder = tmp_path / f"{tag}{k}"
            folder.mkdir()
            r, a = _line(folder, retry)
            out.append((r.events.drop(columns="detail"), a, r.kpis))
        return out

    fast = runs("skip")
    # every tick looks at everyone (the bound on the rebuilds seen never matches)
    monkeypatch.setattr(WaitingRoom, "_least_seen", property(lambda self: -2,
                                                             lambda self, value: None),
                        raising=False)
    slow = runs("look")
    for (e1, a1, k1), (e2, a2, k2) in zip(fast, slow, strict=True):
        assert e1.equals(e2) and a1.equals(a2) and k1 == k2
