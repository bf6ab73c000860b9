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
"""

from __future__ import annotations

import gzip
import hmac
import http.server
import ipaddress
import json
import logging
import secrets
import tempfile
import threading
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from musterpoint.maps.drill_console import (
    OSM_TILES,
    console_page,
    setup_payload,
    state_payload,
    static_file,
)
from musterpoint.reports.after_action import PdfUnavailable, render_after_action, write_pdf
from musterpoint.scenarios.errors import InputError, MusterError
from musterpoint.sim.drill import DrillSession, after_action
from musterpoint.sim.timefmt import format_clock

__all__ = ["DEFAULT_PORT", "DrillServer", "is_loopback"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8765
_MAX_BODY = 1 << 20
_COOKIE = "muster_token"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for 0.0.0.0 and real addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
        handler = _make_handler(self)
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
                self._setup_cache = _json_bytes(payload)
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
        why = _text(body, "rationale")
        with self._lock:
            if action == "start":
                s.start(why)
            elif action == "pause":
                s.pause(why)
            elif action == "step":
                s.step(_number(body, "minutes"), why)
            elif action == "run_to":
                s.run_to(_number(body, "time_s"), why)
            elif action == "speed":
                s.set_speed(_number(body, "speed"), why)
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
                             at_s=None if at_s is None else _number(body, "at_s"),
                             at_seq=None if at_seq is None else int(at_seq),
                             rationale=_text(body, "rationale"))
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


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def _text(body: dict[str, Any], key: str) -> str:
    v = body.get(key, "")
    if v is None:
        return ""
    if not isinstance(v, str):
        raise InputError.single("request", key, "give text")
    return v.strip()[:4000]


def _number(body: dict[str, Any], key: str) -> float:
    v = body.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputError.single("request", key, "give a number")
    return float(v)


def _args(body: dict[str, Any]) -> dict[str, Any]:
    a = body.get("args") or {}
    if not isinstance(a, dict):
        raise InputError.single("request", "args", "give the arguments as an object")
    return a


_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: {tiles}; connect-src 'self'; font-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _tile_origin(tiles: str | None) -> str:
    if not tiles:
        return ""
    parts = urlsplit(tiles.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _make_handler(server: DrillServer) -> type[http.server.BaseHTTPRequestHandler]:
    csp = _CSP.format(tiles=_tile_origin(server.tiles))

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "musterpoint-drill"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        # -------------------------------------------------------------- plumbing
        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s %s", self.address_string(), format % args)

        def _send(self, status: int, body: bytes, ctype: str,
                  extra: dict[str, str] | None = None) -> None:
            gz = (len(body) > 2048 and "gzip" in self.headers.get("Accept-Encoding", "")
                  and ctype.startswith(("application/json", "text/")))
            if gz:
                body = gzip.compress(body, compresslevel=5)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Content-Security-Policy", csp)
            if gz:
                self.send_header("Content-Encoding", "gzip")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, obj: Any) -> None:
            self._send(status, _json_bytes(obj), "application/json; charset=utf-8")

        def _error(self, status: int, msg: str, extra: dict[str, str] | None = None) -> None:
            self._send(status, _json_bytes({"error": msg}), "application/json; charset=utf-8",
                       extra)

        def _query(self) -> dict[str, list[str]]:
            return parse_qs(urlsplit(self.path).query)

        def _supplied_tokens(self) -> list[str]:
            out = []
            h = self.headers.get("X-Muster-Token")
            if h:
                out.append(h.strip())
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("bearer "):
                out.append(auth[7:].strip())
            raw = self.headers.get("Cookie")
            if raw:
                try:
                    c = SimpleCookie(raw)
                    if _COOKIE in c:
                        out.append(c[_COOKIE].value)
                except CookieError:
                    pass
            out.extend(self._query().get("token", []))
            return out

        def _authorised(self) -> bool:
            tok = server.token
            if not tok:
                return True
            return any(hmac.compare_digest(s.encode(), tok.encode())
                       for s in self._supplied_tokens())

        def _host_ok(self) -> bool:
            if not server.loopback:
                return True
            host = (self.headers.get("Host") or "").strip().lower()
            port = str(server.port)
            allowed = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}",
                       server.host.lower() + f":{port}"}
            return host in allowed

        def _guard(self) -> bool:
            if not self._authorised():
                self._error(HTTPStatus.UNAUTHORIZED, "access token required",
                            {"WWW-Authenticate": 'Bearer realm="musterpoint drill"'})
                return False
            if not self._host_ok():
                self._error(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
                return False
            return True

        def _body(self) -> dict[str, Any] | None:
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON "
                            "(Content-Type: application/json)")
                return None
            origin = self.headers.get("Origin")
            if origin and server.loopback and origin.rstrip("/") != \
                    f"http://{self.headers.get('Host', '')}":
                self._error(HTTPStatus.FORBIDDEN, "cross-origin request refused")
                return None
            try:
                n = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                n = -1
            if n < 0 or n > _MAX_BODY:
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
                return None
            try:
                data = json.loads(self.rfile.read(n) or b"{}")
            except ValueError:
                self._error(HTTPStatus.BAD_REQUEST, "the body is not valid JSON")
                return None
            if not isinstance(data, dict):
                self._error(HTTPStatus.BAD_REQUEST, "send a JSON object")
                return None
            return data

        # -------------------------------------------------------------- verbs
        def do_GET(self) -> None:
            if not self._guard():
                return
            try:
                self._get()
            except ConnectionError:
                logger.debug("client left during GET %s", self.path)
            except MusterError as exc:
                self._error(HTTPStatus.BAD_REQUEST, str(exc))
            except Exception:
                logger.exception("GET %s failed", self.path)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (see the log)")

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_POST(self) -> None:
            if not self._guard():
                return
            body = self._body()
            if body is None:
                return
            try:
                self._json(HTTPStatus.OK, self._post(urlsplit(self.path).path, body))
            except ConnectionError:
                logger.debug("client left during POST %s", self.path)
            except _NotFound:
                self._error(HTTPStatus.NOT_FOUND, "no such endpoint")
            except InputError as exc:
                self._error(HTTPStatus.BAD_REQUEST, str(exc))
            except MusterError as exc:
                self._error(HTTPStatus.CONFLICT, str(exc))
            except Exception:
                logger.exception("POST %s failed", self.path)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (see the log)")

        def _refuse(self) -> None:
            if not self._guard():
                return
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed",
                        {"Allow": "GET, HEAD, POST"})

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

        # -------------------------------------------------------------- routes
        def _get(self) -> None:
            path = urlsplit(self.path).path
            q = self._query()
            if path in ("/", "/index.html"):
                title = server.session.loaded.scenario.title.en
                extra = {}
                supplied = q.get("token", [])
                if server.token and supplied:
                    extra["Set-Cookie"] = (f"{_COOKIE}={server.token}; HttpOnly; "
                                           "SameSite=Strict; Path=/")
                self._send(HTTPStatus.OK, console_page(title, server.lang).encode("utf-8"),
                           "text/html; charset=utf-8", extra)
            elif path.startswith(("/static/", "/vendor/")):
                kind, _, rel = path[1:].partition("/")
                found = static_file(kind, rel)
                if found is None:
                    self._error(HTTPStatus.NOT_FOUND, "no such file")
                else:
                    self._send(HTTPStatus.OK, found[0], found[1])
            elif path == "/api/setup":
                self._send(HTTPStatus.OK, server.setup_bytes(),
                           "application/json; charset=utf-8")
            elif path == "/api/state":
                self._json(HTTPStatus.OK, server.state(_int(q, "since")))
            elif path == "/api/records":
                with server._lock:
                    recs = [r.to_dict() for r in server.session.records(_int(q, "since"))]
                self._json(HTTPStatus.OK, {"records": recs})
            elif path == "/api/agents":
                with server._lock:
                    st = server.session.agent_state()
                    st["kpis"] = server.session.kpis()
                self._json(HTTPStatus.OK, st)
            elif path in ("/report", "/report.html", "/report.pdf"):
                lang = "zh" if q.get("lang", ["en"])[0].startswith("zh") else "en"
                pdf = path.endswith(".pdf")
                try:
                    data = server.report(lang, pdf)
                except PdfUnavailable as exc:
                    self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
                    return
                self._send(HTTPStatus.OK, data, "application/pdf" if pdf
                           else "text/html; charset=utf-8")
            else:
                self._error(HTTPStatus.NOT_FOUND, "no such page")

        def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            s = server.session
            with server._lock:
                if path == "/api/clock":
                    return server.clock_action(body)
                if path == "/api/branch":
                    return server.branch(body)
                if path == "/api/inject":
                    rec = s.inject(_text(body, "kind"), _args(body), title=_text(body, "title"),
                                   rationale=_text(body, "rationale"),
                                   actor=_text(body, "actor"))
                elif path == "/api/fire":
                    rec = s.fire(_text(body, "inject_id"), _text(body, "rationale"),
                                 _text(body, "actor"))
                elif path == "/api/decide":
                    rec = s.decide(_text(body, "kind"), _args(body),
                                   rationale=_text(body, "rationale"),
                                   actor=_text(body, "actor"))
                elif path == "/api/note":
                    rec = s.note(_text(body, "text"), section=_text(body, "section") or
                                 "observation", role=_text(body, "role") or "trainer",
                                 actor=_text(body, "actor"))
                else:
                    raise _NotFound
                return {"record": rec.to_dict(), "clock": s.clock()}

    return Handler


class _NotFound(Exception):
    pass


def _int(q: dict[str, list[str]], key: str) -> int:
    try:
        return int(q.get(key, ["0"])[0])
    except ValueError:
        return 0

