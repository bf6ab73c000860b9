"""Tests for the HTML run report (musterpoint.reports.run_report) and time formatting."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from musterpoint.display.timefmt import epoch_ms, format_clock, format_hmm, wall_clock
from musterpoint.reports import write_run_report
from musterpoint.sim.result import RunResult
from tests.helpers.run_fixture import make_run_result


def _write(result: RunResult, tmp_path: Path) -> str:
    out: Path = write_run_report(result, tmp_path / "sub" / "report.html")
    assert out == tmp_path / "sub" / "report.html"
    return out.read_text(encoding="utf-8")


def test_report_sections_and_credits(tmp_path: Path) -> None:
    text = _write(make_run_result(), tmp_path)
    assert '<meta charset="utf-8">' in text
    assert '"Noto Sans CJK SC"' in text
    assert "Porto Alegre flood &lt;test&gt;" in text  # scenario title, escaped
    assert "Baseline plan" in text
    assert "<dt>Seed</dt><dd>7</dd>" in text
    for heading in ("Person ledger", "Headline results", "Evacuation time estimate by zone"):
        assert heading in text
    assert "© OpenStreetMap contributors, ODbL 1.0" in text
    assert "Sample data from the r5r package (Pereira et al., Ipea), MIT license" in text
    assert "Nodes read" in text and "21,380" in text
    assert "<script" not in text  # no JS at all: the page is self-contained


def test_ledger_sums_to_evacuees(tmp_path: Path) -> None:
    result = make_run_result()
    ev = result.kpis["evacuation"]
    text = _write(result, tmp_path)
    total = ev["arrived"] + ev["stranded"] + ev["en_route"] + ev["never_departed"]
    assert total == ev["evacuees"]
    for label, key in (("Arrived", "arrived"), ("Stranded", "stranded"), ("En route", "en_route")):
        assert f"<tr><td>{label}</td><td>{ev[key]:,}</td></tr>" in text
    assert f'<tr class="total"><td>Sum</td><td>{total:,}</td></tr>' in text
    assert "✓ Ledger balanced" in text


def test_unbalanced_ledger_is_flagged(tmp_path: Path) -> None:
    result = make_run_result()
    result.kpis["evacuation"]["arrived"] -= 1
    text = _write(result, tmp_path)
    assert "Ledger NOT balanced" in text
    assert 'class="box ledger bad"' in text


def test_headline_kpis_and_null_ete(tmp_path: Path) -> None:
    result = make_run_result()
    ev = result.kpis["evacuation"]
    text = _write(result, tmp_path)
    assert ev["ete100_s"] is None
    assert format_hmm(ev["ete50_s"]) in text
    assert f"({ev['ete50_s']:,.0f} s)" in text
    assert "not reached" in text
    assert "Person-hours exposed" in text and f"{ev['exposed_person_s'] / 3600:,.1f}" in text


def test_chart_is_inline_svg(tmp_path: Path) -> None:
    text = _write(make_run_result(), tmp_path)
    svg = re.search(r"<svg.*?</svg>", text, re.S)
    assert svg
    chart = svg.group(0)
    assert ">Arrived<" in chart and ">Flood level (m)<" in chart
    assert ">Hours after the first evacuation order (h)<" in chart
    assert ">-0<" not in chart


def test_chart_without_hazard_has_no_flood_axis(tmp_path: Path) -> None:
    result = make_run_result()
    del result.tables["hazard_frames"]
    text = _write(result, tmp_path)
    chart = re.search(r"<svg.*?</svg>", text, re.S)
    assert chart and "Flood level" not in chart.group(0)
    assert "flood level in metres" not in text


def test_zone_table_sorted_naturally(tmp_path: Path) -> None:
    result = make_run_result()
    zones = result.tables["zones"]
    extra = zones.iloc[[0]].assign(zone="Z10")
    result.tables["zones"] = pd.concat([zones, extra], ignore_index=True)
    text = _write(result, tmp_path)
    order = re.findall(r"<tr>\s*<td>(Z\d+)</td>", text)
    assert order == ["Z1", "Z2", "Z3", "Z10"]


def test_shelter_names_are_escaped(tmp_path: Path) -> None:
    text = _write(make_run_result(), tmp_path)
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; Ginásio &amp; Escola" in text
    assert "82%" in text  # S1: 49 of 60


def test_chinese_labels(tmp_path: Path) -> None:
    text = _write(make_run_result(language="zh"), tmp_path)
    assert '<html lang="zh-Hans">' in text
    for label in ("疏散时间估计", "已到达", "受困", "途中", "未出发", "未达到"):
        assert label in text
    assert "not reached" not in text


def test_missing_optional_data(tmp_path: Path) -> None:
    text = _write(RunResult(meta={}, kpis={}, tables={}), tmp_path)
    assert "No time series in this run." in text
    assert "No network information in this run." in text


def test_round_trip_through_run_folder(tmp_path: Path) -> None:
    loaded = RunResult.load(make_run_result().save(tmp_path / "run"))
    assert "<svg" in _write(loaded, tmp_path)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0:00"), (59.4, "0:01"), (3900, "1:05"), (90_000, "25:00"), (-600, "-0:10")],
)
def test_format_hmm(seconds: float, expected: str) -> None:
    assert format_hmm(seconds) == expected


def test_format_hmm_missing() -> None:
    assert format_hmm(None, "not reached") == "not reached"
    assert format_hmm(float("nan")) == "—"


def test_wall_clock_uses_scenario_zone() -> None:
    start, tz = "2024-05-03T06:00:00", "America/Sao_Paulo"
    assert format_clock(start, tz, 3600) == "2024-05-03 07:00"
    assert wall_clock(start, tz, 0).utcoffset() is not None
    assert epoch_ms(start, tz, 0) == 1714726800000
    # A start with an offset is converted into the scenario zone.
    assert format_clock("2024-05-03T09:00:00+00:00", tz, 0) == "2024-05-03 06:00"
    # DST: Europe/Berlin jumps from 02:00 to 03:00 on 2024-03-31.
    assert format_clock("2024-03-31T01:30:00", "Europe/Berlin", 3600) == "2024-03-31 03:30"
