"""Load fitting and route schedules of the relief dispatch."""

from __future__ import annotations

import numpy as np

from musterpoint.sim.relief.dispatch import fit_load, route_times, split_loads

KG = np.array([1.0, 0.6, 45.0])
M3 = np.array([0.0012, 0.0015, 0.2])


def test_fit_load_fills_the_truck_without_exceeding_it():
    load = fit_load(np.array([9000.0, 800.0, 2.0]), KG, M3, 8000.0, 40.0)
    assert load @ KG <= 8000.0 and load @ M3 <= 40.0
    assert 8000.0 - load @ KG < 1.0  # as full as whole units allow
    assert (load <= [9000, 800, 2]).all()
    assert (load == np.floor(load)).all()


def test_fit_load_rounds_wishes_up_to_whole_units_and_keeps_small_ones():
    load = fit_load(np.array([10.2, 0.0, 0.01]), KG, M3, 8000.0, 40.0)
    assert load.tolist() == [11.0, 0.0, 1.0]


def test_split_loads_covers_the_order_in_truckloads():
    loads = split_loads(np.array([2500.0, 100.0, 0.0]), KG, M3, 1000.0, 10.0)
    assert np.sum(loads, axis=0).tolist() == [2500.0, 100.0, 0.0]
    assert all(q @ KG <= 1000.0 for q in loads)


def test_route_times_combine_lists_and_intervals():
    assert route_times([0.5], 2.0, 1.0, 5.0, 6 * 3600.0) == [1800.0, 3600.0, 10800.0, 18000.0]
    assert route_times([7.0], None, 0.0, None, 6 * 3600.0) == []
