"""The time-expanded network of the evacuation bound, and its max-flow solvers.

Layers are potential-shifted: road node ``v`` at layer ``k`` stands for the real times
``[k * step + e(v), (k + 1) * step + e(v))``, where ``e(v)`` is the earliest time anyone can
reach ``v`` at free flow (see :mod:`musterpoint.sim.bounds.relaxed_network`). A link ``u -> v`` of
free-flow time ``tau`` jumps ``floor((tau + e(u) - e(v)) / step)`` layers, which is 0 along
the fastest routes, so rounding costs nothing there. The arcs:

* holdover ``(v, k) -> (v, k + 1)``, unlimited (waiting);
* link ``(u, k - T) -> (v, k)`` with ``U`` units per layer (the exit capacity of the link);
  a link with closures goes through a buffer chain ``(u, j) -> (b, j) -> ... -> (v, j + T)``
  whose entry arcs exist only for layers in which the link can be open at entry;
* source ``s -> (o, j)`` with the supply released in that layer; sink ``(x, k) -> t`` (or
  ``-> shelter -> t`` when shelter capacities are modelled) active from a horizon.

Every quantity is in integer *units* (PCU times a scale). The validity argument is in
:func:`musterpoint.sim.bounds.bound.evacuation_bound`.

The max-flow solvers are in :mod:`musterpoint.sim.bounds.maxflow`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["INF", "SINK", "SOURCE", "TimeExpandedNetwork", "build_ten"]

logger = logging.getLogger(__name__)

#: Capacity marker of unlimited arcs (replaced by "more than all supply" when solving).
INF = -1
#: Tail of source arcs and head of sink arcs in arc arrays.
SOURCE = -1
SINK = -2

_TOL = 1e-9


def _ranges(count: np.ndarray, dtype: type[np.signedinteger[Any]] = np.int64) -> tuple[
        np.ndarray, np.ndarray]:
    """For ``count[i]`` items each: the owner ``i`` of every item and its rank 0..count-1
    (``dtype`` must hold the number of items)."""
    count = np.maximum(np.asarray(count, dtype=np.int64), 0)
    owner = np.repeat(np.arange(count.size, dtype=dtype), count)
    start = (np.cumsum(count) - count).astype(dtype)
    rank = np.arange(owner.size, dtype=dtype) - start[owner]
    return owner, rank


@dataclass
class TimeExpandedNetwork:
    """Arrays of a time-expanded network (see the module docstring).

    Attributes
    ----------
    step_s : float
        Layer length.
    grid0_s : float
        Time of horizon 0; horizon ``j`` is ``grid0_s + j * step_s``.
    n_horizons : int
        Number of horizons of the grid.
    n : int
        Number of nodes (road node-layers, then buffer node-layers).
    act : ndarray of int
        Per node, the first horizon index at which it may carry flow (can be < 0).
    tail, head, cap : ndarray of int
        Road, holdover and buffer arcs (``cap`` is :data:`INF` for unlimited ones).
    arc_link : ndarray of int
        Per arc, the network link whose exit capacity it carries, or -1.
    sink_tail, sink_shelter, sink_act : ndarray of int64
        Sink arcs: tail node, shelter index, first horizon index at which it counts.
    road_off : ndarray of int64
        First node of each road node's layers (``-1`` if it has none).
    road_layers : ndarray of int64
        Number of layers of each road node.
    node_road : ndarray of int
        Road node of each road node-layer (``-1`` for buffers).
    node_layer : ndarray of int
        Layer of each node.

    The node and arc arrays (``act`` to ``arc_link``, ``node_road``, ``node_layer``) are
    int32 when every node index, layer and capacity fits (they are most of the bound's
    memory), int64 otherwise.
    """

    step_s: float
    grid0_s: float
    n_horizons: int
    n: int
    act: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    arc_link: np.ndarray
    sink_tail: np.ndarray
    sink_shelter: np.ndarray
    sink_act: np.ndarray
    road_off: np.ndarray
    road_layers: np.ndarray
    node_road: np.ndarray
    node_layer: np.ndarray

    @property
    def horizons_s(self) -> np.ndarray:
        """Times of the horizons."""
        return np.asarray(self.grid0_s + self.step_s * np.arange(self.n_horizons))

    def horizon_index(self, t: np.ndarray) -> np.ndarray:
        """Horizon index of times ``t``, rounded down (so that flows count no later)."""
        x = (np.asarray(t, dtype=np.float64) - self.grid0_s) / self.step_s
        return np.floor(x + _TOL).astype(np.int64)

    def layer_of(self, node: np.ndarray, t: np.ndarray, e: np.ndarray) -> np.ndarray:
        """Layer of road ``node`` holding real time ``t`` (rounded down); may be < 0."""
        x = (np.asarray(t, dtype=np.float64) - np.asarray(e)[node]) / self.step_s
        return np.asarray(np.floor(x + _TOL), dtype=np.int64)


def build_ten(
    *,
    n_nodes: int,
    arc_from: np.ndarray,
    arc_to: np.ndarray,
    arc_layers: np.ndarray,
    arc_units: np.ndarray,
    arc_link: np.ndarray,
    arc_closed: list[list[tuple[float, float]]],
    e: np.ndarray,
    h: np.ndarray,
    sinks: list[tuple[int, int, float]],
    step_s: float,
    grid0_s: float,
    horizon_s: float,
) -> TimeExpandedNetwork:
    """Build the time-expanded network.

    Parameters
    ----------
    n_nodes : int
        Road nodes.
    arc_from, arc_to : ndarray of int
        Road arcs.
    arc_layers : ndarray of int
        Layers each arc jumps, ``floor((tau + e(u) - e(v)) / step)`` (>= 0).
    arc_units : ndarray of int
        Exit capacity of each arc per layer, in units.
    arc_link : ndarray of int
        Network link reported for each arc (bottlenecks).
    arc_closed : list of list of (float, float)
        Per arc, open intervals of real time during which entry is certainly impossible.
    e : ndarray
        Potential: layer ``k`` of node ``v`` starts at ``k * step + e[v]``.
    h : ndarray
        Earliest real time from which a node's layer 0 could feed a sink (activation).
    sinks : list of (node, shelter, open_s)
        Access nodes with the shelter they lead to and its opening time.
    step_s, grid0_s, horizon_s : float
        Layer length, time of horizon 0, last time of interest.
    """
    d = float(step_s)
    n_h = int(np.floor((horizon_s - grid0_s) / d + _TOL)) + 1
    ok = np.isfinite(e) & np.isfinite(h) & (h <= horizon_s)
    k_max = np.where(ok, np.floor((horizon_s - np.where(ok, h, 0.0)) / d + _TOL), -1.0)
    layers = (k_max + 1).astype(np.int64)
    layers[layers < 0] = 0
    n_road = int(layers.sum())
    # node and arc arrays in 32 bits when every node index, layer and capacity fits (they
    # are most of the bound's memory)
    units = np.asarray(arc_units, dtype=np.int64)
    span = n_road + len(arc_closed) * (int(layers.max(initial=0)) + 1) + n_h + 2
    ix: type[np.signedinteger[Any]] = (np.int32 if span < 2**31 and (
        not units.size or int(np.abs(units).max()) < 2**31) else np.int64)
    layers = layers.astype(ix)
    road_off = (np.cumsum(layers, dtype=np.int64) - layers).astype(ix)
    node_road, node_layer = _ranges(layers, ix)

    def snap(t: np.ndarray) -> np.ndarray:
        return np.floor((t - grid0_s) / d + _TOL).astype(ix)

    act_parts = [snap(node_layer * d + h[node_road])]
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    links: list[np.ndarray] = []

    # holdovers
    hold = layers > 1
    own, rk = _ranges(np.where(hold, layers - 1, 0), ix)
    t = road_off[own] + rk
    tails.append(t)
    heads.append(t + 1)
    caps.append(np.full(t.size, INF, dtype=ix))
    links.append(np.full(t.size, -1, dtype=ix))

    u_all = np.asarray(arc_from, dtype=np.int64)
    v_all = np.asarray(arc_to, dtype=np.int64)
    tl = np.asarray(arc_layers, dtype=ix)
    units = units.astype(ix)
    ku = layers[u_all] - 1
    kv = layers[v_all] - 1
    closable = np.array([bool(c) for c in arc_closed], dtype=bool)

    # links without closures: (u, k - T) -> (v, k) for k in [T, min(Kv, Ku + T)]
    plain = np.flatnonzero(~closable & (ku >= 0) & (kv >= tl))
    cnt = np.minimum(kv[plain], ku[plain] + tl[plain]) - tl[plain] + 1
    own, rk = _ranges(cnt, ix)
    a = plain.astype(ix)[own]
    k = tl[a] + rk
    tails.append(road_off[u_all[a]] + k - tl[a])
    heads.append(road_off[v_all[a]] + k)
    caps.append(units[a])
    links.append(np.asarray(arc_link, dtype=ix)[a])

    # links with closures: buffer chains (per arc: entry layers not certainly closed, a
    # chain of buffer layers from the first entry, exits into v)
    ca = np.flatnonzero(closable & (ku >= 0) & (kv >= tl))
    jmax = kv[ca] - tl[ca]
    cnt = np.minimum(ku[ca], jmax) + 1
    own, j = _ranges(cnt)
    w0 = j * d + e[u_all[ca][own]]
    win = [(k, lo, hi) for k, a_i in enumerate(ca.tolist()) for lo, hi in arc_closed[a_i]]
    w_own = np.array([k for k, _, _ in win], dtype=np.int64)
    w_lo = np.array([lo for _, lo, _ in win], dtype=np.float64)
    w_hi = np.array([hi for _, _, hi in win], dtype=np.float64)
    wo, wr = _ranges(cnt[w_own])
    pos = (np.cumsum(cnt) - cnt)[w_own][wo] + wr
    covered = np.zeros(own.size, dtype=bool)
    covered[pos[(w_lo[wo] < w0[pos] - 1e-6) & (w0[pos] + d <= w_hi[wo] - 1e-6)]] = True
    e_own, e_j = own[~covered], j[~covered]
    first = np.full(ca.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, e_own, e_j)
    has = first < np.iinfo(np.int64).max  # an arc never open at entry gets no chain
    bcnt = np.where(has, jmax - np.where(has, first, 0) + 1, 0)
    bown, brank = _ranges(bcnt)
    bj = first[bown] + brank
    base = n_road + np.cumsum(bcnt) - bcnt - np.where(has, first, 0)  # + layer
    n_buf = int(bcnt.sum())
    act_parts.append(snap((bj + tl[ca][bown]) * d + h[v_all[ca][bown]]))
    chain = brank < bcnt[bown] - 1
    tails += [road_off[u_all[ca][e_own]] + e_j, (base[bown] + bj)[chain], base[bown] + bj]
    heads += [base[e_own] + e_j, (base[bown] + bj + 1)[chain],
              road_off[v_all[ca][bown]] + bj + tl[ca][bown]]
    caps += [np.full(e_own.size, INF, dtype=np.int64), np.full(int(chain.sum()), INF,
                                                                dtype=np.int64),
             units[ca][bown]]
    links += [np.full(e_own.size, -1, dtype=np.int64), np.full(int(chain.sum()), -1,
                                                               dtype=np.int64),
              np.asarray(arc_link, dtype=np.int64)[ca][bown]]

    s_tail: list[np.ndarray] = []
    s_sh: list[np.ndarray] = []
    s_act: list[np.ndarray] = []
    for x, sh, open_s in sinks:
        if layers[x] == 0:
            continue
        kk = np.arange(layers[x])
        s_tail.append(road_off[x] + kk)
        s_sh.append(np.full(kk.size, sh, dtype=np.int64))
        s_act.append(snap(np.maximum(kk * d + e[x], open_s)))
    node_road_all = np.concatenate([node_road, np.full(n_buf, -1, dtype=ix)])
    ten = TimeExpandedNetwork(
        step_s=d, grid0_s=float(grid0_s), n_horizons=n_h, n=n_road + n_buf,
        act=np.concatenate(act_parts, dtype=ix),
        tail=np.concatenate(tails, dtype=ix), head=np.concatenate(heads, dtype=ix),
        cap=np.concatenate(caps, dtype=ix), arc_link=np.concatenate(links, dtype=ix),
        sink_tail=np.concatenate(s_tail) if s_tail else np.zeros(0, np.int64),
        sink_shelter=np.concatenate(s_sh) if s_sh else np.zeros(0, np.int64),
        sink_act=np.concatenate(s_act) if s_act else np.zeros(0, np.int64),
        road_off=np.where(layers > 0, road_off, -1).astype(np.int64),
        road_layers=layers.astype(np.int64), node_road=node_road_all,
        node_layer=np.concatenate([node_layer, np.zeros(n_buf, dtype=ix)]),
    )
    logger.debug("time-expanded network: %d nodes (%d buffer), %d arcs, %d sink arcs, "
                 "%d horizons", ten.n, n_buf, ten.tail.size, ten.sink_tail.size, n_h)
    return ten
