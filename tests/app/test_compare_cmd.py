"""``muster compare``, ``runs`` and ``report`` on the small grid scenario (fast)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from musterpoint.catalog import Catalog, comparison_json
from musterpoint.cli import main
from musterpoint.compare_cmd import record_run
from musterpoint.sim import experiments as ex
from musterpoint.sim.kpis.scoring import DEFAULT_WEIGHTS
from tests.helpers.scenario_factory import make_scenario

#: "now" reaches ETE50 in about 16 min on every seed; "late" (ordered at 0:30) never does.
STANDARD = {"id": "half-out-30min", "kpi": "evacuation.ete50_s", "op": "<=", "threshold": 1800,
            "label": {"en": "Half of the residents out within 30 minutes",
                      "zh": "30分钟内半数居民撤离"}}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return make_scenario(tmp_path / "grid", standards=[STANDARD])


def _compare(sc: Path, out: Path, *extra: str) -> int:
    return main(["compare", str(sc), "--out", str(out), "--no-progress",
                 "--catalog", str(out.parent / "catalog.sqlite"), *extra])


def _load(out: Path) -> dict:
    return json.loads((out / "comparison.json").read_text(encoding="utf-8"))


def test_compare_scores_checks_standards_and_records(scenario, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert _compare(scenario, out, "--plans", "now", "late", "-n", "4", "--workers", "1") == 0
    printed = capsys.readouterr().out
    assert "ranking by composite score" in printed and "catalog: comparison C1" in printed
    names = {p.name for p in out.iterdir()}
    assert {"comparison.json", "comparison_report.html", "difference_map_now_vs_late.html",
            "replications.csv", "timing.json"} <= names
    comp = _load(out)
    assert comp["seeds"] == [1, 2, 3, 4] and comp["baseline"] == "now"
    assert "wall_time_s" not in json.dumps(comp)  # wall clock lives in timing.json
    std = next(s for s in comp["standards"] if s["id"] == "half-out-30min")
    assert std["plans"]["now"]["verdict"] == "met" and std["plans"]["now"]["share"] == 1.0
    assert std["plans"]["late"]["verdict"] == "missed" and std["plans"]["late"]["n_met"] == 0
    assert comp["score"]["ranking"][0]["plan"] == "now"
    iv = comp["kpis"]["evacuation.arrived"]["plans"]["now"]
    assert iv["n"] == 4 and iv["lo"] < iv["mean"] < iv["hi"]
    assert comp["kpis"]["evacuation.ete90_s"]["plans"]["late"]["n"] == 0  # null: counted

    page = (out / "comparison_report.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-standard="half-out-30min">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = dict(re.findall(r'data-plan="([^"]+)" data-verdict="([^"]+)"', row.group(1)))
    assert cells == {"now": "met", "late": "missed"}
    assert "Half of the residents out within 30 minutes" in page

    dmap = (out / "difference_map_now_vs_late.html").read_text(encoding="utf-8")
    assert "Change in ETE90" in dmap and "Z00-00" in dmap

    assert main(["runs", "--catalog", str(tmp_path / "catalog.sqlite"), "--all"]) == 0
    listing = capsys.readouterr().out
    assert "C1\t" in listing and listing.count("grid-test\t") >= 9  # 1 comparison + 8 runs

    again = tmp_path / "again.html"
    assert main(["report", "--from-catalog", "C1", "--catalog",
                 str(tmp_path / "catalog.sqlite"), "--out", str(again)]) == 0

    def body(text: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d \([\w/]+\)", "", text)

    assert body(again.read_text(encoding="utf-8")) == body(page)
    zh = tmp_path / "zh.html"
    assert main(["report", "--from-catalog", "1", "--catalog", str(tmp_path / "catalog.sqlite"),
                 "--out", str(zh), "--lang", "zh"]) == 0
    assert "30分钟内半数居民撤离" in zh.read_text(encoding="utf-8")


def test_paired_difference_of_a_plan_with_itself_has_zero_width(tmp_path):
    sc = make_scenario(tmp_path / "grid")
    data = yaml.safe_load((sc.parent / "plan-now.yaml").read_text())
    data["name"] = "now-again"
    (sc.parent / "plan-now-again.yaml").write_text(yaml.safe_dump(data))
    scd = yaml.safe_load(sc.read_text())
    scd["plans"].append("plan-now-again.yaml")
    sc.write_text(yaml.safe_dump(scd, sort_keys=False))
    out = tmp_path / "self"
    assert _compare(sc, out, "--plans", "now", "now-again", "-n", "3", "--workers", "1",
                    "--no-map", "--no-report", "--no-catalog") == 0
    diffs = _load(out)["differences"][0]["kpis"]
    for kpi, d in diffs.items():
        assert d["paired"]["half_width"] in (0.0, None), kpi
        assert d["paired"]["mean"] in (0.0, None), kpi
        assert d["verdict"] in ("same", "no data"), kpi
    assert diffs["evacuation.arrived"]["unpaired"]["half_width"] > 0  # the seeds do differ


def test_local_processes_give_bit_identical_results(scenario, tmp_path):
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        assert _compare(scenario, out, "-n", "3", "--workers", workers, "--no-map",
                        "--no-report", "--no-catalog") == 0
        outs.append((out / "comparison.json").read_bytes())
        assert json.loads((out / "timing.json").read_text())["executor"] == (
            "serial" if workers == "1" else "local")
    assert outs[0] == outs[1]


def test_too_few_replications_are_reported(scenario, tmp_path, capsys):
    out = tmp_path / "few"
    assert _compare(scenario, out, "-n", "3", "--workers", "1", "--no-map", "--no-report",
                    "--no-catalog", "--target-halfwidth", "evacuation.arrived=0.5") == 0
    check = _load(out)["replications_check"]
    assert check["max_needed"] > 3
    assert any(line.startswith("evacuation.arrived") for line in check["too_few"])
    assert "too few replications: evacuation.arrived" in capsys.readouterr().out


def test_new_kpi_families_plug_in(grid_world):
    loaded, world = grid_world
    ex.prime_world(loaded.path, world)
    plans = list(loaded.plans.values())
    runs = ex.run_replications(ex.make_jobs(loaded.path, plans, 3, 1), ex.SerialExecutor())
    for s in runs:  # a family the engine does not have yet
        s.kpis = {**s.kpis, "relief": {"unmet_person_days": float(s.seed + len(s.plan))}}
    comp = ex.build_comparison(runs, scenario={"name": "g"}, standards=[],
                               plans=[{"name": p.name} for p in plans],
                               weights=DEFAULT_WEIGHTS, base_seed=1)
    assert comp["kpis"]["relief.unmet_person_days"]["plans"]["now"]["mean"] == 5.0
    d = comp["differences"][0]["kpis"]["relief.unmet_person_days"]
    assert d["paired"]["mean"] == 1.0 and d["paired"]["half_width"] == 0.0
    assert comparison_json(comp) == comparison_json(comp)


def test_record_run_hook(grid_world, tmp_path):
    from musterpoint.sim.engine import simulate

    loaded, world = grid_world
    result = simulate(world, loaded.plan("now"), 5)
    record_run(result, tmp_path / "run", tmp_path / "c.sqlite")
    with Catalog(tmp_path / "c.sqlite") as cat:
        rows = cat.runs(kind="run")
    assert rows[0]["plan"] == "now" and rows[0]["seed"] == 5
    assert rows[0]["kpis"]["evacuation.arrived"] == result.kpis["evacuation"]["arrived"]


# ---------------------------------------------------------------------- bad input
def zero_replications(sc: Path, tmp: Path) -> tuple[list[str], str]:
    return ["-n", "0"], "--replications"


def plans_of_two_scenarios(sc: Path, tmp: Path) -> tuple[list[str], str]:
    other = make_scenario(tmp / "other", name="other-grid")
    return ["--plans", "now", str(other.parent / "plan-late.yaml")], "belongs to scenario"


def standard_on_unknown_kpi(sc: Path, tmp: Path) -> tuple[list[str], str]:
    d = yaml.safe_load(sc.read_text())
    d["standards"][0]["kpi"] = "evacuation.ete95_s"
    sc.write_text(yaml.safe_dump(d, sort_keys=False))
    return [], "standards[0].kpi: unknown KPI 'evacuation.ete95_s'"


def plan_standard_on_unknown_kpi(sc: Path, tmp: Path) -> tuple[list[str], str]:
    p = sc.parent / "plan-late.yaml"
    d = yaml.safe_load(p.read_text())
    d["standards"] = [{**STANDARD, "kpi": "traffic.jam_hours"}]
    p.write_text(yaml.safe_dump(d))
    return [], "plan-late.yaml: standards[0].kpi"


def unknown_plan(sc: Path, tmp: Path) -> tuple[list[str], str]:
    return ["--plans", "now", "later"], "no plan named 'later'"


def plan_twice(sc: Path, tmp: Path) -> tuple[list[str], str]:
    return ["--plans", "now", "now"], "listed twice"


def bad_target(sc: Path, tmp: Path) -> tuple[list[str], str]:
    return ["--target-halfwidth", "evacuation.arrived=-3"], "--target-halfwidth"


def weights_unknown_kpi(sc: Path, tmp: Path) -> tuple[list[str], str]:
    w = tmp / "weights.yaml"
    w.write_text("categories: {life_safety: 1}\n"
                 "terms: [{kpi: evacuation.strandd, category: life_safety}]\n")
    return ["--weights", str(w)], "weights.yaml: terms[0].kpi: unknown KPI"


BAD = [zero_replications, plans_of_two_scenarios, standard_on_unknown_kpi,
       plan_standard_on_unknown_kpi, unknown_plan, plan_twice, bad_target, weights_unknown_kpi]


@pytest.mark.parametrize("case", BAD, ids=[c.__name__ for c in BAD])
def test_bad_input_gives_one_clear_message(case, scenario, tmp_path, capsys):
    extra, expect = case(scenario, tmp_path)
    out = tmp_path / "out"
    rc = _compare(scenario, out, "-n", "2", "--workers", "1", *extra)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and expect in err, err
    assert "Traceback" not in err
    assert not out.exists()
