"""The studio's endpoints, as a Starlette app over a :class:`StudioServer`.

=========================================  ==============================================
GET  /                                     the page (``?token=...`` sets the token cookie)
GET  /static/..., /vendor/...              the page's JS and CSS; Leaflet, Leaflet-Geoman
GET  /api/scenarios                        the scenarios that can be opened
GET  /api/scenario/{sid}                   its scenario and plan files, as parsed YAML
GET  /api/scenario/{sid}/layers            roads, zones and places of its world
GET  /api/scenario/{sid}/road?lon=&lat=    the road nearest a click
GET  /api/scenario/{sid}/history?file=     earlier saved versions of a file
POST /api/check                            {kind, file, data}: problems by field
POST /api/scenario/{sid}/save              {scenario, plans, area}: validate and save
POST /api/scenario/{sid}/run               {plan, seed, lang}: start a run
POST /api/scenario/{sid}/compare           {plans, replications, lang}: start a comparison
POST /api/new                              {name, files}: a scenario from uploaded files
GET  /api/job/{id}                         a job's progress; its figures once done
POST /api/job/{id}/cancel                  stop it; nothing it wrote is kept
GET  /runs/{id}/{file}                     a finished job's file (map, report, tables)
=========================================  ==============================================

The access rules (Host, token, CSRF, body limits) are
:class:`~musterpoint.console.security.AccessGuard`'s, which wraps this app. A run's
``map.html`` and ``report.html`` carry their scripts inline: they are served sandboxed
(their own Content-Security-Policy, no access to the studio's origin), framable by the
studio page only.
"""

from __future__ import annotations

import logging
import math
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
    error_reply,
    json_object,
    json_reply,
    reply,
)
from musterpoint.console.routes import internal_reply, not_found_reply
from musterpoint.console.security import TOKEN_COOKIE, AccessGuard
from musterpoint.maps.drill_console import static_file
from musterpoint.scenarios.errors import InputError, MusterError
from musterpoint.studio.page import studio_page, studio_static

if TYPE_CHECKING:
    from musterpoint.studio.server import StudioServer

__all__ = ["studio_app"]

logger = logging.getLogger(__name__)

_RESULT_TYPES = {".html": "text/html; charset=utf-8", ".json": JSON_TYPE,
                 ".csv": "text/csv; charset=utf-8", ".parquet": "application/octet-stream",
                 ".gpkg": "application/geopackage+sqlite3", ".pdf": "application/pdf",
                 ".yaml": "text/yaml; charset=utf-8"}
#: Run pages carry inline scripts: served sandboxed, framable by the studio only.
_RESULT_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
               "img-src data: {tiles}; font-src data:; sandbox allow-scripts allow-popups "
               "allow-downloads; frame-ancestors 'self'")


def _problem_reply(exc: InputError) -> Response:
    from musterpoint.console.messages import json_bytes

    body = {"error": str(exc), "problems": [{"file": p.file, "field": p.field,
                                             "reason": p.reason} for p in exc.problems]}
    return Response(json_bytes(body), status_code=400, media_type=JSON_TYPE)


def _coord(request: Request, key: str) -> float:
    try:
        v = float(request.query_params.get(key, ""))
    except ValueError:
        raise InputError.single("request", key, "give a number") from None
    if not math.isfinite(v):
        raise InputError.single("request", key, "give a number")
    return v


def studio_app(server: StudioServer) -> AccessGuard:
    """The studio's ASGI app: its endpoints behind the server's access rules."""

    def guarded(fn: Callable[..., Any]) -> Callable[[Request], Any]:
        """An endpoint answering JSON; input errors are 400 with problems by field."""

        async def answer(request: Request) -> Response:
            try:
                body = None
                if request.method == "POST":
                    body = json_object(await request.body())
                result = await run_in_threadpool(fn, request, body)
                if isinstance(result, Response):
                    return result
                if isinstance(result, bytes):
                    return reply(request, result, JSON_TYPE)
                return json_reply(request, result)
            except BadRequest as exc:
                return error_reply(400, str(exc))
            except InputError as exc:
                return _problem_reply(exc)
            except MusterError as exc:
                return error_reply(409, str(exc))
        return answer

    async def page(request: Request) -> Response:
        headers = {}
        if server.token and "token" in request.query_params:
            headers["set-cookie"] = (f"{TOKEN_COOKIE}={server.token}; HttpOnly; "
                                     "SameSite=Strict; Path=/")
        return reply(request, studio_page(server.lang).encode("utf-8"),
                     "text/html; charset=utf-8", headers=headers)

    async def own_static(request: Request) -> Response:
        found = studio_static(str(request.path_params["rel"]))
        if found is None:
            return error_reply(404, "no such file")
        return reply(request, found[0], found[1])

    async def vendor(request: Request) -> Response:
        found = static_file("vendor", str(request.path_params["rel"]))
        if found is None:
            return error_reply(404, "no such file")
        return reply(request, found[0], found[1])

    def sid(request: Request) -> str:
        return str(request.path_params["sid"])

    def result_file(request: Request, _: Any) -> Response:
        path = server.result_file(str(request.path_params["job"]),
                                  str(request.path_params["name"]))
        if path is None:
            return error_reply(404, "no such file")
        kind = _RESULT_TYPES.get(path.suffix, "application/octet-stream")
        headers = {}
        if path.suffix == ".html":
            tiles = ""
            if server.tiles:
                from urllib.parse import urlsplit

                parts = urlsplit(server.tiles.replace("{s}", "*"))
                tiles = f"{parts.scheme}://{parts.netloc}"
            headers = {"content-security-policy": _RESULT_CSP.format(tiles=tiles),
                       "x-frame-options": "SAMEORIGIN"}
        if request.query_params.get("download"):
            headers["content-disposition"] = f'attachment; filename="{path.name}"'
        return reply(request, path.read_bytes(), kind, headers=headers)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/index.html", page, methods=["GET"]),
        Route("/static/{rel:path}", own_static, methods=["GET"]),
        Route("/vendor/{rel:path}", vendor, methods=["GET"]),
        Route("/api/scenarios", guarded(lambda r, b: server.catalogue()), methods=["GET"]),
        Route("/api/scenario/{sid}", guarded(lambda r, b: server.scenario(sid(r))),
              methods=["GET"]),
        Route("/api/scenario/{sid}/layers",
              guarded(lambda r, b: server.layers_bytes(sid(r))), methods=["GET"]),
        Route("/api/scenario/{sid}/road", guarded(lambda r, b: server.nearest_road(
            sid(r), _coord(r, "lon"), _coord(r, "lat"))), methods=["GET"]),
        Route("/api/scenario/{sid}/history", guarded(lambda r, b: server.history(
            sid(r), str(r.query_params.get("file", "")))), methods=["GET"]),
        Route("/api/check", guarded(lambda r, b: server.check(b)), methods=["POST"]),
        Route("/api/scenario/{sid}/save", guarded(lambda r, b: server.save(sid(r), b)),
              methods=["POST"]),
        Route("/api/scenario/{sid}/run", guarded(lambda r, b: server.start_run(sid(r), b)),
              methods=["POST"]),
        Route("/api/scenario/{sid}/compare",
              guarded(lambda r, b: server.start_compare(sid(r), b)), methods=["POST"]),
        Route("/api/new", guarded(lambda r, b: server.create(b)), methods=["POST"]),
        Route("/api/job/{job}", guarded(lambda r, b: server.job(str(r.path_params["job"]))),
              methods=["GET"]),
        Route("/api/job/{job}/cancel",
              guarded(lambda r, b: server.cancel(str(r.path_params["job"]))),
              methods=["POST"]),
        Route("/runs/{job}/{name}", guarded(result_file), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found_reply,
                                                      Exception: internal_reply})
    return AccessGuard(app, server.policy)
