"""Helpers of the relief tests: a line network whose travel times are known exactly.

The line network: nodes 1 - 2 - 3 along a parallel, links of 1,000 m at 10 m/s (100 s
each, both ways; links a, b between nodes 1 and 2, c, d between 2 and 3). The shelter
``s`` is at node 3; the trip file puts ``persons`` people into it at time 0 (their trip
starts at the shelter, so they are admitted at once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LON = {1: -51.200, 2: -51.190, 3: -51.180}
LAT = -30.000

WATER = {"id": "water", "unit": "L", "per_person_day": 15, "kg_per_unit": 1,
         "m3_per_unit": 0.001}
TRUCK = {"id": "t1", "capacity_kg": 1000, "capacity_m3": 10, "pcu": 2,
         "unload_min_fixed": 0, "unload_min_per_tonne": 5}


def depot(**kw: Any) -> dict[str, Any]:
    """A depot at node 1 with 3,000 L of water, one bay, 10 min per tonne to load."""
    d = {"id": "dep", "lon": LON[1], "lat": LAT, "stock": {"water": 3000}, "bays": 1,
         "load_min_fixed": 0, "load_min_per_tonne": 10}
    d.update(kw)
    return d


def line_scenario(folder: Path, relief_world: dict[str, Any] | None,
                  plan_relief: dict[str, Any] | None, *, persons: int = 1728,
                  duration_h: float = 4.0,
                  closures: list[dict[str, Any]] | None = None,
                  plan_extra: dict[str, Any] | None = None) -> Path:
    """Write the line-network scenario with a relief section and one plan ``p``."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = [1, 2, 3]
    (folder / "nodes.csv").write_text(
        "id,x,y\n" + "".join(f"{n},{LON[n]:.3f},{LAT:.3f}\n" for n in nodes))
    pairs = [(1, 2), (2, 3)]
    rows = ["id,from,to,length_m,lanes,speed_mps,capacity_vph"]
    names = iter("abcdefgh")
    for u, v in pairs:
        rows.append(f"{next(names)},{u},{v},1000,1,10,600")
        rows.append(f"{next(names)},{v},{u},1000,1,10,600")
    (folder / "links.csv").write_text("\n".join(rows) + "\n")
    (folder / "trips.csv").write_text(f"id,origin,destination,depart_s,persons\n1,3,3,0,"
                                      f"{persons}\n")
    sc: dict[str, Any] = {
        "name": "line", "title": {"en": "Line"}, "start": "2024-05-03T06:00:00",
        "timezone": "America/Sao_Paulo", "duration_h": duration_h,
        "network": {"nodes": "nodes.csv", "links": "links.csv", "crs": "EPSG:4326"},
        "trips": "trips.csv",
        "shelters": [{"id": "s", "name": "Shelter", "lon": LON[3], "lat": LAT,
                      "capacity": 100000}],
        "shelter_access_m": 0, "plans": ["plan.yaml"],
    }
    if closures:
        sc["hazard"] = {"closures": closures}
    if relief_world is not None:
        sc["relief"] = relief_world
    plan: dict[str, Any] = {"name": "p", "title": {"en": "P"}}
    plan.update(plan_extra or {})
    if plan_relief is not None:
        plan["relief"] = plan_relief
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True))
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    return path


def hand_world(**depot_kw: Any) -> dict[str, Any]:
    """Relief world of the hand case: water only, truck type t1, depot at node 1."""
    return {"commodities": [WATER], "truck_types": [TRUCK], "depots": [depot(**depot_kw)]}


def run_line(path: Path, seed: int = 1) -> Any:
    """Load, build and simulate the line scenario; return the RunResult."""
    from musterpoint.scenarios.loader import load_scenario
    from musterpoint.sim.engine import simulate
    from musterpoint.sim.world import build_world

    loaded = load_scenario(path)
    return simulate(build_world(loaded), loaded.plan(None), seed)


# ---------------------------------------------------------------------- unit tests
