"""Relief outputs: map layers, report section, KPI family, and the bundled relief plans."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
import yaml

from musterpoint.maps.relief_layers import add_relief_layers
from musterpoint.reports.relief_section import relief_section
from musterpoint.scenarios.loader import load_plan, resolve_scenario
from musterpoint.scenarios.relief_schema import ReliefWorld
from musterpoint.sim.kpis.statistics import flatten_kpis
from musterpoint.sim.relief.results import RELIEF_TABLES
from musterpoint.sim.result import RunResult
from tests.helpers.relief_factory import hand_world, line_scenario, run_line

POA = resolve_scenario("porto-alegre-flood").parent


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> RunResult:
    world = hand_world()
    world["points"] = [{"id": "camp", "name": "Camp <b>A</b>", "kind": "community",
                        "lon": -51.19, "lat": -30.0, "population": 500}]
    path = line_scenario(tmp_path_factory.mktemp("out"), world,
                         {"policy": "need_driven", "fleet": [{"depot": "dep", "type": "t1"}]})
    return run_line(path)


def test_every_relief_table_is_there(result):
    for name in RELIEF_TABLES:
        assert name in result.tables, name
    assert set(result.tables["relief_points"]["point"]) == {"camp", "s"}


def test_kpis_flatten_to_numbers_for_comparisons(result):
    flat = flatten_kpis(result.kpis)
    for key in ("relief.unmet_person_days", "relief.fill_rate.water", "relief.equity_gini",
                "relief.first_delivery_worst_s", "relief.truck_km",
                "relief.reference.distance_gap"):
        assert key in flat, key
    assert not any(k.startswith("relief.by_point") for k in flat)


def test_map_layers(result):
    fmap = folium.Map(tiles=None)
    timelines = add_relief_layers(result, fmap)
    assert len(timelines) == 2  # depot stock and point status over time
    for timeline in timelines:  # as maps/run_map.py does with its layer writers
        timeline.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    page = fmap.get_root().render()
    assert "Relief truck routes" in page and "supply status over time" in page
    assert "Camp <b>A</b>" not in page
    assert "Camp \\u0026lt;b\\u0026gt;A" in page  # escaped, then JSON-encoded
    assert add_relief_layers(RunResult(result.meta, {}, {}), folium.Map()) == []


def test_report_section_in_english_and_chinese(result):
    html = str(relief_section(result))
    assert html.startswith('<section class="relief">')
    assert "Relief supply" in html and "balanced" in html and "camp" in html
    assert "Camp &lt;b&gt;A&lt;/b&gt;" in html
    zh = RunResult({**result.meta, "language": "zh"}, result.kpis, result.tables)
    assert "救援物资供应" in str(relief_section(zh))
    assert "救援物资供应" in str(relief_section(result, "zh-Hans"))
    assert relief_section(RunResult(result.meta, {"evacuation": {}}, {})) is None


def test_bundled_relief_plans_and_section_fit_together():
    md = (POA / "RELIEF.md").read_text(encoding="utf-8")
    block = md.split("<!-- relief-section-start -->")[1].split("<!-- relief-section-end -->")[0]
    section = yaml.safe_load(block.strip().removeprefix("```yaml").removesuffix("```"))
    world = ReliefWorld.model_validate(section["relief"])
    depots = {d.id for d in world.depots}
    for name in ("relief-need-driven", "relief-periodic"):
        plan = load_plan(POA / "plans" / f"{name}.yaml")
        assert plan.relief is not None and plan.name == name
        assert {f.depot for f in plan.relief.fleet} <= depots
        assert plan.order_time_h == 0  # same evacuation as evacuate-all-now
    assert {"piratini", "iguatemi", "santa_casa"} == depots


def test_relief_does_not_pull_folium_into_the_engine():
    import subprocess
    import sys

    code = ("import sys, musterpoint.sim.relief.service, musterpoint.sim.relief.results\n"
            "print(','.join(m for m in ('folium', 'jinja2', 'pyvrp') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent)
    assert out.stdout.strip() == ""


def test_relief_map_states_that_last_to_the_end_are_shown_at_the_last_step(result):
    """Depot stock and point status are drawn at the slider's last instant (the run map
    lost its flood and roads there; the relief layers must not lose their sites)."""
    import json

    fmap = folium.Map(tiles=None)
    timelines = add_relief_layers(result, fmap, clock=lambda t: int(t * 1000))
    last_ms = int(result.tables["relief_timeseries"]["time_s"].max() * 1000)
    for timeline in timelines:
        feats = json.loads(json.dumps(timeline.data))["features"]
        at_end = [f for f in feats if f["properties"]["start"] <= last_ms
                  <= f["properties"]["end"]]
        sites = {tuple(f["geometry"]["coordinates"]) for f in feats}
        assert {tuple(f["geometry"]["coordinates"]) for f in at_end} == sites
