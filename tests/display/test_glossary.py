"""The Chinese catalog uses the reviewed terms of ``docs/glossary.md``."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from musterpoint.display.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"


def _rows() -> list[tuple[str, list[str], str]]:
    """(English, accepted Chinese forms, msgid pattern) of every checked glossary row."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) != 4 or not cells[3].startswith("`"):
            continue
        forms = re.sub(r"\(.*?\)|（.*?）", "", cells[1])
        accepted = [f.strip() for f in re.split(r" / |；|、", forms) if f.strip()]
        rows.append((cells[0], accepted, cells[3].strip("`").replace(r"\|", "|")))
    return rows


def _catalog() -> dict[str, str]:
    """msgid -> Chinese of the compiled catalog (context entries under their msgid)."""
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "musterpoint.mo").open("rb") as fp:
        raw = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for key, text in raw.items():
        if isinstance(key, str) and key:
            out[f"{key.rpartition(chr(4))[2]} [{key}]"] = text
    return out


ROWS = _rows()


def test_glossary_has_the_reviewed_terms() -> None:
    zh = {form for _en, forms, _pat in ROWS for form in forms}
    for term in ("应急避难场所", "疏散时间估计", "受困", "应急响应等级", "就地避险", "人时"):
        assert term in zh, term
    assert len(ROWS) >= 15


@pytest.mark.parametrize(("english", "accepted", "pattern"), ROWS, ids=[r[0][:30] for r in ROWS])
def test_catalog_uses_the_glossary_term(english: str, accepted: list[str], pattern: str) -> None:
    matching = {mid: text for mid, text in _catalog().items()
                if re.search(pattern, mid.rsplit(" [", 1)[0], re.IGNORECASE)}
    wrong = {mid: text for mid, text in matching.items()
             if not any(form in text for form in accepted)}
    assert not wrong, f"{english}: use {' / '.join(accepted)} in {wrong}"


def test_the_check_can_fail() -> None:
    """A translation with an invented term for 'shelter' is caught."""
    _en, accepted, pattern = next(r for r in ROWS if r[0].startswith("emergency shelter"))
    assert re.search(pattern, "Shelters", re.IGNORECASE)
    assert not any(form in "避难所" for form in accepted)
