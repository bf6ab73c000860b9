"""A small synthetic :class:`~musterpoint.sim.result.RunResult` for map and report tests.

Three zones and two shelters in Porto Alegre, a 4 x 5 grid of about 20 links, two hours of
simulated time in 5-minute steps and a flood that grows every 15 minutes. One shelter has
a hostile name (``<script>alert(...)``) so tests can check that names are escaped, and
zone ``Z3`` never finishes evacuating (its ETE100 is null).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.sim.result import RunResult

__all__ = ["EVIL_SHELTER_NAME", "make_run_result"]

#: A shelter name that would run script if a writer forgot to escape it.
EVIL_SHELTER_NAME = "<script>alert('pwned')</script> Ginásio & Escola"

_LON0, _LAT0 = -51.22, -30.03
_STEP = 300
_DURATION = 7200
_FIRST_ORDER = 600


def _square(lon: float, lat: float, half: float) -> str:
    ring = [
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ]
    return "POLYGON ((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring) + "))"


def _links() -> pd.DataFrame:
    """24 links on a 4 x 4 grid of nodes, 0.005 degrees apart."""
    rows: list[dict[str, Any]] = []
    d = 0.005
    for i in range(4):
        for j in range(4):
            x, y = _LON0 + i * d, _LAT0 + j * d
            ends = []
            if i < 3:
                ends.append((x + d, y))
            if j < 3:
                ends.append((x, y + d))
            for x2, y2 in ends:
                link_id = len(rows)
                rows.append(
                    {
                        "link_id": link_id,
                        "highway": "primary" if j == 0 else "residential",
                        "name": f"Rua {link_id}",
                        "length_m": 500.0,
                        "lanes": 2 if j == 0 else 1,
                        "capacity_vph": 1800.0 if j == 0 else 600.0,
                        "storage_pcu": 130.0 if j == 0 else 65.0,
                        "freeflow_s": 36.0,
                        "elevation_m": 3.0 + j * 4.0,
                        "flooded_from_s": 3600.0 if (j == 0 and i < 2) else np.nan,
                        "wkt": f"LINESTRING ({x:.6f} {y:.6f}, {x2:.6f} {y2:.6f})",
                    }
                )
    return pd.DataFrame(rows)


def _agents(rng: np.random.Generator) -> pd.DataFrame:
    zones = {"Z1": (600.0, 14), "Z2": (600.0, 14), "Z3": (1200.0, 12)}
    rows: list[dict[str, Any]] = []
    for zone, (order_s, n) in zones.items():
        for k in range(n):
            depart = order_s + float(rng.uniform(60, 1800))
            arrive: float = depart + float(rng.uniform(300, 2400))
            status, reason = "arrived", ""
            if zone == "Z3" and k == 0:
                status, reason, arrive = "stranded", "flooded link", np.nan
            elif zone == "Z3" and k == 1:
                status, arrive = "en_route", np.nan
            elif zone == "Z3" and k == 2:
                status, reason, depart, arrive = "never_departed", "refused", np.nan, np.nan
            rows.append(
                {
                    "vehicle_id": len(rows),
                    "role": "evacuee",
                    "mode": "car",
                    "zone": zone,
                    "origin_node": 100 + len(rows),
                    "origin_lon": _LON0 + float(rng.uniform(0, 0.015)),
                    "origin_lat": _LAT0 + float(rng.uniform(0, 0.01)),
                    "destination": "S1" if k % 2 else "S2",
                    "persons": int(rng.integers(1, 5)),
                    "pcu": 1.0,
                    "order_s": order_s,
                    "depart_s": depart,
                    "arrive_s": arrive,
                    "status": status,
                    "reason": reason,
                    "exposed_home_person_s": 900.0 if status == "stranded" else 0.0,
                    "exposed_road_person_s": 0.0,
                    "exposed_person_s": 900.0 if status == "stranded" else 0.0,
                    "left_hazard_s": np.nan,
                    "still_exposed": status == "stranded",
                    "group": "general",
                    "facility": "",
                    "cut_off_at_start": False,
                    "waits": 0,
                    "retries": 0,
                    "end_node": 100 + len(rows),
                }
            )
    return pd.DataFrame(rows)


def _ete(ag: pd.DataFrame, share: float) -> float | None:
    """Seconds after the first order until ``share`` of the persons have arrived."""
    total = float(ag["persons"].sum())
    done = ag[ag["status"] == "arrived"].sort_values("arrive_s")
    cum = done["persons"].cumsum()
    hit = done[cum >= share * total - 1e-9]
    return None if hit.empty else float(hit["arrive_s"].iloc[0]) - _FIRST_ORDER


def _kpis(ag: pd.DataFrame) -> dict[str, Any]:
    def persons(status: str) -> int:
        return int(ag.loc[ag["status"] == status, "persons"].sum())

    arrived = ag[ag["status"] == "arrived"]
    travel = arrived["arrive_s"] - arrived["depart_s"]
    by_zone: dict[str, Any] = {}
    for zone, zag in ag.groupby("zone"):
        by_zone[str(zone)] = {
            "evacuees": int(zag["persons"].sum()),
            "arrived": int(zag.loc[zag["status"] == "arrived", "persons"].sum()),
            "ete50_s": _ete(zag, 0.5),
            "ete90_s": _ete(zag, 0.9),
            "ete100_s": _ete(zag, 1.0),
            "order_s": float(zag["order_s"].iloc[0]),
            "exposed_persons": int(zag.loc[zag["exposed_person_s"] > 0, "persons"].sum()),
        }
    return {
        "evacuation": {
            "evacuees": int(ag["persons"].sum()),
            "vehicles": len(ag),
            "arrived": persons("arrived"),
            "stranded": persons("stranded"),
            "en_route": persons("en_route"),
            "never_departed": persons("never_departed"),
        "sheltering_in_place": persons("sheltering_in_place"),
            "ete50_s": _ete(ag, 0.5),
            "ete90_s": _ete(ag, 0.9),
            "ete100_s": _ete(ag, 1.0),
            "travel_time_mean_s": float(travel.mean()),
            "travel_time_p95_s": float(travel.quantile(0.95)),
            "exposed_persons": int(ag.loc[ag["exposed_person_s"] > 0, "persons"].sum()),
            "exposed_person_s": float((ag["exposed_person_s"] * ag["persons"]).sum()),
            "by_zone": by_zone,
        },
        "traffic": {"events": 123, "link_traversals": 456, "gridlock_forced_moves": 0},
        "ledger": {"balanced": True, "vehicles": len(ag)},
    }


def _timeseries(ag: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    groups = [("ALL", ag), *((str(z), g) for z, g in ag.groupby("zone"))]
    for t in range(0, _DURATION + 1, _STEP):
        for zone, g in groups:
            rows.append(
                {
                    "time_s": float(t),
                    "zone": zone,
                    "evacuees": int(g["persons"].sum()),
                    "departed": int(g.loc[g["depart_s"] <= t, "persons"].sum()),
                    "arrived": int(g.loc[g["arrive_s"] <= t, "persons"].sum()),
                }
            )
    return pd.DataFrame(rows)


def _link_states(links: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for t in range(_FIRST_ORDER, 4800, _STEP):
        for link_id in links["link_id"]:
            closed = link_id in (0, 3) and t >= 3600
            occ = float(rng.uniform(0.0, 1.0))
            rows.append(
                {
                    "interval_start_s": float(t),
                    "link_id": int(link_id),
                    "entered": int(rng.integers(0, 30)),
                    "exited": int(rng.integers(0, 30)),
                    "pcu_end": occ * 65.0,
                    "occupancy": 0.0 if closed else occ,
                    "mean_travel_s": 36.0 + occ * 120.0,
                    "freeflow_s": 36.0,
                    "closed": closed,
                }
            )
    return pd.DataFrame(rows)


def _hazard_frames() -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for k, t in enumerate(range(0, _DURATION + 1, 900)):
        half = 0.002 + 0.001 * k
        lon, lat = _LON0 - 0.004, _LAT0 - 0.002
        ring = [
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ]
        geom = {"type": "Polygon", "coordinates": [ring]}
        # Alternate the three shapes a writer may meet: geometry, Feature, collection.
        obj: dict[str, Any]
        if k % 3 == 0:
            obj = geom
        elif k % 3 == 1:
            obj = {"type": "Feature", "properties": {}, "geometry": geom}
        else:
            obj = {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": geom}],
            }
        rows.append({"time_s": float(t), "kind": "flood", "level_m": 2.0 + 0.25 * k,
                     "geojson": json.dumps(obj)})
    return pd.DataFrame(rows)


def make_run_result(language: str = "en", seed: int = 7) -> RunResult:
    """Build a plausible, internally consistent synthetic run.

    Parameters
    ----------
    language : str, optional
        ``"en"`` or ``"zh"``, stored in ``meta["language"]``.
    seed : int, optional
        Seed for the random pieces (departure times, occupancies).

    Returns
    -------
    RunResult
        Every table in :data:`~musterpoint.sim.result.TABLES`, with meta and KPIs.
    """
    rng = np.random.default_rng(seed)
    links = _links()
    agents = _agents(rng)
    kpis = _kpis(agents)
    centres = {"Z1": (0.0, 0.0), "Z2": (0.01, 0.0), "Z3": (0.005, 0.01)}
    zones = pd.DataFrame(
        [
            {
                "zone": zone,
                "lon": _LON0 + dx,
                "lat": _LAT0 + dy,
                "population": 1000 * (k + 1),
                "evacuees": kpis["evacuation"]["by_zone"][zone]["evacuees"],
                "elevation_m": 2.0 + 3.0 * k,
                "order_s": kpis["evacuation"]["by_zone"][zone]["order_s"],
                "flooded_from_s": 3600.0 if zone == "Z1" else np.nan,
                "wkt": _square(_LON0 + dx, _LAT0 + dy, 0.004),
            }
            for k, (zone, (dx, dy)) in enumerate(centres.items())
        ]
    )
    arrived_at = agents[agents["status"] == "arrived"].groupby("destination")["persons"].sum()
    shelters = pd.DataFrame(
        [
            {
                "shelter": "S1",
                "name": EVIL_SHELTER_NAME,
                "lon": _LON0 + 0.02,
                "lat": _LAT0 + 0.015,
                "capacity": 60,
                "elevation_m": 40.0,
                "occupancy_end": int(arrived_at.get("S1", 0)),
            },
            {
                "shelter": "S2",
                "name": "Escola Estadual Júlio de Castilhos",
                "lon": _LON0 + 0.025,
                "lat": _LAT0 + 0.005,
                "capacity": 80,
                "elevation_m": 35.0,
                "occupancy_end": int(arrived_at.get("S2", 0)),
            },
        ]
    )
    shelter_ts = pd.DataFrame(
        [
            {
                "time_s": float(t),
                "shelter": s,
                "occupancy": int(
                    agents.loc[
                        (agents["destination"] == s) & (agents["arrive_s"] <= t), "persons"
                    ].sum()
                ),
            }
            for t in range(0, _DURATION + 1, _STEP)
            for s in ("S1", "S2")
        ]
    )
    events = pd.DataFrame(
        [
            {
                "time_s": 600.0,
                "type": "order",
                "vehicle_id": -1,
                "link_id": -1,
                "zone": "Z1",
                "shelter": "",
                "value": 0.0,
                "detail": "evacuation order",
            },
            {
                "time_s": 3600.0,
                "type": "link_closed",
                "vehicle_id": -1,
                "link_id": 0,
                "zone": "",
                "shelter": "",
                "value": 2.5,
                "detail": "flooded",
            },
        ]
    )
    meta: dict[str, Any] = {
        "scenario": "porto_alegre_flood",
        "scenario_title": "Porto Alegre flood <test>",
        "plan": "baseline",
        "plan_title": "Baseline plan",
        "seed": seed,
        "version": "0.1.0",
        "wall_time_s": 1.5,
        "start": "2024-05-03T06:00:00",
        "timezone": "America/Sao_Paulo",
        "duration_s": float(_DURATION),
        "first_order_s": float(_FIRST_ORDER),
        "attribution": [
            "© OpenStreetMap contributors, ODbL 1.0",
            "Sample data from the r5r package (Pereira et al., Ipea), MIT license",
        ],
        "network": {
            "source": "poa_osm.pbf",
            "nodes_read": 21380,
            "links_read": 39652,
            "nodes_kept": 20100,
            "links_kept": 37000,
            "notes": ["lanes defaulted for 120 links"],
        },
        "language": language,
    }
    tables = {
        "agents": agents,
        "events": events,
        "link_states": _link_states(links, rng),
        "links": links,
        "zones": zones,
        "shelters": shelters,
        "timeseries": _timeseries(agents),
        "shelter_timeseries": shelter_ts,
        "hazard_frames": _hazard_frames(),
    }
    return RunResult(meta=meta, kpis=kpis, tables=tables)
