"""Health places on the road network: snapped nodes, router destinations, access times.

:class:`HealthNodes` snaps the compounds, their gates, the hospitals, the plan's open
dispensing sites, the supply depot and the pick-up points to road nodes with the run's
``snap`` (too far: an :class:`~musterpoint.scenarios.errors.InputError` naming the file
and the field), and numbers the places the health vehicles drive to (gates, sites,
hospitals, the depot, pick-up points) as the extension's local destinations.
:func:`site_travel_s` gives the compound -> site travel times of the campaign and
:func:`walk_m` walking distances on the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.scenarios.health_schema import HealthPlan, HealthWorld
from musterpoint.sim.geo import LocalProjection

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext
    from musterpoint.sim.network.graph import Network

__all__ = ["HealthNodes", "site_travel_s", "walk_m"]


class HealthNodes:
    """Road nodes of the health places and the extension's destinations.

    Parameters
    ----------
    run : EvacuationRun
        The run (its ``snap`` and scenario file).
    hw : HealthWorld
        The scenario's ``health:`` section.
    hp : HealthPlan
        The plan's ``health:`` section.

    Attributes
    ----------
    comp_node, hosp_nodes, site_nodes, pickup_nodes : list of int
        Road node of each compound, hospital, open site and pick-up point.
    gate_nodes : list of list of int
        Road nodes of each compound's gates.
    site_locs : list of SiteLocation
        The candidate sites the plan's campaign opens, in the campaign's order.
    depot_node : int
        Road node of the supply depot (-1 without supply).
    labels, dest_nodes : list
        Id and node set of each local destination.
    gate_dest, site_dest, hosp_dest, pickup_dest, depot_dest : list or int
        Local destination of each gate, site, hospital, pick-up point and the depot
        (-1 without supply).
    """

    def __init__(self, ctx: RunContext, hw: HealthWorld, hp: HealthPlan) -> None:
        f = str(ctx.world.loaded.path)
        comps = hw.compounds
        self.comp_node = [ctx.snap(c.lon, c.lat, f, f"health.compounds ({c.id})") for c in comps]
        self.gate_nodes: list[list[int]] = [
            [ctx.snap(g.lon, g.lat, f, f"health.compounds ({c.id}).gates ({g.id})")
             for g in c.gates] for c in comps]
        self.hosp_nodes = [ctx.snap(h.lon, h.lat, f, f"health.hospitals ({h.id})")
                           for h in hw.hospitals]
        site_loc = {s.id: s for s in hw.sites}
        cp = hp.campaign
        self.site_locs = [site_loc[s.site] for s in cp.sites] if cp is not None else []
        self.site_nodes = [ctx.snap(s.lon, s.lat, f, f"health.sites ({s.id})")
                           for s in self.site_locs]
        sp = hp.supply
        self.depot_node = -1
        self.pickup_nodes: list[int] = []
        if sp is not None:
            d = next(x for x in hw.depots if x.id == sp.depot)
            self.depot_node = ctx.snap(d.lon, d.lat, f, f"health.depots ({d.id})")
            self.pickup_nodes = [ctx.snap(p.lon, p.lat, ctx.plan_file,
                                          f"health.supply.pickup_points ({p.id})")
                                 for p in sp.pickup_points]
        # destinations: gates, sites, hospitals, depot, pick-up points
        self.labels: list[str] = []
        self.dest_nodes: list[list[int]] = []
        self.gate_dest: list[list[int]] = []
        for c, nodes in zip(comps, self.gate_nodes, strict=True):
            self.gate_dest.append([self._add_dest(f"{c.id}/{g.id}", n)
                                   for g, n in zip(c.gates, nodes, strict=True)])
        self.site_dest = [self._add_dest(s.id, n)
                          for s, n in zip(self.site_locs, self.site_nodes, strict=True)]
        self.hosp_dest = [self._add_dest(h.id, n)
                          for h, n in zip(hw.hospitals, self.hosp_nodes, strict=True)]
        self.depot_dest = self._add_dest(sp.depot, self.depot_node) if sp is not None else -1
        self.pickup_dest = [self._add_dest(p.id, n) for p, n in
                            zip(sp.pickup_points if sp else [], self.pickup_nodes, strict=True)]

    def _add_dest(self, label: str, node: int) -> int:
        self.labels.append(label)
        self.dest_nodes.append([node])
        return len(self.dest_nodes) - 1


def walk_m(net: Network, sources: list[int]) -> np.ndarray:
    """Walking distance (m) on the road network from each of ``sources``, both directions
    of every link allowed."""
    g = coo_matrix((net.length_m, (net.link_from, net.link_to)),
                   shape=(net.n_nodes, net.n_nodes)).tocsr()
    return np.asarray(dijkstra(g, directed=False, indices=sources))


def site_travel_s(ctx: RunContext, hw: HealthWorld, hp: HealthPlan, nodes: HealthNodes,
                  first_dest: int) -> np.ndarray:
    """Compound -> site travel times (s) of the campaign, shape (compounds, sites).

    Walk: the straight line to the compound's road node, the network path and the
    straight line from the site's node, at ``walk_speed_mps``. Drive: the free-flow time
    to the site's router destination (``first_dest`` + its local number) plus 5 minutes
    (an hour where there is no route).
    """
    cp = hp.campaign
    assert cp is not None
    k, n = len(hw.compounds), len(nodes.site_nodes)
    out = np.zeros((k, n))
    if cp.access == "drive":
        for s in range(n):
            d = ctx.router.dist_s[first_dest + nodes.site_dest[s], nodes.comp_node]
            out[:, s] = np.where(np.isfinite(d), d, 3600.0) + 300.0
        return out
    net = ctx.world.network
    walk = walk_m(net, nodes.site_nodes)
    proj = LocalProjection(float(net.lon.mean()), float(net.lat.mean()))
    cx, cy = proj.forward(np.array([c.lon for c in hw.compounds]),
                          np.array([c.lat for c in hw.compounds]))
    nx, ny = proj.forward(net.lon[nodes.comp_node], net.lat[nodes.comp_node])
    sx, sy = proj.forward(np.array([s.lon for s in nodes.site_locs]),
                          np.array([s.lat for s in nodes.site_locs]))
    tx, ty = proj.forward(net.lon[nodes.site_nodes], net.lat[nodes.site_nodes])
    access = np.hypot(cx - nx, cy - ny)
    egress = np.hypot(sx - tx, sy - ty)
    for s in range(n):
        d = walk[s, nodes.comp_node]
        d = np.where(np.isfinite(d), d, 5000.0)
        out[:, s] = (access + d + egress[s]) / hw.walk_speed_mps
    return out
