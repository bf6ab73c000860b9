"""HTML text for the map, report and console writers: one escaping rule for all of them."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["esc"]


def esc(value: Any) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>`` and both quotes escaped, so it is safe
    in element content and in quoted attributes."""
    return html.escape(str(value), quote=True)
