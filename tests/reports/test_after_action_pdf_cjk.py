"""The Chinese after-action PDF, printed by ``muster drill-report --pdf``, holds Chinese text.

On a server without a CJK font Chromium prints every Chinese character as a box (.notdef
glyphs in a Latin font): the text of such a PDF extracts as NUL characters. The README's
test command and CI install Debian's ``fonts-noto-cjk``; the report's CSS names
"Noto Sans CJK SC" first. Noto CJK maps some ideographs to their Kangxi-radical twins in
the PDF's ToUnicode table (网 extracts as ⽹), so the text is compared after NFKC
normalisation, which folds them back.
"""

from __future__ import annotations

import io
import sys
import unicodedata
from pathlib import Path

import pytest

from musterpoint.cli import main
from musterpoint.reports.after_action_text import LABELS
from tests.helpers.browser_support import needs_chromium, pdf_text
from tests.helpers.scenario_factory import make_scenario

#: Headings of the Chinese report that must come out of the PDF as Chinese text.
HEADINGS = ("report", "summary", "timeline", "china", "execution", "plan_eval",
            "coordination", "improvement")


@pytest.mark.browser
def test_chinese_after_action_pdf_text_extracts_as_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A drill with one decision; its zh report printed to PDF reads back in Chinese."""
    needs_chromium()
    scenario = make_scenario(tmp_path / "grid")
    session = tmp_path / "t.sqlite"
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "step 20\ndecide order_zones zones=Z00-00 -- 河水上涨，先撤低洼区\nquit\n"))
    assert main(["drill", str(scenario), "--plan", "late", "--session", str(session),
                 "--terminal"]) == 0
    capsys.readouterr()
    assert main(["drill-report", str(session), "--out", str(tmp_path / "aar"), "--lang", "zh",
                 "--pdf"]) == 0
    printed = capsys.readouterr()
    pdf = tmp_path / "aar" / "t-after-action.pdf"
    assert pdf.is_file(), printed.err

    text = "\n".join(pdf_text(pdf))
    assert "\x00" not in text, ("Chinese printed as boxes: install a CJK font "
                                "(Debian: apt-get install fonts-noto-cjk)")
    for key in HEADINGS:
        heading = unicodedata.normalize("NFKC", LABELS[key][1])
        assert heading in text, (key, heading)
    assert "网格测试" in text  # the scenario's Chinese title
    assert "河水上涨" in text  # the participant's rationale, typed in Chinese
