"""In a browser, the run report's first screen (a laptop's 1280 x 800 window) states whether
the plan worked and why people were not evacuated, in English and in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from musterpoint.reports import write_run_report
from musterpoint.reports.run_summary_text import LABELS, REASONS
from tests.helpers.summary_fixture import CUT_OFF, NO_CAR, with_reasons

VIEW = {"width": 1280, "height": 800}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_first_screen_states_the_reasons(browser: Any, tmp_path: Path, lang: str) -> None:
    k = 1 if lang == "zh" else 0
    html = write_run_report(with_reasons(lang), tmp_path / f"report-{lang}.html")
    page = browser.new_page(viewport=VIEW)
    try:
        page.goto(html.as_uri())
        page.screenshot(path=str(tmp_path / f"first-screen-{lang}.png"))
        for text in (LABELS["verdict"][k], LABELS["who_not"][k], REASONS[NO_CAR][k],
                     REASONS[CUT_OFF][k]):
            box = page.get_by_text(text, exact=False).first.bounding_box()
            assert box is not None, text
            assert box["y"] + box["height"] <= VIEW["height"], f"below the first screen: {text}"
        # the answer is coloured as a failure (a standard is missed) and no table comes first
        colour = page.locator("p.verdict-answer").evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(198, 40, 40)"
        first_table = page.locator("table").first
        assert first_table.evaluate("t => t.closest('#verdict') !== null")
    finally:
        page.close()
