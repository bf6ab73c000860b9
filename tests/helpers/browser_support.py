"""Shared Playwright set-up for the browser tests (Debian's Chromium, no download)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]



def needs_chromium() -> None:
    """Skip the calling test without Debian's Chromium, unless CI requires browser tests.

    With ``MUSTER_REQUIRE_BROWSER`` set, a missing browser fails the test instead.
    """
    import os

    import pytest

    if CHROMIUM.is_file():
        return
    message = f"no Chromium at {CHROMIUM} (Debian package chromium)"
    if os.environ.get("MUSTER_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here: {message}")
    pytest.skip(message)


def needs_libreoffice() -> None:
    """Skip the calling test without LibreOffice (``soffice``), unless CI requires it.

    With ``MUSTER_REQUIRE_BROWSER`` set (CI installs libreoffice-writer-nogui with
    Chromium), a missing ``soffice`` fails the test instead.
    """
    import os
    import shutil

    import pytest

    if shutil.which("soffice"):
        return
    message = "LibreOffice is not installed (Debian package libreoffice-writer-nogui)"
    if os.environ.get("MUSTER_REQUIRE_BROWSER"):
        pytest.fail(f"document conversion is required here: {message}")
    pytest.skip(message)


def pdf_text(path: Path) -> list[str]:
    """The text of each page of a PDF, NFKC-normalised.

    Noto CJK maps some ideographs to their Kangxi-radical twins in the PDF's ToUnicode
    table (网 extracts as ⽹); NFKC folds them back.
    """
    import unicodedata

    from pypdf import PdfReader

    return [unicodedata.normalize("NFKC", page.extract_text()) for page in PdfReader(path).pages]


def is_a4(path: Path) -> bool:
    """Whether every page of a PDF is A4 (595 x 842 pt, within 2 pt)."""
    from pypdf import PdfReader

    return all(abs(float(p.mediabox.width) - 595.0) < 2 and abs(float(p.mediabox.height) - 842.0)
               < 2 for p in PdfReader(path).pages)
