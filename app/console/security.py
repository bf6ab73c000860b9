"""Access rules of musterpoint's web apps, as ASGI middleware: who may ask what, and how.

:class:`AccessGuard` wraps a Starlette (any ASGI) app and checks every HTTP request before
the app sees it, in this order:

1. **Host** (DNS rebinding): the ``Host`` header must name the server by one of the names
   it is bound to (:func:`bound_host_names`) and its port; otherwise ``421``.
2. **Token**: when the policy has one, every request must carry it (header
   ``X-Muster-Token``, ``Authorization: Bearer``, the :data:`TOKEN_COOKIE` cookie, or
   ``?token=``); otherwise ``401``.
3. **CSRF**, for every state-changing request (any method but GET, HEAD and OPTIONS): the
   body must be JSON (``Content-Type: application/json``, else ``415``), a foreign
   ``Origin`` or a ``Sec-Fetch-Site`` other than ``same-origin`` is refused (``403``), and
   the request must carry either the token in a header or the query (the cookie does not
   count: a browser sends it on its own) or a same-origin ``Origin`` /
   ``Sec-Fetch-Site: same-origin`` (``403``).
4. **Body**: at most :attr:`AccessPolicy.max_body` bytes (``413``), all of it within
   :attr:`AccessPolicy.body_timeout_s` seconds (``408``). The guard reads the body itself
   and hands it on.

A refusal is a JSON ``{"error": ...}`` answer with ``Connection: close``: the connection
ends with the answer, so no unread body can be taken for a next request. Every answer,
the app's too, gets the security headers (a Content-Security-Policy allowing the page's
own scripts only, ``nosniff``, no framing, no referrer, ``no-store``).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from musterpoint.scenarios.errors import InputError

__all__ = [
    "MIN_TOKEN_LENGTH",
    "TOKEN_COOKIE",
    "AccessGuard",
    "AccessPolicy",
    "access_token",
    "bound_host_names",
    "check_token",
    "content_security_policy",
    "is_loopback",
    "is_wildcard",
]

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Name of the cookie that carries the access token.
TOKEN_COOKIE = "muster_token"
#: Shortest access token accepted (a made-up one has 32 characters).
MIN_TOKEN_LENGTH = 16
#: Methods that change nothing (no CSRF check, no body read).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: {tiles}; connect-src 'self'; font-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for 0.0.0.0 and real addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """True for the addresses that mean "every interface" (``0.0.0.0``, ``::``, empty)."""
    return host.strip("[]") in ("", "0.0.0.0", "::")


def bound_host_names(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a ``Host`` header may give for a server bound to ``host``.

    Parameters
    ----------
    host : str
        The bind address. A loopback address allows the loopback names (``127.0.0.1``,
        ``localhost``, ``::1``); a wildcard (``0.0.0.0``, ``::``) allows those, this
        machine's host name and its addresses.
    extra : iterable of str
        More names (a DNS name the room uses to reach the machine).

    Returns
    -------
    frozenset of str
        Lower-case names without port or brackets.
    """
    h = host.strip("[]").lower()
    names = {h} if h else set()
    if is_loopback(h) or is_wildcard(h):
        names |= _LOOPBACK_NAMES
    if is_wildcard(h):
        names.discard(h)
        machine = socket.gethostname()
        names |= {machine.lower(), socket.getfqdn().lower()}
        try:
            names |= {str(info[4][0]).lower() for info in socket.getaddrinfo(machine, None)}
        except OSError:
            logger.info("cannot resolve this machine's name %r; its addresses are not "
                        "accepted as Host (use the bound address)", machine)
    names |= {e.strip("[]").lower().rstrip(".") for e in extra if e.strip()}
    return frozenset(names)


def check_token(token: str) -> str:
    """The access token, if it is long and plain enough to be one.

    Raises
    ------
    InputError
        When it is shorter than :data:`MIN_TOKEN_LENGTH` or holds characters other than
        letters, digits and ``-._~+/=``.
    """
    if len(token) < MIN_TOKEN_LENGTH:
        raise InputError.single("--token", "", f"the access token has {len(token)} "
                                f"characters; use at least {MIN_TOKEN_LENGTH} random ones "
                                "(or leave --token out off loopback: one is made up)")
    if not set(token) <= _TOKEN_CHARS:
        raise InputError.single("--token", "", "use only letters, digits and -._~+/= in "
                                "the access token")
    return token


def access_token(host: str, token: str | None) -> str | None:
    """The token a server bound to ``host`` requires: the one given (checked), else one
    made up (32 random characters) off loopback, else none.

    Raises
    ------
    InputError
        For a given token that is too short or not plain (:func:`check_token`).
    """
    if token is not None:
        return check_token(token)
    if not is_loopback(host):
        return secrets.token_urlsafe(24)
    return None


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


@dataclass(frozen=True)
class AccessPolicy:
    """What :class:`AccessGuard` allows.

    Parameters
    ----------
    port : int
        The port the server listens on (the ``Host`` header must name it).
    hosts : frozenset of str
        The names the ``Host`` header may give (:func:`bound_host_names`).
    token : str or None
        The access token every request must carry (None: none needed).
    csp : str
        The Content-Security-Policy header of every answer.
    max_body : int
        Largest request body, in bytes.
    body_timeout_s : float
        Longest wait for a whole request body, in seconds.
    """

    port: int
    hosts: frozenset[str]
    token: str | None = None
    csp: str = field(default_factory=lambda: content_security_policy(None))
    max_body: int = 1 << 20
    body_timeout_s: float = 10.0

    def host_ok(self, host_header: str) -> bool:
        """Whether a ``Host`` header names this server (name and port)."""
        h = host_header.strip().lower()
        if not h:
            return False
        parts = urlsplit("//" + h)
        try:
            port = parts.port or 80
        except ValueError:
            return False
        name = (parts.hostname or "").rstrip(".")
        return port == self.port and name in self.hosts

    def same_origin(self, origin: str, host_header: str) -> bool:
        """Whether an ``Origin`` header is this server's own (``http://`` + its Host)."""
        return origin.strip().lower().rstrip("/") == "http://" + host_header.strip().lower()


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers, lower-case names; a repeated header keeps its first value."""
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        out.setdefault(k.decode("latin-1").lower(), v.decode("latin-1"))
    return out


def _tokens(scope: Scope, headers: dict[str, str]) -> tuple[list[str], list[str]]:
    """Tokens the request carries: (header and query ones, cookie ones)."""
    explicit = []
    if headers.get("x-muster-token"):
        explicit.append(headers["x-muster-token"].strip())
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        explicit.append(auth[7:].strip())
    query = scope.get("query_string", b"").decode("latin-1")
    explicit.extend(parse_qs(query).get("token", []))
    cookie = []
    if headers.get("cookie"):
        try:
            jar = SimpleCookie(headers["cookie"])
            if TOKEN_COOKIE in jar:
                cookie.append(jar[TOKEN_COOKIE].value)
        except CookieError:
            pass
    return explicit, cookie


class _Refused(Exception):
    """A request the guard answers itself (status, message, extra headers)."""

    def __init__(self, status: int, message: str,
                 extra: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra or {}


class AccessGuard:
    """ASGI middleware enforcing an :class:`AccessPolicy` (see the module's text).

    Parameters
    ----------
    app : ASGI app
        The app to guard.
    policy : AccessPolicy
        The rules.
    """

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy
        self._security = [(k.encode(), v.encode()) for k, v in (
            ("content-security-policy", policy.csp), ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"),
            ("cross-origin-resource-policy", "same-origin"))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # websockets: none served
            return
        send = self._decorated(send)
        headers = _headers(scope)
        try:
            self._check(scope, headers)
            if scope["method"] not in SAFE_METHODS:
                body = await self._read_body(headers, receive)
                receive = _replay(body, receive)
        except _Refused as exc:
            logger.info("refused %s %s: %s %s", scope["method"], scope.get("path"),
                        exc.status, exc)
            await _refuse(send, exc)
            return
        except _ClientGone:
            return
        await self.app(scope, receive, send)

    # ------------------------------------------------------------------ checks
    def _check(self, scope: Scope, headers: dict[str, str]) -> None:
        p = self.policy
        host = headers.get("host", "")
        if not p.host_ok(host):
            raise _Refused(421, "unexpected Host header")
        explicit, cookie = _tokens(scope, headers)
        token_given = False
        if p.token is not None:
            want = p.token.encode()
            token_given = any(hmac.compare_digest(t.encode(), want) for t in explicit)
            if not token_given and not any(hmac.compare_digest(t.encode(), want)
                                           for t in cookie):
                raise _Refused(401, "access token required",
                              {"www-authenticate": 'Bearer realm="musterpoint"'})
        if scope["method"] in SAFE_METHODS:
            return
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise _Refused(415, "send JSON (Content-Type: application/json)")
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site", "").strip().lower()
        if origin is not None and not p.same_origin(origin, host):
            raise _Refused(403, "cross-origin request refused")
        if site and site != "same-origin":
            raise _Refused(403, f"cross-site request refused (Sec-Fetch-Site: {site})")
        if not (token_given or origin is not None or site == "same-origin"):
            raise _Refused(403, "a state-changing request needs the access token "
                               "(X-Muster-Token) or this server's own Origin header")

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        limit = self.policy.max_body
        declared = headers.get("content-length")
        if declared is not None and (not declared.strip().isdigit()
                                     or int(declared) > limit):
            raise _Refused(413, f"request too large (at most {limit:,} bytes)")
        chunks: list[bytes] = []
        n = 0
        try:
            async with asyncio.timeout(self.policy.body_timeout_s):
                while True:
                    msg = await receive()
                    if msg["type"] == "http.disconnect":
                        raise _ClientGone
                    chunk = bytes(msg.get("body", b""))
                    n += len(chunk)
                    if n > limit:
                        raise _Refused(413, f"request too large (at most {limit:,} bytes)")
                    chunks.append(chunk)
                    if not msg.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise _Refused(408, "the request body did not arrive in time") from None

    # ------------------------------------------------------------------ answers
    def _decorated(self, send: Send) -> Send:
        extra = self._security

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                add = [(k, v) for k, v in extra if k not in have]
                if b"cache-control" not in have:
                    add.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *add]
            await send(message)

        return send_with_headers


class _ClientGone(Exception):
    """The client left while its body was being read."""


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read already, then waits on the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, exc: _Refused) -> None:
    body = json.dumps({"error": str(exc)}).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
               *((k.encode(), v.encode()) for k, v in exc.extra.items())]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
