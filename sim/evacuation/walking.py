"""Walking: households close to a shelter walk to it (``plan.walking``).

At the start of the run, the walking distance from every road node to the nearest shelter is
the shortest path over the road network taken in either direction (pedestrians ignore
one-way rules), without motorways and their ramps and without links closed then (in the
hazard, or by the plan). Households whose start node is within ``max_distance_m`` (all of
them, or only those without transport: ``who``) walk: they leave at their departure time
(order plus mobilisation delay, as drivers), use no road capacity, and reach the shelter
``distance / speed_mps`` later. A walker who finds the shelter full is stranded there
("shelter full (on foot)"). Walkers are ``mode = walk`` and in the ``general`` group: in
the ledger, the ETE and the map like everyone else. Limitation: the walk is planned on the
roads open at the start; a link the hazard reaches during the walk is not avoided
and no exposure on foot is counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import simpy
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.scenarios.evacuation_schema import Walking
from musterpoint.sim.des import schedule_call
from musterpoint.sim.network.graph import Network
from musterpoint.sim.world import Destination

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.agents import AgentBook
    from musterpoint.sim.evacuation.records import RunRecorder

__all__ = ["NOT_WALKABLE", "WalkPlan", "nearest_costs", "walk_distances"]

#: Road classes nobody walks on.
NOT_WALKABLE = frozenset({"motorway", "motorway_link"})


def nearest_costs(net: Network, weight: np.ndarray, ok: np.ndarray,
                  targets: Sequence[Sequence[int]], *, directed: bool,
                  limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Least cost from every node to the nearest target over the links ``ok``, and which
    target (-1: none within ``limit``).

    ``directed``: along the links' direction (a drive); else either way (a walk). Of
    parallel links, the cheapest counts.
    """
    idx = np.flatnonzero(ok)
    n = net.n_nodes
    a, b = net.link_from[idx].astype(np.int64), net.link_to[idx].astype(np.int64)
    w = np.maximum(np.asarray(weight, dtype=float)[idx], 1e-6)  # csgraph reads 0 as no link
    if directed:  # search from the targets backwards along the links
        a, b = b, a
    key = a * n + b
    order = np.lexsort((w, key))
    first = np.ones(order.size, dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    keep = order[first]
    g = csr_matrix((w[keep], (a[keep], b[keep])), shape=(n, n))
    node_target: dict[int, int] = {}
    for k, nodes in enumerate(targets):
        for nd in nodes:
            node_target.setdefault(int(nd), k)
    src = np.array(sorted(node_target), dtype=np.int64)
    if not src.size:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    cost, _, sources = dijkstra(g, directed=directed, indices=src, limit=limit,
                                min_only=True, return_predecessors=True)
    which = np.array([node_target.get(int(x), -1) if x >= 0 else -1 for x in sources],
                     dtype=np.int64)
    return np.asarray(cost, dtype=float), which


def walk_distances(net: Network, targets: Sequence[Sequence[int]], closed: np.ndarray,
                   limit_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance (m) from every node to the nearest target, and which target.

    Parameters
    ----------
    net : Network
        The road network (link ends, lengths, classes).
    targets : sequence of node sequences
        The nodes of each target (a shelter's access nodes).
    closed : ndarray of bool
        Links that cannot be walked (closed now).
    limit_m : float
        Farthest walk; nodes beyond get ``inf`` and target -1.
    """
    ok = ~closed & ~np.isin(net.highway.astype(str), list(NOT_WALKABLE))
    return nearest_costs(net, net.length_m, ok, targets, directed=False, limit=limit_m)


class WalkPlan:
    """Who walks in a run, where to and how long; and the walks themselves.

    Parameters
    ----------
    rule : Walking
        The plan's walking rule.
    env : simpy.Environment
        The run's clock.
    agents : AgentBook
        The run's households.
    recorder : RunRecorder
        Where ``depart`` and ``stranded`` events go.
    arrive : callable
        ``arrive(agent, shelter, t)``: the run's arrival rule (records the arrival);
        False if the shelter is full.
    zone_ids : sequence of str
        Zone ids, for the events.

    Attributes
    ----------
    shelter, distance_m : dict
        Per walker: the shelter it walks to and the walking distance (m).
    """

    def __init__(self, rule: Walking, env: simpy.Environment, agents: AgentBook,
                 recorder: RunRecorder, arrive: Callable[[int, int, float], bool],
                 zone_ids: Sequence[str]) -> None:
        self.rule, self.env, self.agents, self.recorder = rule, env, agents, recorder
        self.arrive, self.zone_ids = arrive, list(zone_ids)
        self.shelter: dict[int, int] = {}
        self.distance_m: dict[int, float] = {}
        self.dest_id: Callable[[int], str] = str

    def choose(self, net: Network, shelters: Sequence[Destination], closed: np.ndarray,
               origin: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Pick the walkers among agents ``candidates`` (start nodes ``origin``): those
        within the walking distance of a shelter. Returns them."""
        dist, which = walk_distances(net, [d.nodes for d in shelters], closed,
                                     self.rule.max_distance_m)
        d = dist[origin[candidates]]
        walk: np.ndarray = candidates[np.isfinite(d) & (d <= self.rule.max_distance_m)]
        for v in walk.tolist():
            self.shelter[v] = int(which[origin[v]])
            self.distance_m[v] = float(dist[origin[v]])
        return walk

    def start(self, net: Network, shelters: Sequence[Destination], closed: np.ndarray,
              dest_id: Callable[[int], str]) -> None:
        """Choose the walkers among the evacuees with a home (on the roads open now) and
        schedule their walks; ``dest_id`` names a shelter for the events."""
        ag = self.agents
        anyone = self.rule.who == "everyone"
        cand = np.flatnonzero((ag.role == "evacuee") & (ag.veh.place >= 0)
                              & ((ag.veh.pcu <= 0) | anyone))
        ag.make_walkers(self.choose(net, shelters, closed, ag.veh.origin, cand))
        self.dest_id = dest_id
        depart = ag.depart_s_all
        for v in sorted(self.shelter, key=lambda v: (float(depart[v]), v)):
            t = float(depart[v])
            if np.isfinite(t):
                schedule_call(self.env, max(t - self.env.now, 0.0), partial(self._leave, v))

    def on_order(self, zones: list[int], old_order_s: np.ndarray) -> None:
        """Walkers of zones ordered out earlier than planned (a level, a drill's
        ``order_zones``) leave now plus their own delay (the same draw as at their
        planned order); a walk already scheduled later finds them gone."""
        ag = self.agents
        now = float(self.env.now)
        for v in sorted(self.shelter):
            z = int(ag.veh.zone[v])
            if z not in zones or ag.status[v] != "never_departed":
                continue
            old = float(old_order_s[z])
            delay = (float(ag.depart_s_all[v]) - old if np.isfinite(old)
                     else float(ag.delay_s[v]) if ag.delay_s is not None else 0.0)
            ag.depart_s_all[v] = now + delay
            schedule_call(self.env, delay, partial(self._leave, v))

    def _leave(self, v: int, _: simpy.Event) -> None:
        ag, t = self.agents, float(self.env.now)
        if ag.status[v] != "never_departed":  # brought forward: it left already
            return
        ag.status[v], ag.reason[v], ag.left_home_s[v] = "en_route", "on foot", t
        z = int(ag.veh.zone[v])
        self.recorder.log(t, "depart", v, zone=self.zone_ids[z] if z >= 0 else "",
                          shelter=self.dest_id(self.shelter[v]),
                          value=float(ag.veh.persons[v]), detail="on foot")
        schedule_call(self.env, self.distance_m[v] / self.rule.speed_mps,
                      partial(self._reach, v))

    def _reach(self, v: int, _: simpy.Event) -> None:
        t = float(self.env.now)
        if not self.arrive(v, self.shelter[v], t):
            self.agents.strand(v, "shelter full (on foot)")
            self.recorder.log(t, "stranded", v, detail="shelter full (on foot)")
