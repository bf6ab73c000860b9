"""The run report's first screen answers "did this plan work?" before any table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from musterpoint.reports import write_run_report
from musterpoint.reports.run_summary import (
    explain_reason,
    plain_duration,
    plain_value,
    reason_rows,
)
from musterpoint.reports.run_summary_text import REASONS
from musterpoint.sim.result import RunResult
from tests.helpers.run_fixture import make_run_result

NO_CAR = "no transport (needs a bus or a ride)"
CUT_OFF = "no open route from the origin"


def _with_reasons(language: str = "en") -> RunResult:
    """The synthetic run with engine reasons on its not-arrived households, and standards."""
    result = make_run_result(language=language)
    ag = result.tables["agents"]
    ag.loc[ag["status"] == "stranded", "reason"] = CUT_OFF
    ag.loc[ag["status"] == "never_departed", "reason"] = NO_CAR
    # two more households of Z1 without a car, and one that was never ordered out
    extra = ag[ag["zone"] == "Z1"].iloc[:3].copy()
    extra["vehicle_id"] = np.arange(len(ag), len(ag) + 3)
    extra["status"], extra["reason"] = "never_departed", [NO_CAR, NO_CAR, ""]
    extra["arrive_s"], extra["depart_s"] = np.nan, np.nan
    extra.iloc[2, extra.columns.get_loc("order_s")] = np.nan
    ag = pd.concat([ag, extra], ignore_index=True)
    result.tables["agents"] = ag
    ev = result.kpis["evacuation"]
    for status in ("arrived", "stranded", "en_route", "never_departed"):
        ev[status] = int(ag.loc[ag["status"] == status, "persons"].sum())
    ev["evacuees"] = int(ag["persons"].sum())
    ev["ete90_s"] = None
    result.kpis["bounds"] = {"max_share_safe": 0.8}
    result.meta["standards"] = [
        {"id": "half", "kpi": "evacuation.ete50_s", "op": "<=", "threshold": 5400.0,
         "per": None, "label": "Half out within 1 h 30 min", "label_zh": "1小时30分钟内半数撤出",
         "met": True, "value": 4260.0, "failing": []},
        {"id": "zones", "kpi": "ete50_s", "op": "<=", "threshold": 1800.0, "per": "zone",
         "label": "Every zone half out in 30 min", "label_zh": "每个区域30分钟内半数撤出",
         "met": False, "value": None, "failing": ["Z3"]},
    ]
    return result


def _verdict(page: str) -> str:
    found = re.search(r'<section id="verdict".*?</section>', page, re.S)
    assert found, "the report has no first-screen verdict"
    return found.group(0)


def _rows(section: str) -> list[list[str]]:
    body = re.search(r'<table class="reasons">.*?<tbody>(.*?)</tbody>', section, re.S)
    assert body
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr,
                                                                   re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


def test_verdict_comes_before_every_table(tmp_path: Path) -> None:
    page = write_run_report(_with_reasons(), tmp_path / "r.html").read_text(encoding="utf-8")
    start = page.index('<section id="verdict"')
    for later in ("Person ledger", "Evacuation time estimate by zone", "<svg", 'id="standards"'):
        assert page.index(later) > start, later


def test_reasons_table_equals_the_agents_table(tmp_path: Path) -> None:
    """Every row's persons are the sum over agents.parquet of that state and reason."""
    result = _with_reasons()
    ag = result.tables["agents"]
    section = _verdict(write_run_report(result, tmp_path / "r.html").read_text(encoding="utf-8"))
    rows = _rows(section)
    evacuees = result.kpis["evacuation"]["evacuees"]
    no_car = int(ag.loc[ag["reason"] == NO_CAR, "persons"].sum())
    cut_off = int(ag.loc[ag["reason"] == CUT_OFF, "persons"].sum())
    unordered = int(ag.loc[ag["order_s"].isna(), "persons"].sum())
    en_route = int(ag.loc[ag["status"] == "en_route", "persons"].sum())
    expected = [
        ["stranded", REASONS[CUT_OFF][0], f"{cut_off:,}", f"{cut_off / evacuees:.1%}"],
        ["never left home", REASONS[NO_CAR][0], f"{no_car:,}", f"{no_car / evacuees:.1%}"],
        ["never left home", REASONS["not ordered"][0], f"{unordered:,}",
         f"{unordered / evacuees:.1%}"],
        ["still on the way", REASONS[""][0], f"{en_route:,}", f"{en_route / evacuees:.1%}"],
    ]
    assert rows == expected
    # together they are everybody who did not arrive
    not_arrived = evacuees - result.kpis["evacuation"]["arrived"]
    assert sum(int(r[2].replace(",", "")) for r in rows) == not_arrived


def test_standards_and_not_reached_are_explained(tmp_path: Path) -> None:
    section = _verdict(write_run_report(_with_reasons(), tmp_path / "r.html")
                       .read_text(encoding="utf-8"))
    assert "Not fully: 1 of 2 service standards are missed." in section
    assert "✓ met" in section and "this run: 1 h 11 min; required: ≤ 1 h 30 min" in section
    assert "missed in 1 zones: Z3; required: ≤ 30 min" in section
    assert "ETE90, the time until 90 % of the evacuees are at a shelter, is not reached" in section
    assert "at best 80.0% can get out" in section  # the bound's cap is below 90 %
    assert "ETE50, the time" not in section  # reached, so not explained


def test_chinese_first_screen(tmp_path: Path) -> None:
    section = _verdict(write_run_report(_with_reasons("zh"), tmp_path / "r.html")
                       .read_text(encoding="utf-8"))
    for words in ("这个方案管用吗？", "谁没有撤出，为什么", REASONS[NO_CAR][1], REASONS[CUT_OFF][1],
                  "未出发", "受困", "1小时11分钟", "为什么有的数字显示“未达到”"):
        assert words in section, words
    text = re.sub(r"<[^>]+>|agents\.parquet|ETE\d+|Z\d", "", section)
    assert not re.search(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)


def test_all_met_says_yes(tmp_path: Path) -> None:
    result = _with_reasons()
    for s in result.meta["standards"]:
        s["met"] = True
    section = _verdict(write_run_report(result, tmp_path / "r.html").read_text(encoding="utf-8"))
    assert 'class="verdict yes"' in section and "Yes: every service standard is met." in section


def test_without_agents_table_says_so(tmp_path: Path) -> None:
    assert reason_rows(None, 7200.0, False) is None
    result = _with_reasons()
    del result.tables["agents"]
    section = _verdict(write_run_report(result, tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "The reasons are not in this run (no agents table)." in section
    assert '<table class="reasons">' not in section


def test_nobody_evacuated_has_no_verdict(tmp_path: Path) -> None:
    page = write_run_report(RunResult(meta={}, kpis={"evacuation": {"evacuees": 0}}, tables={}),
                            tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="verdict"' not in page


@pytest.mark.parametrize(("seconds", "en", "zh"), [
    (4260, "1 h 11 min", "1小时11分钟"), (3600, "1 h", "1小时"), (1800, "30 min", "30分钟"),
    (29, "0 min", "0分钟"), (None, "—", "—")])
def test_plain_duration(seconds: float | None, en: str, zh: str) -> None:
    assert plain_duration(seconds, False) == en
    assert plain_duration(seconds, True) == zh


def test_plain_value_units() -> None:
    assert plain_value("evacuation.exposed_person_s", 7200.0, False) == "2.0 person-hours"
    assert plain_value("evacuation.exposed_person_s", 7200.0, True) == "2.0 人时"
    assert plain_value("evacuation.stranded", 2661.0, False) == "2,661"


def test_reason_with_an_id_is_explained() -> None:
    assert explain_reason("waiting at pickup point P7", False) == (
        "waiting at bus pickup point P7 at the end")
    on_bus = explain_reason(f"on a bus: {CUT_OFF}", True)
    assert on_bus == f"所乘巴士无法继续行驶（{REASONS[CUT_OFF][1]}）"
    assert explain_reason("something new", False) == "something new"
