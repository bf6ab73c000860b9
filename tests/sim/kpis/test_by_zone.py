"""The per-zone figures from whole columns are those of a grouping by zone, to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from musterpoint.sim.kpis.evacuation import STATUSES, etes, evacuation_kpis


def _grouped(agents: pd.DataFrame, zones: pd.DataFrame, t0: float) -> dict:
    """The figures as first written: a group of rows per zone."""
    by_zone = {}
    for z, sub in agents.groupby("zone", sort=True):
        row = zones.loc[zones["zone"] == z]
        st = sub["status"].to_numpy()
        p = sub["persons"].to_numpy(np.int64)
        by_zone[str(z)] = {
            "evacuees": int(sub["persons"].sum()),
            **{s: int(p[st == s].sum()) for s in STATUSES},
            **etes(sub, t0),
            "order_s": float(row["order_s"].iloc[0]) if len(row) else None,
            "exposed_persons": int(p[sub["exposed_person_s"].to_numpy(float) > 0].sum()),
            "exposed_person_s": float(sub["exposed_person_s"].sum()),
        }
    return by_zone


def test_by_zone_is_the_grouping_by_zone():
    rng = np.random.default_rng(3)
    for n in (0, 1, 50, 3000):
        arrive = rng.uniform(0, 9000, n)
        arrive[rng.random(n) < 0.3] = np.nan
        exposed = rng.choice([0.0, 0.1, 1e6 / 3, 7.25, np.nan], n)
        agents = pd.DataFrame({
            "zone": rng.choice(["b", "a", "z10", "z9", "(outside)"], n).astype(object),
            "persons": rng.integers(1, 7, n), "status": rng.choice(STATUSES, n).astype(object),
            "arrive_s": arrive, "depart_s": np.zeros(n), "pcu": np.ones(n),
            "exposed_person_s": exposed, "exposed_home_person_s": np.zeros(n),
            "exposed_road_person_s": np.zeros(n)})
        zones = pd.DataFrame({"zone": ["a", "b", "a", "z9"], "order_s": [60.0, np.nan, 5.0, 0.0]})
        got = evacuation_kpis(agents, zones, 30.0)["by_zone"]
        want = _grouped(agents, zones, 30.0)
        assert list(got) == list(want)
        for z in want:
            assert list(got[z]) == list(want[z])
            for k, v in want[z].items():
                assert got[z][k] == v or (v != v and got[z][k] != got[z][k]), (z, k)
