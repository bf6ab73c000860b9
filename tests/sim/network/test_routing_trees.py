"""Routing trees: the same trees as a plain reference, and the World's memo of them."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from musterpoint.sim.network import routing
from musterpoint.sim.network.routing import AT_DESTINATION, NO_ROUTE, Router, TreeMemo


def _reference(n, frm, to, cost, dests, closed):
    """The trees as first written: a binary search of every (node, next node) pair."""
    cost = np.maximum(cost, 1e-3)
    open_idx = np.flatnonzero(~closed)
    f, t, c = frm[open_idx], to[open_idx], cost[open_idx]
    order = np.lexsort((open_idx, c, t, f))
    f, t, c, idx = f[order], t[order], c[order], open_idx[order]
    first = np.ones(f.size, dtype=bool)
    first[1:] = (f[1:] != f[:-1]) | (t[1:] != t[:-1])
    f, t, c, idx = f[first], t[first], c[first], idx[first]
    rev = csr_matrix((c, (t, f)), shape=(n, n))
    keys = f * n + t
    hops, dists = [], []
    for d in dests:
        dist, pred, _ = dijkstra(rev, directed=True, indices=d, return_predecessors=True,
                                 min_only=True)
        hop = np.full(n, NO_ROUTE, dtype=np.int64)
        nodes = np.flatnonzero(pred >= 0)
        hop[nodes] = idx[np.searchsorted(keys, nodes * n + pred[nodes])]
        hop[d] = AT_DESTINATION
        hops.append(hop.tolist())
        dists.append(dist)
    return hops, np.vstack(dists)


def _graph(seed, n=60, m=600):
    """A random graph with parallel links, equal times (ties) and a hub with many
    out-links (more than the table of out-links holds)."""
    rng = np.random.default_rng(seed)
    frm = rng.integers(0, n, m)
    to = rng.integers(0, n, m)
    frm[:40], to[:40] = 0, rng.integers(1, n, 40)  # node 0: up to 40 out-links
    cost = rng.choice([1.0, 2.0, 3.0, 0.0], m)  # ties, and times below the minimum
    keep = frm != to
    return n, frm[keep], to[keep], cost[keep]


@pytest.mark.parametrize("width", [1, 8])
@pytest.mark.parametrize("seed", range(6))
def test_trees_match_the_reference_with_ties_parallel_links_hubs_and_closures(
        seed, width, monkeypatch):
    monkeypatch.setattr(routing, "_TABLE_WIDTH", width)  # 1: most links searched apart
    n, frm, to, cost = _graph(seed)
    dests = [[3], [5, 9, 11], [0], [n - 1]]
    closed = np.zeros(frm.size, dtype=bool)
    r = Router(n, frm, to, cost, dests)
    hops, dist = _reference(n, frm, to, cost, dests, closed)
    assert r.next_hop == hops and np.array_equal(r.dist_s, dist)
    closed[np.random.default_rng(seed).random(frm.size) < 0.3] = True
    r.rebuild(closed)
    hops, dist = _reference(n, frm, to, cost, dests, closed)
    assert r.next_hop == hops and np.array_equal(r.dist_s, dist)
    assert r.rebuilds == 2
    # links reopen and others close; then new link times (the order of the links, sorted
    # once per set of times, must follow them), and the same times again
    closed = np.random.default_rng(seed + 100).random(frm.size) < 0.2
    r.rebuild(closed)
    hops, dist = _reference(n, frm, to, cost, dests, closed)
    assert r.next_hop == hops and np.array_equal(r.dist_s, dist)
    new_cost = cost[::-1].copy()
    for _ in range(2):
        r.rebuild(closed, cost_s=new_cost)
        hops, dist = _reference(n, frm, to, new_cost, dests, closed)
        assert r.next_hop == hops and np.array_equal(r.dist_s, dist)


def test_the_memo_shares_trees_and_a_rebuild_never_reaches_them():
    n, frm, to, cost = _graph(1)
    dests = [[3], [5, 9]]
    memo = TreeMemo()
    a = Router(n, frm, to, cost, dests, memo=memo)
    b = Router(n, frm, to, cost, dests, memo=memo)
    assert (memo.builds, memo.hits) == (1, 1)
    assert b.next_hop[0] is a.next_hop[0] and b.dist_s is a.dist_s
    assert b.rebuilds == a.rebuilds == 1
    pristine = [list(h) for h in a.next_hop], a.dist_s.copy()
    with pytest.raises(ValueError):
        b.dist_s[0, 0] = 1.0  # shared distances are read-only
    closed = np.zeros(frm.size, dtype=bool)
    closed[: frm.size // 2] = True
    b.rebuild(closed)
    assert b.next_hop != pristine[0]  # the closures moved the trees ...
    c = Router(n, frm, to, cost, dests, memo=memo)  # ... but not the memo's
    assert c.next_hop == pristine[0] and np.array_equal(c.dist_s, pristine[1])
    assert a.next_hop == pristine[0]


def test_the_memo_misses_on_other_destinations_times_or_graphs_and_is_not_pickled():
    n, frm, to, cost = _graph(2)
    memo = TreeMemo(capacity=2)
    Router(n, frm, to, cost, [[3]], memo=memo)
    Router(n, frm, to, cost, [[4]], memo=memo)
    Router(n, frm, to, cost * 2, [[3]], memo=memo)  # drops the least recently used
    Router(n, frm, to[::-1].copy(), cost, [[3]], memo=memo)
    assert (memo.builds, memo.hits, len(memo)) == (4, 0, 2)
    copy = pickle.loads(pickle.dumps(memo))
    assert len(copy) == 0 and copy.capacity == 2
