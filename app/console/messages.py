"""Request bodies and answers of the console's JSON API.

:func:`json_object` reads a request body into a JSON object, refusing what is not one
with a message (:class:`BadRequest`, HTTP 400): bad UTF-8 or syntax, ``NaN``/``Infinity``,
nesting deeper than :data:`MAX_DEPTH`. The ``*_field`` functions read typed values from
it and raise :class:`~musterpoint.scenarios.errors.InputError` (also a 400). The answers
are compact strict JSON, gzip-compressed when large and the client takes gzip.
"""

from __future__ import annotations

import gzip
import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from musterpoint.scenarios.errors import InputError

__all__ = [
    "JSON_TYPE",
    "MAX_DEPTH",
    "BadRequest",
    "args_field",
    "error_reply",
    "int_field",
    "json_bytes",
    "json_object",
    "json_reply",
    "number_field",
    "reply",
    "text_field",
]

#: Content type of every JSON answer.
JSON_TYPE = "application/json; charset=utf-8"
#: Deepest nesting of arrays and objects a request body may have.
MAX_DEPTH = 32
#: Longest text field accepted (longer text is refused with a message, never cut).
MAX_TEXT = 4000
_GZIP_FROM = 2048


class BadRequest(ValueError):
    """A request body that is not a usable JSON object (HTTP 400)."""


def _no_constant(name: str) -> Any:
    raise BadRequest(f"the body is not valid JSON ({name} is not a number in JSON)")


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (0 for a scalar), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            d += 1
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                break
            stack.extend((x, d) for x in v if isinstance(x, dict | list))
    return deepest


def json_object(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (an empty body is ``{}``).

    Raises
    ------
    BadRequest
        When it is not valid UTF-8 JSON, holds NaN or Infinity, nests deeper than
        :data:`MAX_DEPTH`, or is not an object.
    """
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest(f"the body is nested too deeply (at most {MAX_DEPTH} levels)") \
            from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadRequest("send a JSON object")
    if _depth(data) > MAX_DEPTH:
        raise BadRequest(f"the body is nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def json_bytes(obj: Any) -> bytes:
    """Compact strict JSON (no NaN) as UTF-8."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def text_field(body: dict[str, Any], key: str) -> str:
    """A text field of a request body, stripped ("" if absent); longer than
    :data:`MAX_TEXT` characters is refused with a message naming the field."""
    v = body.get(key, "")
    if v is None:
        return ""
    if not isinstance(v, str):
        raise InputError.single("request", key, "give text")
    text = v.strip()
    if len(text) > MAX_TEXT:
        raise InputError.single("request", key, f"is {len(text):,} characters long; at most "
                                f"{MAX_TEXT:,} are recorded: shorten it or split it into "
                                "several notes")
    return text


def number_field(body: dict[str, Any], key: str) -> float:
    """A finite number field of a request body (required; booleans are not numbers)."""
    v = body.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError.single("request", key, "give a number")
    return float(v)


def int_field(body: dict[str, Any], key: str) -> int:
    """A whole-number field of a request body (required; ``3.0`` is 3, ``3.5`` is not)."""
    v = body.get(key)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError.single("request", key, "give a whole number")
    return v


def args_field(body: dict[str, Any]) -> dict[str, Any]:
    """The ``args`` object of a request body (``{}`` if absent)."""
    a = body.get("args") or {}
    if not isinstance(a, dict):
        raise InputError.single("request", "args", "give the arguments as an object")
    return a


def reply(request: Request, body: bytes, media_type: str, status: int = 200,
          headers: dict[str, str] | None = None,
          compressed: bytes | None = None) -> Response:
    """An answer, gzip-compressed when it is large, textual and the client takes gzip.

    Parameters
    ----------
    request : Request
        The request answered (its ``Accept-Encoding``).
    body : bytes
        The content.
    media_type : str
        Its content type.
    status : int
        HTTP status.
    headers : dict, optional
        More headers.
    compressed : bytes, optional
        ``body`` gzip-compressed already (a cached answer).

    Returns
    -------
    Response
        The answer.
    """
    h = dict(headers or {})
    if (len(body) > _GZIP_FROM and media_type.startswith(("application/json", "text/"))
            and "gzip" in request.headers.get("accept-encoding", "")):
        body = compressed if compressed is not None else gzip.compress(body, compresslevel=5)
        h["content-encoding"] = "gzip"
        h["vary"] = "Accept-Encoding"
    return Response(body, status_code=status, media_type=media_type, headers=h)


def json_reply(request: Request, obj: Any, status: int = 200) -> Response:
    """A JSON answer."""
    return reply(request, json_bytes(obj), JSON_TYPE, status)


def error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A JSON ``{"error": message}`` answer."""
    return Response(json_bytes({"error": message}), status_code=status, media_type=JSON_TYPE,
                    headers=headers)
