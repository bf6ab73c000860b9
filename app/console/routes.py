"""The drill console's endpoints, as a Starlette app over a :class:`DrillServer`.

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

The access rules (Host, token, CSRF, body limits) are
:class:`~musterpoint.console.security.AccessGuard`'s, which wraps this app. Session work
runs in Starlette's thread pool, one operation at a time under the server's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from musterpoint.console.messages import (
    JSON_TYPE,
    BadRequest,
    args_field,
    error_reply,
    json_object,
    json_reply,
    reply,
    text_field,
)
from musterpoint.console.security import TOKEN_COOKIE, AccessGuard
from musterpoint.maps.drill_console import console_page, static_file
from musterpoint.reports.after_action import PdfUnavailable
from musterpoint.scenarios.errors import InputError, MusterError

if TYPE_CHECKING:
    from musterpoint.console.server import DrillServer

__all__ = ["console_app", "internal_reply", "not_found_reply"]

logger = logging.getLogger(__name__)


def _since(request: Request) -> int:
    """The ``since`` query parameter (0 when absent or not a whole number)."""
    try:
        return max(0, int(request.query_params.get("since", "0")))
    except ValueError:
        return 0


def not_found_reply(request: Request, exc: Exception) -> Response:
    """A JSON answer for Starlette's 404 and 405 (and other HTTP errors)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        what = "endpoint" if request.url.path.startswith("/api/") else "page"
        return error_reply(404, f"no such {what}")
    if exc.status_code == 405:
        return error_reply(405, "method not allowed", {"allow": "GET, HEAD, POST"})
    return error_reply(exc.status_code, str(exc.detail), dict(exc.headers or {}))


def internal_reply(request: Request, exc: Exception) -> Response:
    """A JSON 500 answer; the exception goes to the log."""
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_reply(500, "internal error (see the log)")


def console_app(server: DrillServer) -> AccessGuard:
    """The console's ASGI app: its endpoints behind the server's access rules.

    Parameters
    ----------
    server : DrillServer
        The server whose session (and branches) the endpoints act on; its ``policy``
        is the access rules.

    Returns
    -------
    AccessGuard
        The app (Starlette), wrapped in its access rules.
    """

    async def page(request: Request) -> Response:
        title = server.session.loaded.scenario.title.en
        headers = {}
        if server.token and "token" in request.query_params:
            headers["set-cookie"] = (f"{TOKEN_COOKIE}={server.token}; HttpOnly; "
                                     "SameSite=Strict; Path=/")
        return reply(request, console_page(title, server.lang).encode("utf-8"),
                     "text/html; charset=utf-8", headers=headers)

    def files(kind: str) -> Callable[[Request], Any]:
        async def serve(request: Request) -> Response:
            found = static_file(kind, str(request.path_params["rel"]))
            if found is None:
                return error_reply(404, "no such file")
            return reply(request, found[0], found[1])
        return serve

    async def setup(request: Request) -> Response:
        data = await run_in_threadpool(server.setup_bytes)
        return reply(request, data, JSON_TYPE)

    async def state(request: Request) -> Response:
        want_gzip = "gzip" in request.headers.get("accept-encoding", "")
        data, packed = await run_in_threadpool(server.state_bytes, _since(request), want_gzip)
        return reply(request, data, JSON_TYPE, compressed=packed)

    async def records(request: Request) -> Response:
        recs = await run_in_threadpool(server.records, _since(request))
        return json_reply(request, {"records": recs})

    async def agents(request: Request) -> Response:
        return json_reply(request, await run_in_threadpool(server.agents))

    async def report(request: Request) -> Response:
        lang = "zh" if request.query_params.get("lang", "en").startswith("zh") else "en"
        pdf = request.url.path.endswith(".pdf")
        try:
            data = await run_in_threadpool(server.report, lang, pdf)
        except PdfUnavailable as exc:
            return error_reply(503, str(exc))
        except MusterError as exc:
            return error_reply(400, str(exc))
        return reply(request, data, "application/pdf" if pdf else "text/html; charset=utf-8")

    def post(op: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Request], Any]:
        async def answer(request: Request) -> Response:
            try:
                body = json_object(await request.body())
                return json_reply(request, await run_in_threadpool(op, body))
            except (BadRequest, InputError) as exc:
                return error_reply(400, str(exc))
            except MusterError as exc:
                return error_reply(409, str(exc))
            except Exception:
                logger.exception("POST %s failed", request.url.path)
                return error_reply(500, "internal error (see the log)")
        return answer

    def record(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
        def run(body: dict[str, Any]) -> dict[str, Any]:
            with server.lock:
                rec = fn(body)
                return {"record": rec.to_dict(), "clock": server.session.clock()}
        return run

    def inject(b: dict[str, Any]) -> Any:
        return server.session.inject(text_field(b, "kind"), args_field(b),
                                     title=text_field(b, "title"),
                                     rationale=text_field(b, "rationale"),
                                     actor=text_field(b, "actor"))

    def fire(b: dict[str, Any]) -> Any:
        return server.session.fire(text_field(b, "inject_id"), text_field(b, "rationale"),
                                   text_field(b, "actor"))

    def decide(b: dict[str, Any]) -> Any:
        return server.session.decide(text_field(b, "kind"), args_field(b),
                                     rationale=text_field(b, "rationale"),
                                     actor=text_field(b, "actor"))

    def note(b: dict[str, Any]) -> Any:
        return server.session.note(text_field(b, "text"),
                                   section=text_field(b, "section") or "observation",
                                   role=text_field(b, "role") or "trainer",
                                   actor=text_field(b, "actor"))

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/index.html", page, methods=["GET"]),
        Route("/static/{rel:path}", files("static"), methods=["GET"]),
        Route("/vendor/{rel:path}", files("vendor"), methods=["GET"]),
        Route("/api/setup", setup, methods=["GET"]),
        Route("/api/state", state, methods=["GET"]),
        Route("/api/records", records, methods=["GET"]),
        Route("/api/agents", agents, methods=["GET"]),
        Route("/report", report, methods=["GET"]),
        Route("/report.html", report, methods=["GET"]),
        Route("/report.pdf", report, methods=["GET"]),
        Route("/api/clock", post(server.clock_action), methods=["POST"]),
        Route("/api/branch", post(server.branch), methods=["POST"]),
        Route("/api/inject", post(record(inject)), methods=["POST"]),
        Route("/api/fire", post(record(fire)), methods=["POST"]),
        Route("/api/decide", post(record(decide)), methods=["POST"]),
        Route("/api/note", post(record(note)), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found_reply,
                                                      Exception: internal_reply})
    return AccessGuard(app, server.policy)
