"""The studio's page and its own static files (``app/studio/static``).

The page holds no scenario text: its script fetches everything and puts scenario text in
as text (``textContent``), never as markup. The UI texts of both languages
(:mod:`musterpoint.studio.texts`) ride along in a JSON block the page reads.
"""

from __future__ import annotations

from pathlib import Path

from musterpoint.studio.texts import texts_json

__all__ = ["STATIC_DIR", "studio_page", "studio_static"]

#: Folder of the studio's HTML, JS and CSS (package data).
STATIC_DIR = Path(__file__).with_name("static")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def studio_page(lang: str = "en") -> str:
    """The studio's HTML page, with the UI texts and the initial language.

    Parameters
    ----------
    lang : str
        ``en`` or ``zh``: the language until the user chooses one (then remembered).

    Returns
    -------
    str
        The page.
    """
    page = (STATIC_DIR / "studio.html").read_text(encoding="utf-8")
    return (page.replace("{{TEXTS}}", texts_json())
            .replace("{{LANG}}", "zh" if lang.startswith("zh") else "en"))


def studio_static(rel: str) -> tuple[bytes, str] | None:
    """A file of :data:`STATIC_DIR` (JS or CSS), or None (no such file, or a path out)."""
    if not rel or "/" in rel or "\\" in rel or "\x00" in rel or rel.startswith("."):
        return None
    target = STATIC_DIR / rel
    if target.suffix not in _TYPES or not target.is_file():
        return None
    return target.read_bytes(), _TYPES[target.suffix]
