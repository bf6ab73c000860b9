"""Flood hazard: exact flooded intervals from a piecewise-linear stage hydrograph."""

from __future__ import annotations

import numpy as np
import pytest

from musterpoint.sim.hazards.flood import StageHydrograph, flooded_intervals


def hydro(points):
    return StageHydrograph(np.array([t for t, _ in points], float),
                           np.array([h for _, h in points], float))


def test_rising_then_falling_water_gives_the_crossing_times():
    h = hydro([(0, 1.0), (3600, 5.0), (7200, 1.0)])
    iv = flooded_intervals(np.array([3.0, 0.5, 5.0, 6.0]), h)
    # level 3 m is crossed at 1800 s rising and 5400 s falling
    assert iv[0] == [(pytest.approx(1800.0), pytest.approx(5400.0))]
    assert iv[1] == [(0.0, float("inf"))]  # below the lowest level: wet throughout
    assert iv[2] == []  # flooded only while strictly below the level: the peak just touches
    assert iv[3] == []


def test_two_peaks_give_two_intervals_and_constant_extrapolation():
    h = hydro([(0, 0.0), (100, 2.0), (200, 0.0), (300, 2.0)])
    iv = flooded_intervals(np.array([1.0]), h)[0]
    assert iv == [(50.0, 150.0), (250.0, float("inf"))]
    assert float(h.level_at(10_000)) == 2.0


def test_default_scenario_raster_reads_porto_alegre_heights():
    from musterpoint.scenarios.loader import resolve_scenario
    from musterpoint.sim.hazards.flood import ElevationRaster

    r = ElevationRaster(resolve_scenario(None).parent / "data" / "poa_elevation.tif")
    # Morro Santana area is high; the Guaíba shore near the Gasometer is low
    z = r.sample(np.array([-51.240947, -51.12]), np.array([-30.034038, -29.9]))
    assert z[0] < 15
    assert np.isnan(z[1])  # outside the raster


def test_closure_schedule_matches_scanning_every_interval():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from musterpoint.sim.hazards.closures import ClosureSchedule

    interval = st.tuples(st.floats(0, 100), st.floats(0, 100)).map(lambda p: (min(p), max(p)))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.lists(interval, max_size=3), min_size=1, max_size=6),
           st.lists(st.floats(0, 120), min_size=1, max_size=12))
    def check(per_link, times):
        sched = ClosureSchedule.from_lists(per_link, [], len(per_link))
        for t in sorted(times):
            want = np.array([any(s <= t < e for s, e in iv) for iv in per_link])
            assert (sched.closed_at(t) == want).all()

    check()
