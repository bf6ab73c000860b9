"""The drill console's endpoints: which page or operation each path answers with.

See :mod:`musterpoint.drill_server` for the list of endpoints; the access checks and the
request plumbing are :class:`~musterpoint.drill_http.DrillRequestHandler`'s.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from musterpoint.drill_http import (
    TOKEN_COOKIE,
    DrillRequestHandler,
    NotFound,
    args_field,
    content_security_policy,
    int_param,
    text_field,
)
from musterpoint.maps.drill_console import console_page, static_file
from musterpoint.reports.after_action import PdfUnavailable

if TYPE_CHECKING:
    from musterpoint.drill_server import DrillServer

__all__ = ["make_handler"]


def make_handler(server: DrillServer) -> type[DrillRequestHandler]:
    """The request handler class of one console server.

    Parameters
    ----------
    server : DrillServer
        The server whose session (and branches) the endpoints act on.

    Returns
    -------
    type
        A :class:`~musterpoint.drill_http.DrillRequestHandler` subclass for
        ``ThreadingHTTPServer``.
    """

    class Handler(DrillRequestHandler):
        access = server
        csp = content_security_policy(server.tiles)

        def _get(self) -> None:
            path = urlsplit(self.path).path
            q = self._query()
            if path in ("/", "/index.html"):
                title = server.session.loaded.scenario.title.en
                extra = {}
                supplied = q.get("token", [])
                if server.token and supplied:
                    extra["Set-Cookie"] = (f"{TOKEN_COOKIE}={server.token}; HttpOnly; "
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
                self._json(HTTPStatus.OK, server.state(int_param(q, "since")))
            elif path == "/api/records":
                with server._lock:
                    recs = [r.to_dict() for r in server.session.records(int_param(q, "since"))]
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
                    rec = s.inject(text_field(body, "kind"), args_field(body),
                                   title=text_field(body, "title"),
                                   rationale=text_field(body, "rationale"),
                                   actor=text_field(body, "actor"))
                elif path == "/api/fire":
                    rec = s.fire(text_field(body, "inject_id"), text_field(body, "rationale"),
                                 text_field(body, "actor"))
                elif path == "/api/decide":
                    rec = s.decide(text_field(body, "kind"), args_field(body),
                                   rationale=text_field(body, "rationale"),
                                   actor=text_field(body, "actor"))
                elif path == "/api/note":
                    rec = s.note(text_field(body, "text"),
                                 section=text_field(body, "section") or "observation",
                                 role=text_field(body, "role") or "trainer",
                                 actor=text_field(body, "actor"))
                else:
                    raise NotFound
                return {"record": rec.to_dict(), "clock": s.clock()}

    return Handler
