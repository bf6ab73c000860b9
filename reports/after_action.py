"""After-action report of a drill (HTML, and PDF through Chromium's print-to-PDF).

The data come from :func:`musterpoint.sim.drill.after_action` (replays of the session
with and without the participants' decisions); this module only words and lays them
out. The page is rendered with jinja2 (autoescape on) from
``templates/after_action.html.j2``, needs no script and no network, and reads in English
or Simplified Chinese. Its sections follow the HSEEP After-Action Report (capability
targets, critical tasks, observations, improvement plan) and the contents of China's
drill evaluation (演练执行情况, 预案的合理性与可操作性, 指挥协调和应急联动,
应急人员处置情况, 装备适用性, 改进建议).

The words (labels in both languages, decisions in sentences) are in
:mod:`musterpoint.reports.after_action_text`, the template's context in
:mod:`musterpoint.reports.after_action_context`; this module renders and writes the
page; :mod:`musterpoint.reports.pdf` prints it to PDF (``write_pdf`` is re-exported here).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from musterpoint.reports.after_action_context import report_context
from musterpoint.reports.after_action_text import KPI_NAMES, LABELS, decision_sentence
from musterpoint.reports.pdf import CHROMIUM, PdfUnavailable, write_pdf

__all__ = [
    "CHROMIUM",
    "KPI_NAMES",
    "LABELS",
    "PdfUnavailable",
    "decision_sentence",
    "render_after_action",
    "write_after_action",
    "write_pdf",
]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE = "after_action.html.j2"


def render_after_action(aar: Mapping[str, Any], lang: str = "en") -> str:
    """The after-action report as one HTML page.

    Parameters
    ----------
    aar : mapping
        :func:`musterpoint.sim.drill.after_action` output.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    str
        Self-contained HTML (inline CSS, no script); all scenario and user text escaped.
    """
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(_TEMPLATE).render(**report_context(aar, lang))


def write_after_action(aar: Mapping[str, Any], path: str | Path, lang: str = "en") -> Path:
    """Write the HTML after-action report to ``path`` (folders are created)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_after_action(aar, lang), encoding="utf-8")
    return p
