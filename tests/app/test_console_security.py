"""The drill console's access rules, over real sockets against a served console.

The request-smuggling pattern of the reliability review (S1): a request the server refuses
carries, as its body, a complete second request. Over a raw socket, every refusal must be
the only answer on its connection, the connection must close, and nothing may be
recorded. Then the other rules: CSRF (JSON plus the token or the server's own Origin),
Host names, token length, bounded bodies, timeouts for trickling clients, bad JSON, and
SIGTERM on ``muster drill``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from musterpoint.console import DrillServer, ServeLimits
from musterpoint.scenarios.errors import InputError
from musterpoint.sim.drill import DrillSession
from tests.helpers.scenario_factory import make_scenario

TOKEN = "a-token-of-24-characters"
LIMITS = ServeLimits(keep_alive_s=1, head_timeout_s=1.0, body_timeout_s=1.0,
                     max_body_bytes=4096)


def _raw(port: int, data: bytes, wait_s: float = 5.0) -> list[bytes]:
    """Send ``data`` on one connection; the status codes of every answer until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as sock:
        sock.sendall(data)
        got = b""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            got += chunk
    return re.findall(rb"HTTP/1\.1 (\d{3}) ", got)


def _request(method: str, path: str, host: str, headers: dict[str, str],
             body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}",
            *(f"{k}: {v}" for k, v in headers.items())]
    if "Content-Length" not in headers:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _inner(host: str) -> bytes:
    """A complete ``POST /api/decide`` (JSON, no Origin): the smuggled request."""
    body = json.dumps({"kind": "close_links", "args": {"links": ["L1"]},
                       "rationale": "CSRF-SMUGGLED"}).encode()
    return _request("POST", "/api/decide", host, {"Content-Type": "application/json"}, body)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[DrillServer, str]]:
    scenario = make_scenario(tmp_path / "grid")
    session = DrillSession.create(tmp_path / "d.sqlite", scenario, "late", 3)
    srv = DrillServer(session, "127.0.0.1", 0, tiles=None, tick_s=0.05, limits=LIMITS)
    srv.start()
    yield srv, f"127.0.0.1:{srv.port}"
    srv.shutdown()


def _post(srv: DrillServer, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.request("POST", path, data, headers)
        r = conn.getresponse()
        raw = r.read()
        return r.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def test_a_refused_request_body_is_never_run_as_a_second_request(
        served: tuple[DrillServer, str]) -> None:
    """S1 over a raw socket: each refusal is the only answer and closes the connection."""
    srv, host = served
    inner = _inner(host)
    cases = {
        "415 text/plain from a foreign origin": _request(
            "POST", "/api/note", host, {"Origin": "http://evil.example",
                                        "Content-Type": "text/plain"}, inner),
        "415 form body": _request("POST", "/api/note", host, {
            "Content-Type": "application/x-www-form-urlencoded"}, inner),
        "403 JSON from a foreign origin": _request(
            "POST", "/api/note", host, {"Origin": "http://evil.example",
                                        "Content-Type": "application/json"}, inner),
        "421 foreign Host (DNS rebinding)": _request(
            "POST", "/api/note", f"rebind.evil.example:{srv.port}",
            {"Content-Type": "application/json"}, inner),
        "413 declared too large": _request(
            "POST", "/api/note", host, {"Content-Type": "application/json",
                                        "Origin": f"http://{host}",
                                        "Content-Length": "999999999"}, b"") + inner,
    }
    for name, data in cases.items():
        answers = _raw(srv.port, data)
        assert len(answers) == 1 and answers[0] == name[:3].encode(), (name, answers)
    assert srv.session.records() == []
    # the same connection pattern with an accepted outer request runs the inner one only
    # as its own, second request: framing is by Content-Length, not by what the body says
    ok = _request("POST", "/api/note", host, {"Content-Type": "application/json",
                                              "Origin": f"http://{host}"},
                  json.dumps({"text": "outer"}).encode())
    answers = _raw(srv.port, ok + inner, wait_s=3.0)
    assert [a for a in answers] == [b"200", b"403"]
    assert [r.type for r in srv.session.records()] == ["note"]


def test_state_changing_requests_need_json_and_the_token_or_the_own_origin(
        served: tuple[DrillServer, str]) -> None:
    """CSRF: no Origin and no token is refused; the own Origin or Sec-Fetch-Site passes."""
    srv, host = served
    note = {"text": "x"}
    json_ct = {"Content-Type": "application/json"}
    status, res = _post(srv, "/api/note", note, json_ct)
    assert status == 403 and "access token" in res["error"]
    assert _post(srv, "/api/note", note, {**json_ct, "Origin": "null"})[0] == 403
    assert _post(srv, "/api/note", note, {**json_ct, "Origin": f"https://{host}"})[0] == 403
    assert _post(srv, "/api/note", note, {**json_ct, "Origin": f"http://localhost:{srv.port}"}
                 )[0] == 403
    assert _post(srv, "/api/note", note, {**json_ct, "Sec-Fetch-Site": "cross-site"})[0] == 403
    assert _post(srv, "/api/note", note, {**json_ct, "Origin": f"http://{host}",
                                          "Sec-Fetch-Site": "same-site"})[0] == 403
    assert srv.session.records() == []
    assert _post(srv, "/api/note", note, {**json_ct, "Origin": f"http://{host}"})[0] == 200
    assert _post(srv, "/api/note", note, {**json_ct, "Sec-Fetch-Site": "same-origin"})[0] \
        == 200
    assert _post(srv, "/api/note", note, {"Content-Type": "APPLICATION/JSON; charset=utf-8",
                                          "Origin": f"http://{host}"})[0] == 200
    assert len(srv.session.records()) == 3


def test_bad_json_bodies_get_a_400_with_a_message(served: tuple[DrillServer, str]) -> None:
    """Deep nesting, NaN, non-objects, bad UTF-8 and a non-number at_seq are 400s."""
    srv, host = served
    h = {"Content-Type": "application/json", "Origin": f"http://{host}"}
    deep = b'{"text": ' + b"[" * 40 + b"]" * 40 + b"}"
    status, res = _post(srv, "/api/note", deep, h)
    assert status == 400 and "nested too deeply" in res["error"]
    status, res = _post(srv, "/api/note", b"[" * 2000 + b"]" * 2000, h)
    assert status == 400 and "nested too deeply" in res["error"]
    status, res = _post(srv, "/api/clock", b'{"action": "step", "minutes": NaN}', h)
    assert status == 400 and "NaN" in res["error"]
    status, res = _post(srv, "/api/clock", b'{"action": "step", "minutes": 1e400}', h)
    assert status == 400 and "give a number" in res["error"]
    assert _post(srv, "/api/note", b'"text"', h) == (400, {"error": "send a JSON object"})
    assert _post(srv, "/api/note", b'{"text": "\xff"}', h)[0] == 400
    for bad in ("abc", [1], True, 1.5):
        status, res = _post(srv, "/api/branch", {"at_seq": bad}, h)
        assert status == 400 and "at_seq: give a whole number" in res["error"], (bad, res)
    assert srv.session.records() == []
    status, res = _post(srv, "/api/note", b"{" + b" " * 5000 + b"}", h)
    assert status == 413 and "4,096 bytes" in res["error"]


def test_a_note_longer_than_the_limit_is_refused_not_cut(
        served: tuple[DrillServer, str]) -> None:
    """A 4,001-character note gets a 400 naming the field and the limit; nothing is
    recorded (the review found such notes cut silently)."""
    srv, host = served
    h = {"Content-Type": "application/json", "Origin": f"http://{host}"}
    status, res = _post(srv, "/api/note", {"text": "x" * 4001}, h)
    assert status == 400 and "text" in res["error"] and "4,000" in res["error"], res
    assert srv.session.records() == []
    status, _ = _post(srv, "/api/note", {"text": "y" * 4000}, h)
    assert status == 200
    assert srv.session.records()[-1].rationale.endswith("y" * 10) or \
        "y" * 4000 in str(srv.session.records()[-1].to_dict())


def test_paths_outside_the_console_files_are_404(served: tuple[DrillServer, str]) -> None:
    """Traversal, encoded traversal and a NUL byte in a static path: 404, never 500."""
    srv, host = served
    for path in ("/static/console.js%00.png", "/static/..%2f..%2fdrill_console.py",
                 "/static/%2e%2e/drill_console.py", "//etc/passwd", "/static//etc/passwd",
                 "/vendor/leaflet/../../drill_static/console.js", "/static/..\\x"):
        answers = _raw(srv.port, _request("GET", path, host, {"Connection": "close"}))
        assert answers == [b"404"], (path, answers)
    assert _raw(srv.port, _request("GET", "/static/console.js", host,
                                   {"Connection": "close"})) == [b"200"]


def test_trickling_and_idle_connections_are_closed(served: tuple[DrillServer, str]) -> None:
    """A half-sent head, a body shorter than declared and an idle connection time out."""
    srv, host = served
    t0 = time.monotonic()
    assert _raw(srv.port, f"GET /api/state HTTP/1.1\r\nHost: {host}\r\n".encode()) == []
    assert time.monotonic() - t0 < 4.0  # closed by the 1 s head deadline, not the client
    lying = _request("POST", "/api/note", host, {"Content-Type": "application/json",
                                                 "Origin": f"http://{host}",
                                                 "Content-Length": "100"}, b'{"text":')
    t0 = time.monotonic()
    assert [a for a in _raw(srv.port, lying)] == [b"408"]
    assert time.monotonic() - t0 < 4.0
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(_request("GET", "/api/records", host, {}))
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        t0 = time.monotonic()
        while sock.recv(65536):  # idle after the answer: closed by keep-alive (1 s)
            pass
        assert time.monotonic() - t0 < 4.0
    assert srv.session.records() == []


def test_a_token_is_required_whenever_given_and_must_be_long(tmp_path: Path) -> None:
    """Loopback with --token: every request needs it; short tokens are refused."""
    scenario = make_scenario(tmp_path / "grid")
    session = DrillSession.create(tmp_path / "d.sqlite", scenario, "late", 3)
    try:
        for bad in ("a", "fifteen-chars-x", "sixteen chars ok"):
            with pytest.raises(InputError, match="--token"):
                DrillServer(session, "127.0.0.1", 0, token=bad, tiles=None)
        srv = DrillServer(session, "127.0.0.1", 0, token=TOKEN, tiles=None)
    except BaseException:
        session.close()
        raise
    srv.start()
    host = f"127.0.0.1:{srv.port}"
    try:
        answers = _raw(srv.port, _request("GET", "/api/state", host, {}))
        assert answers and answers[0] == b"401"
        ok = _raw(srv.port, _request("GET", "/api/state", host, {"X-Muster-Token": TOKEN,
                                                                 "Connection": "close"}))
        assert ok and ok[0] == b"200"
        h = {"Content-Type": "application/json"}
        # the token in a header proves intent (no Origin needed); the cookie alone does not
        assert _post(srv, "/api/note", {"text": "x"}, {**h, "X-Muster-Token": TOKEN})[0] == 200
        assert _post(srv, "/api/note", {"text": "x"},
                     {**h, "Cookie": f"muster_token={TOKEN}"})[0] == 403
        assert _post(srv, "/api/note", {"text": "x"},
                     {**h, "Cookie": f"muster_token={TOKEN}", "Origin": f"http://{host}"}
                     )[0] == 200
    finally:
        srv.shutdown()


def test_off_loopback_the_host_must_still_be_one_of_the_bound_names(tmp_path: Path) -> None:
    """0.0.0.0: loopback and this machine's names pass; a foreign Host is 421 even with
    the right token, unless named with allow_hosts."""
    scenario = make_scenario(tmp_path / "grid")
    session = DrillSession.create(tmp_path / "d.sqlite", scenario, "late", 3)
    srv = DrillServer(session, "0.0.0.0", 0, tiles=None, allow_hosts=["drill.example"])
    srv.start()
    try:
        assert srv.token is not None and len(srv.token) == 32
        tok = {"X-Muster-Token": srv.token, "Connection": "close"}
        for host, want in ((f"127.0.0.1:{srv.port}", b"200"),
                           (f"{socket.gethostname()}:{srv.port}", b"200"),
                           (f"drill.example:{srv.port}", b"200"),
                           (f"evil.example:{srv.port}", b"421"),
                           (f"127.0.0.1:{srv.port + 1}", b"421"), ("", b"421")):
            answers = _raw(srv.port, _request("GET", "/api/state", host, tok))
            assert answers and answers[0] == want, (host, answers)
    finally:
        srv.shutdown()


@pytest.mark.slow
def test_sigterm_on_muster_drill_saves_and_closes_the_session(tmp_path: Path) -> None:
    """SIGTERM stops ``muster drill`` like Ctrl-C: exit 0, the session closed and complete
    (the session file keeps no WAL: every acknowledged record is in the .sqlite)."""
    scenario = make_scenario(tmp_path / "grid")
    session = tmp_path / "drill.sqlite"
    cmd = [sys.executable, "-m", "musterpoint.cli", "drill", str(scenario), "--plan", "late",
           "--session", str(session), "--port", "0", "--no-tiles"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    port = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not port:
        line = proc.stdout.readline()
        if line.startswith("console: "):
            port = int(line.strip().rstrip("/").rsplit(":", 1)[1])
        elif not line and proc.poll() is not None:
            break
    try:
        assert port, proc.stderr.read() if proc.stderr else ""
        host = f"127.0.0.1:{port}"
        body = json.dumps({"text": "before the SIGTERM"}).encode()
        answers = _raw(port, _request("POST", "/api/note", host, {
            "Content-Type": "application/json", "Origin": f"http://{host}",
            "Connection": "close"}, body))
        assert answers and answers[0] == b"200"
        assert not Path(f"{session}-wal").exists()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert f"terminated (SIGTERM); session saved: {session}" in out
    assert not Path(f"{session}-wal").exists()
    s = DrillSession.open(session)
    try:
        assert [r.rationale for r in s.records()] == ["before the SIGTERM"]
    finally:
        s.close()
