"""Vehicles that drive a given route link by link, and leave it only when it closes.

:class:`RoutedTrafficModel` (the traffic model of a run whose trips have routes) asks
:meth:`RouteFollower.next_link` at every node before it looks in the routing trees. A
vehicle with a route gets the route's next link; it leaves its route for good (and from
then on follows the shortest open route to its destination, like every other vehicle)
when a link still ahead on the route closes, when it is sent to another destination, or
when it has driven the whole route.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.sim.traffic.links import LinkState
from musterpoint.sim.traffic.queue_model import TrafficModel

__all__ = ["FREE", "RouteFollower", "RoutedTrafficModel", "traffic_model_for"]

logger = logging.getLogger(__name__)

#: ``next_link`` value for a vehicle that follows the routing trees (no route, or left it).
FREE = -3


class RouteFollower:
    """The fixed routes of the vehicles that have one, and where each one is on it.

    Parameters
    ----------
    link_from : ndarray of int
        Start node of each link.
    links : list of LinkState
        The traffic model's links (their ``closed`` flags are read, never written).

    Attributes
    ----------
    left : list of tuple of (int, int)
        ``(vehicle, node)`` of every vehicle that left its route because a link ahead
        closed or its destination changed, at the node where it left.
    on_left : callable or None
        ``on_left(vehicle, node, next_route_link)``, called when a vehicle leaves its
        route (the link it would have taken next).
    """

    def __init__(self, link_from: np.ndarray, links: list[LinkState]) -> None:
        self.link_from: list[int] = [int(x) for x in link_from]
        self.links = links
        self.route: dict[int, list[int]] = {}
        self.pos: dict[int, int] = {}
        self.dest: dict[int, int] = {}
        self.left: list[tuple[int, int]] = []
        self.on_left: Callable[[int, int, int], None] | None = None

    def assign(self, v: int, links: Sequence[int], dest: int) -> None:
        """Vehicle ``v`` (not yet on the road) drives ``links`` towards destination ``dest``."""
        if links:
            self.route[v] = [int(x) for x in links]
            self.pos[v] = 0
            self.dest[v] = int(dest)

    def _drop(self, v: int, node: int, off: bool, planned: int = -1) -> None:
        del self.route[v], self.pos[v], self.dest[v]
        if off:
            self.left.append((v, node))
            logger.debug("vehicle %d leaves its fixed route at node %d", v, node)
            if self.on_left is not None:
                self.on_left(v, node, planned)

    def next_link(self, v: int, node: int, current: int, dest: int) -> int:
        """The link vehicle ``v`` takes from ``node`` (or :data:`FREE`).

        Parameters
        ----------
        v : int
            Vehicle.
        node : int
            The node it stands at (end of ``current``, or its origin).
        current : int
            The link it is on (-1 at its origin).
        dest : int
            Its destination now.
        """
        r = self.route.get(v)
        if r is None:
            return FREE
        p = self.pos[v]
        if p < len(r) and r[p] == current:
            p += 1
            self.pos[v] = p
        if p >= len(r):
            self._drop(v, node, False)
            return FREE
        m = r[p]
        if dest != self.dest[v] or self.links[m].closed or self.link_from[m] != node:
            self._drop(v, node, True, m)
            return FREE
        return m

    def on_closures(self, closed: np.ndarray) -> None:
        """Links closed: a vehicle with a closed link still ahead leaves its route at its
        next node (it is marked now; the traffic model asks at that node)."""
        shut = np.asarray(closed, dtype=bool)
        for v, r in self.route.items():
            p = self.pos[v]
            if any(shut[m] for m in r[p + 1:]):
                self.dest[v] = -1  # no destination matches: off the route at the next node


class RoutedTrafficModel(TrafficModel):
    """The queue model, with vehicles that follow fixed routes (see the module).

    Made by :func:`traffic_model_for` (the parameters of
    :class:`~musterpoint.sim.traffic.queue_model.TrafficModel`, then its ``follower``); a
    run without routes uses that class itself, so it pays nothing for this one.

    Attributes
    ----------
    follower : RouteFollower
        The routes and where each routed vehicle is on its route.
    """

    # set by traffic_model_for (no __init__ of its own: the compiled core's constructor
    # is TrafficModel's, called from Python with the run's arguments)
    follower: RouteFollower

    def _next_link(self, v: int, node: int) -> int:
        c = self.cars[v]
        m = self.follower.next_link(v, node, c.link, c.dest)
        return m if m >= 0 else super()._next_link(v, node)


def traffic_model_for(link_from: np.ndarray, routed: bool) -> Callable[..., TrafficModel]:
    """The traffic model class of a run, called with the parameters of
    :class:`~musterpoint.sim.traffic.queue_model.TrafficModel`: a
    :class:`RoutedTrafficModel` (with ``link_from``, the start node of each link) if some
    vehicles have fixed routes (``routed``), else the plain queue model."""
    if not routed:
        return TrafficModel

    def routed_model(*args: Any, **kwargs: Any) -> RoutedTrafficModel:
        tm = RoutedTrafficModel(*args, **kwargs)
        tm.follower = RouteFollower(link_from, tm.links)
        return tm

    return routed_model


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
if not TYPE_CHECKING:
    from musterpoint.sim._accel import compiled as _compiled

    # only over the compiled queue model (which queue_model.py chose above)
    if (_fast := _compiled("traffic.fixed_routes")) is not None and (
            TrafficModel is _fast.TrafficModel):
        RouteFollower, RoutedTrafficModel = _fast.RouteFollower, _fast.RoutedTrafficModel
