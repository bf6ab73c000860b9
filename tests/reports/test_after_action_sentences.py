"""The after-action sentences come from the catalog: the same words as before, both sides."""

from __future__ import annotations

from musterpoint.reports.after_action_text import decision_sentence, effects_clause

EFFECTS = [
    {"kpi": "evacuation.exposed_person_h", "with": 10.0, "without": 3410.0,
     "difference": -3400.0},
    {"kpi": "evacuation.arrived", "with": 900, "without": 780, "difference": 120},
    {"kpi": "evacuation.stranded", "with": 5, "without": 2, "difference": 3},
    {"kpi": "evacuation.ete90_s", "with": 5400.0, "without": 6600.0, "difference": -1200.0},
]
OPEN = {"kind": "open_shelter", "args": {"shelter": "pucrs"}, "sim_time_s": 7800.0,
        "effects": EFFECTS}
LINKS = {"kind": "close_links", "args": {"links": ["L1", "L2", "L3", "L4", "L5"]},
         "sim_time_s": 7800.0}


def test_a_decision_in_english() -> None:
    assert decision_sentence(OPEN, "en", {"pucrs": "PUCRS campus"}) == (
        "Opening shelter PUCRS campus at 2:10 cut exposure by 3,400 person-hours, brought 120 "
        "more people to a shelter, left 3 more people stranded and made ETE90 0:20 earlier.")
    assert decision_sentence({**LINKS, "effects": None}, "en") == (
        "Closing roads L1, L2, L3 and 2 more at 2:10: not attributed one by one.")


def test_a_decision_in_chinese() -> None:
    assert decision_sentence(OPEN, "zh", {"pucrs": "体育馆"}) == (
        "2:10，开放避难场所体育馆，使暴露减少3,400人时，多120人到达避难场所，受困人数增加3，"
        "ETE90提前0:20。")
    assert decision_sentence({**LINKS, "effects": None}, "zh").endswith(
        "L1、L2、L3等5条：未逐项评估。")


def test_no_effect_and_a_single_phrase() -> None:
    assert effects_clause([], "zh") == "对主要指标没有可见影响"
    assert effects_clause([], "en") == "made no visible difference to the main figures"
    assert effects_clause(["a"], "en") == "a"
