"""Serving an ASGI app with uvicorn on a socket bound up front, with connection limits.

:class:`HttpService` binds its socket when made (so the port is known at once, and a
taken port is an ``OSError`` before anything runs), then serves an app with uvicorn in a
background thread until :meth:`HttpService.stop`. The limits (:class:`ServeLimits`) are
uvicorn's, plus one it lacks: a connection must deliver a whole request head within
``head_timeout_s`` of opening or of its previous answer, or it is closed (a client
trickling a header byte by byte would otherwise hold its connection forever). Bodies are
bounded in time and size by :class:`~musterpoint.console.security.AccessGuard`, with the
limits given here.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from musterpoint.console.security import (
    AccessPolicy,
    bound_host_names,
    content_security_policy,
)

__all__ = ["HttpService", "ServeLimits", "app_url", "serve_until_stopped", "served_policy"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeLimits:
    """Connection limits of a served app.

    Parameters
    ----------
    keep_alive_s : int
        An idle keep-alive connection is closed after this many seconds.
    head_timeout_s : float
        A request head (request line and headers) must arrive within this many seconds.
    body_timeout_s : float
        A whole request body must arrive within this many seconds (checked by
        :class:`~musterpoint.console.security.AccessGuard`).
    max_head_bytes : int
        Largest request head.
    max_body_bytes : int
        Largest request body (checked by the guard).
    max_connections : int
        Most connections and requests at once; beyond, new requests get ``503``.
    shutdown_grace_s : int
        On stop, how long requests in progress may take to finish.
    """

    keep_alive_s: int = 5
    head_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    max_head_bytes: int = 16 * 1024
    max_body_bytes: int = 1 << 20
    max_connections: int = 1000
    shutdown_grace_s: int = 3


class _HeadDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request head is overdue."""

    head_timeout_s: ClassVar[float] = 10.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._overdue)

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _overdue(self) -> None:
        self._head_timer = None
        if self._waiting_for_head() and not self.transport.is_closing():
            logger.info("closing a connection from %s: no request head within %.0f s",
                        self.client, self.head_timeout_s)
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if not self._waiting_for_head() and self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def on_response_complete(self) -> None:
        self._arm()  # before the next (maybe pipelined) request is taken on
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)


class HttpService:
    """A bound socket, served by uvicorn in a background thread.

    Parameters
    ----------
    host : str
        Address to bind (an IPv4 or IPv6 address, or a name).
    port : int
        Port (0: any free port).

    Raises
    ------
    OSError
        When the address cannot be bound (taken port, unknown address).
    """

    def __init__(self, host: str, port: int) -> None:
        infos = socket.getaddrinfo(host.strip("[]") or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
        # a name with both (localhost) binds IPv4, as the printed 127.0.0.1 URLs expect
        family, kind, proto, _, addr = next((i for i in infos if i[0] == socket.AF_INET),
                                            infos[0])
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        sock.set_inheritable(True)
        self.sock = sock
        self.port = int(sock.getsockname()[1])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: Any, limits: ServeLimits = ServeLimits()) -> None:
        """Serve ``app`` (an ASGI app) in a background thread until :meth:`stop`."""
        protocol = type("HeadDeadline", (_HeadDeadline,),
                        {"head_timeout_s": float(limits.head_timeout_s)})
        config = uvicorn.Config(
            app, http=protocol, lifespan="off", log_config=None, access_log=False,
            server_header=False, ws="none", timeout_keep_alive=limits.keep_alive_s,
            limit_concurrency=limits.max_connections,
            h11_max_incomplete_event_size=limits.max_head_bytes,
            timeout_graceful_shutdown=limits.shutdown_grace_s)
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [self.sock]},
                                        name="console-http", daemon=True)
        self._thread.start()

    @property
    def started(self) -> bool:
        """Whether uvicorn is ready for requests."""
        return self._server is not None and self._server.started

    def wait_started(self, timeout_s: float = 10.0) -> bool:
        """Wait until uvicorn takes requests (True) or its thread ended or time ran out."""
        deadline = time.monotonic() + timeout_s
        while not self.started:
            if time.monotonic() > deadline or not self.alive():
                return self.started
            time.sleep(0.01)
        return True

    def alive(self) -> bool:
        """Whether the serving thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop taking connections, let requests in progress finish, close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                logger.warning("the web server did not stop within %.0f s", timeout_s)
        self.sock.close()


def app_url(host: str, port: int, token: str | None) -> str:
    """The address to print for an app served on ``host:port`` (with the token, if any).

    A wildcard address (``0.0.0.0``, ``::``) is printed as ``127.0.0.1``; an IPv6 address
    gets its brackets.
    """
    shown = "127.0.0.1" if host.strip("[]") in ("", "0.0.0.0", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve_until_stopped(service: HttpService, stop: threading.Event, what: str) -> None:
    """Wait until ``stop`` is set, checking that ``service`` still serves.

    Raises
    ------
    RuntimeError
        When the web server's thread ended on its own (``what`` names the app).
    """
    while not stop.wait(0.5):
        if not service.alive():
            raise RuntimeError(f"the {what}'s web server stopped (see the log)")


def served_policy(host: str, port: int, token: str | None, tiles: str | None,
                  allow_hosts: Iterable[str], limits: ServeLimits) -> AccessPolicy:
    """The access rules of an app served on ``host:port`` (see
    :class:`~musterpoint.console.security.AccessPolicy`): the bound names and the extra
    ones as Host, the token, a CSP allowing the tile server's images, the body limits."""
    return AccessPolicy(port=port, hosts=bound_host_names(host, allow_hosts), token=token,
                        csp=content_security_policy(tiles), max_body=limits.max_body_bytes,
                        body_timeout_s=limits.body_timeout_s)
