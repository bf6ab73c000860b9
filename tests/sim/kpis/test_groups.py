"""ETE by NUREG/CR-7002 group on a hand-made agents table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from musterpoint.sim.kpis.groups import group_kpis, sheltering_places, waiting_kpis


def _agents() -> pd.DataFrame:
    # general: 4 persons arrive at 1,000 s, 4 at 2,000 s, 2 shelter in place (cut off);
    # transit-dependent: 5 at 3,000 s, 5 never departed; special facility: 10 at 5,000 s
    rows = [
        ("general", 4, "arrived", 1000.0, 11), ("general", 4, "arrived", 2000.0, 12),
        ("general", 2, "sheltering_in_place", np.nan, 13),
        ("transit_dependent", 5, "arrived", 3000.0, 14),
        ("transit_dependent", 5, "never_departed", np.nan, 15),
        ("special_facility", 10, "arrived", 5000.0, 16),
    ]
    df = pd.DataFrame(rows, columns=["group", "persons", "status", "arrive_s", "origin_node"])
    df["zone"] = "Z1"
    df["origin_lon"], df["origin_lat"] = -51.2, -30.0
    df["waits"] = [0, 1, 1, 0, 0, 0]
    df["retries"] = [0, 1, 0, 0, 0, 0]
    return df


def test_group_etes_by_hand():
    g = group_kpis(_agents(), t0=500.0)
    # general: 8 persons can evacuate (2 shelter in place); 50 % = 4 at 1,000 s,
    # 90 % = 7.2 -> 8 at 2,000 s
    assert g["general"]["ete50_s"] == 500.0 and g["general"]["ete90_s"] == 1500.0
    assert g["general"]["ete100_s"] == 1500.0 and g["general"]["sheltering_in_place"] == 2
    # transit: 10 persons, 5 arrive: ETE50 at 3,000 s, 90 % never
    assert g["transit_dependent"]["ete50_s"] == 2500.0
    assert g["transit_dependent"]["ete90_s"] is None
    assert g["special_facility"]["ete100_s"] == 4500.0
    # whole: 28 can evacuate; 50 % = 14 -> 4+4+5=13 at 3,000, 23 at 5,000 s
    w = g["whole"]
    assert w["persons"] == 30 and w["ete50_s"] == 4500.0 and w["ete90_s"] is None
    assert sum(w[s] for s in ("arrived", "stranded", "en_route", "never_departed",
                              "sheltering_in_place")) == 30


def test_sheltering_places_and_waiting_counts():
    a = _agents()
    places = sheltering_places(a)
    assert places == [{"node": 13, "zone": "Z1", "lon": -51.2, "lat": -30.0, "persons": 2,
                       "households": 1}]
    w = waiting_kpis(a)
    assert w == {"households_waited": 2, "persons_waited": 6, "households_retried": 1,
                 "persons_retried_arrived": 4, "retries": 1}
