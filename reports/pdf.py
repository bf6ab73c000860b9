"""Print a report (run, comparison or after-action) to PDF with headless Chromium.

The pages carry their own print rules (``templates/print.css.j2``: A4, margins, no table,
chart or summary box split across pages, table headers repeated when a long table must
break), so Chromium's ``--print-to-pdf`` is all it takes. Without a CJK font Chromium
prints Chinese as boxes: a Chinese page printed on such a machine logs a warning that
names the package to install.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from musterpoint.scenarios.errors import MusterError

__all__ = ["CHROMIUM", "PdfUnavailable", "find_chromium", "has_cjk_font", "pdf_beside",
           "write_pdf"]

logger = logging.getLogger(__name__)

#: The browser that prints the PDF (Debian's package ``chromium``).
CHROMIUM = Path("/usr/bin/chromium")
#: Other names of the browser on the PATH, tried after ``$MUSTER_CHROMIUM`` and CHROMIUM.
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_CJK = re.compile(r"[\u3400-\u9fff]")


class PdfUnavailable(MusterError):
    """The PDF cannot be made here (no Chromium); the HTML report is still there."""


def find_chromium() -> Path:
    """The browser to print with: ``$MUSTER_CHROMIUM``, else CHROMIUM, else one on the PATH.

    Returns
    -------
    Path
        The executable (CHROMIUM when none is found; :func:`write_pdf` then says so).
    """
    env = os.environ.get("MUSTER_CHROMIUM")
    if env:
        return Path(env)
    if CHROMIUM.is_file():
        return CHROMIUM
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return CHROMIUM


@cache
def has_cjk_font() -> bool | None:
    """Whether fontconfig knows a font for Chinese (None when ``fc-list`` is missing)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(out.strip())


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: Path | None = None,
              timeout_s: float = 90.0) -> Path:
    """Print an HTML file to PDF with headless Chromium.

    Parameters
    ----------
    html_path : str or Path
        The report.
    pdf_path : str or Path
        Where to write the PDF.
    chromium : Path, optional
        The browser (default: :func:`find_chromium`).
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
    exe = Path(chromium) if chromium is not None else find_chromium()
    if not exe.is_file():
        raise PdfUnavailable(f"PDF unavailable: no Chromium at {exe} (install Debian's "
                             "'chromium' package, or set MUSTER_CHROMIUM to the browser); "
                             "the HTML report is complete without it")
    src = Path(html_path).resolve()
    if has_cjk_font() is False and _CJK.search(src.read_text(encoding="utf-8")):
        logger.warning("%s: no Chinese font is installed, so Chinese text in the PDF will "
                       "print as boxes; install one (Debian: apt-get install fonts-noto-cjk)",
                       src.name)
    out = Path(pdf_path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)  # an old PDF must not pass for a new one
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
    logger.info("Wrote PDF %s (%d bytes)", out, out.stat().st_size)
    return out


def pdf_beside(html_path: str | Path) -> Path | None:
    """Print a report to the PDF beside it (same name, ``.pdf``); None when it cannot.

    Parameters
    ----------
    html_path : str or Path
        The HTML report.

    Returns
    -------
    Path or None
        The PDF, or None (with a warning saying why) when Chromium is missing or failed;
        the HTML report is complete either way.
    """
    html = Path(html_path)
    try:
        return write_pdf(html, html.with_suffix(".pdf"))
    except PdfUnavailable as exc:
        logger.warning("%s", exc)
        return None
