"""RunResult: the tidy tables one simulation run produces, saved to and loaded from a folder.

A run folder holds ``run.json`` (metadata), ``kpis.json`` and one Parquet file per table.
Maps and reports read only a :class:`RunResult`; they never need the engine.

Tables and their columns (times are seconds since the scenario start):

``agents`` (one row per vehicle; households without transport have pcu 0)
    vehicle_id, role (evacuee / shadow / background), mode (car / bus / none), zone,
    origin_node, origin_lon, origin_lat, destination, persons, pcu,
    order_s, depart_s, arrive_s, status (arrived / stranded / en_route / never_departed),
    reason, exposed_home_person_s, exposed_road_person_s, exposed_person_s,
    left_hazard_s (when its exposure ended), still_exposed (in the hazard at the end)
``events`` (one row per event)
    time_s, type, vehicle_id (-1 if none), link_id, zone, shelter, value, detail
``link_states`` (one row per link and 5-minute interval with any traffic or a closure)
    interval_start_s, link_id, entered, exited, pcu_end, occupancy (pcu_end / storage),
    mean_travel_s, freeflow_s, closed
``links`` (one row per network link)
    link_id, highway, name, length_m, lanes, capacity_vph, storage_pcu, freeflow_s,
    elevation_m, flooded_from_s (NaN if never), wkt
``zones`` (one row per zone)
    zone, lon, lat, population, evacuees, elevation_m, order_s, flooded_from_s, wkt
``shelters`` (one row per shelter)
    shelter, name, lon, lat, capacity, elevation_m, occupancy_end
``timeseries`` (one row per zone and 5-minute step; zone "ALL" for the whole area)
    time_s, zone, evacuees, departed, arrived, exposed_persons
``shelter_timeseries``
    time_s, shelter, occupancy
``hazard_frames`` (hazard area at each change, for maps)
    time_s, kind (flood / fire / plume / ...), level_m (floods), geojson
``buses`` (one row per bus, if the plan has buses)
    bus, ready_s, legs, shelter_trips, delivered, in_service
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["TABLES", "Event", "RunResult", "clean_json"]


class Event(NamedTuple):
    """One event of a run: a row of the ``events`` table (columns in this order)."""

    time_s: float
    """Simulated time (s since the scenario start)."""
    type: str
    """What happened: order, depart, arrive, redirect, stranded, link_closed, ..."""
    vehicle_id: int
    """Agent it happened to, or -1."""
    link_id: str
    """Link it happened on, or empty."""
    zone: str
    """Zone it concerns, or empty."""
    shelter: str
    """Shelter (or pickup point, depot, exit) it concerns, or empty."""
    value: float
    """A number that goes with it (persons, capacity, ...), or NaN."""
    detail: str
    """Free text: a reason, a command in JSON, ..."""


def clean_json(x: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python ones, for strict JSON."""
    if isinstance(x, dict):
        return {k: clean_json(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean_json(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x

#: Table names, in the order they are written.
TABLES = (
    "agents",
    "events",
    "link_states",
    "links",
    "zones",
    "shelters",
    "timeseries",
    "shelter_timeseries",
    "hazard_frames",
    "buses",
)


@dataclass
class RunResult:
    """Everything one run of a scenario under a plan with a seed produced.

    Attributes
    ----------
    meta : dict
        ``scenario``, ``scenario_title``, ``plan``, ``plan_title``, ``seed``, ``version``,
        ``wall_time_s``, ``start`` (ISO wall-clock anchor), ``timezone``, ``duration_s``,
        ``first_order_s``, ``attribution`` (list of data credits to show), ``network``
        (what was read and dropped).
    kpis : dict
        The KPI tree written to ``kpis.json``.
    tables : dict of str to DataFrame
        The tables listed in :data:`TABLES`.
    """

    meta: dict[str, Any]
    kpis: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            table: pd.DataFrame = tables[name]
            return table
        raise AttributeError(name)

    def save(self, folder: str | Path) -> Path:
        """Write the run into ``folder`` (created if needed) and return it."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        # the engine's tables first, then those of extensions, in name order
        names = [n for n in TABLES if n in self.tables]
        names += sorted(n for n in self.tables if n not in TABLES)
        for name in names:
            self.tables[name].to_parquet(out / f"{name}.parquet", index=False)
        (out / "kpis.json").write_text(
            json.dumps(self.kpis, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        (out / "run.json").write_text(
            json.dumps(self.meta, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        return out

    @classmethod
    def load(cls, folder: str | Path) -> RunResult:
        """Read a run folder written by :meth:`save`."""
        src = Path(folder)
        meta = json.loads((src / "run.json").read_text(encoding="utf-8"))
        kpis = json.loads((src / "kpis.json").read_text(encoding="utf-8"))
        tables = {p.stem: pd.read_parquet(p) for p in sorted(src.glob("*.parquet"))}
        return cls(meta=meta, kpis=kpis, tables=tables)
