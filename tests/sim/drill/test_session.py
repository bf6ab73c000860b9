"""Drill sessions: clock control, the exercise script, event sourcing, branches, the
after-action replays and the terminal console (all on the small grid scenario)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest

from musterpoint.drill_cmd import DrillTerminal, parse_hmm
from musterpoint.reports.after_action import decision_sentence, render_after_action
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.drill import DrillSession, after_action, coerce_args
from musterpoint.sim.drill.store import DrillStore
from musterpoint.sim.engine import BUILTIN_EXTENSIONS, new_run
from musterpoint.sim.evacuation.context import RunContext
from musterpoint.sim.evacuation.extension import RunExtension
from tests.helpers.scenario_factory import base_scenario, make_scenario

EVIL = "<script>alert(1)</script>"

SCRIPT: list[dict[str, Any]] = [
    {"id": "levee", "time_h": 0.25,
     "title": {"en": "Levee breach reported", "zh": "堤防决口"},
     "description": {"en": "Police report water on the western roads.",
                     "zh": "警方报告西部道路进水。"},
     "effect": {"kind": "close_links", "args": {"links": ["L1", "L2"], "reason": "levee"}},
     "expected_action": {"en": "Order the western zones out now.", "zh": "立即疏散西部区域。"}},
    {"id": "media", "time_h": 0.5, "title": "Media call",
     "description": "A TV station asks for the shelter list."},
    {"id": "gym-power", "time_h": 1.0, "title": {"en": "South gym lost power"},
     "effect": {"kind": "shelter_capacity", "args": {"shelter": "south", "capacity": 200}}},
]


@pytest.fixture
def drill_scenario(tmp_path: Path) -> Path:
    """The grid scenario with an exercise script and a hostile shelter name."""
    shelters = base_scenario()["shelters"]
    shelters[0] = {**shelters[0], "name": EVIL}
    return make_scenario(tmp_path / "grid", injects=SCRIPT, shelters=shelters)


def _drive(s: DrillSession) -> None:
    """A short drill: script injects, a trainer inject, decisions, an observation."""
    s.step(20)                      # stops at the levee inject (0:15)
    s.decide("order_zones", {"zones": ["Z00-00", "Z01-00"]}, rationale="water is coming",
             actor="EOC ops")
    s.step(10)
    s.inject("close_links", {"links": ["L7"]}, title="Bridge X collapsed")
    s.decide("shelter_capacity", {"shelter": "north", "capacity": 900},
             rationale="open the gym annex", actor="EOC logistics")
    s.note("Logistics waited for the mayor's call", section="improvement",
           actor="evaluator 1")
    s.set_pause_on_inject(False)
    s.run_to(4000)


def test_clock_script_and_records(drill_scenario: Path, tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 3)
    recs = s.step(20)
    # the clock stops at the due inject; the inject is recorded as the script's
    assert s.now == 900.0
    assert [(r.type, r.role, r.inject_id) for r in recs] == [
        ("inject", "script", "levee"), ("clock", "trainer", "")]
    assert recs[1].args["stopped_by"] == "levee"
    assert s.snapshot()["closed_manual"] == ["L1", "L2"]
    s.set_pause_on_inject(False)
    s.run_to(3700)  # media and gym-power fire on the way
    assert s.now == 3700.0
    assert set(s.fired) == {"levee", "media", "gym-power"}
    assert s.run.shelters.capacity[1] == 200  # south gym after the power cut
    # running: the clock moves by wall time x speed, and pauses itself at the end
    s.set_speed(600)
    s.start()
    s._last_wall = 100.0
    s.tick(wall=101.5)
    assert s.now == pytest.approx(3700.0 + 900.0)
    s.tick(wall=200.0)
    assert s.ended and not s.running
    with pytest.raises(InputError, match="ended"):
        s.decide("open_shelter", {"shelter": "south"})
    kinds = [(r.type, r.kind) for r in s.records()]
    assert ("clock", "pause") == kinds[-1]
    # every record carries wall time, simulated time, role and rationale
    row = s.records()[0]
    assert row.wall_time.endswith("+00:00") and row.role in ("trainer", "participant", "script")


def test_invalid_commands_are_refused_and_not_recorded(drill_scenario: Path,
                                                       tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 3)
    n = s.last_seq()
    with pytest.raises(InputError, match="no link"):
        s.decide("close_links", {"links": ["nope"]})
    with pytest.raises(InputError, match="unknown command"):
        s.decide("launch_rocket", {})
    s.step(30)
    with pytest.raises(InputError, match="cannot go back"):
        s.run_to(10)
    assert [r.type for r in s.records()][n:] == ["inject", "clock"]
    with pytest.raises(InputError, match="section"):
        s.note("x", section="gossip")


def test_the_store_is_append_only(drill_scenario: Path, tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 3)
    s.step(5)
    s.close()
    con = sqlite3.connect(tmp_path / "d.sqlite")
    for sql in ("UPDATE records SET rationale = 'x'", "DELETE FROM records",
                "UPDATE meta SET value = '2' WHERE key = 'seed'", "DELETE FROM meta"):
        with pytest.raises(sqlite3.DatabaseError, match=r"append-only|written once"):
            con.execute(sql)
    con.close()
    with pytest.raises(InputError, match="exists"):
        DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 3)
    with pytest.raises(InputError, match="no such session"):
        DrillStore.open(tmp_path / "missing.sqlite")


def test_reopen_resumes_exactly_and_replay_gives_identical_kpis(drill_scenario: Path,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    s = DrillSession.create(path, drill_scenario, "late", 7)
    _drive(s)
    before = s.agent_state()
    kpis_before = s.kpis()
    s.close()
    # reopened: the same records, the same state, to the last household and vehicle
    r = DrillSession.open(path, loaded=s.loaded, world=s.world)
    assert r.agent_state() == before
    assert r.kpis() == kpis_before
    assert not r.running and r.now == 4000.0
    assert set(r.fired) == {"levee", "media", "gym-power"}
    # carry on and finish: the live run and two replays agree to the bit
    r.close()
    s2 = DrillSession.open(path, loaded=s.loaded, world=s.world)
    s2.set_pause_on_inject(False)
    s2.run_to(s2.duration_s)
    live = s2.run.finish()
    replayed = DrillSession.open(path, loaded=s.loaded, world=s.world).run.finish()
    via_log = s2.replay_run()
    assert live.kpis == replayed.kpis == via_log.kpis
    pd.testing.assert_frame_equal(live.agents, replayed.agents)
    pd.testing.assert_frame_equal(live.agents, via_log.agents)
    assert live.kpis["ledger"]["balanced"]


def test_the_same_commands_without_a_session_give_the_same_run(drill_scenario: Path,
                                                               tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 7)
    _drive(s)
    run = new_run(s.world, s.plan, 7)
    for rec in s.records():
        run.advance(rec.sim_time_s)
        if rec.is_command:
            run.command(rec.kind, rec.args)
    assert run.snapshot() == s.run.snapshot()


def test_branch_tries_another_decision(drill_scenario: Path, tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 7)
    _drive(s)
    b = s.branch(tmp_path / "b.sqlite", at_s=1200.0, rationale="try the south gym first")
    assert b.now == 1200.0
    kept = [r for r in s.records() if r.sim_time_s < 1200.0]
    assert [(r.type, r.kind, r.args) for r in b.records()[: len(kept)]] == \
        [(r.type, r.kind, r.args) for r in kept]
    assert b.records()[-1].kind == "branch"
    assert b.store.meta["parent"] == str(s.path)
    # the branch is in the state the drill was in at 1200 s
    ref = DrillSession.create(tmp_path / "ref.sqlite", drill_scenario, "late", 7)
    ref.step(20)
    ref.decide("order_zones", {"zones": ["Z00-00", "Z01-00"]})
    ref.run_to(1200.0)
    assert b.agent_state()["digest"] == ref.agent_state()["digest"]
    b.decide("open_shelter", {"shelter": "south"}, rationale="another try")
    assert s.records()[-1].kind != "open_shelter"  # the parent is untouched
    reopened = DrillSession.open(tmp_path / "b.sqlite", loaded=s.loaded, world=s.world)
    assert reopened.agent_state() == b.agent_state()
    with pytest.raises(InputError):
        s.branch(tmp_path / "c.sqlite")


def test_bad_exercise_script_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    bad = [{"id": "x", "time_h": 0.1, "title": "x",
            "effect": {"kind": "close_links", "args": {"links": ["L999"]}}},
           {"id": "x", "time_h": 9, "title": "y",
            "effect": {"kind": "open_shelter", "args": {"shelter": "nowhere"}}},
           {"id": "z", "time_h": 0.2, "title": "z", "effect": {"kind": "teleport"}}]
    path = make_scenario(tmp_path / "g", injects=bad)
    with pytest.raises(InputError) as err:
        DrillSession.create(tmp_path / "d.sqlite", path)
    text = str(err.value)
    for where in ("injects[0].effect.args.links", "injects[1].id", "injects[1].time_h",
                  "injects[1].effect.args.shelter", "injects[2].effect.kind"):
        assert where in text, text
    assert not (tmp_path / "d.sqlite").exists()


def test_bilingual_script_texts(tmp_path: Path) -> None:
    loaded = load_scenario(make_scenario(tmp_path / "g", injects=SCRIPT))
    inj = loaded.scenario.injects[0]
    assert inj.title.text("zh") == "堤防决口" and inj.title.text("en").startswith("Levee")
    assert loaded.scenario.injects[1].title.en == "Media call"  # plain text is English
    assert loaded.scenario.injects[1].effect is None


def test_after_action_counterfactual_and_report(drill_scenario: Path, tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 7)
    _drive(s)
    aar = after_action(s)
    decisions = [r for r in s.records() if r.type == "decision"]
    assert [d["seq"] for d in aar["decisions"]] == [r.seq for r in decisions]
    # the counterfactual keeps the script and the trainer's inject, drops the decisions
    cf = s.replay_run({r.seq for r in decisions}).kpis
    assert aar["counterfactual_kpis"]["evacuation"]["arrived"] == cf["evacuation"]["arrived"]
    assert aar["kpis"]["evacuation"] == {**s.replay_run().kpis["evacuation"],
                                         "exposed_person_h": pytest.approx(
                                             aar["kpis"]["evacuation"]["exposed_person_h"])}
    # ordering the western zones out 15 minutes early cut exposure
    exp = {d["kpi"]: d for d in aar["differences"]}["evacuation.exposed_person_h"]
    assert exp["difference"] < 0 and exp["better"] is True
    sentence = decision_sentence(aar["decisions"][0], "en")
    assert sentence.startswith("Ordering zones Z00-00, Z01-00 out at 0:15 cut exposure by ")
    assert "person-hours" in sentence
    assert "人时" in decision_sentence(aar["decisions"][0], "zh")
    # the inject with an expected action is a critical task answered by the first decision
    task = aar["critical_tasks"][0]
    assert task["inject_id"] == "levee" and task["first_response_s"] == 0.0
    assert aar["improvements"][0]["source"] == "observer"
    html = render_after_action(aar, "en")
    for heading in ("Capability targets", "Critical tasks", "Observations", "Improvement plan",
                    "演练执行情况", "预案的合理性与可操作性", "指挥协调和应急联动",
                    "应急人员处置情况", "装备适用性", "改进建议"):
        assert heading in html, heading
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    zh = render_after_action(aar, "zh")
    assert "演练评估报告" in zh and "堤防决口" in zh
    assert after_action(s) is aar  # cached until the next record


def test_coerce_args_and_times() -> None:
    spec = {"args": {"links": "links", "factor": "number", "shelter": "shelter"}}
    assert coerce_args(spec, {"links": "L1, L2", "factor": "0.5", "shelter": "s1"}) == \
        {"links": ["L1", "L2"], "factor": 0.5, "shelter": "s1"}
    assert coerce_args(None, {"trucks": "3", "depot": "d1"}) == {"trucks": 3, "depot": "d1"}
    assert parse_hmm("1:30") == 5400.0 and parse_hmm("15") == 900.0
    with pytest.raises(InputError):
        parse_hmm("soon")


def test_terminal_console(drill_scenario: Path, tmp_path: Path) -> None:
    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 7)
    script = "\n".join([
        "injects",
        "step 20",
        "decide order_zones zones=Z00-00,Z01-00 actor=EOC -- water is coming",
        "inject close_links links=L7 title=\"Bridge X collapsed\" -- police report",
        "inject - title=\"Shelter north lost power\" -- generator on its way",
        "decide close_links links=nope -- typo",
        "note improvement logistics were slow",
        "run_to 1:00",
        "run_to 0:50",
        "fire gym-power",
        "status",
        "timeline",
        "commands",
        "quit",
    ]) + "\n"
    out = io.StringIO()
    DrillTerminal(s, stdin=io.StringIO(script), stdout=out).cmdloop()
    text = out.getvalue()
    assert "*** INJECT 0:15 Levee breach reported / 堤防决口" in text
    assert "expected action: Order the western zones out now." in text
    assert "error: command: links: no link 'nope'" in text
    assert "arrived" in text and "close_links" in text
    kinds = [(r.type, r.role, r.kind) for r in s.records() if r.type != "clock"]
    assert kinds == [("inject", "script", "close_links"),
                     ("decision", "participant", "order_zones"),
                     ("inject", "trainer", "close_links"),
                     ("inject", "trainer", ""),
                     ("note", "trainer", ""),
                     ("inject", "script", ""),          # media, at 0:30
                     ("inject", "trainer", "shelter_capacity")]  # gym-power fired early
    assert s.records()[-1].inject_id == "gym-power"
    assert s.now == 3000.0


class _Pumps(RunExtension):
    """A made-up extension: the console and the report must pick it up unchanged."""

    name = "pumps"
    COMMANDS: ClassVar[dict[str, Any]] = {
        "deploy_pump": {"label": {"en": "Deploy pumps", "zh": "部署水泵"},
                        "args": {"site": "text", "units": "integer"}}}

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.deployed: list[tuple[float, str, int]] = []

    def destinations(self) -> list[list[int]]:
        return [[0]]

    def dest_label(self, k: int) -> str:
        return "pump-depot"

    def command(self, kind: str, args: dict[str, Any]) -> bool:
        if kind != "deploy_pump":
            return False
        self.deployed.append((self.ctx.now, str(args["site"]), int(args["units"])))
        return True

    def snapshot(self) -> dict[str, Any]:
        return {"units_out": sum(u for _, _, u in self.deployed)}

    def kpis(self) -> dict[str, Any]:
        return {"units_deployed": sum(u for _, _, u in self.deployed)}


def _pumps(ctx: RunContext) -> _Pumps:
    return _Pumps(ctx)


def test_a_new_extension_appears_without_changes(drill_scenario: Path,
                                                 tmp_path: Path) -> None:
    from musterpoint.maps.drill_console import setup_payload

    s = DrillSession.create(tmp_path / "d.sqlite", drill_scenario, "late", 3,
                              extensions=(*BUILTIN_EXTENSIONS, _pumps))
    spec = s.commands()["deploy_pump"]
    assert spec["source"] == "pumps" and spec["label"]["zh"] == "部署水泵"
    s.step(10)
    s.decide("deploy_pump", coerce_args(spec, {"site": "west", "units": "2"}),
             rationale="pump the underpass")
    assert s.kpis()["pumps.units_out"] == 2
    setup = setup_payload(s)
    assert "deploy_pump" in setup["commands"]
    assert {"extension": "pumps", "id": "pump-depot"}.items() <= setup["places"][0].items()
    r = DrillSession.open(s.path, loaded=s.loaded, world=s.world,
                          extensions=(*BUILTIN_EXTENSIONS, _pumps))
    assert r.agent_state() == s.agent_state()
    aar = after_action(s)
    assert aar["equipment"]["pumps"] == {"with": {"units_deployed": 2},
                                         "without": {"units_deployed": 0}}
    assert "deploy_pump" in render_after_action(aar, "en")
