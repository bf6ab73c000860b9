"""The run report's first screen answers "did this plan work?" before any table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from musterpoint.display.reasons import reason_groups
from musterpoint.reports import write_run_report
from musterpoint.reports.run_summary import (
    explain_reason,
    plain_duration,
    plain_value,
    reason_rows,
)
from musterpoint.reports.run_summary_text import REASONS, STATUS
from musterpoint.sim.result import RunResult
from tests.helpers.summary_fixture import CUT_OFF, NO_CAR
from tests.helpers.summary_fixture import with_reasons as _with_reasons


def _verdict(page: str) -> str:
    found = re.search(r'<section id="verdict".*?</section>', page, re.S)
    assert found, "the report has no first-screen verdict"
    return found.group(0)


def _rows(section: str, table: str = '<table class="reasons">') -> list[list[str]]:
    """The cells' text of each body row of the first ``table`` in ``section``."""
    body = re.search(rf"{table}.*?<tbody>(.*?)</tbody>", section, re.S)
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
    assert ("ETE100, the time until 100 % of the evacuees are at a shelter, is not reached "
            "either, for the same reason.") in section


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


def test_standards_table_rules_in_units_and_limit_in_words(tmp_path: Path) -> None:
    result = _with_reasons("zh")
    result.kpis["bounds"] = {"limited_by": "departures", "max_share_safe": 0.8}
    page = write_run_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    table = re.search(r'<section id="standards">.*?</section>', page, re.S)
    assert table
    rows = _rows(table.group(0), "<table>")
    assert rows[0][1:3] == ["ETE50 ≤ 1小时30分钟", "1小时11分钟"]
    assert rows[1][1:3] == ["ETE50 ≤ 30分钟（每个区域）", "—"]
    assert 'title="evacuation.ete50_s &lt;= 5400"' in table.group(0)  # the key, for experts
    assert "限制因素：居民离家的快慢（出发时间），而非道路" in page



def test_muster_run_prints_who_is_not_at_a_shelter_and_why(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal summary lists the groups of agents.parquet that did not arrive."""
    from musterpoint.cli import main
    from tests.helpers.scenario_factory import make_scenario

    out = tmp_path / "run"
    assert main(["run", str(make_scenario(tmp_path / "grid")), "--plan", "now", "--out",
                 str(out), "--no-catalog", "--no-progress", "--no-map", "--no-report",
                 "--no-bound"]) == 0
    printed = capsys.readouterr().out
    ag = pd.read_parquet(out / "agents.parquet")
    lost = ag[ag["status"] != "arrived"].assign(
        reason=lambda d: reason_groups(d["reason"])).groupby(["status", "reason"])["persons"].sum()
    assert len(lost) >= 2
    _, _, rest = printed.partition("not at a shelter, and why:\n")
    assert rest, printed
    for (status, reason), persons in lost.items():
        line = f"  {persons:,} {STATUS[status][0]}: {explain_reason(reason, False)}\n"
        assert line in rest, line
