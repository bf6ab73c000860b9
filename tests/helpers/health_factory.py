"""A small public-health scenario on the test grid (3 compounds, 2 sites, 1 hospital),
shared by the health tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, write_grid, write_population


def _at(i: int, j: int) -> dict[str, float]:
    return {"lon": round(LON0 + j * STEP_DEG, 6), "lat": round(LAT0 + i * STEP_DEG, 6)}


def health_world() -> dict[str, Any]:
    comps = []
    for k, (i, j, pop) in enumerate([(1, 1, 1500), (3, 1, 2000), (4, 4, 1300)]):
        comps.append({"id": f"C{k + 1}", "name": f"Compound {k + 1}", "name_zh": f"小区{k + 1}",
                      **_at(i, j), "population": pop,
                      "gates": [{"id": "G1", **_at(i, j)}, {"id": "G2", **_at(i, j + 1)}]})
    return {
        "epidemic": {"r0": 2.5, "initial_exposed": 40, "initial_infectious": 20,
                     "severe_share": 0.1, "icu_share": 0.3,
                     "onset_to_call": {"kind": "gamma", "mean_min": 600, "sd_min": 300},
                     "model": "stochastic"},
        "compounds": comps,
        "sites": [{"id": "S1", "name": "West school", "name_zh": "西校", **_at(2, 1)},
                  {"id": "S2", "name": "East square", "name_zh": "东广场", **_at(4, 3)}],
        "hospitals": [{"id": "H1", "name": "Hospital", "name_zh": "医院", **_at(5, 5),
                       "ward_beds": 3, "icu_beds": 1}],
        "depots": [{"id": "D1", "name": "Depot", **_at(0, 5)}],
    }


def health_plan(kind: str = "testing", supply_mode: str = "gate") -> dict[str, Any]:
    shifts = [{"from_h": 8, "to_h": 14, "staff": {"reg": 1, "swab": 2}},
              {"from_h": 14, "to_h": 20, "staff": {"reg": 1, "swab": 1}}]
    supply: dict[str, Any] = {"mode": supply_mode, "depot": "D1", "trucks": 2,
                              "truck_orders": 100, "order_interval_h": 24}
    if supply_mode == "pickup":
        supply["pickup_points"] = [{"id": "P1", **_at(2, 2), "compounds": ["C1", "C2", "C3"]}]
    return {
        "name": "health", "title": {"en": "Health plan", "zh": "卫生方案"},
        "order_time_h": 1000,
        "health": {
            "lockdowns": [{"from_h": 12, "contact_cut": 0.5}],
            "campaign": {"kind": kind, "start_h": 8, "deadline_h": 56,
                         "stations": [{"id": "reg", "service": {"kind": "exponential",
                                                                "mean_min": 0.5}},
                                      {"id": "swab", "service": {"kind": "exponential",
                                                                 "mean_min": 0.8}}],
                         "sites": [{"site": "S1", "shifts": shifts},
                                   {"site": "S2", "shifts": shifts, "compounds": ["C3"]}]},
            "supply": supply,
            "ambulances": {"ambulances": 2, "bases": ["H1"]},
        },
    }


def make_health_scenario(folder: Path, world: dict[str, Any] | None = None,
                         plan: dict[str, Any] | None = None, duration_h: float = 72,
                         **overrides: Any) -> Path:
    """Write the scenario (and its one plan, plus a plan without health) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_grid(folder, 6)
    write_population(folder, 6, persons=133)
    sc = {
        "name": "health-grid", "title": {"en": "Health grid", "zh": "卫生网格"},
        "start": "2024-05-03T00:00:00", "timezone": "Asia/Shanghai", "duration_h": duration_h,
        "network": {"nodes": "nodes.csv", "links": "links.csv", "crs": "EPSG:4326"},
        "population": {"file": "population.csv", "zone_cell_m": 400},
        "shelters": [{"id": "sh", "name": "Shelter", **_at(5, 5), "capacity": 100}],
        "health": copy.deepcopy(world if world is not None else health_world()),
        "plans": ["plan.yaml", "none.yaml"], "default_plan": "health",
    }
    sc.update(overrides)
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan or health_plan(),
                                                     allow_unicode=True))
    (folder / "none.yaml").write_text(yaml.safe_dump(
        {"name": "none", "title": {"en": "No measures"}, "order_time_h": 1000}))
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    return path
