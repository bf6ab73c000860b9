"""The drill console on the web: Starlette endpoints served by uvicorn.

:class:`DrillServer` serves one drill session (:mod:`musterpoint.console.server`); its
endpoints are in :mod:`musterpoint.console.routes`. The access rules
(:mod:`musterpoint.console.security`: Host, token, CSRF, body limits) and the serving
with connection limits (:mod:`musterpoint.console.serving`) are general, for any of
musterpoint's web apps.
"""

from __future__ import annotations

from musterpoint.console.security import (
    MIN_TOKEN_LENGTH,
    TOKEN_COOKIE,
    AccessGuard,
    AccessPolicy,
    is_loopback,
)
from musterpoint.console.server import DEFAULT_PORT, DrillServer
from musterpoint.console.serving import HttpService, ServeLimits

__all__ = [
    "DEFAULT_PORT",
    "MIN_TOKEN_LENGTH",
    "TOKEN_COOKIE",
    "AccessGuard",
    "AccessPolicy",
    "DrillServer",
    "HttpService",
    "ServeLimits",
    "is_loopback",
]
