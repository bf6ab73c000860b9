"""A synthetic run with the engine's reasons on its households, and service standards,
for the tests of the reports' first screen."""

from __future__ import annotations

import numpy as np
import pandas as pd

from musterpoint.sim.result import RunResult
from tests.helpers.run_fixture import make_run_result

__all__ = ["CUT_OFF", "NO_CAR", "with_reasons"]

NO_CAR = "no transport (needs a bus or a ride)"
CUT_OFF = "no open route from the origin"


def with_reasons(language: str = "en") -> RunResult:
    """The synthetic run with engine reasons on its not-arrived households, and standards."""
    result = make_run_result(language=language)
    ag = result.tables["agents"]
    ag.loc[ag["status"] == "stranded", "reason"] = CUT_OFF
    ag.loc[ag["status"] == "never_departed", "reason"] = NO_CAR
    # two more households of Z1 without a car, and one that was never ordered out
    extra = ag[ag["zone"] == "Z1"].iloc[:3].copy()
    extra["vehicle_id"] = np.arange(len(ag), len(ag) + 3)
    extra["status"], extra["reason"] = "never_departed", [NO_CAR, NO_CAR, ""]
    extra["arrive_s"], extra["depart_s"] = np.nan, np.nan
    extra.iloc[2, extra.columns.get_loc("order_s")] = np.nan
    ag = pd.concat([ag, extra], ignore_index=True)
    result.tables["agents"] = ag
    ev = result.kpis["evacuation"]
    for status in ("arrived", "stranded", "en_route", "never_departed"):
        ev[status] = int(ag.loc[ag["status"] == status, "persons"].sum())
    ev["evacuees"] = int(ag["persons"].sum())
    ev["ete90_s"] = None
    result.kpis["bounds"] = {"max_share_safe": 0.8}
    result.meta["standards"] = [
        {"id": "half", "kpi": "evacuation.ete50_s", "op": "<=", "threshold": 5400.0,
         "per": None, "label": "Half out within 1 h 30 min", "label_zh": "1小时30分钟内半数撤出",
         "met": True, "value": 4260.0, "failing": []},
        {"id": "zones", "kpi": "ete50_s", "op": "<=", "threshold": 1800.0, "per": "zone",
         "label": "Every zone half out in 30 min", "label_zh": "每个区域30分钟内半数撤出",
         "met": False, "value": None, "failing": ["Z3"]},
    ]
    return result
