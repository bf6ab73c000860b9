"""reaches_any: one search from every target gives the reach of a tree per destination."""

from __future__ import annotations

import numpy as np

from musterpoint.sim.network.routing import Router, reaches_any


def test_reaches_any_matches_the_trees_of_a_router():
    rng = np.random.default_rng(7)
    n, m = 300, 700  # a sparse random digraph: many nodes cannot reach the targets
    frm = rng.integers(0, n, m)
    to = rng.integers(0, n, m)
    cost = rng.uniform(1.0, 50.0, m)
    dests = [[3, 4], [10], [250, 251, 252]]
    closed = rng.random(m) < 0.2
    router = Router(n, frm, to, cost, dests)
    router.rebuild(closed)
    want = np.isfinite(router.dist_s).any(axis=0)
    got = reaches_any(n, frm, to, [x for d in dests for x in d], closed)
    assert got.dtype == bool and got.shape == (n,)
    assert np.array_equal(got, want)
    assert 0 < got.sum() < n  # the case is not trivial
    assert got[[3, 4, 10, 250]].all()  # a target reaches itself


def test_reaches_any_without_targets_reaches_nothing():
    got = reaches_any(3, np.array([0, 1]), np.array([1, 2]), [], np.zeros(2, dtype=bool))
    assert not got.any()
