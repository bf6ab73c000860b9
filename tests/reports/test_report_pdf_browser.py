"""``muster run --pdf`` and ``muster compare --pdf``: A4 PDFs whose text reads back, with
the first screen whole on page 1 and no short table split across pages."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from musterpoint.cli import main
from musterpoint.display.reasons import reason_groups
from musterpoint.reports.comparison_report import format_value
from musterpoint.reports.comparison_summary import LABELS as CMP_LABELS
from musterpoint.reports.pdf import pdf_beside
from musterpoint.reports.run_summary import explain_reason
from musterpoint.reports.run_summary_text import LABELS, STATUS
from tests.helpers.browser_support import is_a4, needs_chromium, pdf_text
from tests.helpers.scenario_factory import make_scenario


def _nfkc(text: str) -> str:
    """As the PDF's text reads back (full-width punctuation folded, like pdf_text)."""
    return unicodedata.normalize("NFKC", text)


def _loose(text: str) -> re.Pattern[str]:
    """Matches ``text`` as read back, where an ideograph may come out as its radical twin
    (Noto CJK's ToUnicode maps 车 to ⻋, which NFKC does not fold)."""
    return re.compile("".join(f"(?:{re.escape(c)}|[\u2e80-\u2fdf])" if "\u4e00" <= c <= "\u9fff"
                              else re.escape(c) for c in _nfkc(text)))


@pytest.mark.browser
@pytest.mark.slow
def test_chinese_run_report_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs_chromium()
    scenario = make_scenario(tmp_path / "grid")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--plan", "now", "--out", str(out), "--no-catalog",
                 "--no-progress", "--no-map", "--lang", "zh", "--pdf"]) == 0
    printed = capsys.readouterr().out
    assert f"{out / 'report.pdf'}" in printed and "疏散人员" in printed  # the summary in Chinese
    pdf = out / "report.pdf"
    assert is_a4(pdf), "the report prints on A4"
    pages = pdf_text(pdf)
    text = "\n".join(pages)
    assert "\x00" not in text, "Chinese printed as boxes: install fonts-noto-cjk"
    # the whole first screen is on page 1: heading, reasons, and every reason's persons
    first = pages[0]
    for key in ("verdict", "who_not", "why_not_reached"):
        assert _nfkc(LABELS[key][1]) in first, key
    agents = pd.read_parquet(out / "agents.parquet")
    lost = agents[agents["status"] != "arrived"].assign(
        reason=lambda d: reason_groups(d["reason"])).groupby(["status", "reason"])["persons"].sum()
    assert len(lost) >= 2
    lines = [" ".join(line.split()) for line in first.splitlines()]
    for (status, reason), persons in lost.items():
        row = _loose(f"{STATUS[status][1]} {explain_reason(reason, True)} {persons:,}")
        assert any(row.match(line) for line in lines), row.pattern
    # the shelters table (header to total row) is on one page
    holding = [p for p in pages if "满员率" in p]
    assert len(holding) == 1 and "合计" in holding[0].split("满员率", 1)[1]


def test_pdf_without_the_report_is_refused(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--pdf", "--no-report", "--out", str(tmp_path / "x")]) == 2
    assert "drop --no-report" in capsys.readouterr().err


def test_no_browser_warns_and_keeps_the_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    html = tmp_path / "report.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    monkeypatch.setenv("MUSTER_CHROMIUM", str(tmp_path / "no-such-browser"))
    with caplog.at_level(logging.WARNING):
        assert pdf_beside(html) is None
    assert "PDF unavailable: no Chromium at" in caplog.text
    assert html.is_file() and not html.with_suffix(".pdf").exists()


@pytest.mark.browser
@pytest.mark.slow
def test_chinese_comparison_report_pdf(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The first screen comes before every table, and the PDF's zone table has the numbers."""
    needs_chromium()
    scenario = make_scenario(tmp_path / "grid")
    out = tmp_path / "cmp"
    catalog = tmp_path / "catalog.sqlite"
    assert main(["compare", str(scenario), "--out", str(out), "--no-progress", "--no-map",
                 "--catalog", str(catalog), "--plans", "now", "late", "-n", "2",
                 "--workers", "1", "--lang", "zh", "--pdf"]) == 0
    assert f"pdf:     {out / 'comparison_report.pdf'}" in capsys.readouterr().out
    page = (out / "comparison_report.html").read_text(encoding="utf-8")
    assert page.index('id="verdict"') < page.index("<table")
    pdf = out / "comparison_report.pdf"
    assert is_a4(pdf)
    pages = pdf_text(pdf)
    assert _nfkc(CMP_LABELS["verdict"][1]) in pages[0]
    comp = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    text = "\n".join(pages)
    reached = [(z, v["plans"]["now"]["evacuation.ete50_s"]) for z, v in comp["zones"].items()]
    reached = [(z, iv) for z, iv in reached if iv["mean"] is not None]
    assert reached, "the grid's 'now' plan gets some zone half out"
    for zone, iv in reached:
        cell = f"{format_value('evacuation.ete50_s', iv['mean'])} ({iv['n']}/2)"
        assert re.search(rf"{re.escape(zone)}\s+{re.escape(cell)}", text), (zone, cell)
    # re-rendered from the catalog, in English, with its PDF beside it
    again = tmp_path / "again" / "c1.html"
    assert main(["report", "--from-catalog", "C1", "--catalog", str(catalog), "--out",
                 str(again), "--pdf"]) == 0
    assert f"pdf:    {again.with_suffix('.pdf')}" in capsys.readouterr().out
    assert "Did these plans work?" in pdf_text(again.with_suffix(".pdf"))[0]
