"""The drill console's server: one :class:`~musterpoint.sim.drill.DrillSession` on the web.

It serves the console page (:mod:`musterpoint.maps.drill_console`), the vendored Leaflet,
the JSON endpoints of :mod:`musterpoint.console.routes` and the after-action report,
with Starlette on uvicorn (:mod:`musterpoint.console.serving`). The browser polls
``/api/state``; a background thread moves the session's clock while it runs.

Security (:mod:`musterpoint.console.security`): the server binds to 127.0.0.1 by default.
Given a token it requires it on every request; bound to any other address it requires
one, and makes one up (32 random characters) when none is given. Tokens shorter than 16
characters are refused. Every request's ``Host`` must name the server (DNS rebinding);
state-changing requests must be JSON and carry the token or the server's own ``Origin``
(CSRF); bodies are bounded in size and time; idle connections time out. Pages carry a
Content-Security-Policy allowing only their own scripts.
"""

from __future__ import annotations

import gzip
import logging
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from musterpoint.console.messages import int_field, json_bytes, number_field, text_field
from musterpoint.console.routes import console_app
from musterpoint.console.security import (
    access_token,
    is_loopback,
)
from musterpoint.console.serving import (
    HttpService,
    ServeLimits,
    app_url,
    serve_until_stopped,
    served_policy,
)
from musterpoint.display.timefmt import format_clock
from musterpoint.maps.drill_console import OSM_TILES, setup_payload, state_payload
from musterpoint.reports.after_action import render_after_action, write_pdf
from musterpoint.scenarios.errors import InputError
from musterpoint.sim.drill import DrillSession, after_action

__all__ = ["DEFAULT_PORT", "DrillServer"]

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
        Access token (at least 16 characters); required on every request when given, and
        made up when the server binds to a non-loopback address without one.
    tiles : str or None
        Base-map tile URL template (None: no base map).
    lang : str
        Initial console language (``en`` or ``zh``).
    tick_s : float
        How often the running clock moves (wall seconds).
    allow_hosts : iterable of str
        More names the ``Host`` header may give (besides the bound address's).
    limits : ServeLimits, optional
        Connection and request limits (default :class:`ServeLimits`'s).

    Raises
    ------
    InputError
        For a token that is too short or not plain.
    OSError
        When the address cannot be bound.
    """

    def __init__(self, session: DrillSession, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT, *, token: str | None = None,
                 tiles: str | None = OSM_TILES, lang: str = "en", tick_s: float = 0.5,
                 allow_hosts: Iterable[str] = (),
                 limits: ServeLimits | None = None) -> None:
        token = access_token(host, token)
        self.session = session
        self.host = host
        self.loopback = is_loopback(host)
        self.token = token
        self.tiles = tiles
        self.lang = lang
        self.tick_s = float(tick_s)
        self.limits = limits or ServeLimits()
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._setup_cache: bytes | None = None
        self._state_cache: tuple[tuple[Any, ...], bytes, bytes | None] | None = None
        self._report_cache: dict[tuple[str, int, str], bytes] = {}
        self._report_lock = threading.Lock()
        self.service = HttpService(host, port)
        self.port = self.service.port
        self.policy = served_policy(host, self.port, token, tiles, allow_hosts, self.limits)
        self.app = console_app(self)
        self._clock = threading.Thread(target=self._run_clock, name="drill-clock", daemon=True)

    @property
    def url(self) -> str:
        """The console's address (with the token, when one is required)."""
        return app_url(self.host, self.port, self.token)

    # ------------------------------------------------------------------ running
    def _run_clock(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                with self.lock:
                    self.session.tick()
            except Exception:  # keep the clock thread alive; the error is in the log
                logger.exception("clock tick failed")

    def start(self) -> None:
        """Serve in background threads (the web server and the clock); return at once."""
        self.service.start(self.app, self.limits)
        if not self.service.wait_started():
            raise RuntimeError("the console's web server did not start (see the log)")
        self._clock.start()

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` from another thread, or an exception here
        (Ctrl-C, or the caller's signal handler raising)."""
        self.start()
        serve_until_stopped(self.service, self._stop, "console")

    def shutdown(self) -> None:
        """Stop serving and the clock, and close the session (its file is checkpointed)."""
        self._stop.set()
        self.service.stop()
        if self._clock.is_alive():
            self._clock.join(5)
        with self.lock:
            self.session.close()

    # ------------------------------------------------------------------ operations
    def setup_bytes(self) -> bytes:
        """The set-up JSON (cached: it does not change during a session)."""
        with self.lock:
            if self._setup_cache is None:
                payload = setup_payload(self.session)
                payload["tiles"] = self.tiles
                self._setup_cache = json_bytes(payload)
            return self._setup_cache

    def state_bytes(self, since: int, want_gzip: bool = False) -> tuple[bytes, bytes | None]:
        """The live state for the console, as JSON; and gzipped when asked and cached.

        Every poller asks for the same state between two changes of the session, so the
        state without the records is built once per change; the records after ``since``
        are added per request (none, for a console that is up to date: then the whole
        answer, and its gzipped form, come from the cache).
        """
        with self.lock:
            s = self.session
            key = (id(s), s.now, s.last_seq(), s.running, s.speed, s.pause_on_inject,
                   len(s.warnings))
            if self._state_cache is None or self._state_cache[0] != key:
                out = state_payload(s, s.last_seq())
                del out["records"]
                sc = s.loaded.scenario
                out["wall"] = f"{format_clock(sc.start.isoformat(), sc.timezone, s.now)} " \
                              f"{sc.timezone}"
                out["session"] = s.path.name
                self._state_cache = (key, json_bytes(out)[:-1], None)
            key, head, packed = self._state_cache
            if since >= key[2]:  # up to date: no records to add
                whole = head + b',"records":[]}'
                if want_gzip and packed is None:
                    packed = gzip.compress(whole, compresslevel=5)
                    self._state_cache = (key, head, packed)
                return whole, packed
            recs = [r.to_dict() for r in s.records(since)
                    if not (r.type == "clock" and r.kind == "tick")]
        return head + b',"records":' + json_bytes(recs) + b"}", None

    def records(self, since: int) -> list[dict[str, Any]]:
        """Every record after ``since`` (clock ticks too), as JSON objects."""
        with self.lock:
            return [r.to_dict() for r in self.session.records(since)]

    def agents(self) -> dict[str, Any]:
        """Per-agent state, its digest and the live KPIs."""
        with self.lock:
            st = self.session.agent_state()
            st["kpis"] = self.session.kpis()
            return st

    def clock_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Apply a clock action from the console."""
        action = body.get("action")
        why = text_field(body, "rationale")
        with self.lock:
            s = self.session
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
        at_s = None if body.get("at_s") is None else number_field(body, "at_s")
        at_seq = None if body.get("at_seq") is None else int_field(body, "at_seq")
        why = text_field(body, "rationale")
        with self.lock:
            old = self.session
            base = old.path.with_suffix("")
            k = 1
            while Path(f"{base}-branch{k}.sqlite").exists():
                k += 1
            new = old.branch(Path(f"{base}-branch{k}.sqlite"), at_s=at_s, at_seq=at_seq,
                             rationale=why)
            self.session = new
            self._setup_cache = None
            old.close()
            logger.info("console switched to branch %s", new.path)
            return {"session": str(new.path), "clock": new.clock()}

    def report(self, lang: str, pdf: bool) -> bytes:
        """The after-action report of the session now (HTML or PDF bytes)."""
        with self.lock:
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
