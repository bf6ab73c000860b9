"""Evacuating special facilities: each facility's own vehicles carry its residents.

A facility's ``vehicles`` (buses, ambulances or wheelchair vans of ``seats`` places) are at
the facility, staff ready, ``mobilisation_min`` after its zone's order (NUREG/CR-7002
treats the mobilisation of a facility's vehicles as one time; where they come from is
inside it). A vehicle loads one load of residents (``loading_min``), drives to the nearest
open shelter with room (in the same traffic as everyone, at its ``pcu``), unloads, and
drives back for the next load while residents remain. A vehicle with no open route is out
of service and its riders are stranded with it; the others carry on. Residents waiting for
a vehicle are ``never_departed``; if the facility is cut off at the order, they shelter in
place (see :mod:`musterpoint.sim.evacuation.waiting`).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from musterpoint.sim.evacuation.extension import RunExtension
from musterpoint.sim.tables import TABLES

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["FacilityService", "facility_service"]


class FacilityService(RunExtension):
    """The special facilities' vehicles of one run (the ``facilities`` extension).

    Parameters
    ----------
    ctx : RunContext
        What the vehicles may use of the run.
    """

    name = "facilities"
    TABLE_SCHEMAS = (TABLES["facility_vehicles"],)

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.fac = list(ctx.world.loaded.scenario.special_facilities)
        f = str(ctx.world.loaded.path)
        self.node = [ctx.snap(x.lon, x.lat, f, f"special_facilities[{i}] ({x.id})")
                     for i, x in enumerate(self.fac)]
        self.queue: dict[int, deque[int]] = {}
        self.vehicles: list[tuple[int, int]] = []  # (facility, number within it)
        self.at: list[int] = []
        self.load: list[int] = []  # agent on board, or -1
        self.going_back: list[bool] = []
        self.ready_s = np.zeros(0)
        self.trips: list[int] = []
        self.delivered: list[int] = []
        self.in_service: list[bool] = []

    def destinations(self) -> list[list[int]]:
        """One destination per facility (the return trips)."""
        return [[n] for n in self.node]

    def dest_label(self, k: int) -> str:
        """Facility ids."""
        return self.fac[k].id

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """Queue each facility's loads; each vehicle is ready at its facility at the
        order plus the facility's mobilisation."""
        ag = self.ctx.agents
        loads = np.flatnonzero(ag.facility_index >= 0)
        for v in loads.tolist():
            self.queue.setdefault(int(ag.facility_index[v]), deque()).append(v)
        self.vehicles = [(f, k) for f in sorted(self.queue) for k in range(self.fac[f].vehicles)]
        nv = len(self.vehicles)
        self.at = [self.node[f] for f, _ in self.vehicles]
        self.load = [-1] * nv
        self.going_back = [False] * nv
        self.ready_s = np.full(nv, np.nan)
        self.trips, self.delivered, self.in_service = [0] * nv, [0] * nv, [True] * nv
        for i, (f, _) in enumerate(self.vehicles):
            first = self.queue[f][0]
            if np.isfinite(ag.depart_s_all[first]):
                self.ready_s[i] = float(ag.depart_s_all[first])
                self.ctx.env.process(self._first_load(i))

    def on_order(self, zones: list[int], old_order_s: np.ndarray) -> None:
        """Facilities in zones ordered out now that were not ordered before (a level's
        order, a drill's ``order_zones``): their vehicles are ready now plus the
        facility's mobilisation."""
        ag = self.ctx.agents
        for i, (f, _) in enumerate(self.vehicles):
            queue = self.queue.get(f)
            if not queue or np.isfinite(self.ready_s[i]) \
                    or int(ag.veh.zone[queue[0]]) not in zones:
                continue
            self.ready_s[i] = self.ctx.now + self.fac[f].mobilisation_min * 60.0
            ag.depart_s_all[list(queue)] = self.ready_s[i]
            self.ctx.env.process(self._first_load(i))

    def _first_load(self, i: int) -> Any:
        env = self.ctx.env
        yield env.timeout(max(float(self.ready_s[i]) - env.now, 0.0))
        self.ctx.log(env.now, "facility_vehicle_ready", detail=self._label(i))
        yield from self._board(i)

    def _label(self, i: int) -> str:
        f, k = self.vehicles[i]
        return f"{self.fac[f].id} {self.fac[f].vehicle} {k}"

    def _board(self, i: int) -> Any:
        ctx, ag = self.ctx, self.ctx.agents
        f = self.vehicles[i][0]
        q = self.queue[f]
        while q and ag.cut_off_at_start[q[0]]:
            q.popleft()  # the facility is cut off: they shelter in place
        if not q:
            return
        v = q.popleft()
        self.load[i] = v
        t = ctx.now
        ag.status[v], ag.reason[v], ag.left_home_s[v] = "en_route", "on the facility's vehicle", t
        ctx.log(t, "board", v, shelter=self.fac[f].id, value=float(ag.veh.persons[v]),
                detail=self._label(i))
        yield ctx.env.timeout(self.fac[f].loading_min * 60.0)
        self._to_shelter(i, exclude=-1)

    def _to_shelter(self, i: int, exclude: int) -> None:
        ctx = self.ctx
        v = self.load[i]
        d = ctx.choose_shelter(self.at[i], int(ctx.agents.veh.persons[v]), exclude, False)
        if d < 0:
            self._strand_load(i, "no open shelter with room")
            return
        self.going_back[i] = False
        ctx.launch(self.at[i], d, self.fac[self.vehicles[i][0]].pcu, self, i)

    def _strand_load(self, i: int, reason: str) -> None:
        ctx = self.ctx
        v = self.load[i]
        if v >= 0:
            ctx.agents.strand(v, f"on a {self.fac[self.vehicles[i][0]].vehicle}: {reason}")
            ctx.log(ctx.now, "stranded", v, detail=ctx.agents.reason[v])
        self.load[i] = -1

    # ------------------------------------------------------------------ callbacks
    def on_reach(self, tv: int, i: int, node: int, t: float) -> bool:
        """A vehicle reached a shelter (unload, go back) or its facility (load)."""
        ctx = self.ctx
        self.at[i] = node
        v = self.load[i]
        ex = ctx.vehicle_exposure_s(tv)
        if v >= 0 and ex > 0:
            ctx.agents.bus_road_exposure[v] += ex
        if self.going_back[i]:
            ctx.env.process(self._board(i))
            return True
        d = ctx.vehicle_dest(tv)
        if not ctx.admit(v, d, t):
            self._to_shelter(i, exclude=d)
            return True
        self.trips[i] += 1
        self.delivered[i] += int(ctx.agents.veh.persons[v])
        self.load[i] = -1
        f = self.vehicles[i][0]
        if any(not ctx.agents.cut_off_at_start[w] for w in self.queue[f]):
            self.going_back[i] = True
            ctx.launch(node, self.first_dest + f, self.fac[f].pcu, self, i)
        return True

    def on_strand(self, tv: int, i: int, t: float, reason: str) -> None:
        """No open route left: the vehicle is out of service, its load stranded."""
        self._strand_load(i, reason)
        self.in_service[i] = False
        self.ctx.log(t, "facility_vehicle_stranded", detail=f"{self._label(i)}: {reason}")

    # ------------------------------------------------------------------ results
    def tables(self) -> dict[str, pd.DataFrame]:
        """One row per facility vehicle."""
        rows = [(self.fac[f].id, k, self.fac[f].vehicle, float(self.ready_s[i]),
                 self.trips[i], self.delivered[i], self.in_service[i])
                for i, (f, k) in enumerate(self.vehicles)]
        return {"facility_vehicles": pd.DataFrame(rows, columns=[
            "facility", "vehicle", "kind", "ready_s", "trips", "delivered", "in_service"])}

    def kpis(self) -> dict[str, Any]:
        """The ``facilities`` KPI family: vehicles, trips, persons delivered."""
        return {"facilities": len(self.queue), "vehicles": len(self.vehicles),
                "trips": int(sum(self.trips)), "delivered": int(sum(self.delivered)),
                "vehicles_out_of_service": int(sum(not s for s in self.in_service))}


def facility_service(ctx: RunContext) -> FacilityService | None:
    """The facilities extension of a run, if its scenario has special facilities and its
    plan evacuates a population."""
    w = ctx.world
    if not w.loaded.scenario.special_facilities or not ctx.plan.evacuate or w.places is None:
        return None
    return FacilityService(ctx)
