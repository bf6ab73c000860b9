"""`muster run` attaches the flow bound: KPIs, chart, bottleneck layer and the suggestion."""

from __future__ import annotations

import json
import re

import yaml

from musterpoint.cli import main


def test_run_reports_the_bound_and_writes_a_runnable_staged_plan(grid_scenario, tmp_path,
                                                                 capsys):
    out = tmp_path / "run"
    assert main(["run", str(grid_scenario), "--out", str(out), "--no-progress",
                 "--suggest-plan"]) == 0
    kpis = json.loads((out / "kpis.json").read_text())
    b = kpis["bounds"]
    e = kpis["evacuation"]
    # the bound is never slower than the simulation
    if e["ete50_s"] is not None:
        assert b["ete50_s"] is not None and b["ete50_s"] <= e["ete50_s"] + 1e-6
        assert 0 < b["efficiency50"] <= 1.0 + 1e-9
    assert b["max_persons_safe"] >= e["arrived"]
    report = (out / "report.html").read_text()
    assert 'id="bound"' in report
    # the arrival chart (an inline SVG with its text kept as text) draws the bound's curve
    charts = re.findall(r"<svg.*?</svg>", report, flags=re.S)
    assert any("Best any plan could do (flow bound)" in c for c in charts)
    sug = json.loads((out / "suggestions.json").read_text())
    assert sug["seeds"] == [1, 2, 3, 4, 5]
    assert len(sug["base"]["scores"]) == 5
    assert 'id="suggestions"' in report
    printed = capsys.readouterr().out
    assert "suggestions (5 common seeds 1–5)" in printed
    if sug["suggested"] is None:  # nothing helped: said why, and no plan written
        assert sug["why_none"] and not (out / "suggested-plan.yaml").exists()
        assert "no suggestion helps" in printed
        return
    plan = yaml.safe_load((out / "suggested-plan.yaml").read_text())
    scen = out / "scenario-with-suggestion.yaml"
    assert main(["run", str(scen), "--plan", plan["name"], "--out", str(tmp_path / "staged"),
                 "--no-progress", "--no-map", "--no-bound"]) == 0
    staged = json.loads((tmp_path / "staged" / "kpis.json").read_text())
    assert staged["ledger"]["balanced"] is True


def test_suggest_plan_without_the_bound_is_refused_with_a_clear_message(grid_scenario,
                                                                        tmp_path, capsys):
    assert main(["run", str(grid_scenario), "--out", str(tmp_path / "r"), "--no-progress",
                 "--suggest-plan", "--no-bound"]) == 2
    err = capsys.readouterr().err
    assert "--suggest-plan" in err and "drop --no-bound" in err
    assert not (tmp_path / "r").exists()
