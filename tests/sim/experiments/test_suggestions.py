"""Suggestions are simulated on common seeds and only those that help are kept: a
rejected candidate never reaches the written plan, and the report and terminal say why."""

from __future__ import annotations

import json

import yaml

from musterpoint.reports.suggestion_section import suggestion_section
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.experiments import SerialExecutor, prime_world
from musterpoint.sim.experiments.candidates import Candidate
from musterpoint.sim.experiments.suggestions import SUGGESTIONS_KEYS, suggest
from musterpoint.sim.world import build_world
from musterpoint.suggest_step import suggestion_lines, write_suggestion


def _opening(base, key: str, hours: float) -> Candidate:
    opening = {"north": hours, "south": hours} if hours else {}
    plan = base.model_copy(update={"name": f"{base.name}-{key}", "shelter_open_h": opening})
    return Candidate("shelters", key, plan, {"en": f"shelters open at {hours} h",
                                             "zh": f"避难所{hours}小时后开放"})


def test_a_rejected_candidate_is_not_in_the_written_plan(grid_scenario, tmp_path):
    loaded = load_scenario(grid_scenario)
    world = build_world(loaded)
    path = str(loaded.path.resolve())
    prime_world(path, world)
    # the base plan opens its shelters an hour late, and so keeps people on the road
    base = loaded.plan("now").model_copy(update={"shelter_open_h": {"north": 1.0,
                                                                    "south": 1.0}})
    early = _opening(base, "early", 0.0)
    later = _opening(base, "later", 2.5)
    out = suggest(world, base, path, [early, later], [], SerialExecutor(), [1, 2, 3, 4, 5])
    data = out.to_dict()
    rec = {c["key"]: c for c in data["candidates"]}
    assert len(data["base"]["scores"]) == 5 and len(rec["early"]["scores"]) == 5
    # shelters that open 2.5 h late: a lower score on every seed
    assert all(a < b for a, b in zip(rec["later"]["scores"], data["base"]["scores"],
                                     strict=True))
    assert rec["later"]["kept"] is False and rec["later"]["reason"]["en"]
    assert abs(rec["later"]["difference"]["mean"] - (-11.76)) < 0.05
    assert rec["early"]["kept"] is True and rec["early"]["difference"]["lo"] > 6.0
    assert out.plan is not None and out.plan.name == "now-suggested"
    assert out.plan.shelter_open_h == {}
    folder = tmp_path / "out"
    folder.mkdir()
    scen = write_suggestion(out, world, folder)
    assert scen is not None
    written = yaml.safe_load((folder / "suggested-plan.yaml").read_text())
    assert written["name"] == "now-suggested"
    assert "shelter_open_h" not in written  # the rejected 2.5 h opening is not in the plan
    saved = json.loads((folder / "suggestions.json").read_text())
    assert saved["suggested"]["from"] == ["early"]
    lines = suggestion_lines(saved, folder)
    assert lines[0].startswith("suggestions (5 common seeds 1–5): 2 tested, 1 kept")
    assert any(line.lstrip().startswith("not kept") and "later" in line for line in lines)
    html = str(suggestion_section(saved, "zh"))
    assert "改进建议" in html and "now-suggested" in html
    # docs/outputs.md documents every key the file has (and no key it lacks)
    top = {k for k, _, _ in SUGGESTIONS_KEYS if not k.startswith("<record>.")}
    record = {k.split(".", 1)[1] for k, _, _ in SUGGESTIONS_KEYS if k.startswith("<record>.")}
    assert set(saved) == top
    assert set(saved["base"]) | set(saved["candidates"][0]) == record
    assert rec["later"]["verdict"] in {"better", "worse", "same", "unclear", "no data"}


def test_the_report_names_streets_with_their_link_ids_in_a_tooltip():
    data = {"seeds": [1, 2], "base": {"scores": [50.0, 51.0], "standards_met": {}},
            "candidates": [{"kind": "contraflow", "key": "contraflow-1", "kept": False,
                            "summary": {"en": "contraflow on Avenida Ipiranga (eastbound)",
                                        "zh": "Avenida Ipiranga（向东）逆向车道"},
                            "details": {"outbound_links": ["12:3-4", "12:4-5"]},
                            "scores": [49.0, 50.0], "standards_met": {},
                            "difference": {"mean": -1.0, "lo": -1.0, "hi": -1.0},
                            "reason": {"en": "lower score", "zh": "得分更低"}}],
            "skipped": [], "combined": None, "suggested": None,
            "why_none": [{"en": "departures are the limit", "zh": "出发时间是限制"}]}
    html = str(suggestion_section(data, "en"))
    assert '<span title="12:3-4, 12:4-5">contraflow on Avenida Ipiranga' in html
    assert "No change helps" in html and "departures are the limit" in html
    assert "出发时间是限制" in str(suggestion_section(data, "zh"))
