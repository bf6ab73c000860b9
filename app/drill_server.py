"""The drill console's web server: the standard library's ``ThreadingHTTPServer``.

It serves the console page (:mod:`musterpoint.maps.drill_console`), the vendored Leaflet,
JSON endpoints over one :class:`~musterpoint.sim.drill.DrillSession`, and the
after-action report. The browser polls ``/api/state``; a background thread moves the
session's clock while it runs.

============================  =====================================================
GET  /                        the console page (``?token=...`` sets the token cookie)
GET  /static/..., /vendor/... the console's JS and CSS; Leaflet
GET  /api/setup               fixed map layers, exercise script, command kinds
GET  /api/state?since=N       clock, live KPIs, map state, records after N
GET  /api/records?since=N     every record after N (clock ticks too)
GET  /api/agents              per-agent state and its digest
GET  /report[?lang=zh]        the after-action report (HTML)
GET  /report.pdf[?lang=zh]    the same as PDF (503 when there is no Chromium)
POST /api/clock               {action: start|pause|step|run_to|speed|settings, ...}
POST /api/inject              {kind, args, title, rationale, actor}: a trainer's inject
POST /api/fire                {inject_id, rationale}: a scheduled inject, now
POST /api/decide              {kind, args, rationale, actor}: a participants' decision
POST /api/note                {text, section, role, actor}: an observation
POST /api/branch              {at_s | at_seq, rationale}: branch and switch to it
============================  =====================================================

Security: the server binds to 127.0.0.1 by default. Bound to any other address it
requires an access token on every request (header ``X-Muster-Token`` or
``Authorization: Bearer``, the ``muster_token`` cookie the console page sets, or
``?token=``) and makes one up when none is given; a loopback server requires one only
when given one. POST bodies must be JSON (``Content-Type: application/json``), which a
foreign web page cannot send without a CORS preflight this server never grants; a
loopback server also refuses foreign ``Host`` headers (DNS rebinding) and foreign
``Origin`` headers. Pages carry a Content-Security-Policy allowing only their own
scripts.

The request plumbing and access checks are in :mod:`musterpoint.drill_http`, the
endpoints in :mod:`musterpoint.drill_routes`.
"""

from __future__ import annotations

import http.server
import logging
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

from musterpoint.display.timefmt import format_clock
from musterpoint.drill_http import is_loopback, json_bytes, number_field, text_field
from musterpoint.drill_routes import make_handler
from musterpoint.maps.drill_console import OSM_TILES, setup_payload, state_payload
from musterpoint.reports.after_action import render_after_action, write_pdf
from musterpoint.scenarios.errors import InputError
from musterpoint.sim.drill import DrillSession, after_action

__all__ = ["DEFAULT_PORT", "DrillServer", "is_loopback"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8765


class DrillServer:
    """A drill console server over one session.

    Parameters
    ----------
    session : DrillSession
        The drill (the server may switch to a branch of it).
    host : str
        Address to bind (default loopback only).
    port : int
        Port (0: any free port).
    token : str, optional
        Access token; required on every request when given, and made up when the server
        binds to a non-loopback address without one.
    tiles : str or None
        Base-map tile URL template (None: no base map).
    lang : str
        Initial console language (``en`` or ``zh``).
    tick_s : float
        How often the running clock moves (wall seconds).
    """

    def __init__(self, session: DrillSession, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT, *, token: str | None = None,
                 tiles: str | None = OSM_TILES, lang: str = "en", tick_s: float = 0.5) -> None:
        self.session = session
        self.host = host
        self.loopback = is_loopback(host)
        if not self.loopback and not token:
            token = secrets.token_urlsafe(24)
        self.token = token
        self.tiles = tiles
        self.lang = lang
        self.tick_s = float(tick_s)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._setup_cache: bytes | None = None
        self._report_cache: dict[tuple[str, int, str], bytes] = {}
        self._report_lock = threading.Lock()
        handler = make_handler(self)
        self.httpd = http.server.ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._clock = threading.Thread(target=self._run_clock, name="drill-clock", daemon=True)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The console's address (with the token, when one is required)."""
        host = self.host if self.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}/" + (f"?token={self.token}" if self.token else "")

    def _run_clock(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                with self._lock:
                    self.session.tick()
            except Exception:  # keep the clock thread alive; the error is in the log
                logger.exception("clock tick failed")

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or Ctrl-C in the caller)."""
        self._clock.start()
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self._stop.set()

    def start(self) -> None:
        """Serve in a background thread (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, name="drill-http",
                                        daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop serving and close the session."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        with self._lock:
            self.session.close()

    # ------------------------------------------------------------------ operations
    def setup_bytes(self) -> bytes:
        """The set-up JSON (cached: it does not change during a session)."""
        with self._lock:
            if self._setup_cache is None:
                payload = setup_payload(self.session)
                payload["tiles"] = self.tiles
                self._setup_cache = json_bytes(payload)
            return self._setup_cache

    def state(self, since: int) -> dict[str, Any]:
        """The live state for the console."""
        with self._lock:
            out = state_payload(self.session, since)
            sc = self.session.loaded.scenario
            out["wall"] = (f"{format_clock(sc.start.isoformat(), sc.timezone, self.session.now)}"
                           f" {sc.timezone}")
            out["session"] = self.session.path.name
            return out

    def clock_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Apply a clock action from the console."""
        s = self.session
        action = body.get("action")
        why = text_field(body, "rationale")
        with self._lock:
            if action == "start":
                s.start(why)
            elif action == "pause":
                s.pause(why)
            elif action == "step":
                s.step(number_field(body, "minutes"), why)
            elif action == "run_to":
                s.run_to(number_field(body, "time_s"), why)
            elif action == "speed":
                s.set_speed(number_field(body, "speed"), why)
            elif action == "settings":
                s.set_pause_on_inject(bool(body.get("pause_on_inject", True)), why)
            else:
                raise InputError.single("clock", "action", "one of start, pause, step, "
                                        "run_to, speed, settings")
            return s.clock()

    def branch(self, body: dict[str, Any]) -> dict[str, Any]:
        """Branch the session and switch the console to the branch."""
        with self._lock:
            old = self.session
            at_s = body.get("at_s")
            at_seq = body.get("at_seq")
            base = old.path.with_suffix("")
            k = 1
            while Path(f"{base}-branch{k}.sqlite").exists():
                k += 1
            new = old.branch(Path(f"{base}-branch{k}.sqlite"),
                             at_s=None if at_s is None else number_field(body, "at_s"),
                             at_seq=None if at_seq is None else int(at_seq),
                             rationale=text_field(body, "rationale"))
            self.session = new
            self._setup_cache = None
            old.close()
            logger.info("console switched to branch %s", new.path)
            return {"session": str(new.path), "clock": new.clock()}

    def report(self, lang: str, pdf: bool) -> bytes:
        """The after-action report of the session now (HTML or PDF bytes)."""
        with self._lock:
            session = self.session
            key = (str(session.path), session.last_seq(), lang + (".pdf" if pdf else ""))
        with self._report_lock:
            if key in self._report_cache:
                return self._report_cache[key]
            aar = after_action(session)
            html = render_after_action(aar, lang)
            if not pdf:
                data = html.encode("utf-8")
            else:
                with tempfile.TemporaryDirectory(prefix="muster-aar-") as tmp:
                    src = Path(tmp) / "after_action.html"
                    src.write_text(html, encoding="utf-8")
                    data = write_pdf(src, Path(tmp) / "after_action.pdf").read_bytes()
            self._report_cache = {k: v for k, v in self._report_cache.items()
                                  if k[:2] == key[:2]}
            self._report_cache[key] = data
            return data
