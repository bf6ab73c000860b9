"""The roads during a run: closures (hazard, plan levers, commands), capacities, rerouting,
and the vehicles launched onto them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.hazards.closures import ClosureSchedule
from musterpoint.sim.hazards.flood import StageHydrograph, flooded_intervals
from musterpoint.sim.hazards.hazard_change import raised_stage
from musterpoint.sim.intervals import Interval
from musterpoint.sim.network.routing import Router
from musterpoint.sim.traffic.fixed_routes import RoutedTrafficModel
from musterpoint.sim.traffic.levers import NetworkLevers
from musterpoint.sim.traffic.queue_model import TrafficModel
from musterpoint.sim.world import World

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.extension import RunExtension
    from musterpoint.sim.evacuation.records import RunRecorder

__all__ = ["RoadState"]


class RoadState:
    """Which links are closed and why, their storage, and who drives on them.

    Parameters
    ----------
    env : simpy.Environment
        The run's clock.
    world : World
        The network and the hazard's closure intervals.
    plan : Plan
        Its rerouting interval.
    levers : NetworkLevers
        The plan's contraflow and control points over time.
    recorder : RunRecorder
        Where closures and capacity changes are logged.

    Attributes
    ----------
    hazard_closed, lever_closed, manual_closed, closed : ndarray of bool
        Links closed by the hazard, by the plan's levers, by commands, and by any.
    storage : ndarray
        Storage of each link now (PCU); levers change it.
    entered_total : ndarray
        Vehicles that entered each link so far (counted at each monitoring step).
    hydrograph : StageHydrograph or None
        The flood's water level over time as it is now known (a command may raise it).
    place_flooded : list or None
        Flooded intervals of each populated place under that curve.
    owner, local : list
        For each vehicle on the roads (by traffic-model number): the extension that
        launched it (None for households) and that owner's own number for it.
    """

    def __init__(self, env: simpy.Environment, world: World, plan: Plan,
                 levers: NetworkLevers, recorder: RunRecorder) -> None:
        net = world.network
        self.env, self.net, self.levers, self.recorder = env, net, levers, recorder
        self.reroute = plan.reroute_interval_min > 0
        self.schedule = ClosureSchedule.from_lists(world.link_flooded, world.closures,
                                                   net.n_links)
        self.hazard_closed = np.zeros(net.n_links, dtype=bool)
        self.lever_closed = np.zeros(net.n_links, dtype=bool)
        self.manual_closed = np.zeros(net.n_links, dtype=bool)
        self.closed = np.zeros(net.n_links, dtype=bool)
        self._closed_buf = np.zeros(net.n_links, dtype=bool)
        self.entered_total = np.zeros(net.n_links)
        self.storage = net.storage_pcu.copy()
        self.world = world
        self.hydrograph: StageHydrograph | None = world.hydrograph
        self.place_flooded: list[list[Interval]] | None = world.place_flooded
        self.owner: list[RunExtension | None] = []
        self.local: list[int] = []
        self._router: Router | None = None
        self._traffic: TrafficModel | None = None

    @property
    def link_pos(self) -> Mapping[str, int]:
        """Position of each link id (commands and levels name links): the network's."""
        return self.net.link_positions()

    def attach(self, router: Router, traffic: TrafficModel) -> None:
        """Give the roads their routing trees and traffic model (made after the
        destinations are known)."""
        self._router, self._traffic = router, traffic
        if isinstance(traffic, RoutedTrafficModel):
            traffic.follower.on_left = self._left_route

    def _left_route(self, tv: int, node: int, planned: int) -> None:
        """Log that vehicle ``tv`` left its fixed route at ``node`` (a link ahead closed)."""
        link = str(self.net.link_id[planned]) if planned >= 0 else ""
        self.recorder.log(self.env.now, "route_left", self.local[tv], link=link,
                          detail=f"left its fixed route at node {int(self.net.node_id[node])}")

    @property
    def router(self) -> Router:
        """Shortest-time trees to every destination."""
        assert self._router is not None, "the roads have no router yet"
        return self._router

    @property
    def traffic(self) -> TrafficModel:
        """The queue model moving the vehicles."""
        assert self._traffic is not None, "the roads have no traffic model yet"
        return self._traffic

    def launch(self, origin: int, dest: int, pcu: float, owner: RunExtension | None = None,
               local: int = -1, routed: bool = False) -> int:
        """Put a vehicle on the road now, from ``origin`` to router destination ``dest``.

        ``owner`` (an extension) hears when it arrives or is stranded, with ``local``, its
        own number for the vehicle. With ``routed``, the vehicle of trip ``local`` drives
        the trip's fixed route, if it has one. Returns the traffic-model vehicle number.
        """
        tv = self.traffic.add_vehicle(origin, dest, pcu)
        routes = self.world.routes
        if routed and routes is not None and isinstance(self.traffic, RoutedTrafficModel):
            self.traffic.follower.assign(tv, routes.route(local), dest)
        self.local.append(local)
        self.owner.append(owner)
        self.traffic.depart(tv)
        return tv

    # ------------------------------------------------------------------ closures
    def apply_closures(self) -> None:
        """Close and reopen links to match hazard, levers and commands now; rebuild the
        routing trees when anything changed."""
        now = self.env.now
        self.hazard_closed = self.schedule.closed_at(now)
        buf = self._closed_buf  # no new arrays at a step that changes nothing (most)
        np.bitwise_or(self.hazard_closed, self.lever_closed, out=buf)
        np.bitwise_or(buf, self.manual_closed, out=buf)
        if np.array_equal(buf, self.closed):
            return
        now_closed = buf.copy()
        changed = np.flatnonzero(now_closed != self.closed)
        for i in changed.tolist():
            self.traffic.set_closed(i, bool(now_closed[i]))
            self.recorder.log(now, "link_closed" if now_closed[i] else "link_reopened",
                              link=str(self.net.link_id[i]))
        self.closed = now_closed
        if isinstance(self.traffic, RoutedTrafficModel):
            self.traffic.follower.on_closures(now_closed)
        self.router.rebuild(self.closed, cost_s=self.route_costs())
        self.traffic.after_reroute()

    def set_manual(self, links: np.ndarray, closed: bool) -> None:
        """Close or reopen links by command, now."""
        self.manual_closed[links] = closed
        self.apply_closures()

    def raise_flood(self, add_m: float, over_s: float) -> StageHydrograph:
        """The water rises ``add_m`` metres above the curve over the next ``over_s``
        seconds: closures, exposure on the roads and at home follow the new curve.

        Only for a scenario whose one area hazard is a flood (its link closures are the
        flood's alone); raises ValueError otherwise.
        """
        w = self.world
        if self.hydrograph is None or w.link_elevation is None:
            raise ValueError("the scenario has no flood (hazard.flood)")
        if w.polygons or w.plume is not None:
            raise ValueError("the scenario has other area hazards besides the flood")
        hydro = raised_stage(self.hydrograph, float(self.env.now), add_m, over_s)
        links = flooded_intervals(w.link_elevation, hydro)
        self.schedule = ClosureSchedule.from_lists(links, w.closures, self.net.n_links)
        self.traffic.exposure = links
        if w.places is not None:
            self.place_flooded = flooded_intervals(w.places.elevation, hydro)
        self.hydrograph = hydro
        self.apply_closures()
        return hydro

    def route_costs(self) -> np.ndarray | None:
        """Link times for routing: free-flow, or with congestion-aware rerouting the
        free-flow time or the time to discharge the queue on the link, if longer."""
        if not self.reroute:
            return None
        tm = self.traffic
        queue_s = np.array(tm.used) * np.array(tm.headway)
        return np.asarray(np.maximum(self.net.freeflow_s, queue_s))

    def apply_levers(self) -> None:
        """Capacities and lever closures of the plan's contraflow and control points now."""
        now = self.env.now
        st = self.levers.state_at(now)
        cur = np.array(self.traffic.headway)
        new_head = 3600.0 / st.capacity_vph
        for i in np.flatnonzero((new_head != cur) | (st.storage_pcu != self.storage)).tolist():
            self.traffic.set_capacity(i, float(st.capacity_vph[i]), float(st.storage_pcu[i]))
            self.storage[i] = st.storage_pcu[i]
            self.recorder.log(now, "capacity", link=str(self.net.link_id[i]),
                              value=float(st.capacity_vph[i]))
        self.lever_closed = st.closed
        self.apply_closures()

    # ------------------------------------------------------------------ processes
    def reroute_process(self, every: float, until: float) -> Any:
        """Congestion-aware rerouting: rebuild the trees on current queues every ``every`` s."""
        env = self.env
        while env.now + every <= until:
            yield env.timeout(every)
            self.router.rebuild(self.closed, cost_s=self.route_costs())
            self.traffic.after_reroute(everyone=True)

    def hazard_process(self, step: float, until: float) -> Any:
        """Apply hazard closures at every hazard step."""
        while self.env.now <= until:
            self.apply_closures()
            yield self.env.timeout(step)

    def closure_at(self, t: float) -> Any:
        """Apply an explicit closure exactly at its time."""
        yield self.env.timeout(t - self.env.now)
        self.apply_closures()

    def levers_process(self, until: float) -> Any:
        """Apply the levers at each time one starts or ends."""
        for t in self.levers.change_times():
            if t > until:
                return
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.apply_levers()
