"""Time intervals during which a place is in a hazard: small helpers."""

from __future__ import annotations

import numpy as np

__all__ = ["Interval", "inside_at", "overlap", "union"]

Interval = tuple[float, float]


def union(*lists: list[Interval]) -> list[Interval]:
    """Merge interval lists into sorted, disjoint intervals."""
    items = sorted(iv for lst in lists for iv in lst if iv[1] > iv[0])
    out: list[Interval] = []
    for s, e in items:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def overlap(intervals: list[Interval], a: float, b: float) -> float:
    """Total time of ``[a, b]`` inside the intervals."""
    total = 0.0
    for s, e in intervals:
        lo = s if s > a else a
        hi = e if e < b else b
        if hi > lo:
            total += hi - lo
    return total


def inside_at(lists: list[list[Interval]], t: float) -> np.ndarray:
    """Whether ``t`` lies in one of the intervals ``[s, e)`` of each list."""
    out = np.zeros(len(lists), dtype=bool)
    for i, iv in enumerate(lists):
        if iv:
            out[i] = any(s <= t < e for s, e in iv)
    return out
