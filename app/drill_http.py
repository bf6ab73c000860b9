"""HTTP plumbing of the drill console: access checks, request bodies, responses.

:class:`DrillRequestHandler` is the base of the console's request handler
(:mod:`musterpoint.drill_routes` adds the endpoints). It requires the access token when
the server has one (header ``X-Muster-Token`` or ``Authorization: Bearer``, the
:data:`TOKEN_COOKIE` cookie the console page sets, or ``?token=``), refuses foreign
``Host`` headers on a loopback server (DNS rebinding), takes only JSON POST bodies (which
a foreign web page cannot send without a CORS preflight this server never grants) from
no foreign ``Origin``, and sends every response with a Content-Security-Policy allowing
only the console's own scripts. The ``*_field`` functions read typed values from a JSON
body and raise :class:`~musterpoint.scenarios.errors.InputError` (HTTP 400).
"""

from __future__ import annotations

import gzip
import hmac
import http.server
import ipaddress
import json
import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qs, urlsplit

from musterpoint.scenarios.errors import InputError, MusterError

__all__ = [
    "TOKEN_COOKIE",
    "AccessRules",
    "DrillRequestHandler",
    "NotFound",
    "args_field",
    "content_security_policy",
    "int_param",
    "is_loopback",
    "json_bytes",
    "number_field",
    "text_field",
]

logger = logging.getLogger(__name__)

#: Name of the cookie that carries the access token.
TOKEN_COOKIE = "muster_token"
_MAX_BODY = 1 << 20
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: {tiles}; connect-src 'self'; font-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_JSON = "application/json; charset=utf-8"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for 0.0.0.0 and real addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def content_security_policy(tiles: str | None) -> str:
    """The pages' Content-Security-Policy, allowing images from the tile server's origin.

    Parameters
    ----------
    tiles : str or None
        Base-map tile URL template (None: no base map).

    Returns
    -------
    str
        The header's value.
    """
    origin = ""
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "*"))
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return _CSP.format(tiles=origin)


def json_bytes(obj: Any) -> bytes:
    """Compact strict JSON (no NaN) as UTF-8."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def text_field(body: dict[str, Any], key: str) -> str:
    """A text field of a request body, stripped and cut at 4,000 characters ("" if absent)."""
    v = body.get(key, "")
    if v is None:
        return ""
    if not isinstance(v, str):
        raise InputError.single("request", key, "give text")
    return v.strip()[:4000]


def number_field(body: dict[str, Any], key: str) -> float:
    """A number field of a request body (required; booleans are not numbers)."""
    v = body.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InputError.single("request", key, "give a number")
    return float(v)


def args_field(body: dict[str, Any]) -> dict[str, Any]:
    """The ``args`` object of a request body (``{}`` if absent)."""
    a = body.get("args") or {}
    if not isinstance(a, dict):
        raise InputError.single("request", "args", "give the arguments as an object")
    return a


def int_param(q: dict[str, list[str]], key: str) -> int:
    """A whole-number query parameter (0 when absent or not a number)."""
    try:
        return int(q.get(key, ["0"])[0])
    except ValueError:
        return 0


class NotFound(Exception):
    """No endpoint at the requested path (HTTP 404)."""

    def __init__(self, msg: str = "no such endpoint") -> None:
        super().__init__(msg)


#: Exceptions a GET answers with a status of their own (the first that matches), with
#: their message; any other is a 500.
_GET_ERRORS: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (MusterError, HTTPStatus.BAD_REQUEST),
)
#: The same for a POST.
_POST_ERRORS: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (NotFound, HTTPStatus.NOT_FOUND),
    (InputError, HTTPStatus.BAD_REQUEST),
    (MusterError, HTTPStatus.CONFLICT),
)


class AccessRules(Protocol):
    """What the request handler needs to know of its server to check access."""

    @property
    def host(self) -> str:
        """The address the server is bound to."""

    @property
    def port(self) -> int:
        """Its port."""

    @property
    def loopback(self) -> bool:
        """Whether it is bound to a loopback address."""

    @property
    def token(self) -> str | None:
        """The access token, when one is required."""


class DrillRequestHandler(http.server.BaseHTTPRequestHandler):
    """Request plumbing and access checks; subclasses answer :meth:`_get` and :meth:`_post`.

    Attributes
    ----------
    access : AccessRules
        The server whose token and address the checks use (set on the subclass).
    csp : str
        The Content-Security-Policy header (set on the subclass).
    """

    server_version = "musterpoint-drill"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    access: ClassVar[AccessRules]
    csp: ClassVar[str]

    # ------------------------------------------------------------------ responses
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
        self.send_header("Content-Security-Policy", self.csp)
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json_bytes(obj), _JSON)

    def _error(self, status: int, msg: str, extra: dict[str, str] | None = None) -> None:
        self._send(status, json_bytes({"error": msg}), _JSON, extra)

    def _query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    # ------------------------------------------------------------------ access
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
                if TOKEN_COOKIE in c:
                    out.append(c[TOKEN_COOKIE].value)
            except CookieError:
                pass
        out.extend(self._query().get("token", []))
        return out

    def _authorised(self) -> bool:
        tok = self.access.token
        if not tok:
            return True
        return any(hmac.compare_digest(s.encode(), tok.encode())
                   for s in self._supplied_tokens())

    def _host_ok(self) -> bool:
        if not self.access.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        port = str(self.access.port)
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}",
                   self.access.host.lower() + f":{port}"}
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
        if origin and self.access.loopback and origin.rstrip("/") != \
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

    # ------------------------------------------------------------------ verbs
    def _answer(self, verb: str, respond: Callable[[], None],
                errors: Sequence[tuple[type[Exception], HTTPStatus]]) -> None:
        """Run ``respond``; answer an exception of ``errors`` with its status, others 500."""
        try:
            respond()
        except ConnectionError:
            logger.debug("client left during %s %s", verb, self.path)
        except Exception as exc:
            status = next((st for kind, st in errors if isinstance(exc, kind)), None)
            if status is None:
                logger.exception("%s %s failed", verb, self.path)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (see the log)")
            else:
                self._error(status, str(exc))

    def do_GET(self) -> None:
        if self._guard():
            self._answer("GET", self._get, _GET_ERRORS)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        if not self._guard():
            return
        body = self._body()
        if body is None:
            return
        self._answer("POST", lambda: self._json(
            HTTPStatus.OK, self._post(urlsplit(self.path).path, body)), _POST_ERRORS)

    def _refuse(self) -> None:
        if not self._guard():
            return
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed",
                    {"Allow": "GET, HEAD, POST"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _get(self) -> None:
        """Answer a GET that passed the checks."""
        raise NotImplementedError

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Answer a POST with a JSON body that passed the checks."""
        raise NotImplementedError
