"""ETE by population group, as NUREG/CR-7002 ETE studies report it, and the figures of
waiting, retrying and sheltering in place.

Groups (the agents table's ``group`` column): ``general`` (households leaving by car, in a
neighbour's car, or on foot), ``transit_dependent`` (households without transport, who
need a bus) and ``special_facility`` (residents of schools, hospitals, care homes), plus
``whole`` (every evacuee). Each group's ETE50/90/100 is the time after the first order by
which that share of the group's persons (those not sheltering in place) reached safety.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from musterpoint.sim.kpis.evacuation import SHELTERING, STATUSES, etes

__all__ = ["GROUPS", "facility_kpis", "group_kpis", "sheltering_places", "waiting_kpis"]

#: The evacuee groups, in report order (``whole`` is all of them).
GROUPS = ("general", "transit_dependent", "special_facility")


def group_kpis(agents: pd.DataFrame, t0: float) -> dict[str, Any]:
    """Per group (and ``whole``): persons, persons in each end state and ETE50/90/100.

    Parameters
    ----------
    agents : DataFrame
        The evacuees' rows of the agents table (``group``, ``persons``, ``status``,
        ``arrive_s``).
    t0 : float
        Time of the first evacuation order (s).
    """
    out: dict[str, Any] = {}
    for g in (*GROUPS, "whole"):
        sub = agents if g == "whole" else agents[agents["group"] == g]
        p = sub["persons"].to_numpy(np.int64)
        st = sub["status"].to_numpy()
        out[g] = {"persons": int(p.sum()), **{s: int(p[st == s].sum()) for s in STATUSES},
                  **etes(sub, t0)}
    return out


def sheltering_places(agents: pd.DataFrame) -> list[dict[str, Any]]:
    """Where people shelter in place: one entry per home node, most persons first."""
    sub = agents[agents["status"] == SHELTERING]
    if sub.empty:
        return []
    g = (sub.groupby(["origin_node", "zone"], sort=True)
         .agg(lon=("origin_lon", "first"), lat=("origin_lat", "first"),
              persons=("persons", "sum"), households=("persons", "size"))
         .reset_index().sort_values(["persons", "origin_node"], ascending=[False, True],
                                    kind="stable"))
    cols = {c: g[c].to_numpy() for c in g.columns}
    return [{"node": int(cols["origin_node"][i]), "zone": str(cols["zone"][i]),
             "lon": float(cols["lon"][i]), "lat": float(cols["lat"][i]),
             "persons": int(cols["persons"][i]), "households": int(cols["households"][i])}
            for i in range(len(g))]


def waiting_kpis(agents: pd.DataFrame) -> dict[str, Any]:
    """Households that had to wait for a road, set off again, and how many persons."""
    waited = agents["waits"].to_numpy(np.int64) > 0
    retried = agents["retries"].to_numpy(np.int64) > 0
    p = agents["persons"].to_numpy(np.int64)
    arrived = agents["status"].to_numpy() == "arrived"
    return {"households_waited": int(waited.sum()), "persons_waited": int(p[waited].sum()),
            "households_retried": int(retried.sum()),
            "persons_retried_arrived": int(p[retried & arrived].sum()),
            "retries": int(agents["retries"].sum())}


def facility_kpis(agents: pd.DataFrame, t0: float,
                  kinds: dict[str, str]) -> dict[str, Any]:
    """Per special facility (``kinds``: id -> school, hospital, care_home, ...): persons,
    persons in each end state, ETE50/90/100, and the same for all facilities together."""
    sub = agents[agents["facility"] != ""]
    out: dict[str, Any] = {}
    for fid, rows in sub.groupby("facility", sort=True):
        p = rows["persons"].to_numpy(np.int64)
        st = rows["status"].to_numpy()
        out[str(fid)] = {"kind": kinds.get(str(fid), ""), "persons": int(p.sum()),
                         **{s: int(p[st == s].sum()) for s in STATUSES}, **etes(rows, t0)}
    return {"facilities": out, "persons": int(sub["persons"].sum()), **etes(sub, t0)}
