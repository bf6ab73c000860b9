"""The traffic core's per-link counters between two snapshots of the link states.

The core counts entries, exits and travel time per link in Python lists as vehicles move,
and notes the links entered since the last snapshot; :func:`take_link_counters` hands over
the counters of the links that were active (entered, left, or holding vehicles) and
zeroes them, so a snapshot costs the links with traffic, not every link of a region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

__all__ = ["LinkCounters", "take_link_counters"]


@dataclass
class LinkCounters:
    """The links active in an interval and their counters (arrays in link order).

    ``links`` are the links that a vehicle entered or left since the last call, or that
    held vehicles at it, plus any asked for; the others have nothing to count.
    """

    links: np.ndarray  # int64, sorted
    entered: np.ndarray  # int64
    exited: np.ndarray  # int64
    travel_s: np.ndarray  # float64: sum of the traversal times of the vehicles that left
    used: np.ndarray  # float64: PCU on the link now


def take_link_counters(candidates: list[int], entered: list[int], exited: list[int],
                       travel_s: list[float], used: list[float],
                       include: Sequence[int] | np.ndarray = ()) -> tuple[LinkCounters,
                                                                          list[int]]:
    """The counters of the active links, zeroed for the next interval.

    Parameters
    ----------
    candidates : list of int
        Every link whose counters may be non-zero (entered since the last call, or
        holding vehicles at it), repeats allowed.
    entered, exited, travel_s : list
        The per-link counters (zeroed here for the candidates).
    used : list of float
        PCU on each link now.
    include : sequence of int, optional
        Links to report too, active or not; one that is not a candidate has zero counts
        and holds nothing (``used`` is exactly 0.0 on a link no vehicle entered since it
        was last empty).

    Returns
    -------
    LinkCounters
        The candidates and ``include``, in link order.
    list of int
        The links holding vehicles now: candidates of the next call.
    """
    active = np.unique(np.array(candidates, dtype=np.int64))
    pos: list[int] = active.tolist()
    if len(pos) > 1:  # itemgetter: the look-ups in C
        get = itemgetter(*pos)
        vals = [get(entered), get(exited), get(travel_s), get(used)]
    else:
        vals = [[a[i] for i in pos] for a in (entered, exited, travel_s, used)]
    for i in pos:
        entered[i] = 0
        exited[i] = 0
        travel_s[i] = 0.0
    links = np.union1d(active, np.asarray(include, dtype=np.int64))
    at = np.searchsorted(links, active)
    cols = [np.zeros(links.size, dtype=t)
            for t in (np.int64, np.int64, np.float64, np.float64)]
    for col, v in zip(cols, vals, strict=True):
        col[at] = v
    # a link that holds vehicles has used > 0 (PCU are positive); a rounding residue
    # keeps it a candidate, which costs nothing but a look
    carry: list[int] = active[np.asarray(vals[3], dtype=np.float64) != 0.0].tolist()
    return LinkCounters(links, cols[0], cols[1], cols[2], cols[3]), carry
