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

__all__ = ["LINK_STATE_COLUMNS", "MONITOR_S", "RunRecorder"]

#: Interval of link states and time series (seconds).
MONITOR_S = 300.0
#: Columns of the ``link_states`` table, in order.
LINK_STATE_COLUMNS = ("interval_start_s", "link_id", "entered", "exited", "pcu_end",
                      "occupancy", "mean_travel_s", "freeflow_s", "closed")


class RunRecorder:
    """The records of one run: every event, and the 5-minute link, zone and shelter rows.

    Attributes
    ----------
    events : list of Event
        One typed record per event, in the order they happened.
    link_rows : list of tuple
        Link states of each monitoring interval (links with traffic or closed), as arrays:
        ``(interval start, link index, entered, exited, pcu_end, occupancy, mean_travel_s,
        closed)``; :meth:`link_states` makes the table of them. Arrays, not a table per
        interval, so that a region of a million links keeps 8 numbers per row (and no text)
        until the end.
    zone_rows : list of tuple
        ``(time_s, zone, departed persons, arrived persons)`` per zone and step.
    shelter_rows : list of tuple
        ``(time_s, shelter, occupancy)`` per shelter and step.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.link_rows: list[tuple[Any, ...]] = []
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
        """Record link states of the interval from ``t0`` and start new counters.

        The traffic model hands over only the links active in the interval (and the
        closed ones), so an interval costs the links with traffic, not every link.
        """
        c = roads.traffic.take_counters(np.flatnonzero(roads.closed))
        roads.entered_total[c.links] += c.entered
        closed = roads.closed[c.links]
        sel = np.flatnonzero((c.entered > 0) | (c.exited > 0) | (c.used > 0) | closed)
        if not sel.size:
            return
        idx = c.links[sel]
        ent, ext, used = c.entered[sel], c.exited[sel], c.used[sel]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_tt = np.where(ext > 0, c.travel_s[sel] / ext, np.nan)
        self.link_rows.append((t0, idx.astype(np.int32), ent, ext, used,
                               used / roads.storage[idx], mean_tt, closed[sel]))

    def link_states(self, link_id: np.ndarray, freeflow_s: np.ndarray) -> pd.DataFrame:
        """The ``link_states`` table: one row per link and interval with traffic or closed.

        Parameters
        ----------
        link_id : ndarray
            Each link's id (of the network, in link order).
        freeflow_s : ndarray
            Each link's free-flow time (s).
        """
        if not self.link_rows:
            return pd.DataFrame(columns=list(LINK_STATE_COLUMNS))
        cols = list(zip(*self.link_rows, strict=True))
        idx = np.concatenate(cols[1])
        # each link's id converted to the table's text type once, and taken for its rows
        names = pd.Series(np.asarray(link_id).astype(str).astype(object)).array
        start_type = np.int64 if all(isinstance(t, int) for t in cols[0]) else np.float64
        return pd.DataFrame({
            # as a table per interval would give: integers only if every start is one
            "interval_start_s": np.repeat(np.array(cols[0], dtype=start_type),
                                          [i.size for i in cols[1]]),
            "link_id": names.take(idx),
            "entered": np.concatenate(cols[2]),
            "exited": np.concatenate(cols[3]),
            "pcu_end": np.concatenate(cols[4]),
            "occupancy": np.concatenate(cols[5]),
            "mean_travel_s": np.concatenate(cols[6]),
            "freeflow_s": freeflow_s[idx],
            "closed": np.concatenate(cols[7]),
        })
