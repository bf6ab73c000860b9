"""The comparison report's first screen says, from comparison.json, whether the plans worked."""

from __future__ import annotations

from typing import Any

from musterpoint.reports.comparison_report import KPI_NAMES
from musterpoint.reports.comparison_summary import comparison_summary, curves_chart

NAMES = {"now": "Leave now", "staged": "Staged"}


def _iv(mean: float | None, n: int = 4) -> dict[str, Any]:
    return {"mean": mean, "n": n if mean is not None else 0, "n_total": 4}


def _comparison(best: str = "staged") -> dict[str, Any]:
    """Two plans, four replications; ``best`` ranks first; 'staged' misses the standard."""
    kpis: dict[str, Any] = {}
    for plan, arrived in (("now", 780.0), ("staged", 776.0)):
        for key, value in (("evacuees", 1000.0), ("arrived", arrived), ("stranded", 120.0),
                           ("never_departed", 1000.0 - arrived - 120.0), ("en_route", 0.0)):
            kpis.setdefault(f"evacuation.{key}", {"plans": {}})["plans"][plan] = _iv(value)
        kpis.setdefault("evacuation.ete50_s", {"plans": {}})["plans"][plan] = _iv(3000.0)
        kpis.setdefault("evacuation.ete90_s", {"plans": {}})["plans"][plan] = _iv(None)
    standard = {"key": "half", "label": {"en": "Half out in 90 min", "zh": "90分钟内半数撤出"},
                "plans": {"now": {"verdict": "met", "n_met": 4, "n": 4},
                          "staged": {"verdict": "missed", "n_met": 0, "n": 4}}}
    other = "now" if best == "staged" else "staged"
    return {"replications": 4, "kpis": kpis, "standards": [standard],
            "plans": [{"name": "now"}, {"name": "staged"}],
            "score": {"ranking": [{"plan": best, "score": 80.8, "rank": 1},
                                  {"plan": other, "score": 80.6, "rank": 2}]},
            "curves": {"time_h": [0.0, 1.0, 2.0],
                       "plans": {p: {"arrived_mean": [0, 50, 78], "arrived_min": [0, 45, 77],
                                     "arrived_max": [0, 55, 79]} for p in ("now", "staged")}}}


def _name(key: str) -> str:
    return KPI_NAMES[key][0]


def test_score_that_hides_a_failed_standard_is_flagged() -> None:
    s = comparison_summary(_comparison("staged"), NAMES, False, _name)
    assert s["status"] == "no"
    assert s["answer"].startswith("Staged has the best score (80.8 of 100), but it does not")
    assert s["warnings"] == ['The score ranks Staged first, yet it misses "Half out in 90 min" '
                             "in 4 of 4 replications, which Leave now meets in every one. Read "
                             "the standards before the score."]


def test_each_plan_in_plain_words() -> None:
    s = comparison_summary(_comparison("now"), NAMES, False, _name)
    assert s["status"] == "yes" and not s["warnings"]
    assert s["answer"] == ("Leave now has the best score (80.8 of 100) and meets every service "
                           "standard in all 4 replications.")
    now, staged = s["plans"]
    assert now["lines"] == [
        "on average 780 of 1,000 evacuees (78.0%) reached a shelter; 120 were stranded, 100 "
        "never left home and 0 were still on the way at the end.",
        "Met in every replication: Half out in 90 min."]
    assert staged["lines"][-1] == "Missed: Half out in 90 min (met in 0 of 4 replications)."
    assert s["not_reached"][0] == ("Leave now: ETE90 is reached in 0 of 4 replications. On "
                                   "average only 78.0% of the evacuees arrive; the stranded and "
                                   "those who never left stay in the count.")


def test_chinese() -> None:
    s = comparison_summary(_comparison("staged"), NAMES, True,
                           lambda k: KPI_NAMES[k][1])
    assert "综合得分最高" in s["answer"]
    assert s["plans"][0]["lines"][-1] == "未达标：90分钟内半数撤出（4次重复中0次达标）。"
    assert "请先看服务标准，再看得分。" in s["warnings"][0]


def test_curves_chart_has_every_plan_and_axes() -> None:
    svg = str(curves_chart(_comparison(), NAMES, False))
    for text in (">Leave now<", ">Staged<", ">Hours after the scenario start (h)<",
                 ">% of evacuees at a shelter<", "<figcaption>Each line is a plan"):
        assert text in svg, text
