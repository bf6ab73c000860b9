"""The KPI tree of a finished run (kpis.json) and its ledger check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from musterpoint.sim.kpis.evacuation import check_ledger, evacuation_kpis, ledger
from musterpoint.sim.kpis.groups import (
    facility_kpis,
    group_kpis,
    sheltering_places,
    waiting_kpis,
)
from musterpoint.sim.result import RunKpis, clean_json

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["run_kpis"]


def _zone_hazard_exit(agents: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per zone: when its last exposed evacuee left the hazard, and who never did.

    Whole columns at once (a group per zone cost seconds at millions of agents): zones in
    sorted order, as a grouping by zone gives them."""
    codes, zones = pd.factorize(agents["zone"].to_numpy(), sort=True)
    n = len(zones)
    exposed = (agents["exposed_person_s"].to_numpy() > 0) & (codes >= 0)
    still = exposed & agents["still_exposed"].to_numpy(dtype=bool)
    n_exposed = np.bincount(codes[exposed], minlength=n)
    n_still = np.bincount(codes[still], minlength=n)
    still_persons = np.zeros(n, dtype=np.int64)
    np.add.at(still_persons, codes[still], agents["persons"].to_numpy(dtype=np.int64)[still])
    last = np.full(n, np.nan)  # the latest time, NaN ignored (as a column's max)
    np.fmax.at(last, codes[exposed], agents["left_hazard_s"].to_numpy(dtype=float)[exposed])
    return {
        str(z): {
            "last_left_hazard_s": (None if n_exposed[k] == 0 or n_still[k]
                                   else float(last[k])),
            "still_exposed_persons": int(still_persons[k]),
        }
        for k, z in enumerate(zones.tolist())
    }


def run_kpis(run: EvacuationRun, tables: dict[str, pd.DataFrame],
             extra: dict[str, Any]) -> RunKpis:
    """All KPI families of a run; raises SimulationError if a ledger does not balance."""
    agents = tables["agents"]
    evac = agents[agents["role"] == "evacuee"]
    led: dict[str, Any] = {str(role): ledger(sub)
                           for role, sub in agents.groupby("role", sort=True)}
    led["balanced"] = all(v["balanced"] for v in led.values())
    check_ledger(led)
    ev = evacuation_kpis(evac, tables["zones"], run.first_order_s)
    hz = _zone_hazard_exit(evac)
    for z, row in ev["by_zone"].items():
        row.update(hz.get(z, {}))
    ev["still_exposed_persons"] = int(sum(v["still_exposed_persons"] for v in hz.values()))
    ev["groups"] = group_kpis(evac, run.first_order_s)
    ev["sheltering_in_place_places"] = sheltering_places(evac)
    ev["waiting"] = waiting_kpis(evac)
    ev["special_facilities"] = facility_kpis(
        evac, run.first_order_s,
        {f.id: f.kind for f in run.world.loaded.scenario.special_facilities})
    kpis: dict[str, Any] = {
        "evacuation": ev,
        "traffic": {
            "events": int(run.roads.traffic.events_processed),
            "link_traversals": int(run.roads.traffic.traversals),
            "gridlock_forced_moves": int(run.roads.traffic.forced_moves),
            "route_rebuilds": int(run.roads.router.rebuilds),
            "vehicle_km": extra["vehicle_km"],
        },
        "ledger": led,
    }
    for ext in run.extensions:
        kpis[ext.name] = ext.kpis()
        ext_ledger = ext.ledger()
        if ext_ledger is not None:
            led[ext.name] = ext_ledger
            led["balanced"] = bool(led["balanced"] and ext_ledger.get("balanced", False))
            check_ledger(led)
    for role in ("shadow", "background"):
        sub = agents[agents["role"] == role]
        if len(sub):
            arr = sub[sub["status"] == "arrived"]
            kpis[role] = {
                "vehicles": len(sub),
                "arrived": len(arr),
                "travel_time_mean_s": (float((arr["arrive_s"] - arr["depart_s"]).mean())
                                       if len(arr) else None),
            }
    out: RunKpis = clean_json(kpis)
    return out
