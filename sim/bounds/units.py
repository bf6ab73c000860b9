"""Pieces of the bound: integer units, link capacity per step, persons levels, sources,
shelter capacities in PCU, the coarse network for shelter capacities, and cut reports."""

from __future__ import annotations

import math

import numpy as np

from musterpoint.sim.bounds.relaxed_network import Arcs, reverse_times
from musterpoint.sim.bounds.time_expanded import TimeExpandedNetwork, build_ten

__all__ = [
    "COARSE_STEP_S",
    "SCALE",
    "coarse_ten",
    "cut_links",
    "exit_units",
    "pcu_units",
    "person_levels",
    "shelter_units",
    "source_arcs",
    "source_nodes",
]

#: Units per PCU in the integer max-flow problems.
SCALE = 10
#: Time step of the network on which shelter capacities are solved for big networks.
COARSE_STEP_S = 600.0
_TOL = 1e-9


def pcu_units(pcu: np.ndarray) -> np.ndarray:
    return np.ceil(np.asarray(pcu, dtype=np.float64) * SCALE - _TOL).astype(np.int64)


def exit_units(cap_vph: np.ndarray, step_s: float, pcu_all: np.ndarray) -> np.ndarray:
    """Largest PCU (units) a link can release in any window of one step.

    Exits ``t_1 < ... < t_m`` in a window shorter than ``step`` satisfy
    ``sum_{i<m} q_i * 3600 / C < step``; with every PCU a multiple of ``g`` this gives
    ``sum_{i<m} q_i <= g * (ceil(C * step / 3600 / g) - 1)``, plus the last one.
    """
    u = pcu_units(pcu_all[pcu_all > 0]) if np.any(pcu_all > 0) else np.array([SCALE])
    g = int(np.gcd.reduce(u))
    q_max = int(u.max())
    x = np.asarray(cap_vph, dtype=np.float64) * step_s / 3600.0 * SCALE / g
    return np.asarray(g * (np.ceil(x - _TOL) - 1) + q_max, dtype=np.int64)


def person_levels(ratio: np.ndarray, units: np.ndarray, max_exact: int) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds (descending), which are solved exactly, and each vehicle's level.

    Persons per PCU take few values; the greedy (polymatroid) argument gives
    ``persons <= sum_i (r_i - r_{i+1}) * PCU safe from {ratio >= r_i}``.
    """
    thr = np.unique(ratio)[::-1]
    level = np.searchsorted(-thr, -ratio)  # index into thr: ratio == thr[level]
    supply = np.bincount(level, weights=units, minlength=thr.size)
    cum = np.cumsum(supply)
    exact = np.zeros(thr.size, dtype=bool)
    exact[-1] = True
    share = supply / max(cum[-1], 1)
    for i in np.argsort(-share * np.r_[-np.diff(thr), thr[-1]]).tolist():
        if exact.sum() >= max_exact:
            break
        if share[i] >= 0.02:
            exact[i] = True
    return thr, exact, level


def coarse_ten(n: int, arcs: Arcs, ok: np.ndarray, e: np.ndarray, acc: np.ndarray,
                sinks: list[tuple[int, int, float]], d: float, grid0: float, horizon: float,
                pcu_all: np.ndarray, origin: np.ndarray,
                release: np.ndarray) -> tuple[TimeExpandedNetwork, np.ndarray, int]:
    """A time-expanded network with a step that is a multiple of ``d`` (same grid origin)."""
    ratio = max(1, math.ceil(COARSE_STEP_S / d - _TOL))
    dc = d * ratio
    t_c = np.floor((arcs.tau_s + np.where(ok, e[arcs.frm] - e[arcs.to], 0.0)) / dc + _TOL)
    t_c = np.where(ok, np.maximum(t_c, 0), 0).astype(np.int64)
    h_c = reverse_times(n, arcs.frm, arcs.to, t_c * dc, acc, e[acc])
    ten = build_ten(n_nodes=n, arc_from=arcs.frm, arc_to=arcs.to, arc_layers=t_c,
                    arc_units=exit_units(arcs.cap_vph, dc, pcu_all), arc_link=arcs.link,
                    arc_closed=arcs.closed, e=e, h=h_c, sinks=sinks, step_s=dc, grid0_s=grid0,
                    horizon_s=horizon)
    return ten, source_nodes(ten, origin, release, e), ratio


def source_nodes(ten: TimeExpandedNetwork, origin: np.ndarray, release: np.ndarray,
                  e: np.ndarray) -> np.ndarray:
    """Node-layer holding each release (rounded down), or -1 if past the network's end."""
    layer = np.maximum(ten.layer_of(origin, release, e), 0)
    nl = ten.road_layers[origin]
    return np.where(layer < nl, ten.road_off[origin] + np.minimum(layer, np.maximum(nl - 1, 0)),
                    -1)


def source_arcs(node: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = node >= 0
    heads, inv = np.unique(node[ok], return_inverse=True)
    caps = np.bincount(inv, weights=units[ok], minlength=heads.size).astype(np.int64)
    return heads.astype(np.int64), caps


def shelter_units(cap_persons: np.ndarray, ratio: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Most PCU units of these vehicles whose persons fit in each shelter (-1: no limit)."""
    order = np.argsort(ratio, kind="stable")
    u = units[order].astype(np.float64)
    p = ratio[order] * u / SCALE
    cum_p = np.cumsum(p)
    cum_u = np.cumsum(u)
    out = np.full(cap_persons.size, -1, dtype=np.int64)
    for k, c in enumerate(cap_persons.tolist()):
        if not math.isfinite(c):
            continue
        j = int(np.searchsorted(cum_p, c, side="right"))
        got = cum_u[j - 1] if j > 0 else 0.0
        if j < u.size:
            prev_p = cum_p[j - 1] if j > 0 else 0.0
            got += (c - prev_p) / ratio[order][j] * SCALE
        out[k] = math.ceil(got - 1e-6)
    return out


def cut_links(ten: TimeExpandedNetwork, flip: np.ndarray, horizon: int,
               link_ids: np.ndarray) -> tuple[list[str], list[float]]:
    """Links whose exit arcs cross the minimal minimum cut at ``horizon`` (PCU in the cut)."""
    if horizon < 0:
        return [], []
    present = ten.act <= horizon
    src_side = present & (flip > horizon)
    sink_side = present & (flip <= horizon)
    cut = (ten.arc_link >= 0) & src_side[ten.tail] & sink_side[ten.head]
    if not cut.any():
        return [], []
    lk, inv = np.unique(ten.arc_link[cut], return_inverse=True)
    tot = np.bincount(inv, weights=ten.cap[cut]) / SCALE
    order = np.argsort(-tot, kind="stable")
    return [str(link_ids[lk[i]]) for i in order], [float(tot[i]) for i in order]
