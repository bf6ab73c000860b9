"""Units in the reader's language: 分钟, 小时, 天, 人时 for ``min``, ``h``, ``d``,
``person-hours`` (through the catalog, context ``unit``).

Numbers themselves are written with ``,`` for thousands and ``.`` for decimals in both
languages: that is the CLDR format of English and of Simplified Chinese (``#,##0.###``),
so one format serves both.
"""

from __future__ import annotations

from typing import Any

from musterpoint.display.i18n import P_, tr

__all__ = ["UNITS", "unit"]

#: Unit key -> msgid (context ``unit``).
UNITS: dict[str, str] = {
    "min": P_("unit", "min"),
    "h": P_("unit", "h"),
    "d": P_("unit", "d"),
    "person-hours": P_("unit", "person-hours"),
}


def unit(lang: Any, key: str) -> str:
    """The unit ``key`` (``min``, ``h``, ``d``, ``person-hours``) in language ``lang``."""
    return tr(lang, UNITS[key])
