"""A drill session survives SIGKILL in its ``.sqlite`` file alone (the review's L2).

Each test runs ``muster drill`` as a real process, drives it over its JSON API, kills it
with SIGKILL right after the last acknowledged command, copies only the ``.sqlite`` file
(the one file ``--session`` names) to another folder and resumes from that copy: every
acknowledged command must be there. Before the rollback journal, the tables lived in
``s.sqlite-wal`` until a clean exit and such a copy held nothing.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from musterpoint.sim.drill import DrillSession
from tests.helpers.drill_process import DrillProcess
from tests.helpers.scenario_factory import make_scenario

SCRIPT = [
    {"id": "levee", "time_h": 0.25, "title": "Levee breach",
     "effect": {"kind": "close_links", "args": {"links": ["L1", "L2"]}}},
]
OPTIONS = ("--plan", "late", "--seed", "5")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """The small grid scenario with one scripted inject."""
    return make_scenario(tmp_path / "grid", injects=SCRIPT)


def _copy_alone(session: Path, dest: Path) -> Path:
    """Copy the session file, and nothing beside it, into ``dest``."""
    assert not Path(f"{session}-wal").exists()  # nothing lives outside the file
    dest.mkdir()
    return Path(shutil.copy(session, dest / "copy.sqlite"))


def test_a_copy_of_the_killed_paused_sessions_file_resumes_to_the_same_state(
        scenario: Path, tmp_path: Path) -> None:
    """Commands of every kind, then SIGKILL while paused: the copy holds the same records
    and replays to the same per-agent state the server reported."""
    session = tmp_path / "live" / "drill.sqlite"
    srv = DrillProcess.start(scenario, session, *OPTIONS)
    try:
        srv.ok("/api/clock", {"action": "step", "minutes": 20})  # stops at the levee
        srv.ok("/api/decide", {"kind": "order_zones", "args": {"zones": ["Z00-00"]},
                               "rationale": "levee", "actor": "EOC"})
        srv.ok("/api/inject", {"kind": "close_links", "args": {"links": ["L7"]},
                               "title": "Bridge X collapsed"})
        srv.ok("/api/clock", {"action": "speed", "speed": 600})
        srv.ok("/api/clock", {"action": "step", "minutes": 11})
        srv.ok("/api/decide", {"kind": "shelter_capacity",
                               "args": {"shelter": "north", "capacity": 900}})
        srv.ok("/api/note", {"text": "logistics slow", "section": "improvement"})
        last = srv.ok("/api/clock", {"action": "run_to", "time_s": 2222.5})
        served = srv.ok("/api/records")["records"]
        agents = srv.ok("/api/agents")
    finally:
        srv.kill()
    assert len(served) == last["last_seq"] == 9
    copy = _copy_alone(session, tmp_path / "elsewhere")
    s = DrillSession.open(copy)
    try:
        assert [r.to_dict() for r in s.records()] == served
        assert s.now == 2222.5 and s.speed == 600.0 and not s.running
        assert s.agent_state()["digest"] == agents["digest"]
        assert s.kpis() == agents["kpis"]
    finally:
        s.close()


def test_a_copy_of_the_killed_running_sessions_file_holds_every_acknowledged_command(
        scenario: Path, tmp_path: Path) -> None:
    """While the clock runs (a tick record every half second), decisions and notes are
    posted and the server is killed right after the last acknowledgement: each
    acknowledged record is in the copy, as acknowledged, and the copy resumes paused."""
    session = tmp_path / "live" / "drill.sqlite"
    srv = DrillProcess.start(scenario, session, *OPTIONS)
    acked: list[dict[str, Any]] = []
    try:
        srv.ok("/api/clock", {"action": "settings", "pause_on_inject": False})
        srv.ok("/api/clock", {"action": "speed", "speed": 120})
        srv.ok("/api/clock", {"action": "start"})
        for i in range(12):
            if i % 4 == 0:
                reply = srv.ok("/api/decide", {"kind": "order_zones",
                                               "args": {"zones": [f"Z0{i // 4}-00"]},
                                               "rationale": f"wave {i // 4}"})
            else:
                reply = srv.ok("/api/note", {"text": f"observation {i}"})
            acked.append(reply["record"])
            time.sleep(0.15)  # let the clock thread write ticks between the commands
        clock = srv.ok("/api/state")["clock"]
    finally:
        srv.kill()
    assert clock["running"]
    copy = _copy_alone(session, tmp_path / "elsewhere")
    s = DrillSession.open(copy)
    try:
        kept = {r.seq: r.to_dict() for r in s.records()}
        assert [kept.get(r["seq"]) for r in acked] == acked
        ticks = [r for r in kept.values() if r["kind"] == "tick"]
        assert ticks and ticks[0]["seq"] < acked[-1]["seq"]  # written in between
        assert not s.running and s.now == s.records()[-1].sim_time_s
    finally:
        s.close()
