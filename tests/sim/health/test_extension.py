"""The health extension inside a run: ledger at every step, determinism, interventions,
and the bundled Wuhan Optics Valley scenario."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from musterpoint.scenarios.errors import SimulationError
from musterpoint.scenarios.loader import bundled_scenarios, load_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.health.extension import PLACES, HealthExtension
from musterpoint.sim.health.seir import COMPARTMENTS
from tests.helpers.health_factory import health_plan, health_world, make_health_scenario


def _run(path, plan="health", seed=1):
    from musterpoint.sim.world import build_world

    loaded = load_scenario(path)
    run = new_run(build_world(loaded), loaded.plan(plan), seed)
    return run, run.run()


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    path = make_health_scenario(tmp_path_factory.mktemp("h") / "s")
    return path, *_run(path)


def test_every_person_is_in_one_compartment_and_one_place_at_every_check(grid_run):
    _, _run_obj, res = grid_run
    led = res.kpis["ledger"]["health"]
    assert led["balanced"] is True and led["failures"] == []
    assert led["checks"] == 72 + 1          # every hourly step and the end
    ts = res.tables["health_timeseries"]
    pop = res.tables["health_compounds"].set_index("compound")["population"]
    sums = ts.groupby(["time_s", "compound"])[list(COMPARTMENTS)].sum().sum(axis=1)
    places = ts.groupby(["time_s", "compound"])[list(PLACES)].sum().sum(axis=1)
    want = pop.reindex(sums.index.get_level_values("compound")).to_numpy()
    assert (sums.to_numpy() == want).all() and (places.to_numpy() == want).all()
    assert (ts[list(COMPARTMENTS) + list(PLACES)] >= 0).all().all()
    assert ts["at_site"].max() > 0 and ts["travelling"].max() > 0   # people did move
    assert led["persons"] == int(pop.sum())
    orders = led["orders"]
    assert sum(v for k, v in orders.items() if k != "future") == \
        res.kpis["health"]["supply"]["orders_placed"]


def test_kpis_cover_epidemic_sites_supply_and_hospitals(grid_run):
    _, _, res = grid_run
    h = res.kpis["health"]
    assert h["epidemic"]["infections"] > 0 and h["epidemic"]["severe_cases"] > 0
    c = h["campaign"]
    assert c["served"] > 0 and 0 < c["share_served_by_deadline"] <= 1
    assert c["time_in_system_p95_s"] >= c["time_in_system_mean_s"] * 0.5
    assert c["throughput_per_open_hour"] > 0 and c["staff_utilisation_mean"] > 0
    for site in c["by_site"].values():
        assert set(site["stations"]) == {"reg", "swab"}
    s = h["supply"]
    assert s["orders_delivered"] > 0 and s["delay_mean_s"] > 0
    assert s["households_served_per_day"] > 0
    hp = h["hospitals"]
    assert hp["calls"] > 0 and hp["response_time_mean_s"] > 0
    assert hp["admitted"] + hp["not_admitted"] + hp["waiting_at_end"] <= hp["calls"]
    assert res.tables["health_patients"]["status"].isin(
        ["before_call", "waiting", "ambulance_on_the_way", "on_scene", "travelling",
         "in_hospital", "discharged", "not_admitted"]).all()
    json.dumps(res.kpis, allow_nan=False)   # strict JSON


def test_small_hospital_overflows(grid_run):
    _, _, res = grid_run
    hp = res.kpis["health"]["hospitals"]
    assert hp["peak_ward"] <= 3 and hp["peak_icu"] <= 1
    if hp["not_admitted"]:
        assert hp["days_over_capacity"] >= 1


def test_same_seed_same_result_to_the_bit(grid_run):
    path, _, res = grid_run
    _, again = _run(path)
    assert json.dumps(again.kpis, sort_keys=True) == json.dumps(res.kpis, sort_keys=True)
    for name in ("health_timeseries", "health_patients", "health_site_timeseries",
                 "health_supply_daily", "events"):
        pd.testing.assert_frame_equal(again.tables[name], res.tables[name])
    _, other = _run(path, seed=2)
    assert other.kpis["health"] != res.kpis["health"]


def test_lockdown_cuts_infections_in_the_deterministic_model(tmp_path):
    world = health_world()
    world["epidemic"]["model"] = "deterministic"
    plan = health_plan()
    plan["health"]["lockdowns"] = [{"from_h": 0, "contact_cut": 0.6}]
    path = make_health_scenario(tmp_path / "s", world=world, plan=plan, duration_h=120)
    _, locked = _run(path)
    _, free = _run(path, plan="none")
    a = locked.kpis["health"]["epidemic"]["infections"]
    b = free.kpis["health"]["epidemic"]["infections"]
    assert a < 0.8 * b
    assert locked.kpis["ledger"]["health"]["balanced"]


def test_vaccination_moves_people_from_s_to_v(tmp_path):
    plan = health_plan(kind="vaccination")
    plan["health"]["campaign"]["stations"].append(
        {"id": "obs", "service": {"kind": "deterministic", "mean_min": 15},
         "servers_per_staff": 20})
    for site in plan["health"]["campaign"]["sites"]:
        for sh in site["shifts"]:
            sh["staff"]["obs"] = 1
    world = health_world()
    world["epidemic"]["initial_vaccinated_share"] = 0.1
    path = make_health_scenario(tmp_path / "s", world=world, plan=plan)
    _, res = _run(path)
    h = res.kpis["health"]
    v0 = sum(round(0.1 * c["population"]) for c in world["compounds"])
    assert h["campaign"]["target"] == sum(c["population"] for c in world["compounds"]) - v0
    assert h["epidemic"]["at_end"]["V"] > v0 + 0.5 * h["campaign"]["served"]
    assert res.kpis["ledger"]["health"]["balanced"]


def test_pickup_points_and_walk_ins(tmp_path):
    plan = health_plan(supply_mode="pickup")
    plan["health"]["campaign"]["arrivals"] = "walk_in"
    plan["health"]["campaign"]["walk_in_profile"] = [3, 2, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1]
    path = make_health_scenario(tmp_path / "s", plan=plan)
    _, res = _run(path)
    h = res.kpis["health"]
    assert h["supply"]["mode"] == "pickup" and h["supply"]["cart_runs"] > 0
    assert h["supply"]["orders_delivered"] > 0
    assert h["campaign"]["queue_max"] > 0
    assert res.kpis["ledger"]["health"]["balanced"]


def test_an_unbalanced_ledger_stops_the_run(tmp_path, monkeypatch):
    path = make_health_scenario(tmp_path / "s", duration_h=24)
    orig = HealthExtension.move

    def leaky(self, c, frm, to):
        orig(self, c, frm, to)
        if to == "at_site":
            self.places[0, c] += 1   # a person counted twice

    monkeypatch.setattr(HealthExtension, "move", leaky)
    with pytest.raises(SimulationError):
        _run(path)


def test_drill_commands_change_the_running_epidemic(tmp_path):
    from musterpoint.sim.world import build_world

    loaded = load_scenario(make_health_scenario(tmp_path / "s", duration_h=48))
    run = new_run(build_world(loaded), loaded.plan("health"), 1)
    run.advance(10 * 3600)
    run.command("health_lockdown", {"contact_cut": 0.9, "compounds": ["C1"]})
    run.command("health_beds", {"hospital": "H1", "ward": 5, "icu": 1})
    run.command("health_staff", {"site": "S1", "station": "swab", "staff": 4})
    ext = run.extension("health")
    assert isinstance(ext, HealthExtension)
    assert ext.cut_at(run.now)[0] == 0.9
    snap = run.snapshot()["extensions"]["health"]
    assert snap["hospitals"]["H1"]["ward_beds"] == 8
    assert set(snap["site_queues"]) == {"S1", "S2"}
    assert run.finish().kpis["ledger"]["balanced"]


# ---------------------------------------------------------------- the bundled scenario
@pytest.fixture(scope="module")
def wuhan():
    from musterpoint.sim.world import build_world

    loaded = load_scenario(bundled_scenarios()["wuhan-optics-valley"])
    world = build_world(loaded)
    return {p: new_run(world, loaded.plan(p), 1).run() for p in loaded.plans}


def test_wuhan_network_and_data_are_bundled():
    path = bundled_scenarios()["wuhan-optics-valley"]
    data = path.parent / "data"
    for f in ("optics_valley_roads.geojson", "compounds.geojson", "mosstool_net.geojson",
              "PROVENANCE.md"):
        assert (data / f).exists()
    loaded = load_scenario(path)
    assert len(loaded.plans) >= 2
    assert loaded.scenario.health is not None
    layer = json.loads((data / "compounds.geojson").read_text(encoding="utf-8"))
    assert sum(c.population for c in loaded.scenario.health.compounds) == \
        sum(f["properties"]["population"] for f in layer["features"]) == 39300


@pytest.mark.slow
def test_wuhan_plans_compare(wuhan):
    three = wuhan["three-sites-gate-delivery"].kpis
    six = wuhan["six-sites-pickup-points"].kpis
    for k in (three, six):
        assert k["ledger"]["balanced"] and k["ledger"]["health"]["balanced"]
        assert k["evacuation"]["arrived"] == 0          # nobody is evacuated
        assert k["health"]["campaign"]["served"] > 0.9 * 39300
        assert k["health"]["supply"]["orders_delivered"] > 0
        assert k["health"]["hospitals"]["calls"] > 0
    c3, c6 = three["health"]["campaign"], six["health"]["campaign"]
    assert c6["share_served_by_deadline"] > c3["share_served_by_deadline"] + 0.3
    assert c6["time_to_90pct_s"] < c3["time_to_90pct_s"]
    assert three["health"]["supply"]["mode"] == "gate"
    assert six["health"]["supply"]["mode"] == "pickup"
    names = wuhan["three-sites-gate-delivery"].tables["health_compounds"]["name_zh"]
    assert "松涛花园" in set(names)
    assert np.isfinite(three["health"]["hospitals"]["response_time_mean_s"])


def test_map_layers_and_report_section_show_chinese_names(grid_run, tmp_path):
    import folium

    from musterpoint.maps.health_layers import add_health_layers
    from musterpoint.reports.health_section import health_section

    _, _, res = grid_run
    res.meta["language"] = "zh"
    fmap = folium.Map(tiles=None)
    timelines = add_health_layers(res, fmap)
    assert len(timelines) == 3          # compounds by day, site queues, hospital beds
    for tl in timelines:
        feats = tl.data["features"]
        assert feats and all(f["properties"]["start"] <= f["properties"]["end"]
                             for f in feats)
        tl.add_to(fmap)
    page = fmap.get_root().render()
    for text in ("小区1", "西校", "医院"):   # in JSON data, possibly \u-escaped
        assert text in page or json.dumps(text)[1:-1] in page
    section = str(health_section(res))
    for text in ("公共卫生", "核酸检测", "封控物资保供", "小区1（Compound 1）", "卫生台账"):
        assert text in section
    assert "<script" not in section
    en = str(health_section(res, "en"))
    assert "Compound 1 (小区1)" in en and "Testing campaign" in en
    res.meta["language"] = "en"
