"""Shared helpers of the benchmarks: timing, peak memory, printing figures."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0


@contextmanager
def phase(name: str, times: dict[str, float]) -> Iterator[None]:
    """Time a phase into ``times[name]``."""
    t0 = time.perf_counter()
    yield
    times[name] = time.perf_counter() - t0


def report(title: str, times: dict[str, float], extra: dict[str, object]) -> None:
    """Print the figures of a benchmark."""
    print(f"== {title}")
    for k, v in times.items():
        print(f"  {k:<28} {v:8.2f} s")
    print(f"  {'total':<28} {sum(times.values()):8.2f} s")
    for k, v in extra.items():
        print(f"  {k:<28} {v}")
    print(f"  {'peak memory':<28} {peak_rss_mb():8.0f} MB")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0
