"""Shared helpers of the benchmarks: timing, peak memory, printing figures."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

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


def whole_city_world(hours: float) -> tuple[Any, Any]:
    """The default scenario widened to the whole city (everyone ordered out, 80 % car
    ownership: about 250,000 vehicles, shelters with room for all) and its all-at-once
    plan: the World and the Plan."""
    from musterpoint.scenarios.loader import LoadedScenario, load_scenario, resolve_scenario
    from musterpoint.scenarios.schema import DepartureCurve
    from musterpoint.sim.world import build_world

    base = load_scenario(resolve_scenario(None))
    sc = base.scenario
    assert sc.population is not None
    sc = sc.model_copy(update={
        "duration_h": hours,
        "population": sc.population.model_copy(update={"max_elevation_m": None}),
        "households": sc.households.model_copy(update={"car_share": 0.8}),
        "shelters": [s.model_copy(update={"capacity": 400_000}) for s in sc.shelters],
    })
    world = build_world(LoadedScenario(sc, base.path, base.plans, base.plan_paths))
    plan = base.plan(None).model_copy(
        update={"departure": DepartureCurve(curve="all_at_once")})
    return world, plan


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0
