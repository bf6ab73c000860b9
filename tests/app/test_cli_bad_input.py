"""Bad input, table-driven: one clear message naming file and field, exit code 2, no
traceback, and no output folder written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from musterpoint.cli import main
from tests.helpers.scenario_factory import make_scenario


def _edit_yaml(path: Path, fn: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def missing_file(sc: Path) -> tuple[str, str]:
    (sc.parent / "population.csv").unlink()
    return "population.csv", "population.file"


def unknown_key(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc, lambda d: d.update(shelterz=[]))
    return "scenario.yaml", "shelterz"


def negative_capacity(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc, lambda d: d["shelters"][0].update(capacity=-5))
    return "scenario.yaml", "shelters[0].capacity"


def negative_link_capacity(sc: Path) -> tuple[str, str]:
    links = sc.parent / "links.csv"
    rows = links.read_text().splitlines()
    rows[3] = rows[3].rsplit(",", 1)[0] + ",-600"
    links.write_text("\n".join(rows) + "\n")
    return "links.csv", "capacity_vph"


def shelter_off_network(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc, lambda d: d["shelters"][1].update(lon=-51.0))
    return "scenario.yaml", "shelters[1]"


def zone_without_route(sc: Path) -> tuple[str, str]:
    # close every link from hour 0: no zone can reach a shelter
    ids = [r.split(",")[0] for r in (sc.parent / "links.csv").read_text().splitlines()[1:]]
    _edit_yaml(sc, lambda d: d["hazard"].update(closures=[{"links": ids, "from_h": 0}]))
    return "scenario.yaml", "zone"


def empty_network(sc: Path) -> tuple[str, str]:
    (sc.parent / "links.csv").write_text("id,from,to,length_m,lanes,speed_mps,capacity_vph\n")
    return "links.csv", "links"


def wrong_crs(sc: Path) -> tuple[str, str]:
    # node coordinates are degrees, but the scenario says they are UTM metres
    _edit_yaml(sc, lambda d: d["network"].update(crs="EPSG:32722"))
    return "nodes.csv", "crs"


def unknown_plan_key(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc.parent / "plan-now.yaml", lambda d: d.update(departure_curve="fast"))
    return "plan-now.yaml", "departure_curve"


def bad_yaml(sc: Path) -> tuple[str, str]:
    sc.write_text("name: [unclosed\n")
    return "scenario.yaml", "line"


def polygons_in_another_crs(sc: Path) -> tuple[str, str]:
    import json

    from tests.helpers.scenario_factory import LAT0, LON0

    ring = [[LON0, LAT0], [LON0 + 0.004, LAT0], [LON0 + 0.004, LAT0 + 0.004], [LON0, LAT0]]
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
          "properties": {"from_h": 0.5}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    (sc.parent / "fire.geojson").write_text(json.dumps(fc))
    _edit_yaml(sc, lambda d: d["hazard"].update(
        polygons=[{"file": "fire.geojson", "crs": "EPSG:3857"}]))
    return "fire.geojson", "crs"


def wind_outside_0_360(sc: Path) -> tuple[str, str]:
    from tests.helpers.scenario_factory import LAT0, LON0

    _edit_yaml(sc, lambda d: d["hazard"].update(plume={
        "substance": "ammonia", "lon": LON0, "lat": LAT0, "release_g_s": 1000,
        "threshold_mg_m3": 100,
        "wind": [{"time_h": 0, "speed_mps": 3, "from_deg": 400, "stability": "D"}]}))
    return "scenario.yaml", "hazard.plume.wind[0].from_deg"


def phase_before_start(sc: Path) -> tuple[str, str]:
    _edit_yaml(sc.parent / "plan-now.yaml",
               lambda d: d.update(stages=[{"time_h": -1, "max_elevation_m": 3}]))
    return "plan-now.yaml", "stages[0].time_h"


def bus_depot_off_network(sc: Path) -> tuple[str, str]:
    from tests.helpers.scenario_factory import LAT0, LON0

    _edit_yaml(sc.parent / "plan-now.yaml", lambda d: d.update(buses={
        "depot": {"id": "d", "lon": LON0 + 0.5, "lat": LAT0}, "buses": 2,
        "pickups": [{"id": "p", "lon": LON0, "lat": LAT0}]}))
    return "plan-now.yaml", "buses.depot"


CASES = [polygons_in_another_crs, wind_outside_0_360, phase_before_start,
         bus_depot_off_network, missing_file, unknown_key, negative_capacity,
         negative_link_capacity, shelter_off_network, zone_without_route, empty_network,
         wrong_crs, unknown_plan_key, bad_yaml]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_gives_one_clear_message(case, tmp_path, capsys):
    sc = make_scenario(tmp_path / "sc")
    file, field = case(sc)
    out = tmp_path / "out"
    code = main(["run", str(sc), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.count("error: ") == 1
    assert file in err, err
    assert field in err, err
    assert not out.exists()
    assert not list(tmp_path.glob(".out.*")), "a temporary output folder was left behind"


def test_validate_reports_every_problem_at_once(tmp_path, capsys):
    sc = make_scenario(tmp_path / "sc")

    def two(d: dict) -> None:
        d["shelters"][0]["capacity"] = -1
        d["duration_h"] = 0
        d["colour"] = "red"

    _edit_yaml(sc, two)
    assert main(["validate", str(sc)]) == 2
    err = capsys.readouterr().err
    for field in ("shelters[0].capacity", "duration_h", "colour"):
        assert field in err


def test_validate_takes_a_scenario_folder_as_run_does(tmp_path, capsys):
    sc = make_scenario(tmp_path / "sc")
    assert main(["validate", str(sc.parent)]) == 0
    out = capsys.readouterr().out
    assert "world built" in out and str(sc) in out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", str(empty)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_validate_accepts_the_bundled_files(capsys):
    from musterpoint.scenarios.loader import resolve_scenario

    sc = resolve_scenario(None)
    plans = sorted((sc.parent / "plans").glob("*.yaml"))
    assert main(["validate", str(sc), *map(str, plans)]) == 0
    out = capsys.readouterr().out
    # the plans the scenario lists are checked once, with it (against its world)
    assert out.count("OK") == 1
    assert "world built" in out


def test_unknown_plan_and_scenario_names(tmp_path, capsys):
    sc = make_scenario(tmp_path / "sc")
    assert main(["run", str(sc), "--plan", "nope", "--no-progress"]) == 2
    assert "no plan named 'nope'" in capsys.readouterr().err
    assert main(["run", "no-such-scenario", "--no-progress"]) == 2
    assert "bundled" in capsys.readouterr().err


def test_a_weights_file_gets_the_limits_of_every_user_yaml(tmp_path, capsys):
    """An alias bomb in ``--weights`` is refused with a message (exit 2), before any run,
    as it is in a scenario file."""
    scenario = make_scenario(tmp_path / "grid")
    bomb = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    weights = tmp_path / "weights.yaml"
    weights.write_text("\n".join(bomb) + "\ncategories: {life_safety: 1}\n", encoding="utf-8")
    code = main(["compare", str(scenario), "--plans", "now", "late", "-n", "2",
                 "--weights", str(weights), "--out", str(tmp_path / "cmp"), "--no-progress",
                 "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(weights) in err and "aliases" in err
    assert not (tmp_path / "cmp").exists()
