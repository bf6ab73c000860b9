"""HTML text for the map, report and console writers: one escaping rule for all of them."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["CJK_FONT_STACK", "esc"]

#: CSS font stack of every page: Noto Sans CJK SC first (Debian's ``fonts-noto-cjk``, what
#: headless Chromium prints PDFs and screenshots with), then the usual Chinese desktop fonts,
#: then Latin ones. Single quotes, so it fits in a ``style="..."`` attribute.
CJK_FONT_STACK = ("'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei','PingFang SC',"
                  "'Hiragino Sans GB','Source Han Sans SC','Segoe UI',Roboto,Arial,sans-serif")


def esc(value: Any) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>`` and both quotes escaped, so it is safe
    in element content and in quoted attributes."""
    return html.escape(str(value), quote=True)
