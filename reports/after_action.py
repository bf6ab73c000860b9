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
page, and prints it to PDF.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from musterpoint.reports.after_action_context import report_context
from musterpoint.reports.after_action_text import KPI_NAMES, LABELS, decision_sentence
from musterpoint.scenarios.errors import MusterError

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
#: The browser that prints the PDF (Debian's package ``chromium``).
CHROMIUM = Path("/usr/bin/chromium")


class PdfUnavailable(MusterError):
    """The PDF cannot be made here (no Chromium); the HTML report is still there."""


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


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: Path = CHROMIUM,
              timeout_s: float = 90.0) -> Path:
    """Print an HTML file to PDF with headless Chromium.

    Parameters
    ----------
    html_path : str or Path
        The report.
    pdf_path : str or Path
        Where to write the PDF.
    chromium : Path
        The browser (Debian's ``/usr/bin/chromium`` by default).
    timeout_s : float
        Longest wait for the browser.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PdfUnavailable
        When there is no Chromium, or it did not print.
    """
    exe = Path(chromium)
    if not exe.is_file():
        raise PdfUnavailable(f"PDF unavailable: no Chromium at {exe} (install Debian's "
                             "'chromium' package); the HTML report is complete without it")
    src = Path(html_path).resolve()
    out = Path(pdf_path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="muster-pdf-"))
    try:
        cmd = [str(exe), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--no-first-run", f"--user-data-dir={profile}", "--no-pdf-header-footer",
               "--print-to-pdf-no-header", f"--print-to-pdf={out}", src.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PdfUnavailable(f"PDF unavailable: Chromium failed ({exc})") from exc
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not out.is_file() or out.stat().st_size == 0:
        logger.warning("chromium said: %s", proc.stderr[-2000:])
        raise PdfUnavailable(f"PDF unavailable: Chromium did not print (exit {proc.returncode})")
    return out
