"""Max flows on the time-expanded network of the bound (OR-tools' push-relabel).

:func:`parametric_curve` gives the max flow for every horizon of the grid at once by divide
and conquer on nested minimum cuts: sink arcs only switch on as the horizon grows, so the
minimal source sides shrink (Gallo, Grigoriadis and Tarjan); each subproblem contracts what
is already known to lie on the source or the sink side. :func:`capped_flow` solves one
horizon with shelter capacities (a node per shelter; no nesting there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.graph.python import max_flow

from musterpoint.sim.bounds.time_expanded import INF, SINK, SOURCE, TimeExpandedNetwork

__all__ = ["CappedSolution", "CurveSolution", "capped_flow", "parametric_curve"]

logger = logging.getLogger(__name__)


def _solve(n_loc: int, tail: np.ndarray, head: np.ndarray,
           cap: np.ndarray) -> tuple[int, np.ndarray]:
    """Max flow from ``n_loc`` (s) to ``n_loc + 1`` (t); value and the nodes s reaches in
    the residual graph (the minimal minimum cut, the same for every maximum flow)."""
    s, t = n_loc, n_loc + 1
    reach = np.zeros(n_loc + 2, dtype=bool)
    reach[s] = True
    if not tail.size:
        return 0, reach
    solver = max_flow.SimpleMaxFlow()
    # a zero arc s -> t makes both terminals nodes of the solver's graph
    solver.add_arc_with_capacity(s, t, 0)
    solver.add_arcs_with_capacity(tail.astype(np.int64), head.astype(np.int64),
                                  cap.astype(np.int64))
    status = solver.solve(s, t)
    if status != solver.OPTIMAL:  # pragma: no cover - integer capacities, valid nodes
        raise RuntimeError(f"max flow failed with status {status}")
    reach[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
    return int(solver.optimal_flow()), reach


def _take(arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
          at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The entries ``at`` (positions) of each of four arrays."""
    a, b, c, d = arrays
    return a.take(at), b.take(at), c.take(at), d.take(at)


@dataclass
class CurveSolution:
    """The max flow of every horizon, and the nested minimal cuts.

    Attributes
    ----------
    values : ndarray of int64
        Max flow (units) at each horizon.
    flip : ndarray of int64
        Per node, the first horizon index at which it lies on the sink side of the minimal
        minimum cut (``n_horizons`` if never).
    solves : int
        Max-flow calls.
    """

    values: np.ndarray
    flip: np.ndarray
    solves: int


def parametric_curve(ten: TimeExpandedNetwork, src_head: np.ndarray,
                     src_cap: np.ndarray) -> CurveSolution:
    """Max flow at every horizon (shelters unlimited), by divide and conquer on nested cuts.

    For horizons ``lo < mid < hi``: minimal source sides satisfy ``S_hi <= S_mid <= S_lo``,
    so nodes known to be sink-side at ``lo`` are merged into t and nodes known to be
    source-side at ``hi`` into s; the cut value of arcs between those two groups is carried
    as a constant. Every node is solved in O(log n_horizons) subproblems.

    Node arrays carry two sentinel entries, ``n`` for t and ``n + 1`` for s, so that the
    arc arrays' :data:`SINK` (-2) and :data:`SOURCE` (-1) index them directly.
    """
    n, n_h = ten.n, ten.n_horizons
    inf = int(np.sum(src_cap)) + 1
    small = n + 2 < 2**31 and inf < 2**31 and n_h < 2**29
    idx: type[np.signedinteger[Any]] = np.int32 if small else np.int64
    big = 2**30 if small else 2**62
    # all arcs: structure, sources, sinks; sink arcs carry their activation horizon. Each
    # subproblem carries its own arcs' (tail, head, capacity, activation) arrays.
    cap = np.concatenate([ten.cap, src_cap, np.full(ten.sink_tail.size, INF)])
    arcs = (np.concatenate([ten.tail, np.full(src_head.size, SOURCE), ten.sink_tail]).astype(idx),
            np.concatenate([ten.head, src_head, np.full(ten.sink_tail.size, SINK)]).astype(idx),
            np.where(cap == INF, inf, cap).astype(idx),
            np.concatenate([np.full(ten.tail.size + src_head.size, -big),
                            ten.sink_act]).astype(idx))
    act = ten.act.astype(idx)
    # lo_b: last horizon known to be source side; hi_b: first known sink side
    lo_b = np.full(n + 2, -1, dtype=idx)
    hi_b = np.full(n + 2, n_h, dtype=idx)
    lo_b[n], hi_b[n] = -big, -big  # t
    lo_b[n + 1], hi_b[n + 1] = big, big  # s
    loc = np.full(n + 2, -1, dtype=idx)
    mark = np.zeros(n + 2, dtype=np.int8)
    values = np.zeros(n_h, dtype=np.int64)
    solves = 0
    Arcs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    stack: list[tuple[int, int, np.ndarray, Arcs, int]] = [
        (-1, n_h, np.arange(n, dtype=idx), arcs, 0)]
    while stack:
        lo, hi, m_nodes, (at, ah, ac, son), k_const = stack.pop()
        if hi - lo <= 1:
            continue
        if not m_nodes.size:
            values[lo + 1:hi] = k_const
            continue
        mid = (lo + hi) // 2
        present = act[m_nodes] <= mid
        p_nodes = m_nodes[present]
        n_loc = p_nodes.size
        loc[p_nodes] = np.arange(n_loc, dtype=idx)
        lt, lh = loc[at], loc[ah]
        t_loc, h_loc = lt >= 0, lh >= 0
        # outside this subproblem: tails on the s side at hi, heads on the t side at lo
        # (a sink arc only once active)
        t_src = ~t_loc & (lo_b[at] >= hi)
        h_snk0 = ~h_loc & (hi_b[ah] <= lo)
        h_snk = h_snk0 & (son <= mid)
        # positions, then take(): several times faster than boolean masks on these arrays
        keep = np.flatnonzero((t_src & h_loc) | (t_loc & (h_loc | h_snk)))
        st = np.where(t_src.take(keep), n_loc, lt.take(keep))
        sh = np.where(h_snk.take(keep), n_loc + 1, lh.take(keep))
        flow, reach = _solve(n_loc, st, sh, ac.take(keep))
        solves += 1
        values[mid] = flow + k_const
        in_s = reach[:n_loc]
        sink_side = p_nodes[~in_s]
        src_side = p_nodes[in_s]
        loc[p_nodes] = -1
        hi_b[sink_side] = mid
        lo_b[src_side] = mid
        not_present = m_nodes[~present]
        lo_b[not_present] = mid
        up = np.concatenate([src_side, not_present])
        # constants of the two children, from arcs incident to this middle: below mid,
        # ``up`` joins s (arcs from it to nodes already on the t side are cut); above mid,
        # ``sink_side`` joins t (arcs into it from the s side are cut)
        mark[sink_side] = 1
        mark[up] = 2
        tmk, hmk = mark[at], mark[ah]
        mark[sink_side] = 0
        mark[up] = 0
        t_up, h_low = tmk == 2, hmk == 1
        k_low = k_const + int(ac.sum(where=t_up & (hmk == 0) & h_snk0 & (ah >= 0),
                                     dtype=np.int64))
        k_up = k_const + int(ac.sum(where=t_src & h_low, dtype=np.int64))
        low = np.flatnonzero((tmk == 1) | h_low)
        upper = np.flatnonzero(t_up | (hmk == 2))
        stack.append((lo, mid, sink_side, _take((at, ah, ac, son), low), k_low))
        stack.append((mid, hi, up, _take((at, ah, ac, son), upper), k_up))
    flip = hi_b[:n].astype(np.int64)
    return CurveSolution(values=values, flip=flip, solves=solves)


@dataclass
class CappedSolution:
    """Max flow at one horizon with shelter capacities.

    Attributes
    ----------
    value : int
        Max flow (units).
    binding : ndarray of bool
        Per shelter: reachable from s in the residual graph with its capacity arc full,
        i.e. more room there would let more people arrive by this horizon.
    """

    value: int
    binding: np.ndarray


def capped_flow(ten: TimeExpandedNetwork, src_head: np.ndarray, src_cap: np.ndarray,
                shelter_units: np.ndarray, horizon: int) -> CappedSolution:
    """Max flow at horizon index ``horizon`` with shelter capacities (units, -1 = none)."""
    n_sh = int(shelter_units.size)
    inf = int(np.sum(src_cap)) + 1
    present = np.flatnonzero(ten.act <= horizon)
    loc = np.full(ten.n, -1, dtype=np.int64)
    loc[present] = np.arange(present.size)
    n_loc = present.size + n_sh
    lt, lh = loc[ten.tail], loc[ten.head]
    keep = (lt >= 0) & (lh >= 0)
    src_l = loc[src_head]
    sk = (ten.sink_act <= horizon) & (loc[ten.sink_tail] >= 0)
    sh_cap = np.where(shelter_units < 0, inf, shelter_units)
    tail = np.concatenate([lt[keep], np.full(int((src_l >= 0).sum()), n_loc),
                           loc[ten.sink_tail[sk]], present.size + np.arange(n_sh)])
    head = np.concatenate([lh[keep], src_l[src_l >= 0],
                           present.size + ten.sink_shelter[sk], np.full(n_sh, n_loc + 1)])
    cap = np.concatenate([ten.cap[keep], src_cap[src_l >= 0],
                          np.full(int(sk.sum()), INF), sh_cap])
    cap = np.where(cap == INF, inf, cap)
    value, reach = _solve(n_loc, tail, head, cap)
    binding = reach[present.size:present.size + n_sh] & (shelter_units >= 0)
    return CappedSolution(value=value, binding=np.asarray(binding))
