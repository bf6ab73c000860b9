"""Key performance indicators of an evacuation run, and the ledger that must balance.

ETE (evacuation time estimate) in the style of NUREG/CR-7002: the time after the first
evacuation order by which 50 / 90 / 100 % of the evacuees (persons, including those who
never left or were stranded) have reached a shelter; ``None`` when that share was never
reached. People cut off at home at their order who never got out (``sheltering_in_place``:
they shelter in place and need rescue) are reported apart and are not in the ETE's
denominator: an ETE is the time to evacuate those who can evacuate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import SimulationError

__all__ = ["SHELTERING", "STATUSES", "check_ledger", "ete_s", "etes", "evacuation_kpis",
           "ledger"]

#: The end state of people cut off at home at their order who never got out.
SHELTERING = "sheltering_in_place"
#: The five exclusive end states of every person and vehicle.
STATUSES = ("arrived", "stranded", "en_route", "never_departed", SHELTERING)


def ete_s(arrive_s: np.ndarray, persons: np.ndarray, total: int, share: float,
          t0: float) -> float | None:
    """Time after ``t0`` at which ``share`` of ``total`` persons had arrived, or None.

    Parameters
    ----------
    arrive_s : ndarray
        Arrival times of arrived vehicles (NaN rows are ignored).
    persons : ndarray
        Persons in each of those vehicles.
    total : int
        Evacuees the share refers to (arrived or not).
    share : float
        0.5, 0.9, 1.0, ...
    t0 : float
        Time of the first evacuation order.
    """
    if total <= 0:
        return None
    ok = np.isfinite(arrive_s)
    t = np.asarray(arrive_s)[ok]
    p = np.asarray(persons)[ok]
    order = np.argsort(t, kind="stable")
    cum = np.cumsum(p[order])
    need = math.ceil(share * total - 1e-9)
    k = int(np.searchsorted(cum, need, side="left"))
    if k >= cum.size:
        return None
    return float(t[order][k] - t0)


def ledger(agents: pd.DataFrame) -> dict[str, Any]:
    """Persons and vehicles in each end state, and whether they sum to the totals."""
    out: dict[str, Any] = {}
    for what, weight in (("persons", agents["persons"]), ("vehicles", agents["pcu"] > 0)):
        w = weight.astype(np.int64)
        counts = {s: int(w[agents["status"] == s].sum()) for s in STATUSES}
        total = int(w.sum())
        out[what] = {**counts, "total": total, "balanced": sum(counts.values()) == total}
    unknown = sorted(set(agents["status"]) - set(STATUSES))
    out["unknown_states"] = unknown
    out["balanced"] = bool(out["persons"]["balanced"] and out["vehicles"]["balanced"]
                           and not unknown)
    return out


def check_ledger(led: dict[str, Any]) -> None:
    """Raise SimulationError if the ledger does not balance."""
    if not led["balanced"]:
        raise SimulationError(f"the ledger does not balance: {led}")


def etes(sub: pd.DataFrame, t0: float) -> dict[str, float | None]:
    """ETE50/90/100 (s after ``t0``) of the agents ``sub``, over its persons who are not
    sheltering in place."""
    total = int(sub["persons"][sub["status"] != SHELTERING].sum())
    arr = sub["arrive_s"].to_numpy(float)
    per = sub["persons"].to_numpy(np.int64)
    return _etes(arr, per, total, t0)


def _etes(arrive_s: np.ndarray, persons: np.ndarray, total: int,
          t0: float) -> dict[str, float | None]:
    return {f"ete{int(s * 100)}_s": ete_s(arrive_s, persons, total, s, t0)
            for s in (0.5, 0.9, 1.0)}


def _by_zone(agents: pd.DataFrame, zones: pd.DataFrame, t0: float) -> dict[str, Any]:
    """The figures of each zone (in sorted order, as a grouping by zone gives them), from
    whole columns: a zone's rows in their order, so every sum and ETE is the same."""
    codes, names = pd.factorize(agents["zone"].to_numpy(), sort=True)
    rows = np.argsort(codes, kind="stable")  # each zone's rows, in their order
    bounds = np.searchsorted(codes[rows], np.arange(len(names) + 1))
    persons = agents["persons"].to_numpy(np.int64)
    status = agents["status"].to_numpy()
    arrive = agents["arrive_s"].to_numpy(float)
    exposed = agents["exposed_person_s"].to_numpy(float)
    order: dict[str, float] = {}
    for z, t in zip(zones["zone"].tolist(), zones["order_s"].tolist(), strict=True):
        order.setdefault(z, float(t))  # the first row of the zone, as .loc[...].iloc[0]
    out: dict[str, Any] = {}
    for k, z in enumerate(names.tolist()):
        idx = rows[bounds[k]:bounds[k + 1]]
        p, st, ex = persons[idx], status[idx], exposed[idx]
        out[str(z)] = {
            "evacuees": int(p.sum()),
            **{s: int(p[st == s].sum()) for s in STATUSES},
            **_etes(arrive[idx], p, int(p[st != SHELTERING].sum()), t0),
            "order_s": order.get(z),
            "exposed_persons": int(p[ex > 0].sum()),
            "exposed_person_s": float(np.nansum(ex)),  # as a column's sum (NaN skipped)
        }
    return out


def evacuation_kpis(agents: pd.DataFrame, zones: pd.DataFrame, t0: float) -> dict[str, Any]:
    """The ``evacuation`` KPI family from the agents and zones tables."""
    persons = agents["persons"].to_numpy(np.int64)
    status = agents["status"].to_numpy()
    total = int(persons.sum())
    arrived = status == "arrived"
    tt = (agents["arrive_s"] - agents["depart_s"]).to_numpy(float)[arrived]
    exposed = agents["exposed_person_s"].to_numpy(float)
    out: dict[str, Any] = {
        "evacuees": total,
        "vehicles": int((agents["pcu"] > 0).sum()),
    }
    for s in STATUSES:
        out[s] = int(persons[status == s].sum())
    out.update(etes(agents, t0))
    out["travel_time_mean_s"] = float(tt.mean()) if tt.size else None
    out["travel_time_p95_s"] = float(np.percentile(tt, 95)) if tt.size else None
    out["exposed_persons"] = int(persons[exposed > 0].sum())
    out["exposed_person_s"] = float(exposed.sum())
    out["exposed_person_s_at_home"] = float(agents["exposed_home_person_s"].sum())
    out["exposed_person_s_on_road"] = float(agents["exposed_road_person_s"].sum())
    out["by_zone"] = _by_zone(agents, zones, t0)
    return out
