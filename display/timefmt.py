"""Time formatting shared by maps and reports: durations as ``h:mm`` and wall-clock times.

Pure Python (standard library only), so that the map, report and console writers can
all use it without pulling in folium or jinja2. Simulation times are seconds
since the scenario start; ``meta["start"]`` anchors them to a wall-clock time in
``meta["timezone"]``.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "anchor",
    "as_seconds",
    "epoch_ms",
    "format_clock",
    "format_hmm",
    "format_instant",
    "resolve_timezone",
    "wall_clock",
]

logger = logging.getLogger(__name__)

#: Anchor used when a run has no usable ``start``: times then read as offsets from 00:00.
_FALLBACK_START = datetime(1970, 1, 1, tzinfo=UTC)


def as_seconds(value: Any) -> float | None:
    """Return ``value`` as a finite float, or None for None, NaN, infinities and junk.

    Parameters
    ----------
    value : Any
        A number (int, float, numpy scalar), None, or anything else.

    Returns
    -------
    float or None
        The finite value, or None when there is none.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def format_hmm(seconds: Any, missing: str = "—") -> str:
    """Format a duration in seconds as ``h:mm`` (hours may exceed 24).

    The value is rounded to the nearest minute; negative durations get a leading minus.

    Parameters
    ----------
    seconds : Any
        Duration in seconds; None or NaN is treated as missing.
    missing : str, optional
        Text returned for a missing value.

    Returns
    -------
    str
        For example ``"1:05"`` for 3,900 s, or ``missing``.

    Examples
    --------
    >>> format_hmm(3900)
    '1:05'
    >>> format_hmm(None, missing="not reached")
    'not reached'
    """
    value = as_seconds(seconds)
    if value is None:
        return missing
    minutes = round(abs(value) / 60.0)
    hours, mins = divmod(minutes, 60)
    sign = "-" if value < 0 and minutes > 0 else ""
    return f"{sign}{hours}:{mins:02d}"


def resolve_timezone(name: str | None) -> tzinfo:
    """Return the IANA time zone ``name``, or UTC when it is missing or unknown.

    Parameters
    ----------
    name : str or None
        An IANA zone name such as ``"America/Sao_Paulo"``.

    Returns
    -------
    tzinfo
        The zone; UTC as a fallback (logged as a warning for unknown names).
    """
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Unknown time zone %r; showing times in UTC", name)
        return UTC


def anchor(start: str | None, timezone: str | None) -> datetime:
    """Return the time-aware wall-clock instant at which simulation time 0 falls.

    Parameters
    ----------
    start : str or None
        ISO 8601 time, usually local without an offset (``"2024-05-03T06:00:00"``).
        A time with an offset is converted into ``timezone``.
    timezone : str or None
        IANA zone name of the scenario.

    Returns
    -------
    datetime
        A time-zone aware datetime; 1970-01-01T00:00 UTC if ``start`` is missing or bad.
    """
    zone = resolve_timezone(timezone)
    if not start:
        return _FALLBACK_START
    try:
        parsed = datetime.fromisoformat(str(start))
    except ValueError:
        logger.warning("Cannot read scenario start %r; times shown from 00:00 UTC", start)
        return _FALLBACK_START
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone)


def wall_clock(start: str | None, timezone: str | None, time_s: float) -> datetime:
    """Return the local wall-clock time of simulation time ``time_s``.

    Parameters
    ----------
    start : str or None
        Scenario start (see :func:`anchor`).
    timezone : str or None
        IANA zone name of the scenario.
    time_s : float
        Seconds since the scenario start.

    Returns
    -------
    datetime
        Aware datetime in the scenario zone (daylight-saving changes are honoured).
    """
    base = anchor(start, timezone)
    instant = base.astimezone(UTC) + timedelta(seconds=float(time_s))
    return instant.astimezone(base.tzinfo)


def epoch_ms(start: str | None, timezone: str | None, time_s: float) -> int:
    """Return simulation time ``time_s`` as milliseconds since the Unix epoch (UTC).

    Parameters
    ----------
    start : str or None
        Scenario start (see :func:`anchor`).
    timezone : str or None
        IANA zone name of the scenario.
    time_s : float
        Seconds since the scenario start.

    Returns
    -------
    int
        Milliseconds since 1970-01-01T00:00Z, as browsers' ``Date`` expects.
    """
    base = anchor(start, timezone)
    return round(base.timestamp() * 1000.0 + float(time_s) * 1000.0)


def format_clock(start: str | None, timezone: str | None, time_s: float) -> str:
    """Return ``"YYYY-MM-DD HH:MM"`` local wall-clock text for simulation time ``time_s``.

    Parameters
    ----------
    start : str or None
        Scenario start (see :func:`anchor`).
    timezone : str or None
        IANA zone name of the scenario.
    time_s : float
        Seconds since the scenario start.

    Returns
    -------
    str
        The local date and time, without the zone name.
    """
    return wall_clock(start, timezone, time_s).strftime("%Y-%m-%d %H:%M")


def format_instant(moment: datetime | str | None, timezone: str | None) -> str:
    """Return ``"YYYY-MM-DD HH:MM (Zone/Name)"``: a real instant (a report written, a drill
    held) in the scenario's time zone, named, never as bare UTC.

    Parameters
    ----------
    moment : datetime, str or None
        An aware datetime or an ISO text (naive texts are read as UTC, as recorded);
        None or an empty text gives ``"—"``.
    timezone : str or None
        IANA zone name of the scenario; UTC (named ``UTC``) when missing or unknown.

    Returns
    -------
    str
        The local time and the zone's name; an unreadable text is returned as is.
    """
    if moment is None or moment == "":
        return "—"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = resolve_timezone(timezone)
    name = timezone if timezone and zone is not UTC else "UTC"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({name})"
