"""Statistics, standards, scoring and catalog units: known answers, nulls, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from musterpoint.catalog import Catalog, catalog_path
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.standards import Standard
from musterpoint.sim.kpis import scoring
from musterpoint.sim.kpis.standards import (
    ScopedStandard,
    check_known,
    collect_standards,
    evaluate,
    summarise,
)
from musterpoint.sim.kpis.statistics import (
    Target,
    flatten_kpis,
    flatten_zone_kpis,
    paired_difference,
    parse_target,
    replications_check,
    replications_needed,
    t_interval,
    unpaired_difference,
    verdict,
    wilson_interval,
)

KPIS = {
    "evacuation": {
        "evacuees": 100, "arrived": 80, "stranded": 20, "en_route": 0, "never_departed": 0,
        "ete50_s": 1200.0, "ete90_s": None, "exposed_persons": 5, "flag": True, "name": "x",
        "by_zone": {"Z1": {"ete90_s": 1000.0, "arrived": 50},
                    "Z2": {"ete90_s": None, "arrived": 30}},
    },
    "traffic": {"vehicle_km": 250.0, "nested": {"deep": 3}},
    "ledger": {"persons": {"total": 100}, "balanced": True},
}


def test_t_interval_matches_the_textbook_formula():
    x = [10.0, 12.0, 9.0, 11.0, 13.0]
    iv = t_interval(x)
    sd = float(np.std(x, ddof=1))
    hw = stats.t.ppf(0.975, 4) * sd / math.sqrt(5)
    assert iv.n == iv.n_total == 5
    assert iv.mean == pytest.approx(11.0)
    assert iv.half_width == pytest.approx(hw)
    assert (iv.lo, iv.hi) == pytest.approx((11.0 - hw, 11.0 + hw))


def test_nulls_are_counted_not_averaged():
    iv = t_interval([None, 5.0, None, 7.0])
    assert (iv.n, iv.n_total, iv.mean) == (2, 4, 6.0)
    one = t_interval([None, 3.0])
    assert one.mean == 3.0 and one.half_width is None
    none = t_interval([None, None])
    assert none.n == 0 and none.mean is None


def test_paired_difference_of_identical_values_has_zero_width():
    a = [3.0, 8.0, 1.5, None]
    d = paired_difference(a, list(a))
    assert d.n == 3 and d.mean == 0.0 and d.half_width == 0.0
    assert verdict(d, True) == "same"


def test_paired_beats_unpaired_when_the_noise_is_shared():
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 10, 20)
    a = list(100 + noise)
    b = list(103 + noise + rng.normal(0, 0.5, 20))
    p, u = paired_difference(a, b), unpaired_difference(a, b)
    assert p.half_width < u.half_width / 5
    assert p.mean == pytest.approx(u.mean)
    assert verdict(p, True) == "worse" and verdict(p, False) == "better"
    assert verdict(p, None) == "higher"


def test_unpaired_matches_welch():
    a, b = [1.0, 2.0, 4.0, 3.0], [2.0, 5.0, 6.0, 4.5, 5.5]
    u = unpaired_difference(a, b)
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert (u.lo, u.hi) == pytest.approx((ci.low, ci.high))


def test_replications_needed_is_the_smallest_n_that_reaches_the_target():
    sd, h = 40.0, 10.0
    n = replications_needed(sd, h)
    assert n is not None
    assert stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= h
    assert stats.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > h
    assert n == pytest.approx((1.96 * sd / h) ** 2, rel=0.15)
    assert replications_needed(0.0, 1.0) == 2
    assert replications_needed(None, 1.0) is None
    assert replications_needed(1.0, 0.0) is None


def test_replications_check_says_when_there_were_too_few():
    table = {"k": {"plans": {"a": t_interval([1.0, 9.0, 2.0, 8.0]).to_dict(),
                             "b": t_interval([5.0, 5.0, 5.0]).to_dict()}}}
    out = replications_check(table, [Target("k", 0.5, False)], 4)
    assert out["max_needed"] and out["max_needed"] > 4
    assert any("needs about" in line and "(a)" in line for line in out["too_few"])
    assert [r["enough"] for r in out["rows"]] == [False, True]


@pytest.mark.parametrize(("text", "target"), [
    ("5%", Target(None, 0.05, True)),
    ("evacuation.ete50_s=300", Target("evacuation.ete50_s", 300.0, False)),
    ("evacuation.ete50_s=2.5%", Target("evacuation.ete50_s", 0.025, True)),
])
def test_parse_target(text, target):
    assert parse_target(text) == target


@pytest.mark.parametrize("text", ["abc", "k=-1", "k=0%", "k="])
def test_parse_target_rejects_junk(text):
    with pytest.raises(ValueError, match=r"half-width|KPI=VALUE"):
        parse_target(text)


def test_wilson_interval():
    lo, hi = wilson_interval(30, 30) or (0, 0)
    assert hi == 1.0 and 0.85 < lo < 0.9
    assert wilson_interval(0, 0) is None


def test_flatten_takes_numeric_leaves_of_every_family_generically():
    flat = flatten_kpis({**KPIS, "relief": {"unmet_person_days": 12.5}})
    assert flat["evacuation.ete50_s"] == 1200.0
    assert flat["evacuation.ete90_s"] is None  # null: kept, not dropped
    assert flat["traffic.nested.deep"] == 3.0
    assert flat["relief.unmet_person_days"] == 12.5  # a new family plugs in
    assert not any(k.startswith("ledger") or "by_zone" in k for k in flat)
    assert "evacuation.flag" not in flat and "evacuation.name" not in flat
    zones = flatten_zone_kpis(KPIS)
    assert zones["Z1"]["evacuation.ete90_s"] == 1000.0 and zones["Z2"]["evacuation.ete90_s"] is None


def _std(**kw):
    base = {"id": "s", "kpi": "evacuation.ete50_s", "op": "<=", "threshold": 1800,
            "label": {"en": "half out in 30 min", "zh": "30分钟内一半撤离"}}
    return Standard(**{**base, **kw})


def test_standards_null_never_meets_and_per_zone_needs_every_zone():
    assert evaluate(_std(), KPIS).met
    assert not evaluate(_std(threshold=600), KPIS).met
    assert not evaluate(_std(kpi="evacuation.ete90_s", op=">=", threshold=0), KPIS).met
    z = evaluate(_std(kpi="ete90_s", per="zone", threshold=3600), KPIS)
    assert not z.met and z.failing == ["Z2"] and z.value is None
    z2 = evaluate(_std(kpi="evacuation.arrived", per="zone", op=">=", threshold=30), KPIS)
    assert z2.met and z2.value == 30.0
    s = summarise([evaluate(_std(), KPIS), evaluate(_std(threshold=1), KPIS)])
    assert (s["n_met"], s["n"], s["verdict"]) == (1, 2, "sometimes")


def test_unknown_kpi_names_file_and_field_and_suggests():
    scoped = [ScopedStandard(_std(kpi="evacuation.ete95_s"), "scenario", "sc.yaml", 3, ("a",))]
    with pytest.raises(InputError) as exc:
        check_known(scoped, KPIS)
    msg = str(exc.value)
    assert "sc.yaml: standards[3].kpi" in msg and "evacuation.ete50_s" in msg
    group = [ScopedStandard(_std(kpi="evacuation"), "scenario", "sc.yaml", 0, ("a",))]
    with pytest.raises(InputError, match="group"):
        check_known(group, KPIS)
    zone = [ScopedStandard(_std(kpi="ete95_s", per="zone"), "plan", "p.yaml", 0, ("a",))]
    with pytest.raises(InputError, match="per-zone"):
        check_known(zone, KPIS)


def test_duplicate_standard_ids_are_reported():
    with pytest.raises(InputError, match=r"sc.yaml: standards\[1\].id"):
        collect_standards([_std(), _std()], "sc.yaml", [])


def test_score_defaults_renormalise_missing_families_and_punish_nulls():
    out = scoring.score_run(KPIS, 3 * 3600.0)
    assert out["categories"]["supply"] is None  # no relief KPIs yet: dropped
    assert out["terms"]["evacuation.ete90_s"] == 1.0  # null = worst
    assert 0 <= out["composite"] <= 100
    w = scoring.DEFAULT_WEIGHTS.categories
    assert list(w) == ["life_safety", "timeliness", "supply", "cost"]
    assert w["life_safety"] > w["timeliness"] > w["supply"] > w["cost"]
    better = {**KPIS, "evacuation": {**KPIS["evacuation"], "stranded": 0}}
    assert scoring.score_run(better, 3 * 3600.0)["composite"] > out["composite"]


def test_weights_file_overrides_and_bad_files_are_clear(tmp_path: Path):
    f = tmp_path / "w.yaml"
    f.write_text("categories: {life_safety: 1.0, timeliness: 0}\n"
                 "terms:\n  - {kpi: evacuation.stranded, category: life_safety, per: evacuees}\n")
    w = scoring.load_weights(f)
    assert scoring.score_run(KPIS, 3600.0, w)["composite"] == pytest.approx(80.0)
    f.write_text("categories: {life_safety: 1.0}\nterms:\n  - {kpi: x.y, category: nope}\n")
    with pytest.raises(InputError, match=r"w.yaml: terms\[0\].category"):
        scoring.load_weights(f)
    f.write_text("categories: {life_safety: 1.0}\nterms:\n  - {kpi: x.y, category: life_safety}\n")
    with pytest.raises(InputError, match=r"w.yaml: terms\[0\].kpi: unknown KPI"):
        scoring.check_terms(scoring.load_weights(f), KPIS)


def test_catalog_round_trip(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MUSTER_CATALOG", str(tmp_path / "env.sqlite"))
    assert catalog_path() == tmp_path / "env.sqlite"
    assert catalog_path(tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
    with Catalog() as cat:
        rid = cat.record_run({"scenario": "s", "plan": "p", "seed": 4, "version": "0.1"}, KPIS)
        rows = cat.runs()
    assert rows[0]["id"] == rid and rows[0]["kpis"]["evacuation.arrived"] == 80.0
    assert rows[0]["kpis"]["evacuation.ete90_s"] is None
    with Catalog() as cat, pytest.raises(InputError, match="no comparison with id 9"):
        cat.comparison("C9")
