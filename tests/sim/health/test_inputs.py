"""Bad public-health input: clear errors naming the file and field; warnings where the
input is only implausible."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from musterpoint.cli import main
from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.health_schema import (
    Epidemic,
    HealthWorld,
    Hospital,
    SitePlan,
    health_warnings,
)
from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.world import build_world
from tests.helpers.health_factory import health_plan, health_world, make_health_scenario


def test_open_site_with_zero_staff_is_an_error():
    with pytest.raises(ValidationError, match="zero staff at swab"):
        SitePlan(site="S1", open_h=(8, 20), shifts=[
            {"from_h": 8, "to_h": 20, "staff": {"reg": 2, "swab": 0}}])


def test_station_without_staff_in_an_open_shift_is_an_error(tmp_path, capsys):
    plan = health_plan()
    plan["health"]["campaign"]["sites"][0]["shifts"][1]["staff"] = {"reg": 1}
    path = make_health_scenario(tmp_path / "s", plan=plan)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "plan.yaml" in err and "health.campaign" in err and "zero staff at swab" in err


def test_opening_hours_not_covered_by_shifts_is_an_error():
    with pytest.raises(ValidationError, match="no shift covers 14"):
        SitePlan(site="S1", open_h=(8, 20), shifts=[
            {"from_h": 8, "to_h": 14, "staff": {"reg": 1}}])


def test_negative_beds_are_an_error(tmp_path, capsys):
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        Hospital(id="H", name="H", lon=0, lat=0, ward_beds=-3, icu_beds=1)
    world = health_world()
    world["hospitals"][0]["ward_beds"] = -3
    path = make_health_scenario(tmp_path / "s", world=world)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "scenario.yaml: health.hospitals[0].ward_beds" in err


@pytest.mark.parametrize("r0", [0.0, -1.0, 40.0])
def test_basic_reproduction_number_outside_the_plausible_range_is_an_error(r0):
    with pytest.raises(ValidationError, match="r0"):
        Epidemic(r0=r0)


@pytest.mark.parametrize(("r0", "text"), [(0.8, "below 1"), (14.0, "measles")])
def test_implausible_r0_gives_a_warning(r0, text):
    world = health_world()
    world["epidemic"]["r0"] = r0
    warnings = health_warnings(HealthWorld.model_validate(world))
    assert any(text in w for w in warnings)
    assert not health_warnings(HealthWorld.model_validate(health_world()))


def test_implausible_r0_warning_reaches_the_run(tmp_path):
    world = health_world()
    world["epidemic"]["r0"] = 14.0
    loaded = load_scenario(make_health_scenario(tmp_path / "s", world=world, duration_h=2))
    res = new_run(build_world(loaded), loaded.plan("none"), 1).run()
    assert any("measles" in w for w in res.meta["warnings"])


def test_unknown_ids_in_a_plan_name_file_and_field(tmp_path):
    plan = health_plan()
    plan["health"]["campaign"]["sites"][1]["compounds"] = ["C9"]
    plan["health"]["ambulances"]["bases"] = ["H7"]
    loaded = load_scenario(make_health_scenario(tmp_path / "s", plan=plan))
    with pytest.raises(InputError) as exc:
        new_run(build_world(loaded), loaded.plan("health"), 1)
    text = str(exc.value)
    assert "plan.yaml: health.campaign.sites[1].compounds: no compound 'C9'" in text
    assert "health.ambulances.bases[0]: no hospital 'H7'" in text


def test_duplicate_ids_and_too_many_initial_cases_are_errors():
    world = health_world()
    world["compounds"][1]["id"] = "C1"
    with pytest.raises(ValidationError, match="compound ids must be unique"):
        HealthWorld.model_validate(world)
    world = health_world()
    world["epidemic"]["initial_infectious"] = 10**6
    with pytest.raises(ValidationError, match="initial cases"):
        HealthWorld.model_validate(world)


def test_unknown_keys_are_rejected():
    world = copy.deepcopy(health_world())
    world["epidemic"]["r_0"] = 2.0
    with pytest.raises(ValidationError, match="Extra inputs"):
        HealthWorld.model_validate(world)


def test_a_health_plan_needs_a_health_scenario(tmp_path):
    path = make_health_scenario(tmp_path / "s")
    import yaml
    sc = yaml.safe_load(path.read_text())
    del sc["health"]
    path.write_text(yaml.safe_dump(sc, allow_unicode=True))
    loaded = load_scenario(path)
    with pytest.raises(InputError, match="the plan has a health section"):
        new_run(build_world(loaded), loaded.plan("health"), 1)


def test_the_factory_scenario_validates(tmp_path):
    from musterpoint.scenarios.loader import load_scenario

    loaded = load_scenario(make_health_scenario(tmp_path / "s"))
    assert loaded.scenario.health is not None
    assert set(loaded.plans) == {"health", "none"}
