"""Reasons from ``agents.parquet`` grouped for display.

A household that waited for a road to reopen carries where and since when it waited
("cut off on the road (node index 30) since 0:05: no road reopened before the end"): good
for one household's record, too fine for a summary. Maps, reports and the terminal group
such reasons by where (at home, on the road) and why with :func:`reason_group`.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["reason_group", "reason_groups"]

_WAITED = r"^cut off (at home|on the road)(?: \(node index \d+\))? since -?\d+:\d\d: (.*)$"
_WAITED_RE = re.compile(_WAITED)


def reason_group(reason: str) -> str:
    """The reason without the node and the time it waited since.

    Parameters
    ----------
    reason : str
        One value of column ``reason`` of ``agents.parquet``.

    Returns
    -------
    str
        ``"cut off at home: no road reopened before the end"`` for a waited household's
        reason; any other reason as given.
    """
    m = _WAITED_RE.match(reason)
    return f"cut off {m.group(1)}: {m.group(2)}" if m else reason


def reason_groups(reasons: pd.Series) -> pd.Series:
    """:func:`reason_group` of every value of a string series."""
    return reasons.astype(str).str.replace(_WAITED, r"cut off \1: \2", regex=True)
