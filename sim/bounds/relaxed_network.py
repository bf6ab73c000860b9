"""The road network as the evacuation bound sees it: relaxed, reduced, with potentials.

Everything here only *relaxes* the simulator (allows at least what it allows), so that the
bound stays a bound:

* link capacities are the largest a plan's levers ever give (contraflow, control points);
* a link counts as closed only during open intervals in which the simulator certainly has
  it closed to entry (hazard steps, explicit closures, contraflow), see
  :func:`closed_windows`;
* dead ends (a node whose only neighbour is where one came from) are removed, and a node
  with exactly two neighbours is bypassed by arcs ``x -> y`` whose free-flow time is the
  sum and whose exit capacity is that of the second link (the one whose exits the
  simulator spaces), see :func:`reduce_arcs`.
"""

from __future__ import annotations

import heapq
import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.intervals import union
from musterpoint.sim.network.graph import Network

__all__ = [
    "Arcs",
    "closed_windows",
    "earliest_times",
    "latest_departure",
    "lever_capacity",
    "reduce_arcs",
    "reverse_times",
]

logger = logging.getLogger(__name__)

Window = tuple[float, float]


@dataclass
class Arcs:
    """Directed arcs of the (reduced) road graph.

    Attributes
    ----------
    frm, to : ndarray of int64
        End nodes (network node indices).
    tau_s : ndarray of float64
        Free-flow time.
    cap_vph : ndarray of float64
        Exit capacity (PCU per hour).
    link : ndarray of int64
        Network link whose exit capacity the arc carries (for bottleneck reports).
    closed : list of list of (float, float)
        Open intervals during which entry is certainly impossible.
    """

    frm: np.ndarray
    to: np.ndarray
    tau_s: np.ndarray
    cap_vph: np.ndarray
    link: np.ndarray
    closed: list[list[Window]]

    @property
    def size(self) -> int:
        """Number of arcs."""
        return int(self.frm.size)


def lever_capacity(net: Network, plan: Plan | None) -> tuple[np.ndarray, list[list[Window]]]:
    """Largest capacity each link ever has under ``plan``'s levers, and lever closures.

    A contraflow a response level may start counts as on from time 0 (its closures,
    whose time is not known, are not counted). Contraflow closes the opposite link during
    ``[from, until)``; it is applied at exactly
    those times (at time 0 before anyone departs), so the open interval is certainly closed.
    """
    cap = net.capacity_vph.astype(np.float64).copy()
    closed: list[list[Window]] = [[] for _ in range(net.n_links)]
    if plan is None or not (plan.contraflow or plan.control_points or plan.levels):
        return cap, closed
    from musterpoint.sim.traffic.levers import NetworkLevers

    lev = NetworkLevers(net, plan, plan.name)
    for t in [0.0, *lev.change_times()]:
        cap = np.maximum(cap, lev.state_at(t).capacity_vph)
    for i, gain, _ in lev.standby:  # a level may start it at any time: as if from 0
        cap[i] = max(cap[i], lev.base_cap[i] + gain)
    for s, e, _, j in lev.contraflow:
        closed[j].append((-1.0 if s <= 0 else s, e))
    return cap, closed


def closed_windows(world: object, plan: Plan | None = None) -> tuple[np.ndarray,
                                                                      list[list[Window]]]:
    """Capacities and certainly-closed open intervals of every link of ``world``'s network.

    The simulator applies the hazard at times ``0, step, 2 step, ...`` (and explicit
    closures exactly at their start and end); a link in the hazard during ``[s, e)`` is
    therefore closed to entry at least on ``(g, e)`` with ``g`` the first step time
    ``>= s`` (from time 0 itself when ``g == 0``: the hazard is applied before anyone
    departs). Events at exactly ``g`` may come before the update, hence the open interval.
    """
    from musterpoint.sim.world import World

    assert isinstance(world, World)
    net = world.network
    cap, closed = lever_capacity(net, plan)
    step = float(world.loaded.scenario.hazard.step_min) * 60.0
    if world.link_flooded is not None:
        for i, ivs in enumerate(world.link_flooded):
            for s, e in ivs:
                g = math.ceil(s / step - 1e-9) * step
                if g < e:
                    closed[i].append((-1.0 if g <= 0 else g, e))
    for s, e, links, _ in world.closures:
        for i in np.asarray(links).tolist():
            closed[int(i)].append((-1.0 if s <= 0 else s, e))
    return cap, [union(c) if c else [] for c in closed]


def reduce_arcs(arcs: Arcs, n_nodes: int, protected: np.ndarray) -> Arcs:
    """Remove dead ends and bypass two-neighbour nodes (a relaxation of the simulator).

    A node that is neither an origin nor an access node (``protected``) and has at most one
    neighbour can only send vehicles back where they came from: waiting there is the same
    as waiting at the neighbour, so it is dropped. A node with exactly two neighbours ``a``,
    ``c`` whose outgoing links have no closures is replaced by arcs ``x -> b -> y``
    (``x != y``) with the summed free-flow time, the exit capacity of ``b -> y`` and the
    entry closures of ``x -> b``: a vehicle leaving ``b -> y`` at ``t`` entered ``x -> b`` by
    ``t - tau1 - tau2``, and exits of ``b -> y`` are spaced by its own headway. The capacity
    of ``x -> b`` is dropped, so a node is bypassed only when that capacity is at least the
    one kept (nothing is lost). U-turns are dropped (they only return to the same node
    later).
    """
    frm = arcs.frm.tolist()
    to = arcs.to.tolist()
    tau = arcs.tau_s.tolist()
    cap = arcs.cap_vph.tolist()
    link = arcs.link.tolist()
    closed = list(arcs.closed)
    alive = [f != t for f, t in zip(frm, to, strict=True)]
    out: list[set[int]] = [set() for _ in range(n_nodes)]
    inn: list[set[int]] = [set() for _ in range(n_nodes)]
    for a in range(len(frm)):
        if alive[a]:
            out[frm[a]].add(a)
            inn[to[a]].add(a)
    prot = np.asarray(protected, dtype=bool)
    todo = [v for v in range(n_nodes) if not prot[v] and (out[v] or inn[v])]
    queued = set(todo)
    removed = bypassed = 0
    while todo:
        b = todo.pop()
        queued.discard(b)
        nb = {to[a] for a in out[b]} | {frm[a] for a in inn[b]}
        touched: set[int] = set()
        if len(nb) <= 1:
            for a in list(out[b]) + list(inn[b]):
                alive[a] = False
                out[frm[a]].discard(a)
                inn[to[a]].discard(a)
            touched = nb
            removed += 1
        elif (len(nb) == 2 and len(out[b]) <= 2 and len(inn[b]) <= 2
              and not any(closed[a] for a in out[b])
              and all(cap[i] >= cap[o] for i in inn[b] for o in out[b] if frm[i] != to[o])):
            new = [(i, o) for i in inn[b] for o in out[b] if frm[i] != to[o]]
            for a in list(out[b]) + list(inn[b]):
                alive[a] = False
                out[frm[a]].discard(a)
                inn[to[a]].discard(a)
            for i, o in new:
                frm.append(frm[i])
                to.append(to[o])
                tau.append(tau[i] + tau[o])
                cap.append(cap[o])
                link.append(link[o])
                closed.append(closed[i])
                alive.append(True)
                a = len(frm) - 1
                out[frm[a]].add(a)
                inn[to[a]].add(a)
            touched = nb
            bypassed += 1
        for x in touched:
            if not prot[x] and x not in queued:
                queued.add(x)
                todo.append(x)
    keep = np.flatnonzero(np.array(alive, dtype=bool))
    logger.debug("bound graph: %d dead-end nodes removed, %d nodes bypassed; %d -> %d arcs",
                 removed, bypassed, arcs.size, keep.size)
    return Arcs(
        frm=np.array(frm, dtype=np.int64)[keep], to=np.array(to, dtype=np.int64)[keep],
        tau_s=np.array(tau, dtype=np.float64)[keep],
        cap_vph=np.array(cap, dtype=np.float64)[keep],
        link=np.array(link, dtype=np.int64)[keep], closed=[closed[a] for a in keep.tolist()],
    )


def _graph(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """Sparse graph keeping the cheapest of parallel arcs (a sparse matrix would add them)."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return csr_matrix((w[first], (rows[first], cols[first])), shape=(n, n))


def earliest_times(n_nodes: int, arcs: Arcs, origin: np.ndarray,
                   release_s: np.ndarray) -> np.ndarray:
    """Earliest free-flow arrival at every node from the releases (closures ignored)."""
    o = np.asarray(origin, dtype=np.int64)
    r = np.asarray(release_s, dtype=np.float64)
    first = np.full(n_nodes, np.inf)
    np.minimum.at(first, o, r)
    src = np.flatnonzero(np.isfinite(first))
    if not src.size:
        return np.full(n_nodes, np.inf)
    base = float(first[src].min())
    n = n_nodes + 1
    rows = np.concatenate([arcs.frm, np.full(src.size, n_nodes)])
    cols = np.concatenate([arcs.to, src])
    w = np.concatenate([arcs.tau_s, first[src] - base])
    g = _graph(rows, cols, w, n)
    dist = dijkstra(g, directed=True, indices=n_nodes, min_only=True)
    return np.asarray(dist[:n_nodes] + base)


def reverse_times(n_nodes: int, frm: np.ndarray, to: np.ndarray, weight: np.ndarray,
                  targets: np.ndarray, target_time: np.ndarray) -> np.ndarray:
    """``min over targets x of (target_time[x] + shortest weight from the node to x)``."""
    t = np.asarray(targets, dtype=np.int64)
    if not t.size:
        return np.full(n_nodes, np.inf)
    tt = np.asarray(target_time, dtype=np.float64)
    base = float(tt.min())
    n = n_nodes + 1
    rows = np.concatenate([np.asarray(to, dtype=np.int64), np.full(t.size, n_nodes)])
    cols = np.concatenate([np.asarray(frm, dtype=np.int64), t])
    w = np.concatenate([np.asarray(weight, dtype=np.float64), tt - base])
    g = _graph(rows, cols, w, n)
    dist = dijkstra(g, directed=True, indices=n_nodes, min_only=True)
    return np.asarray(dist[:n_nodes] + base)


def _latest_open(windows: list[Window], t: float) -> float:
    """Latest time ``<= t`` not inside any of the (sorted, disjoint) open windows."""
    for lo, hi in reversed(windows):
        if hi <= t:
            break
        if lo < t < hi:
            return lo if lo >= 0 else -math.inf
    return t


def latest_departure(n_nodes: int, arcs: Arcs, access: np.ndarray, ready_s: np.ndarray,
                     horizon_s: float) -> np.ndarray:
    """Latest time one can leave each node and still reach an access node by the horizon.

    Free flow, waiting allowed anywhere, entry only when a link is not certainly closed;
    ``ready_s[x]`` is when access node ``x`` starts admitting (shelter opening). A vehicle
    released at ``r`` at node ``o`` cannot arrive in the simulator unless
    ``r <= latest[o]``.
    """
    latest = np.full(n_nodes, -math.inf)
    heap: list[tuple[float, int]] = []
    for x, ready in zip(np.asarray(access).tolist(), np.asarray(ready_s).tolist(),
                        strict=True):
        if ready <= horizon_s and horizon_s > latest[x]:
            latest[x] = horizon_s
            heapq.heappush(heap, (-horizon_s, x))
    inn: list[list[int]] = [[] for _ in range(n_nodes)]
    for a, v in enumerate(arcs.to.tolist()):
        inn[v].append(a)
    frm = arcs.frm.tolist()
    tau = arcs.tau_s.tolist()
    done = np.zeros(n_nodes, dtype=bool)
    while heap:
        neg, v = heapq.heappop(heap)
        if done[v]:
            continue
        done[v] = True
        lv = -neg
        for a in inn[v]:
            u = frm[a]
            if done[u]:
                continue
            t = lv - tau[a]
            if arcs.closed[a]:
                t = _latest_open(arcs.closed[a], t)
            if t > latest[u]:
                latest[u] = t
                heapq.heappush(heap, (-t, u))
    return latest
