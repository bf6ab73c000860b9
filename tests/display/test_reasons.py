"""Waited households' reasons are grouped by where and why, and every group has words."""

import pandas as pd

from musterpoint.display.reasons import reason_group, reason_groups
from musterpoint.maps.run_map_text import REASONS as MAP_REASONS
from musterpoint.reports.run_summary import reason_rows
from musterpoint.reports.run_summary_text import REASONS as REPORT_REASONS

ENGINE = [  # as sim/evacuation/waiting.py writes them
    "cut off at home since 0:15: no road reopened before the end",
    "cut off on the road (node index 30) since 12:05: no road reopened before the end",
    "cut off at home since 1:00: gave up waiting for a road to reopen",
    "cut off on the road (node index 7) since 0:05: gave up waiting for a road to reopen",
]


def test_reason_group_drops_node_and_time_only() -> None:
    assert reason_group(ENGINE[0]) == "cut off at home: no road reopened before the end"
    assert reason_group(ENGINE[1]) == "cut off on the road: no road reopened before the end"
    assert reason_group("every shelter full") == "every shelter full"
    assert list(reason_groups(pd.Series(ENGINE))) == [reason_group(r) for r in ENGINE]


def test_every_group_has_plain_words_in_report_and_map() -> None:
    for r in ENGINE:
        assert reason_group(r) in REPORT_REASONS, r
        assert reason_group(r) in MAP_REASONS, r


def test_report_rows_sum_the_waited_households_of_one_group() -> None:
    agents = pd.DataFrame({
        "status": ["stranded"] * 3, "persons": [3, 4, 5], "role": ["evacuee"] * 3,
        "reason": [ENGINE[0], "cut off at home since 0:09: no road reopened before the end",
                   ENGINE[1]], "depart_s": [0.0] * 3})
    rows = reason_rows(agents, 3600.0, zh=True)
    by = {r["reason"]: r["persons"] for r in rows}
    assert by == {"cut off at home: no road reopened before the end": 7,
                  "cut off on the road: no road reopened before the end": 5}
    assert all("cut off" not in r["why"] for r in rows), rows


def test_a_zone_never_ordered_out_is_said_so_whether_its_order_time_is_missing_or_inf() -> None:
    agents = pd.DataFrame({
        "status": ["never_departed"] * 3, "persons": [2, 3, 4], "role": ["evacuee"] * 3,
        "reason": ["", "", ""], "order_s": [float("inf"), float("nan"), 600.0],
        "depart_s": [float("inf"), float("nan"), 9000.0]})
    rows = reason_rows(agents, 3600.0, zh=False)
    assert {r["reason"]: r["persons"] for r in rows} == {"not ordered": 5, "after the end": 4}


def test_people_sheltering_in_place_are_listed_with_plain_words() -> None:
    reason = "cut off at home at the order: sheltering in place / needs rescue"
    agents = pd.DataFrame({"status": ["sheltering_in_place", "arrived"], "persons": [7, 5],
                           "role": ["evacuee"] * 2, "reason": [reason, ""],
                           "order_s": [0.0, 0.0], "depart_s": [60.0, 60.0]})
    rows = reason_rows(agents, 3600.0, zh=True)
    assert [(r["status"], r["persons"]) for r in rows] == [("sheltering_in_place", 7)]
    assert rows[0]["state"] == "就地避险（需救援）" and "需要救援" in rows[0]["why"]
    assert reason in MAP_REASONS
