"""RunResult: the tidy tables one simulation run produces, saved to and loaded from a folder.

A run folder holds ``run.json`` (metadata), ``kpis.json`` and one Parquet file per table.
Maps and reports read only a :class:`RunResult`; they never need the engine.

The tables and their columns, with units, are defined in :mod:`musterpoint.sim.tables`
(:data:`~musterpoint.sim.tables.TABLES`); ``save`` refuses a table whose columns differ
from its schema.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from musterpoint.sim.tables import TABLES, check_columns

__all__ = ["EvacuationKpis", "RunKpis", "RunResult", "TrafficKpis", "clean_json"]


class EvacuationKpis(TypedDict, total=False):
    """The ``evacuation`` family of kpis.json (persons unless named otherwise)."""

    evacuees: int
    vehicles: int
    arrived: int
    stranded: int
    en_route: int
    never_departed: int
    sheltering_in_place: int
    ete50_s: float | None
    ete90_s: float | None
    ete100_s: float | None
    travel_time_mean_s: float | None
    travel_time_p95_s: float | None
    exposed_persons: int
    exposed_person_s: float
    exposed_person_s_at_home: float
    exposed_person_s_on_road: float
    still_exposed_persons: int
    groups: dict[str, dict[str, Any]]
    sheltering_in_place_places: list[dict[str, Any]]
    waiting: dict[str, int]
    special_facilities: dict[str, Any]
    by_zone: dict[str, dict[str, Any]]


class TrafficKpis(TypedDict):
    """The ``traffic`` family of kpis.json."""

    events: int
    link_traversals: int
    gridlock_forced_moves: int
    route_rebuilds: int
    vehicle_km: float


class RunKpis(TypedDict, total=False):
    """kpis.json: one family per part of the run (a JSON tree; these keys are typed).

    ``evacuation`` and ``traffic`` always; ``ledger`` (per role, with ``balanced``);
    ``bounds`` when the bound ran; ``shadow``/``background`` when the plan has such
    traffic; one family per extension (``transit``, ``relief``, ``health``).
    """

    evacuation: EvacuationKpis
    traffic: TrafficKpis
    ledger: dict[str, Any]
    bounds: dict[str, Any]
    shadow: dict[str, Any]
    background: dict[str, Any]
    transit: dict[str, Any]
    relief: dict[str, Any]
    health: dict[str, Any]


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
        The tables of :data:`musterpoint.sim.tables.TABLES`, and the extensions' own.
    """

    meta: dict[str, Any]
    kpis: RunKpis
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            table: pd.DataFrame = tables[name]
            return table
        raise AttributeError(name)

    def save(self, folder: str | Path) -> Path:
        """Write the run into ``folder`` (created if needed) and return it."""
        # the engine's tables first, then those of extensions, in name order
        names = [n for n in TABLES if n in self.tables]
        names += sorted(n for n in self.tables if n not in TABLES)
        for name in names:
            check_columns(name, list(self.tables[name].columns))
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
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
        # GIS copies (*.geo.parquet, written by the CLI beside the tables) are not tables
        tables = {p.stem: pd.read_parquet(p) for p in sorted(src.glob("*.parquet"))
                  if not p.name.endswith(".geo.parquet")}
        return cls(meta=meta, kpis=kpis, tables=tables)
