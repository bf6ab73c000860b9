"""The run map explains its terms: who did not reach a shelter and why (from
``agents.reason``), and every number with its unit, in English and Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from musterpoint.display.labels import pick_labels
from musterpoint.maps import write_run_map
from musterpoint.maps.run_map_explain import count, duration, reason_counts, reasons_text
from musterpoint.maps.run_map_text import TEXT
from tests.helpers.run_fixture import make_run_result

EN, ZH = pick_labels(TEXT, "en"), pick_labels(TEXT, "zh")


def _agents() -> pd.DataFrame:
    rows = [("Z1", "arrived", "", 500), ("Z1", "never_departed",
             "no transport (needs a bus or a ride)", 3_000),
            ("Z2", "never_departed", "no transport (needs a bus or a ride)", 609),
            ("Z1", "stranded", "no open route from the origin", 2_661),
            ("Z2", "en_route", None, 7), ("Z2", "stranded", "a new reason", 2)]
    frame = pd.DataFrame(rows, columns=["zone", "status", "reason", "persons"])
    through = pd.DataFrame([("", "stranded", "no open route from the origin", 519),
                            ("Z1", "en_route", "on the road", 32)],
                           columns=["zone", "status", "reason", "persons"])
    # background (through) traffic is not counted among the evacuees
    return pd.concat([frame.assign(role="evacuee"), through.assign(role="background")])


def test_reasons_are_counted_per_zone_and_in_all() -> None:
    counts = reason_counts(_agents())
    assert counts[(None, "never_departed")] == {"no transport (needs a bus or a ride)": 3_609}
    assert counts[("Z1", "stranded")] == {"no open route from the origin": 2_661}
    assert counts[("Z2", "en_route")] == {"on the road": 7}
    assert ("Z1", "arrived") not in counts
    assert counts[(None, "stranded")] == {"no open route from the origin": 2_661,
                                          "a new reason": 2}
    assert ("Z1", "en_route") not in counts
    merged = {**counts[(None, "never_departed")], **counts[(None, "stranded")]}
    assert reasons_text(merged, "en") == (
        "no transport 3,609, cut off (no open road out) 2,661, a new reason 2")
    assert reasons_text(merged, "zh") == (
        "无交通工具 3,609，被困（无可通行道路） 2,661，a new reason 2")
    assert reason_counts(None) == {} and reason_counts(pd.DataFrame()) == {}
    assert reasons_text({"waiting at pickup point P7": 40, "": 1}, "zh") == (
        "在上车点P7等候 40，未记录原因 1")


def test_numbers_carry_units() -> None:
    assert duration(4_260, EN) == "1 h 11 min" and duration(4_260, ZH) == "1小时11分"
    assert duration(1_500, EN) == "25 min" and duration(None, EN, "not reached") == "not reached"
    assert count(1234.4, EN, "persons") == "1,234 people"
    assert count(1200, ZH, "places") == "1,200个床位"
    assert count(4500, EN, "vph") == "4,500 vehicles/h"


def test_zone_popup_says_who_did_not_arrive_and_why(tmp_path: Path) -> None:
    result = make_run_result()
    agents = result.tables["agents"]
    z = str(agents.loc[agents["status"] == "stranded", "zone"].iloc[0])
    n = int(agents.loc[(agents["status"] == "stranded") & (agents["zone"] == z), "persons"].sum())
    text = write_run_map(result, tmp_path / "map.html").read_text(encoding="utf-8")
    expected = f"<th>Stranded</th><td>{n:,} people; reasons: flooded link {n:,}</td>"
    assert json.dumps(expected)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e") in text
    assert "stranded: set out but reached no shelter" in text
    assert "ETE50/90/100: time after this zone" in text


def test_bottlenecks_are_named_by_street_with_capacity(tmp_path: Path) -> None:
    result = make_run_result()
    links = result.tables["links"]
    result.kpis["bounds"] = {"bottleneck_links": [str(links["link_id"].iloc[3])]}
    name, cap = links["name"].iloc[3], links["capacity_vph"].iloc[3]
    text = write_run_map(result, tmp_path / "map.html").read_text(encoding="utf-8")
    assert f'"tooltip": "Bottleneck: {name}"' in text
    cell = f"<th>Capacity</th><td>{cap:,.0f} vehicles/h</td>"
    assert cell.replace("<", "\\u003c").replace(">", "\\u003e") in text
    assert "its capacity limits how fast the whole area can be cleared" in text


def test_congested_roads_carry_their_street_names(tmp_path: Path) -> None:
    import re

    result = make_run_result()
    result.tables["links"].loc[0, "name"] = "<b>Rua</b> & Co"
    text = write_run_map(result, tmp_path / "map.html").read_text(encoding="utf-8")
    match = re.search(r"var musterStreets = (\[.*?\]);", text)
    assert match is not None
    names = json.loads(match.group(1))
    assert names[0] == "&lt;b&gt;Rua&lt;/b&gt; &amp; Co"  # escaped: tooltips are HTML
    indices = {int(i) for i in re.findall(r'"n": (\d+)', text)}
    assert indices and indices <= set(range(len(names)))


def test_chinese_popups_use_chinese_units_and_punctuation(tmp_path: Path) -> None:
    text = write_run_map(make_run_result(language="zh"), tmp_path / "map.html").read_text(
        encoding="utf-8")
    for phrase in ("人；原因：", "个床位", "受困：已出发但未抵达任何避难场所", "开始后"):
        assert json.dumps(phrase)[1:-1] in text, phrase


def test_legend_and_slider_follow_what_the_run_has(tmp_path: Path) -> None:
    result = make_run_result()
    result.kpis["evacuation"]["evacuees"] = 0  # a plan that orders nobody out
    result.tables["hazard_frames"]["kind"] = "plume"
    text = write_run_map(result, tmp_path / "map.html").read_text(encoding="utf-8")
    legend = text[text.index('<div id="musterpoint-legend">'):text.index("</footer>")]
    assert "Share evacuated" not in legend and "Flooded area" not in legend
    assert "Danger zone (plume)" in legend and "Road occupancy" in legend
    assert "first order" not in text
    assert "return s + \" (\" + \"start\" + ' ' + sign" in text
