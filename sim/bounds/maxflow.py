"""Max flows on the time-expanded network of the bound (OR-tools' push-relabel).

:func:`parametric_curve` gives the max flow for every horizon of the grid at once on nested
minimum cuts: sink arcs only switch on as the horizon grows, so the minimal source sides
shrink (Gallo, Grigoriadis and Tarjan); each subproblem contracts what is already known to
lie on the source or the sink side. It sweeps the horizons in order while the network does
not bind (each node is then solved once, when it appears) and divides and conquers the
rest (each node in O(log n_horizons) subproblems). :func:`capped_flow` solves one horizon
with shelter capacities (a node per shelter; no nesting there).

Exactness: every path gives the max-flow value and the minimal minimum cut (the nodes s
reaches in the residual graph), both unique, so the way the horizons are visited changes
the time, never the result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    from ortools.graph.python import max_flow  # here: a bound read from the cache needs none

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


_Arcs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_Task = tuple[int, int, np.ndarray, _Arcs, int]


#: The sweep stops once the nodes it carried from horizon to horizon outnumber the new
#: ones (see :func:`parametric_curve`).
SWEEP_CARRY_RATIO = 1.0
#: A sweep that stops within this share of the horizons is followed by divide and conquer
#: of all of them (see :func:`parametric_curve`).
RESTART_SHARE = 0.25


class _Cuts:
    """What the subproblems of one parametric curve share: per node (with t at ``n`` and s
    at ``n + 1``) the last horizon known to be source side (``lo_b``), the first known to
    be sink side (``hi_b``), scratch arrays, and the max flow per horizon."""

    def __init__(self, ten: TimeExpandedNetwork, idx: type[np.signedinteger[Any]],
                 big: int) -> None:
        n, n_h = ten.n, ten.n_horizons
        self.act = ten.act.astype(idx)
        self.idx = idx
        self.lo_b = np.full(n + 2, -1, dtype=idx)
        self.hi_b = np.full(n + 2, n_h, dtype=idx)
        self.lo_b[n], self.hi_b[n] = -big, -big  # t
        self.lo_b[n + 1], self.hi_b[n + 1] = big, big  # s
        self.loc = np.full(n + 2, -1, dtype=idx)
        self.mark = np.zeros(n + 2, dtype=np.int8)
        self.values = np.zeros(n_h, dtype=np.int64)
        self.solves = 0

    def split(self, task: _Task, mid: int) -> tuple[_Task, _Task]:
        """Solve horizon ``mid`` of subproblem ``(lo, hi, nodes, arcs, constant)``; the
        two subproblems ``(lo, mid)`` and ``(mid, hi)`` it leaves."""
        lo, hi, m_nodes, (at, ah, ac, son), k_const = task
        lo_b, hi_b, loc, mark = self.lo_b, self.hi_b, self.loc, self.mark
        present = self.act[m_nodes] <= mid
        p_nodes = m_nodes[present]
        n_loc = p_nodes.size
        loc[p_nodes] = np.arange(n_loc, dtype=self.idx)
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
        self.solves += 1
        self.values[mid] = flow + k_const
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
        return ((lo, mid, sink_side, _take((at, ah, ac, son), low), k_low),
                (mid, hi, up, _take((at, ah, ac, son), upper), k_up))

    def conquer(self, task: _Task) -> None:
        """Divide and conquer: every horizon of ``task``'s open interval."""
        stack = [task]
        while stack:
            task = stack.pop()
            lo, hi, m_nodes, _, k_const = task
            if hi - lo <= 1:
                continue
            if not m_nodes.size:
                self.values[lo + 1:hi] = k_const
                continue
            stack.extend(self.split(task, (lo + hi) // 2))

    def sweep(self, arcs: _Arcs, carry_ratio: float) -> _Task:
        """Horizons 0, 1, ... one by one while the nodes carried from one horizon to the
        next number at most ``carry_ratio`` times the new ones (summed over the horizons
        so far); the task of the horizons left (none if the sweep reached the end)."""
        act, n_h = self.act, self.values.size
        at, ah, _, son = arcs
        ext = np.concatenate([act, np.zeros(2, dtype=act.dtype)])  # s and t: always
        # the first horizon at which an arc can be in a subproblem (upstream-closed
        # presence: its head's, or its activation for a sink arc)
        key = np.maximum(np.maximum(ext[at], ext[ah]), son)
        np.maximum(key, 0, out=key)
        kdt = np.int16 if n_h < 2**15 else np.int64
        k16 = np.minimum(key, n_h).astype(kdt)
        del key
        order = np.argsort(k16, kind="stable")  # radix sort for 16-bit keys
        a_cut = np.r_[0, np.cumsum(np.bincount(k16, minlength=n_h + 1))]
        del k16
        nk = np.minimum(np.maximum(act, 0), n_h).astype(kdt)
        n_order = np.argsort(nk, kind="stable").astype(self.idx)
        n_cut = np.r_[0, np.cumsum(np.bincount(nk, minlength=n_h + 1))]
        loc, lo_b, hi_b, idx = self.loc, self.lo_b, self.hi_b, self.idx
        ac = arcs[2]
        s_nodes = np.zeros(0, dtype=idx)  # the source side at the last horizon solved
        c_pos = np.zeros(0, dtype=np.int64)  # the arcs carried: tails there (or s -> there)
        k_const = 0
        carried = new = 0
        for j in range(n_h):
            fresh = n_order[n_cut[j]:n_cut[j + 1]]
            carried += s_nodes.size
            new += fresh.size
            if carried > carry_ratio * new and j > 0:
                break
            m_nodes = np.concatenate([s_nodes, fresh])
            if not m_nodes.size:  # (no source arc either: its head would be new)
                self.values[j] = k_const
                continue
            pos = np.concatenate([c_pos, order[a_cut[j]:a_cut[j + 1]]])
            n_loc = m_nodes.size
            loc[m_nodes] = np.arange(n_loc, dtype=idx)
            pt = at.take(pos)
            lt, lh = loc[pt], loc[ah.take(pos)]
            # tails: a node here or s (a tail on the sink side drops out); heads: a node
            # here, else t (the sink, or a node on the sink side since an earlier horizon)
            from_s = pt == SOURCE
            keep = np.flatnonzero((lt >= 0) | from_s)
            from_s = from_s.take(keep)
            st = np.where(from_s, n_loc, lt.take(keep))
            lh = lh.take(keep)
            sh = np.where(lh >= 0, lh, n_loc + 1)
            cap = ac.take(pos.take(keep))
            flow, reach = _solve(n_loc, st, sh, cap)
            self.solves += 1
            self.values[j] = flow + k_const
            loc[m_nodes] = -1
            in_s = reach[:n_loc]
            hi_b[m_nodes[~in_s]] = j
            s_nodes = m_nodes[in_s]
            lo_b[s_nodes] = j
            # source arcs into the sink side are cut at every later horizon (their heads
            # join t); arcs from the source side are carried
            k_const += int(cap.sum(where=from_s & ~reach[sh], dtype=np.int64))
            c_pos = pos.take(keep[reach[st] & (~from_s | reach[sh])])
        else:
            return (n_h - 1, n_h, s_nodes, _take(arcs, c_pos), k_const)
        # the horizons from j on: the source side at j - 1, every node not yet present,
        # the arcs carried and every arc not yet in a subproblem
        rest = np.sort(np.concatenate([c_pos, order[a_cut[j]:a_cut[n_h]]]))
        return (j - 1, n_h, np.concatenate([s_nodes, n_order[n_cut[j]:n_cut[n_h]]]),
                _take(arcs, rest), k_const)


def parametric_curve(ten: TimeExpandedNetwork, src_head: np.ndarray,
                     src_cap: np.ndarray, *,
                     carry_ratio: float | None = SWEEP_CARRY_RATIO) -> CurveSolution:
    """Max flow at every horizon (shelters unlimited), by a forward sweep while it is
    cheap, then divide and conquer on nested cuts.

    For horizons ``lo < mid < hi``: minimal source sides satisfy ``S_hi <= S_mid <= S_lo``,
    so nodes known to be sink-side at ``lo`` are merged into t and nodes known to be
    source-side at ``hi`` into s; the cut value of arcs between those two groups is carried
    as a constant. Every node is solved in O(log n_horizons) subproblems.

    The sweep solves horizon ``j`` on the nodes source-side at ``j - 1`` and those that
    appear at ``j`` (presence is closed upstream: ``act[tail] <= act[head]`` on every
    arc, since a node that can feed a sink by a horizon makes every node feeding it able
    to), with the sink side at ``j - 1`` merged into t. Where the network does not bind
    (everyone present gets out), that is one layer per horizon and every node is solved
    once. It hands the horizons left to divide and conquer once the nodes it carried
    from one horizon to the next outnumber ``carry_ratio`` times the new ones (default
    :data:`SWEEP_CARRY_RATIO`; summed over the horizons swept): a binding cut keeps whole
    regions on the source side horizon after horizon. When that happens in the first
    :data:`RESTART_SHARE` of the horizons, divide and conquer starts again from the first (whole
    city: the push-relabel time of its large congested subproblems depends on which
    horizons they are; from the first it is 15-25 % less than from the third, where the
    sweep stops). Both give the same values and cuts
    (the max-flow value and the minimal minimum cut are unique); ``carry_ratio=None``
    divides and conquers from the start, ``math.inf`` sweeps every horizon.

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
    cap = np.concatenate([ten.cap, src_cap, np.full(ten.sink_tail.size, INF)], dtype=idx)
    cap[cap == INF] = inf
    arcs = (np.concatenate([ten.tail, np.full(src_head.size, SOURCE), ten.sink_tail],
                           dtype=idx),
            np.concatenate([ten.head, src_head, np.full(ten.sink_tail.size, SINK)], dtype=idx),
            cap,
            np.concatenate([np.full(ten.tail.size + src_head.size, -big), ten.sink_act],
                           dtype=idx))
    whole: _Task = (-1, n_h, np.arange(n, dtype=idx), arcs, 0)
    cuts = _Cuts(ten, idx, big)
    task = whole
    swept = 0
    if carry_ratio is not None:
        task = cuts.sweep(arcs, carry_ratio)
        if task[0] < RESTART_SHARE * n_h:
            # the network binds from the start: divide and conquer all horizons (the
            # few swept are solved again), as cheap as from where the sweep stopped and
            # its subproblems the same whatever the sweep saw
            swept = cuts.solves
            cuts = _Cuts(ten, idx, big)
            task = whole
    cuts.conquer(task)
    flip = cuts.hi_b[:n].astype(np.int64)
    return CurveSolution(values=cuts.values, flip=flip, solves=swept + cuts.solves)


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
