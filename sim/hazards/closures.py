"""Link closures over time, as a sorted list of changes applied incrementally.

Equivalent to asking, at each time ``t``, which links have an interval ``[s, e)`` (from a
hazard or a closure) containing ``t``, but without scanning every link at every step:
each interval becomes a +1 at ``s`` and a -1 at ``e``; a link is closed while its count
is positive.
"""

from __future__ import annotations

import numpy as np

from musterpoint.sim.intervals import Interval

__all__ = ["ClosureSchedule"]


class ClosureSchedule:
    """Closed links at advancing times.

    Parameters
    ----------
    n_links : int
        Number of links.
    intervals : list of (link, start_s, end_s)
        Times each link is closed (overlaps allowed).
    """

    def __init__(self, n_links: int, intervals: list[tuple[int, float, float]]) -> None:
        times, links, deltas = [], [], []
        for link, s, e in intervals:
            times.append(s)
            links.append(link)
            deltas.append(1)
            if np.isfinite(e):
                times.append(e)
                links.append(link)
                deltas.append(-1)
        order = np.lexsort((np.array(deltas), np.array(times))) if times else np.array([], int)
        self.times = np.asarray(times, dtype=np.float64)[order]
        self.links = np.asarray(links, dtype=np.int64)[order]
        self.deltas = np.asarray(deltas, dtype=np.int64)[order]
        self.count = np.zeros(n_links, dtype=np.int64)
        self.pos = 0
        self.now = -np.inf

    @classmethod
    def from_lists(cls, per_link: list[list[Interval]] | None,
                   closures: list[tuple[float, float, np.ndarray, str]],
                   n_links: int) -> ClosureSchedule:
        """Build from per-link hazard intervals and explicit closures."""
        items: list[tuple[int, float, float]] = []
        if per_link is not None:
            for i, iv in enumerate(per_link):
                items.extend((i, s, e) for s, e in iv)
        for s, e, links, _ in closures:
            items.extend((int(i), s, e) for i in links)
        return cls(n_links, items)

    def closed_at(self, t: float) -> np.ndarray:
        """Closed links at ``t``; times must not go backwards between calls."""
        if t < self.now:
            raise ValueError("a closure schedule only moves forward in time")
        end = int(np.searchsorted(self.times, t, side="right"))
        if end > self.pos:
            np.add.at(self.count, self.links[self.pos:end], self.deltas[self.pos:end])
            self.pos = end
        self.now = t
        return self.count > 0
