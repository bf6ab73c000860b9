"""The closure schedule made from whole arrays is the one made an interval at a time."""

from __future__ import annotations

import numpy as np

from musterpoint.sim.hazards.closures import ClosureSchedule


def _reference(n_links, per_link, closures):
    """The schedule's changes as first written: a list per interval, then one lexsort."""
    items = []
    for i, iv in enumerate(per_link or []):
        items.extend((i, s, e) for s, e in iv)
    for s, e, links, _ in closures:
        items.extend((int(i), s, e) for i in links)
    times, links, deltas = [], [], []
    for link, s, e in items:
        times.append(s)
        links.append(link)
        deltas.append(1)
        if np.isfinite(e):
            times.append(e)
            links.append(link)
            deltas.append(-1)
    order = np.lexsort((np.array(deltas), np.array(times))) if times else np.array([], int)
    return (np.asarray(times, dtype=np.float64)[order], np.asarray(links, dtype=np.int64)[order],
            np.asarray(deltas, dtype=np.int64)[order])


def test_the_schedule_is_the_reference_and_closes_the_same_links():
    rng = np.random.default_rng(5)
    for n in (0, 1, 40):
        for _ in range(30):
            grid = [0.0, 60.0, 120.0, 180.0, np.inf]  # ties, and intervals that never end
            per_link = []
            for _ in range(n):
                k = int(rng.integers(0, 3))
                starts = rng.choice(grid[:4], k)
                per_link.append([(float(s), float(s + rng.choice([60.0, 120.0, np.inf])))
                                 for s in starts])
            closures = [(float(rng.choice(grid[:4])), float(rng.choice(grid[1:])),
                         rng.integers(0, max(n, 1), int(rng.integers(0, 4))), "test")
                        for _ in range(int(rng.integers(0, 3)))] if n else []
            for hazard in (per_link, None):
                got = ClosureSchedule.from_lists(hazard, closures, n)
                want = _reference(n, hazard, closures)
                for a, b in zip((got.times, got.links, got.deltas), want, strict=True):
                    assert a.dtype == b.dtype and np.array_equal(a, b)
                items = [(i, s, e) for i, iv in enumerate(hazard or []) for s, e in iv]
                one = ClosureSchedule(n, items)
                assert np.array_equal(one.times, _reference(n, hazard, [])[0])
                for t in (0.0, 60.0, 90.0, 180.0, 1e9):
                    assert np.array_equal(got.closed_at(t), _truth(n, hazard, closures, t))


def _truth(n, per_link, closures, t):
    """Links with an interval holding ``t``."""
    out = np.zeros(n, dtype=bool)
    for i, iv in enumerate(per_link or []):
        out[i] |= any(s <= t < e for s, e in iv)
    for s, e, links, _ in closures:
        if s <= t < e:
            out[np.asarray(links, dtype=np.int64)] = True
    return out
