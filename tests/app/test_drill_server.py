"""The drill server: JSON endpoints, the access token, and resuming after SIGKILL.

The SIGKILL test runs ``muster drill`` as a real process, drives it over HTTP, kills it
with SIGKILL (no clean-up of any kind), starts it again on the same session file and
checks that every recorded command is back and that the state after the replay equals
the state before the kill: the live KPIs and every household's and vehicle's state.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from musterpoint.console import DrillServer, is_loopback
from musterpoint.sim.drill import DrillSession
from tests.helpers.scenario_factory import make_scenario

SCRIPT = [
    {"id": "levee", "time_h": 0.25, "title": {"en": "Levee breach", "zh": "堤防决口"},
     "effect": {"kind": "close_links", "args": {"links": ["L1", "L2"]}},
     "expected_action": {"en": "Order the western zones out."}},
    {"id": "media", "time_h": 0.75, "title": "Media call"},
]


def _call(base: str, path: str, body: dict[str, Any] | None = None,
          headers: dict[str, str] | None = None, method: str | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    h = {"Content-Type": "application/json", "Origin": base} if body is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            status = r.status
            ctype = r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        raw, status, ctype = err.read(), err.code, err.headers.get("Content-Type", "")
    return status, (json.loads(raw) if ctype.startswith("application/json") else raw)


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return make_scenario(tmp_path / "grid", injects=SCRIPT)


@pytest.fixture
def served(scenario: Path, tmp_path: Path) -> Iterator[tuple[DrillServer, str]]:
    s = DrillSession.create(tmp_path / "d.sqlite", scenario, "late", 3)
    srv = DrillServer(s, "127.0.0.1", 0, tiles=None, tick_s=0.05)
    srv.start()
    yield srv, f"http://127.0.0.1:{srv.port}"
    srv.shutdown()


def test_endpoints_drive_the_session(served: tuple[DrillServer, str]) -> None:
    _, base = served
    status, page = _call(base, "/")
    assert status == 200 and b'<script src="/vendor/leaflet/leaflet.js">' in page
    assert _call(base, "/vendor/leaflet/leaflet.js")[0] == 200
    assert _call(base, "/static/console.js")[0] == 200
    assert _call(base, "/static/../drill_console.py")[0] == 404
    assert _call(base, "/vendor/../offline.py")[0] == 404
    status, setup = _call(base, "/api/setup")
    assert status == 200 and setup["injects"][0]["title"]["zh"] == "堤防决口"
    assert {"close_links", "open_shelter"} <= set(setup["commands"])
    status, clock = _call(base, "/api/clock", {"action": "step", "minutes": 20})
    assert status == 200 and clock["now_s"] == 900.0  # stopped at the levee inject
    status, res = _call(base, "/api/decide", {"kind": "order_zones",
                                              "args": {"zones": ["Z00-00"]},
                                              "rationale": "now", "actor": "EOC"})
    assert status == 200 and res["record"]["role"] == "participant"
    status, res = _call(base, "/api/decide", {"kind": "close_links", "args": {"links": ["x"]}})
    assert status == 400 and "no link" in res["error"]
    status, res = _call(base, "/api/inject", {"kind": "close_links",
                                              "args": {"links": ["L9"]}, "title": "Bridge"})
    assert status == 200 and res["record"]["role"] == "trainer"
    assert _call(base, "/api/fire", {"inject_id": "media"})[0] == 200
    assert _call(base, "/api/note", {"text": "good call", "section": "strength"})[0] == 200
    status, st = _call(base, "/api/state?since=0")
    assert status == 200 and "L9" in st["snapshot"]["closed_manual"]
    assert [r["type"] for r in st["records"]] == ["inject", "clock", "decision", "inject",
                                                  "inject", "note"]
    assert st["kpis"]["closed_by_command"] == 3
    # the running clock moves on its own and stops at the end of the scenario
    _call(base, "/api/clock", {"action": "speed", "speed": 36000})
    _call(base, "/api/clock", {"action": "start"})
    deadline = time.monotonic() + 20
    while not _call(base, "/api/state")[1]["clock"]["ended"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert _call(base, "/api/state")[1]["clock"]["running"] is False
    status, html = _call(base, "/report")
    assert status == 200 and b"After-action report" in html and b"Critical tasks" in html
    assert "演练评估报告".encode() in _call(base, "/report?lang=zh")[1]
    # JSON only: a form post (what another web page could send) is refused
    req = urllib.request.Request(base + "/api/clock", data=b"action=start",
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Origin": base})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 415
    assert _call(base, "/api/clock", {"action": "pause"},
                 headers={"Origin": "http://evil.example"})[0] == 403
    assert _call(base, "/api/state", headers={"Host": "evil.example"})[0] == 421


def test_branch_switches_the_console(served: tuple[DrillServer, str]) -> None:
    _, base = served
    _call(base, "/api/clock", {"action": "step", "minutes": 20})
    _call(base, "/api/decide", {"kind": "open_shelter", "args": {"shelter": "south"}})
    status, res = _call(base, "/api/branch", {"at_s": 600})
    assert status == 200 and res["session"].endswith("d-branch1.sqlite")
    st = _call(base, "/api/state?since=0")[1]
    assert st["session"] == "d-branch1.sqlite" and st["clock"]["now_s"] == 600.0
    assert [r["kind"] for r in st["records"]] == ["branch"]


def test_non_loopback_requires_the_token_for_every_request(scenario: Path,
                                                           tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    s = DrillSession.create(tmp_path / "d.sqlite", scenario, "late", 3)
    srv = DrillServer(s, "0.0.0.0", 0, token="s3cret-token-for-tests", tiles=None)
    srv.start()
    base = f"http://127.0.0.1:{srv.port}"
    try:
        gets = ["/", "/index.html", "/static/console.js", "/vendor/leaflet/leaflet.js",
                "/api/setup", "/api/state", "/api/records", "/api/agents", "/report",
                "/report.pdf", "/nothing"]
        posts = [("/api/clock", {"action": "start"}), ("/api/clock", {"action": "step",
                                                                       "minutes": 5}),
                 ("/api/decide", {"kind": "open_shelter", "args": {"shelter": "south"}}),
                 ("/api/inject", {"kind": "close_links", "args": {"links": ["L1"]}}),
                 ("/api/fire", {"inject_id": "levee"}), ("/api/note", {"text": "x"}),
                 ("/api/branch", {"at_s": 0})]
        for bad in ({}, {"X-Muster-Token": "wrong"}, {"Authorization": "Bearer nope"},
                    {"Cookie": "muster_token=guess"}):
            for path in gets:
                assert _call(base, path, headers=bad)[0] == 401, (path, bad)
            for path, body in posts:
                assert _call(base, path, body, headers=bad)[0] == 401, (path, bad)
            for method in ("PUT", "DELETE", "OPTIONS"):
                assert _call(base, "/api/clock", headers=bad, method=method)[0] == 401
        assert s.records() == []  # nothing got through
        ok = {"X-Muster-Token": "s3cret-token-for-tests"}
        assert _call(base, "/api/state", headers=ok)[0] == 200
        bearer = {"Authorization": "Bearer s3cret-token-for-tests"}
        assert _call(base, "/api/state", headers=bearer)[0] == 200
        assert _call(base, "/api/clock", {"action": "step", "minutes": 5}, headers=ok)[0] == 200
        # the page given ?token= sets a cookie that then works alone
        req = urllib.request.Request(base + "/?token=s3cret-token-for-tests")
        with urllib.request.urlopen(req, timeout=10) as r:
            cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert _call(base, "/api/setup", headers={"Cookie": cookie.split(";")[0]})[0] == 200
        assert srv.url.endswith("?token=s3cret-token-for-tests")
    finally:
        srv.shutdown()
    # bound to a non-loopback address without a token, the server makes one up
    s2 = DrillSession.open(tmp_path / "d.sqlite")
    srv2 = DrillServer(s2, "0.0.0.0", 0, tiles=None)
    try:
        assert srv2.token and len(srv2.token) >= 24
    finally:
        srv2.shutdown()


# ---------------------------------------------------------------------- SIGKILL
def _start(scenario: Path, session: Path) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "musterpoint.cli", "drill", str(scenario), "--plan", "late",
           "--seed", "5", "--session", str(session), "--port", "0", "--no-tiles"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("console: "):
            return proc, line.split()[1].rstrip("/")
        if not line and proc.poll() is not None:
            break
    proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    raise AssertionError(f"the drill server did not start: {err}")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_and_restart_resume_exactly(scenario: Path, tmp_path: Path) -> None:
    session = tmp_path / "drill.sqlite"
    proc, base = _start(scenario, session)
    try:
        _call(base, "/api/clock", {"action": "step", "minutes": 20})
        _call(base, "/api/decide", {"kind": "order_zones", "args": {"zones": ["Z00-00"]},
                                    "rationale": "levee", "actor": "EOC"})
        _call(base, "/api/inject", {"kind": "close_links", "args": {"links": ["L7"]},
                                    "title": "Bridge X collapsed"})
        _call(base, "/api/clock", {"action": "step", "minutes": 11})
        _call(base, "/api/decide", {"kind": "shelter_capacity",
                                    "args": {"shelter": "north", "capacity": 900}})
        _call(base, "/api/clock", {"action": "run_to", "time_s": 2222.5})
        status, before = _call(base, "/api/agents")
        assert status == 200
        records = _call(base, "/api/records")[1]["records"]
    finally:
        _kill(proc)
    proc, base = _start(scenario, session)
    try:
        after = _call(base, "/api/agents")[1]
        assert _call(base, "/api/records")[1]["records"] == records
        assert after["kpis"] == before["kpis"]
        assert after["digest"] == before["digest"]
        assert after == before  # every household, vehicle, shelter and closure
        assert after["time_s"] == 2222.5
        n_agents = len(after["agents"]["status"])
        assert n_agents > 100 and "arrived" in after["agents"]["status"]
        # a second kill while the clock runs: nothing recorded is lost, and it resumes
        # paused exactly where its last record left it
        _call(base, "/api/clock", {"action": "speed", "speed": 120})
        _call(base, "/api/clock", {"action": "start"})
        time.sleep(1.2)
        running = _call(base, "/api/records")[1]["records"]
        assert running[-1]["kind"] == "tick"
    finally:
        _kill(proc)
    proc, base = _start(scenario, session)
    try:
        recs = _call(base, "/api/records")[1]["records"]
        assert recs[: len(running)] == running
        st = _call(base, "/api/state")[1]
        assert st["clock"]["running"] is False
        assert st["clock"]["now_s"] == recs[-1]["sim_time_s"]
        served_state = _call(base, "/api/agents")[1]
    finally:
        _kill(proc)
    # the file replays in this process to the state the server reported
    s = DrillSession.open(session)
    try:
        assert s.agent_state()["digest"] == served_state["digest"]
        assert s.kpis() == served_state["kpis"]
    finally:
        s.close()


def test_cli_terminal_mode_and_report(scenario: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from musterpoint.cli import main

    session = tmp_path / "t.sqlite"
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "step 20\ndecide order_zones zones=Z00-00 -- levee\nstatus\nquit\n"))
    assert main(["drill", str(scenario), "--plan", "late", "--session", str(session),
                 "--terminal"]) == 0
    out = capsys.readouterr().out
    # status names the live figures by their labels (the web console's), not their keys
    assert "*** INJECT 0:15 Levee breach / 堤防决口" in out and "Not yet departed" in out
    # resuming with another plan is refused; without naming one it resumes
    assert main(["drill", "--session", str(session), "--plan", "now", "--terminal"]) == 2
    assert "recorded with scenario 'grid-test', plan 'late'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("status\n"))
    assert main(["drill", "--session", str(session), "--terminal"]) == 0
    assert "time 0:15 of 3:00" in capsys.readouterr().out
    assert main(["drill-report", str(session), "--out", str(tmp_path / "aar")]) == 0
    html = (tmp_path / "aar" / "t-after-action.html").read_text(encoding="utf-8")
    assert "Ordering zones Z00-00 out at 0:15" in html
