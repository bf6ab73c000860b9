"""Corridors and their opposite carriageways, for contraflow on divided roads.

OpenStreetMap maps a divided road (a dual carriageway) as two one-way ways, one per
direction, with their own nodes: a link of one carriageway has no link with the same end
nodes reversed. The opposite carriageway of a link is found by geometry instead: the
links that run the other way alongside it.

**The rule** (:func:`opposite_links`). The opposite lanes of an outbound link ``i`` are

* the link with ``i``'s end nodes reversed, if there is one (a two-way street); otherwise
* every one-way link ``j`` (no reversed twin) whose direction is within ``max_angle_deg``
  of the reverse of ``i``'s (chord bearings, start to end) and that lies within
  ``max_gap_m`` of ``i``: the smaller of the distances from ``j``'s midpoint to ``i``'s
  chord and from ``i``'s midpoint to ``j``'s chord; when both links are named, the names
  must be equal (a parallel one-way street of another name is not a carriageway).

A corridor named by road (:func:`road_links`) is every link with that name whose chord
points towards a given place (positive component along the line from its midpoint to the
place), so a two-way road contributes one direction and a divided road one carriageway.
Distances use a local equirectangular projection (:class:`~musterpoint.sim.geo.LocalProjection`).
"""

from __future__ import annotations

import numpy as np

from musterpoint.sim.geo import LocalProjection
from musterpoint.sim.network.graph import Network

__all__ = ["MAX_ANGLE_DEG", "MAX_GAP_M", "opposite_links", "road_links"]

#: Default largest distance between the two carriageways of a divided road (m).
MAX_GAP_M = 50.0
#: Default largest angle between a link and the reverse of its opposite carriageway (deg).
MAX_ANGLE_DEG = 30.0


def _chords(net: Network, links: np.ndarray,
            proj: LocalProjection) -> tuple[np.ndarray, np.ndarray]:
    """Start points ``(n, 2)`` and start-to-end vectors ``(n, 2)`` of links, in metres."""
    a, b = net.link_from[links], net.link_to[links]
    xa, ya = proj.forward(net.lon[a], net.lat[a])
    xb, yb = proj.forward(net.lon[b], net.lat[b])
    return np.column_stack([xa, ya]), np.column_stack([xb - xa, yb - ya])


def _point_to_chords(p: np.ndarray, start: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Distance from points ``p`` to the segments ``start + s vec``, ``0 <= s <= 1``."""
    dd = np.einsum("ij,ij->i", vec, vec)
    s = np.einsum("ij,ij->i", p - start, vec) / np.where(dd > 0, dd, 1.0)
    s = np.clip(s, 0.0, 1.0)
    return np.asarray(np.hypot(*(p - start - s[:, None] * vec).T))


def _projection(net: Network) -> LocalProjection:
    return LocalProjection(float(np.mean(net.lon)), float(np.mean(net.lat)))


def opposite_links(net: Network, links: list[int], max_gap_m: float = MAX_GAP_M,
                   max_angle_deg: float = MAX_ANGLE_DEG) -> list[np.ndarray]:
    """The opposite lanes of each outbound link, by the rule of this module.

    Parameters
    ----------
    net : Network
        The road network.
    links : list of int
        Outbound link indices.
    max_gap_m : float
        Largest distance between carriageways (m).
    max_angle_deg : float
        Largest angle between a link and the reverse of an opposite link (degrees).

    Returns
    -------
    list of ndarray of int
        Per outbound link, the indices of its opposite lanes: its reversed twin alone, the
        links of the opposite carriageway alongside it, or none (empty).
    """
    pair = {(int(a), int(b)): k for k, (a, b) in
            enumerate(zip(net.link_from.tolist(), net.link_to.tolist(), strict=True))}
    twin = np.array([pair.get((int(b), int(a)), -1) for a, b in
                     zip(net.link_from.tolist(), net.link_to.tolist(), strict=True)])
    one_way = np.flatnonzero(twin < 0)
    proj = _projection(net)
    s_all, v_all = _chords(net, one_way, proj)
    mid_all = s_all + 0.5 * v_all
    len_all = np.hypot(v_all[:, 0], v_all[:, 1])
    cos_tol = np.cos(np.radians(max_angle_deg))
    out: list[np.ndarray] = []
    for i in links:
        if twin[i] >= 0:
            out.append(np.array([twin[i]], dtype=np.int64))
            continue
        s_i, v_i = _chords(net, np.array([i]), proj)
        len_i = float(np.hypot(*v_i[0]))
        mid_i = s_i + 0.5 * v_i
        # cheap prefilter: midpoints within reach of one another
        near = np.hypot(*(mid_all - mid_i).T) <= max_gap_m + 0.5 * (len_all + len_i)
        cand = np.flatnonzero(near & (one_way != i))
        if len_i <= 0 or not cand.size:
            out.append(np.zeros(0, dtype=np.int64))
            continue
        vj = v_all[cand]
        cos = -(vj @ v_i[0]) / np.maximum(len_all[cand] * len_i, 1e-9)
        gap = np.minimum(_point_to_chords(mid_all[cand], np.repeat(s_i, cand.size, 0),
                                          np.repeat(v_i, cand.size, 0)),
                         _point_to_chords(np.repeat(mid_i, cand.size, 0), s_all[cand], vj))
        name_i = str(net.name[i])
        names = net.name[one_way[cand]]
        same = np.array([not name_i or not str(n) or str(n) == name_i for n in names])
        keep = (cos >= cos_tol) & (gap <= max_gap_m) & same
        out.append(one_way[cand[keep]].astype(np.int64))
    return out


def road_links(net: Network, road: str, towards: tuple[float, float]) -> np.ndarray:
    """Links of the road named ``road`` whose direction heads towards a place.

    Parameters
    ----------
    net : Network
        The road network.
    road : str
        The road's name (compared without surrounding spaces and case).
    towards : (float, float)
        Longitude and latitude of the place the outbound direction heads for.

    Returns
    -------
    ndarray of int
        The outbound links, in index order (empty if no link has that name).
    """
    want = road.strip().casefold()
    named = np.flatnonzero([str(n).strip().casefold() == want for n in net.name])
    if not named.size:
        return named.astype(np.int64)
    proj = _projection(net)
    start, vec = _chords(net, named, proj)
    tx, ty = proj.forward(np.array([towards[0]]), np.array([towards[1]]))
    to_place = np.column_stack([tx, ty]) - (start + 0.5 * vec)
    heads = np.einsum("ij,ij->i", vec, to_place) > 0
    return np.asarray(named[heads], dtype=np.int64)
