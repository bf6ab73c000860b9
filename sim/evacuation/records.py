"""What a run records as it goes: the event log, link states, zone progress, occupancy."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from musterpoint.sim.tables import Event

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.agents import AgentBook
    from musterpoint.sim.evacuation.roads import RoadState
    from musterpoint.sim.evacuation.shelters import ShelterBook

__all__ = ["MONITOR_S", "RunRecorder"]

#: Interval of link states and time series (seconds).
MONITOR_S = 300.0


class RunRecorder:
    """The records of one run: every event, and the 5-minute link, zone and shelter rows.

    Attributes
    ----------
    events : list of Event
        One typed record per event, in the order they happened.
    link_rows : list of DataFrame
        Link states of each monitoring interval (links with traffic or closed).
    zone_rows : list of tuple
        ``(time_s, zone, departed persons, arrived persons)`` per zone and step.
    shelter_rows : list of tuple
        ``(time_s, shelter, occupancy)`` per shelter and step.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.link_rows: list[pd.DataFrame] = []
        self.zone_rows: list[tuple[float, int, int, int]] = []
        self.shelter_rows: list[tuple[float, int, int]] = []

    def log(self, t: float, kind: str, v: int = -1, link: str = "", zone: str = "",
            shelter: str = "", value: float = math.nan, detail: str = "") -> None:
        """Append one event."""
        self.events.append(Event(t, kind, v, link, zone, shelter, value, detail))

    def monitor(self, env: simpy.Environment, agents: AgentBook, shelters: ShelterBook,
                roads: RoadState, n_zones: int, until: float,
                progress: Callable[[float], None] | None) -> Any:
        """SimPy process: every 5 minutes, link states, zone progress, shelter occupancy
        and the progress callback."""
        self.link_rows = []
        self.zone_rows = []
        self.shelter_rows = []
        ev = (agents.role == "evacuee") & (agents.veh.zone >= 0)
        zone, persons = agents.veh.zone[ev], agents.veh.persons[ev]
        while True:
            t0 = env.now
            yield env.timeout(min(MONITOR_S, until - t0))
            self.snapshot_links(roads, t0)
            t = env.now
            st = agents.status[ev]
            gone = st != "never_departed"
            arr = st == "arrived"
            dep = np.bincount(zone[gone], persons[gone], minlength=n_zones)
            got = np.bincount(zone[arr], persons[arr], minlength=n_zones)
            for z in range(n_zones):
                self.zone_rows.append((t, z, int(dep[z]), int(got[z])))
            for s in range(shelters.n):
                self.shelter_rows.append((t, s, int(shelters.occupancy[s])))
            if progress is not None:
                progress(min(t / until, 1.0))
            if t >= until:
                return

    def snapshot_links(self, roads: RoadState, t0: float) -> None:
        """Record link states of the interval from ``t0`` and start new counters."""
        tm = roads.traffic
        c = tm.take_counters()
        # dtypes given: numpy need not look at every element to infer them (3x faster)
        ent = np.array(c.entered, dtype=np.int64)
        roads.entered_total += ent
        ext = np.array(c.exited, dtype=np.int64)
        used = np.array(tm.used, dtype=np.float64)
        active = (ent > 0) | (ext > 0) | (used > 0) | roads.closed
        idx = np.flatnonzero(active)
        if not idx.size:
            return
        trav = np.array(c.travel_s, dtype=np.float64)[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_tt = np.where(ext[idx] > 0, trav / ext[idx], np.nan)
        net = roads.net
        self.link_rows.append(pd.DataFrame({
            "interval_start_s": t0,
            "link_id": net.link_id[idx].astype(str),
            "entered": ent[idx],
            "exited": ext[idx],
            "pcu_end": used[idx],
            "occupancy": used[idx] / roads.storage[idx],
            "mean_travel_s": mean_tt,
            "freeflow_s": net.freeflow_s[idx],
            "closed": roads.closed[idx],
        }))
