"""The evacuation bound from plain arrays (no World): demand, network, shelters in; curve out.

:func:`flow_bound` is what :func:`musterpoint.sim.bounds.bound.evacuation_bound` calls after
reading a World and a run's agents; tests call it directly on hand-made networks.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from musterpoint.sim.bounds.maxflow import capped_flow, parametric_curve
from musterpoint.sim.bounds.relaxed_network import (
    Arcs,
    earliest_times,
    latest_departure,
    reduce_arcs,
    reverse_times,
)
from musterpoint.sim.bounds.time_expanded import TimeExpandedNetwork, build_ten
from musterpoint.sim.bounds.units import (
    SCALE,
    coarse_ten,
    cut_links,
    exit_units,
    pcu_units,
    person_levels,
    shelter_units,
    source_arcs,
    source_nodes,
)

__all__ = ["BoundInput", "CoreResult", "ShelterSpec", "flow_bound"]

logger = logging.getLogger(__name__)

#: Time-expanded networks up to this many arcs solve shelter capacities on themselves.
FINE_CAPPED_ARCS = 1_500_000
#: Most max-flow rounds with shelter capacities.
MAX_CAPPED_ROUNDS = 6
_TOL = 1e-9


@dataclass(frozen=True)
class ShelterSpec:
    """A place of safety: access nodes, capacity (persons, ``inf`` = none), opening time."""

    id: str
    nodes: tuple[int, ...]
    capacity: float = math.inf
    open_s: float = 0.0


@dataclass
class BoundInput:
    """Everything the bound needs, as arrays over network node and link indices.

    Attributes
    ----------
    n_nodes : int
        Road nodes.
    link_from, link_to : ndarray of int
        Links.
    freeflow_s, capacity_vph : ndarray of float
        Free-flow time and (largest) flow capacity of each link.
    link_ids : ndarray of str
        Link ids for the bottleneck report.
    closed : list of list of (float, float)
        Per link, open intervals during which entry is certainly impossible.
    shelters : list of ShelterSpec
        Places of safety.
    origin, release_s, pcu, persons : ndarray
        Vehicles that may move (pcu > 0): origin node, time they can first enter the road.
    pcu_all : ndarray of float
        PCU of every vehicle that can use the roads (for the headway granularity).
    extra_arrival_s, extra_persons : ndarray
        Persons not in vehicles above who can arrive no earlier than the given times
        (bus riders); they add to the curve without using road capacity.
    """

    n_nodes: int
    link_from: np.ndarray
    link_to: np.ndarray
    freeflow_s: np.ndarray
    capacity_vph: np.ndarray
    link_ids: np.ndarray
    closed: list[list[tuple[float, float]]]
    shelters: list[ShelterSpec]
    origin: np.ndarray
    release_s: np.ndarray
    pcu: np.ndarray
    persons: np.ndarray
    pcu_all: np.ndarray
    extra_arrival_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    extra_persons: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class CoreResult:
    """Raw output of :func:`flow_bound` (times are absolute scenario seconds)."""

    times_s: np.ndarray
    persons_safe: np.ndarray
    pcu_safe: np.ndarray
    feasible: np.ndarray
    safe_by_s: np.ndarray
    freeflow_s: np.ndarray
    bottleneck_links: list[str]
    bottleneck_pcu: list[float]
    bottleneck_shelters: list[str]
    bottleneck_time_s: float | None
    horizon_s: float
    stats: dict[str, Any]


def flow_bound(inp: BoundInput, *, step_s: float = 120.0, horizon_s: float,
               evacuees: int = 0, max_exact_levels: int = 5,
               reduce: bool = True) -> CoreResult:
    """Upper bound on persons safe over time; see
    :func:`musterpoint.sim.bounds.bound.evacuation_bound`.

    Parameters
    ----------
    inp : BoundInput
        Network, shelters and demand.
    step_s : float
        Layer length of the time-expanded network.
    horizon_s : float
        Last time of interest (the simulation's end).
    evacuees : int
        Persons the ETE shares refer to (shelter capacities are re-checked where the curve
        crosses 50, 90 and 100 % of them).
    max_exact_levels : int
        Persons-per-PCU levels solved exactly (the others use a cheaper valid bound).
    reduce : bool
        Remove dead ends and bypass two-neighbour nodes first.
    """
    t_start = time.perf_counter()
    d = float(step_s)
    stats: dict[str, Any] = {"step_s": d}
    n = int(inp.n_nodes)
    all_arcs = Arcs(np.asarray(inp.link_from, dtype=np.int64),
                    np.asarray(inp.link_to, dtype=np.int64),
                    np.asarray(inp.freeflow_s, dtype=np.float64),
                    np.asarray(inp.capacity_vph, dtype=np.float64),
                    np.arange(len(inp.link_from), dtype=np.int64), list(inp.closed))
    acc_node = np.array([x for s in inp.shelters for x in s.nodes], dtype=np.int64)
    acc_sh = np.array([k for k, s in enumerate(inp.shelters) for _ in s.nodes], dtype=np.int64)
    acc_open = np.array([inp.shelters[k].open_s for k in acc_sh.tolist()], dtype=np.float64)
    origin = np.asarray(inp.origin, dtype=np.int64)
    release = np.asarray(inp.release_s, dtype=np.float64)
    latest = latest_departure(n, all_arcs, acc_node, acc_open, horizon_s)
    feasible = np.isfinite(release) & (release <= horizon_s) & (release <= latest[origin])
    stats["vehicles"] = int(origin.size)
    stats["vehicles_feasible"] = int(feasible.sum())
    ds = reverse_times(n, all_arcs.frm, all_arcs.to, all_arcs.tau_s, acc_node,
                       np.zeros(acc_node.size))
    freeflow = np.where(feasible, release + ds[origin], np.inf)
    extra_t = np.asarray(inp.extra_arrival_s, dtype=np.float64)
    extra_p = np.asarray(inp.extra_persons, dtype=np.float64)
    extra_p = extra_p[extra_t <= horizon_s]
    extra_t = extra_t[extra_t <= horizon_s]

    units_all = pcu_units(inp.pcu)
    v_idx = np.flatnonzero(feasible)
    if not v_idx.size:
        times = np.array([horizon_s])
        pers = np.array([float(extra_p[extra_t <= horizon_s].sum())])
        return CoreResult(times, pers, np.zeros(1), feasible, np.full(origin.size, np.nan),
                          freeflow, [], [], [], None, horizon_s, stats)
    protected = np.zeros(n, dtype=bool)
    protected[origin[v_idx]] = True
    protected[acc_node] = True
    arcs = reduce_arcs(all_arcs, n, protected) if reduce else all_arcs
    stats["arcs"] = arcs.size
    e = earliest_times(n, arcs, origin[v_idx], release[v_idx])
    ok = np.isfinite(e[arcs.frm])
    t_lay = np.where(ok, np.floor((arcs.tau_s + np.where(ok, e[arcs.frm] - e[arcs.to], 0.0))
                                  / d + _TOL), 0.0)
    t_lay = np.maximum(t_lay, 0).astype(np.int64)
    acc_ok = np.isfinite(e[acc_node])
    h = reverse_times(n, arcs.frm, arcs.to, t_lay * d, acc_node[acc_ok], e[acc_node[acc_ok]])
    first_arrival = float(np.min(np.maximum(e[acc_node[acc_ok]], acc_open[acc_ok])))
    # a microsecond early, so that rounding in the simulator's own sums cannot put an
    # arrival before the grid
    grid0 = first_arrival - 1e-6
    pcu_all = np.asarray(inp.pcu_all, dtype=np.float64)
    exit_u = exit_units(arcs.cap_vph, d, pcu_all)
    sinks = [(int(x), int(k), float(o)) for x, k, o in
             zip(acc_node.tolist(), acc_sh.tolist(), acc_open.tolist(), strict=True)]

    # adaptive horizon: stop where everything feasible is safe. First guess: the last
    # free-flow arrival, or the time the links into the shelters need for everyone
    # (a lower bound on clearance), plus a margin; a guess that proves short is tested
    # again with one max flow before the curve is computed.
    total_units = int(units_all[v_idx].sum())
    o_v, r_v, u_v = origin[v_idx], release[v_idx], units_all[v_idx]
    into = np.isin(arcs.to, acc_node)
    cap_in = float(arcs.cap_vph[into].sum())
    t_first = float(release[v_idx].min())
    clear_lb = t_first + (total_units / SCALE * 3600.0 / cap_in if cap_in > 0 else 0.0)
    base_end = max(float(np.max(freeflow[v_idx])), clear_lb)
    pad = max(1800.0, 0.25 * (base_end - t_first))
    h_try = min(horizon_s, max(base_end + pad, grid0 + d))
    tries = 0
    solves = 0
    while True:
        ten = build_ten(n_nodes=n, arc_from=arcs.frm, arc_to=arcs.to, arc_layers=t_lay,
                        arc_units=exit_u, arc_link=arcs.link, arc_closed=arcs.closed,
                        e=e, h=h, sinks=sinks, step_s=d, grid0_s=grid0, horizon_s=h_try)
        node = source_nodes(ten, o_v, r_v, e)
        heads, caps = source_arcs(node, u_v)
        if tries > 0 and h_try < horizon_s:
            top = capped_flow(ten, heads, caps, np.full(len(inp.shelters), -1, np.int64),
                              ten.n_horizons - 1)
            solves += 1
            if top.value < total_units:
                h_try = min(horizon_s, h_try + 2.0 * pad)
                pad *= 2.0
                continue
        sol = parametric_curve(ten, heads, caps)
        tries += 1
        if sol.values[-1] >= total_units or h_try >= horizon_s:
            break
        h_try = min(horizon_s, h_try + 2.0 * pad)
        pad *= 2.0
    stats.update(ten_nodes=ten.n, ten_arcs=int(ten.tail.size), horizons=ten.n_horizons,
                 horizon_used_s=h_try)
    solves += sol.solves
    times = ten.horizons_s
    pcu_curve = sol.values / SCALE

    # persons: greedy over persons-per-PCU levels
    ratio = np.asarray(inp.persons, dtype=np.float64)[v_idx] / (u_v / SCALE)
    thr, exact, level = person_levels(ratio, u_v, max_exact_levels)
    n_lv = thr.size
    # a vehicle arriving in [T_j, T_j+1) counts from horizon j on
    ff_idx = np.maximum(np.searchsorted(times, freeflow[v_idx], side="right") - 1, 0)
    ffcum = np.zeros((n_lv, times.size))
    for i in range(n_lv):
        sel = level <= i
        w = np.bincount(ff_idx[sel], weights=u_v[sel], minlength=times.size + 1)
        ffcum[i] = np.cumsum(w)[: times.size]
    # capacity matters only if the all-vehicle flow falls short of the free-flow curve
    gap = float(np.max(ffcum[-1] - sol.values))
    congested = gap > 0.01 * total_units
    stats["congestion_gap_pcu"] = gap / SCALE
    curves = np.zeros((n_lv, times.size))
    for i in range(n_lv - 1, -1, -1):
        sel = level <= i
        if i == n_lv - 1:
            curves[i] = np.minimum(sol.values, ffcum[i])
        elif exact[i] and congested:
            hs, cs = source_arcs(node[sel], u_v[sel])
            s_i = parametric_curve(ten, hs, cs)
            solves += s_i.solves
            curves[i] = np.minimum(np.minimum(s_i.values, ffcum[i]), curves[i + 1])
        else:
            curves[i] = np.minimum(curves[i + 1], ffcum[i])
    # shelter capacities (persons) as the most PCU of each level that fit; solved on a
    # coarser (still valid) time-expanded network, at the last horizon and then where the
    # persons curve crosses the ETE shares, until the crossings stop moving
    sh_persons = np.array([s.capacity for s in inp.shelters], dtype=np.float64)
    cap_units = [shelter_units(sh_persons, ratio[level <= i], u_v[level <= i])
                 for i in range(n_lv)]
    weights = thr - np.r_[thr[1:], 0.0]
    extra_cum: np.ndarray = np.zeros(times.size)
    if extra_t.size:
        pidx = np.maximum(np.searchsorted(times, extra_t, side="right") - 1, 0)
        extra_cum = np.cumsum(np.bincount(pidx, weights=extra_p,
                                          minlength=times.size + 1))[: times.size]

    def persons_of(c: np.ndarray) -> np.ndarray:
        return np.asarray((weights[:, None] * c).sum(axis=0) / SCALE + extra_cum)

    binding: set[int] = set()
    capped_at: list[float] = []
    probes: dict[int, None] = {}
    coarse: tuple[TimeExpandedNetwork, np.ndarray, int] | None = None

    def probe(j: int, levels: list[int]) -> None:
        """Max flows with shelter capacities at (the coarse horizon holding) fine horizon
        ``j``; they bound every level's curve up to the end of that coarse horizon."""
        nonlocal coarse, solves
        if coarse is None:
            coarse = (ten, node, 1) if ten.tail.size <= FINE_CAPPED_ARCS else coarse_ten(
                n, arcs, ok, e, acc_node[acc_ok], sinks, d, grid0, h_try, pcu_all, o_v, r_v)
        ten_c, node_c, rc = coarse
        m = min(j // rc, ten_c.n_horizons - 1)
        end = times.size if m == ten_c.n_horizons - 1 else min((m + 1) * rc, times.size)
        for i in levels:
            cap_u = cap_units[i]
            finite = cap_u >= 0
            if not finite.any() or curves[i, end - 1] <= cap_u[finite].min():
                continue
            sel = level <= i
            hs, cs = source_arcs(node_c[sel], u_v[sel])
            sol_c = capped_flow(ten_c, hs, cs, cap_u, m)
            solves += 1
            if np.any(curves[i, :end] > sol_c.value):
                binding.update(np.flatnonzero(sol_c.binding).tolist())
            curves[i, :end] = np.minimum(curves[i, :end], sol_c.value)
        for i in range(n_lv - 2, -1, -1):
            curves[i] = np.minimum(curves[i], curves[i + 1])
        capped_at.append(float(ten_c.horizons_s[m]))

    if any((cu >= 0).any() for cu in cap_units):
        probe(times.size - 1, [i for i in range(n_lv)
                               if i == n_lv - 1 or (exact[i] and congested)])
        everyone = [n_lv - 1]
        # where the persons curve crosses an ETE share, confirm it with shelter capacities
        # (all vehicles as one level), searching forward by bisection when it moves
        for need in sorted({math.ceil(x * evacuees - 1e-9)
                            for x in (0.5, 0.9, 1.0)} if evacuees else set()):
            for _ in range(MAX_CAPPED_ROUNDS):
                hit = np.flatnonzero(persons_of(curves) >= need - 1e-6)
                if not hit.size or int(hit[0]) in probes:
                    break
                j = int(hit[0])
                probes[j] = None
                probe(j, everyone)
                if persons_of(curves)[j] >= need - 1e-6:
                    break
                # bisection between j (too early) and the last horizon
                lo, hi = j, times.size - 1
                while hi - lo > 1 and len(probes) < 4 * MAX_CAPPED_ROUNDS:
                    mid = (lo + hi) // 2
                    probes[mid] = None
                    probe(mid, everyone)
                    if persons_of(curves)[mid] >= need - 1e-6:
                        hi = mid
                    else:
                        lo = mid
    persons_curve = persons_of(curves)
    stats.update(levels=[float(x) for x in thr],
                 exact_levels=[float(x) for x in thr[exact]] if congested else [1.0],
                 capped_at_s=sorted(set(capped_at)), solves=solves)

    # the cut that binds just before the (PCU) curve reaches its final value
    final = sol.values[-1]
    c = int(np.argmax(sol.values >= final)) if final > 0 else 0
    cut_h = c - 1 if sol.values[-1] >= total_units else ten.n_horizons - 1
    links, pcus = cut_links(ten, sol.flip, cut_h, inp.link_ids)
    safe_by = np.full(origin.size, np.nan)
    fl = np.where(node >= 0, sol.flip[np.maximum(node, 0)], ten.n_horizons)
    safe_by[v_idx] = np.where(fl < ten.n_horizons,
                              ten.grid0_s + ten.step_s * np.minimum(fl, ten.n_horizons - 1),
                              np.nan)
    stats["compute_s"] = time.perf_counter() - t_start
    logger.info("bound: %d of %d vehicles can arrive; TEN %d nodes, %d arcs, %d horizons, "
                "%d max-flow solves, %.1f s", int(feasible.sum()), origin.size, ten.n,
                ten.tail.size, ten.n_horizons, solves, stats["compute_s"])
    return CoreResult(
        times_s=times, persons_safe=persons_curve, pcu_safe=pcu_curve, feasible=feasible,
        safe_by_s=safe_by, freeflow_s=freeflow, bottleneck_links=links,
        bottleneck_pcu=pcus,
        bottleneck_shelters=[inp.shelters[k].id for k in sorted(binding)],
        bottleneck_time_s=float(times[cut_h]) if cut_h >= 0 else None,
        horizon_s=float(h_try), stats=stats,
    )
