"""Link closures over time, as a sorted list of changes applied incrementally.

Equivalent to asking, at each time ``t``, which links have an interval ``[s, e)`` (from a
hazard or a closure) containing ``t``, but without scanning every link at every step:
each interval becomes a +1 at ``s`` and a -1 at ``e``; a link is closed while its count
is positive.
"""

from __future__ import annotations

from itertools import chain

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
        cols = np.array(intervals, dtype=np.float64).reshape(-1, 3)
        self._arrange(n_links, cols[:, 0].astype(np.int64), cols[:, 1], cols[:, 2])

    def _arrange(self, n_links: int, link: np.ndarray, start: np.ndarray,
                 end: np.ndarray) -> None:
        """The changes of intervals ``[start, end)`` of ``link``: each interval's +1, then
        its -1 unless it never ends, in the order of the intervals, sorted (stably) by
        time and then by change (-1 before +1)."""
        m = link.size
        times = np.empty(2 * m, dtype=np.float64)
        times[0::2], times[1::2] = start, end
        keep = np.ones(2 * m, dtype=bool)
        keep[1::2] = np.isfinite(end)
        deltas = np.tile(np.array([1, -1], dtype=np.int64), m)[keep]
        times, links = times[keep], np.repeat(link, 2)[keep]
        order = np.lexsort((deltas, times))
        self.times = times[order]
        self.links = links[order]
        self.deltas = deltas[order]
        self.count = np.zeros(n_links, dtype=np.int64)
        self.pos = 0
        self.now = -np.inf
        self._closed: np.ndarray | None = None

    @classmethod
    def from_lists(cls, per_link: list[list[Interval]] | None,
                   closures: list[tuple[float, float, np.ndarray, str]],
                   n_links: int) -> ClosureSchedule:
        """Build from per-link hazard intervals and explicit closures (the intervals of
        link 0, 1, ..., then those of each closure's links)."""
        link: list[np.ndarray] = []
        start_end: list[np.ndarray] = []
        if per_link is not None:
            counts = np.fromiter(map(len, per_link), dtype=np.int64, count=len(per_link))
            link.append(np.repeat(np.arange(len(per_link), dtype=np.int64), counts))
            start_end.append(np.array(list(chain.from_iterable(per_link)),
                                      dtype=np.float64).reshape(-1, 2))
        for s, e, links, _ in closures:
            ids = np.asarray(links, dtype=np.int64).reshape(-1)
            link.append(ids)
            start_end.append(np.tile(np.array([s, e], dtype=np.float64), (ids.size, 1)))
        out = cls.__new__(cls)
        se = np.concatenate(start_end) if start_end else np.zeros((0, 2))
        out._arrange(n_links, np.concatenate(link) if link else np.zeros(0, dtype=np.int64),
                     se[:, 0], se[:, 1])
        return out

    def closed_at(self, t: float) -> np.ndarray:
        """Closed links at ``t`` (read-only: the same array until a link changes, as a
        run's hazard step asks every minute); times must not go backwards between calls."""
        if t < self.now:
            raise ValueError("a closure schedule only moves forward in time")
        end = int(np.searchsorted(self.times, t, side="right"))
        if end > self.pos or self._closed is None:
            np.add.at(self.count, self.links[self.pos:end], self.deltas[self.pos:end])
            self.pos = end
            self._closed = self.count > 0
            self._closed.setflags(write=False)
        self.now = t
        return self._closed
