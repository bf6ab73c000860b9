"""Charts of the reports, drawn with matplotlib and inlined as SVG.

One function, :func:`line_chart`, draws lines (with an optional band and a second y axis)
with labelled axes and units, and returns a ``<figure>`` with the SVG and its caption.
matplotlib's object API is used without pyplot (no global figure state, no GUI backend:
the figure is saved straight by matplotlib's SVG canvas), so charts can be drawn in worker
threads and on servers without a display. Text stays text in the SVG
(``svg.fonttype: none``): the page's CJK font stack renders it, it can be searched and it
extracts from a PDF; ids are salted with the chart's title and the SVG carries no date, so
the same data give the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markupsafe import Markup

from musterpoint.display.html import esc

__all__ = ["COLOURS", "Line", "line_chart"]

#: Colours of successive plans or series (colour-blind safe order).
COLOURS = ("#1a237e", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f")
#: Fonts for laying out text; the browser renders it with the page's font stack.
_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
          "DejaVu Sans")


@dataclass(frozen=True)
class Line:
    """One series of a chart.

    Attributes
    ----------
    x, y : sequence of float
        The points (NaN leaves a gap).
    label : str
        Its name in the legend.
    colour : str
        CSS colour.
    style : str
        matplotlib line style: ``-``, ``--``, ``:``, ``-.``.
    right : bool
        Drawn against the second (right) y axis.
    step : bool
        Drawn as steps (the value holds until the next point).
    band : tuple of two sequences, optional
        Lower and upper edge of a shaded band around the line.
    width : float
        Line width in points.
    """

    x: Sequence[float]
    y: Sequence[float]
    label: str
    colour: str = COLOURS[0]
    style: str = "-"
    right: bool = False
    step: bool = False
    band: tuple[Sequence[float], Sequence[float]] | None = None
    width: float = 2.0


@cache
def _font_family() -> tuple[str, ...]:
    """The fonts of ``_FONTS`` that matplotlib finds here (DejaVu Sans always)."""
    from matplotlib import font_manager

    found = []
    for name in _FONTS:
        try:
            font_manager.findfont(name, fallback_to_default=False)
        except ValueError:
            continue
        found.append(name)
    return tuple(found) or ("DejaVu Sans",)


def _nice_hours() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=12, steps=[1, 2, 3, 6, 10], min_n_ticks=3)


def line_chart(lines: Sequence[Line], *, title: str, x_label: str, y_label: str,
               caption: str, y2_label: str | None = None,
               y_range: tuple[float, float] | None = None, size: tuple[float, float] = (8.0, 3.6),
               css_class: str = "chart") -> Markup | None:
    """A line chart as an inline SVG ``<figure>`` with a caption.

    Parameters
    ----------
    lines : sequence of Line
        The series; those with ``right`` use the second y axis.
    title : str
        Accessible name of the chart (``aria-label`` and ``<title>``), also the ids' salt.
    x_label, y_label : str
        Axis titles, with units.
    caption : str
        What the chart shows, under it (``<figcaption>``).
    y2_label : str, optional
        Title of the second y axis (needed when a line is on it).
    y_range : tuple of float, optional
        Limits of the left y axis (default: from the data).
    size : tuple of float
        Width and height in inches (the SVG scales to the page width).
    css_class : str
        Class of the ``<figure>``.

    Returns
    -------
    Markup or None
        The figure's HTML, or None without any point to draw.
    """
    if not any(len(line.x) for line in lines):
        return None
    import matplotlib
    from matplotlib.figure import Figure

    rc: dict[Any, Any] = {"svg.fonttype": "none", "svg.hashsalt": title,
                          "font.family": list(_font_family()), "font.size": 9.0,
                          "axes.spines.top": False, "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
        ax2 = ax.twinx() if any(line.right for line in lines) else None
        for line in lines:
            target = ax2 if line.right and ax2 is not None else ax
            if line.band is not None:
                target.fill_between(line.x, line.band[0], line.band[1], color=line.colour,
                                    alpha=0.15, linewidth=0, step="post" if line.step else None)
            target.plot(line.x, line.y, color=line.colour, linestyle=line.style,
                        linewidth=line.width, label=line.label,
                        drawstyle="steps-post" if line.step else "default")
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.xaxis.set_major_locator(_nice_hours())
        ax.grid(True, color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        if y_range is not None:
            ax.set_ylim(*y_range)
        handles, labels = ax.get_legend_handles_labels()
        if ax2 is not None:
            ax2.set_ylabel(y2_label or "")
            ax2.spines["top"].set_visible(False)
            more = ax2.get_legend_handles_labels()
            handles, labels = handles + more[0], labels + more[1]
        ax.legend(handles, labels, loc="lower right", fontsize=8.5, frameon=True,
                  framealpha=0.9)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                 lambda m: f'<svg{m.group(1)} class="mpl" role="img" aria-label="{esc(title)}"',
                 svg, count=1)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", f"<title>{esc(title)}</title>\n", svg,
                 count=1, flags=re.S)
    return Markup(f'<figure class="{esc(css_class)}">{svg}<figcaption>{esc(caption)}'
                  "</figcaption></figure>")
