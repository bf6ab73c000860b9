"""Round trip: the bundled scenarios rebuilt with the builder from their own files run the same.

Porto Alegre (OSM extract, hexgrid points, square zones, flood) and Helsinki (OSM
extract, population polygons, evacuation area, plume, exits) are rebuilt from the files
in their data folders, their shelters and exits given as spreadsheets. Both runs of the
default plan (seed 1, 1.5 h) must give the same KPIs, to the bit.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from musterpoint.district.build import build
from musterpoint.district.spec import (
    DistrictSpec,
    HazardSpec,
    PlaceFileSpec,
    PopulationSpec,
    RoadsSpec,
    ZonesSpec,
)
from musterpoint.scenarios.loader import bundled_scenarios, load_scenario

pytestmark = pytest.mark.slow


def _sheet(rows: list[dict[str, Any]], path: Path) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def spec_for(name: str, tmp: Path) -> DistrictSpec:
    """The builder's input that rebuilds bundled scenario ``name`` from its files."""
    folder = bundled_scenarios()[name].parent
    sc = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    plan = yaml.safe_load((folder / "plans" / "evacuate-all-now.yaml").read_text())
    pop = sc["population"]
    places = [PlaceFileSpec(kind="shelter", id_col="id",
                            file=_sheet(sc["shelters"], tmp / "shelters.csv"))]
    if sc.get("exits"):
        places.append(PlaceFileSpec(kind="exit", id_col="id",
                                    file=_sheet(sc["exits"], tmp / "exits.csv")))
    hz = sc["hazard"]
    if "flood" in hz:
        hazard = HazardSpec(kind="flood", dem=folder / hz["flood"]["elevation"],
                            stage=hz["flood"]["stage"], datum=hz["flood"]["datum"])
    else:
        hazard = HazardSpec(kind="plume", plume=hz["plume"])
    return DistrictSpec(
        name=f"{name}-rebuilt", title_en=sc["title"]["en"], start=sc["start"],
        timezone=sc["timezone"], duration_h=sc["duration_h"],
        roads=RoadsSpec(file=folder / sc["network"]["osm"]),
        population=PopulationSpec(file=folder / pop["file"], column=pop["population_column"]),
        zones=ZonesSpec(kind="square", cell_m=pop["zone_cell_m"]),
        evacuate_below_m=pop.get("max_elevation_m"),
        evacuate_area=folder / pop["area"] if pop.get("area") else None,
        places=places, hazard=hazard, households=sc["households"],
        departure_sigma_min=plan["departure"]["sigma_min"],
        background_vph=plan.get("background_vph", 0.0))


def _kpis(scenario: Path) -> tuple[dict[str, Any], Any]:
    from musterpoint.sim.engine import simulate
    from musterpoint.sim.world import build_world

    loaded = load_scenario(scenario)
    # ``muster new`` reads no special facilities (care homes, schools with residents who
    # need vans): the bundled scenario's illustrative ones are left out of the comparison
    short = loaded.scenario.model_copy(update={"duration_h": 1.5, "special_facilities": []})
    world = build_world(dataclasses.replace(loaded, scenario=short))
    result = simulate(world, loaded.plan("evacuate-all-now"), 1)
    return result.kpis, world


@pytest.mark.parametrize("name", ["porto-alegre-flood", "helsinki-ammonia"])
def test_rebuilt_bundled_scenario_runs_the_same(name: str, tmp_path: Path) -> None:
    out = build(spec_for(name, tmp_path), tmp_path / "rebuilt")
    got, w_new = _kpis(out.folder / "scenario.yaml")
    want, w_old = _kpis(bundled_scenarios()[name])
    assert w_new.network.n_links == w_old.network.n_links
    assert w_new.network.n_nodes == w_old.network.n_nodes
    assert w_new.zones.ids == w_old.zones.ids
    for family in ("evacuation", "traffic", "ledger", "background"):
        assert got.get(family) == want.get(family), family
