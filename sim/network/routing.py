"""Shortest-time routing by one reverse shortest-path tree per destination.

A few destinations (shelters) and many vehicles: instead of one search per vehicle, one
Dijkstra search per destination on the reversed graph gives, for every node, the time to
the destination and the next link to take. Trees are rebuilt when links close or reopen,
and vehicles look up their next link at every node, so they reroute around closures.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["AT_DESTINATION", "NO_ROUTE", "Router", "TreeMemo", "Trees", "reaches_any"]

logger = logging.getLogger(__name__)

#: ``next_hop`` value at the destination node itself.
AT_DESTINATION = -1
#: ``next_hop`` value where no open route leads to the destination.
NO_ROUTE = -2

_MIN_COST_S = 1e-3
#: Out-links per node in the table that finds a tree edge's link (more: searched apart).
_TABLE_WIDTH = 8


class Trees:
    """Routing trees that runs share: next-hop lists and distances, never changed.

    A :class:`Router` built from them uses these very lists and this (read-only) array
    until its first :meth:`Router.rebuild`, which makes new ones: so a run never sees
    another run's rebuilt trees, and the World's pristine trees stay pristine.

    Parameters
    ----------
    next_hop : list of list of int
        One list per destination, as :attr:`Router.next_hop`.
    dist_s : ndarray, shape (n_destinations, n_nodes)
        As :attr:`Router.dist_s` (made read-only here).
    """

    __slots__ = ("dist_s", "next_hop")

    def __init__(self, next_hop: list[list[int]], dist_s: np.ndarray) -> None:
        self.next_hop = next_hop
        dist_s.setflags(write=False)
        self.dist_s = dist_s


class TreeMemo:
    """Pristine routing trees (all links open, free-flow times) of a World, by
    destinations: built by the first run that needs them, shared by the later ones.

    A tree depends only on the graph, the link times and the destination, so the memo is
    keyed by a digest of the graph's arrays and by the destinations: a World copied with
    another network never finds the first one's trees. It keeps the ``capacity`` most
    recently used sets of trees (a 10-million-resident region's 144 trees take about
    600 MB). It is not pickled: a World sent to a worker process or written to the cache
    arrives with an empty memo (the trees would cost more to pickle than to build).

    Parameters
    ----------
    capacity : int
        Most sets of trees kept.
    """

    def __init__(self, capacity: int = 4) -> None:
        self.capacity = int(capacity)
        self._sets: dict[tuple[object, ...], Trees] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.builds = 0

    def __reduce__(self) -> tuple[type, tuple[int]]:
        return (TreeMemo, (self.capacity,))

    def __len__(self) -> int:
        return len(self._sets)

    def __repr__(self) -> str:
        # what it holds is a cache, not part of the World it belongs to
        return f"TreeMemo(capacity={self.capacity})"

    @staticmethod
    def key(n_nodes: int, link_from: np.ndarray, link_to: np.ndarray, cost_s: np.ndarray,
            destinations: list[list[int]]) -> tuple[object, ...]:
        """The memo's key of a graph, its link times and destinations."""
        h = hashlib.blake2b(digest_size=16)
        for a in (link_from, link_to, cost_s):
            h.update(str(a.dtype).encode())
            h.update(np.ascontiguousarray(a).data)
        return (int(n_nodes), h.hexdigest(), tuple(tuple(d) for d in destinations))

    def get(self, key: tuple[object, ...]) -> Trees | None:
        """The trees stored under ``key`` (and mark them used), or None."""
        with self._lock:
            trees = self._sets.pop(key, None)
            if trees is not None:
                self._sets[key] = trees
                self.hits += 1
            return trees

    def put(self, key: tuple[object, ...], trees: Trees) -> None:
        """Store ``trees`` under ``key``, dropping the least recently used beyond capacity."""
        with self._lock:
            self._sets.pop(key, None)
            self._sets[key] = trees
            self.builds += 1
            while len(self._sets) > self.capacity:
                self._sets.pop(next(iter(self._sets)))


class Router:
    """Reverse shortest-time trees to a fixed set of destination nodes.

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    link_from, link_to : ndarray of int
        End nodes (indices) of each directed link.
    cost_s : ndarray of float
        Travel time of each link (seconds); free-flow time by default.
    destinations : sequence of int or of sequences of int
        Destinations, one tree each. A destination is a node, or a set of nodes (the
        access nodes of a shelter: arriving at any of them is arriving there).
    memo : TreeMemo, optional
        Where the trees with every link open are kept (the World's): taken from it if
        another run built them, else built and put there.

    Attributes
    ----------
    next_hop : list of list of int
        ``next_hop[d][node]`` is the link to take from ``node`` towards destination ``d``,
        :data:`AT_DESTINATION` at the destination, :data:`NO_ROUTE` if unreachable. The
        lists are never changed in place (:meth:`rebuild` makes new ones): they may be
        shared with other runs.
    dist_s : ndarray, shape (n_destinations, n_nodes)
        Shortest travel time from each node to each destination (``inf`` if unreachable);
        read-only.
    rebuilds : int
        How many times the trees were computed (taking them from the memo counts).
    """

    def __init__(
        self,
        n_nodes: int,
        link_from: np.ndarray,
        link_to: np.ndarray,
        cost_s: np.ndarray,
        destinations: list[int] | list[list[int]],
        memo: TreeMemo | None = None,
    ) -> None:
        self.n_nodes = int(n_nodes)
        self.link_from = np.asarray(link_from, dtype=np.int64)
        self.link_to = np.asarray(link_to, dtype=np.int64)
        self.cost_s = np.maximum(np.asarray(cost_s, dtype=np.float64), _MIN_COST_S)
        self.destinations: list[list[int]] = [
            [int(x) for x in d] if isinstance(d, list | tuple | np.ndarray) else [int(d)]
            for d in destinations
        ]
        self.next_hop: list[list[int]] = []
        self._hop_ints: np.ndarray | None = None
        self._order_of: np.ndarray | None = None  # the link times _order was sorted by
        self._order = np.zeros(0, dtype=np.int64)
        self.dist_s = np.empty((0, self.n_nodes))
        self.rebuilds = 0
        key = (None if memo is None else
               TreeMemo.key(self.n_nodes, self.link_from, self.link_to, self.cost_s,
                            self.destinations))
        trees = None if memo is None or key is None else memo.get(key)
        if trees is None:
            self.rebuild(np.zeros(self.link_from.shape[0], dtype=bool))
            if memo is not None and key is not None:
                memo.put(key, Trees(list(self.next_hop), self.dist_s))
        else:
            self.next_hop = list(trees.next_hop)
            self.dist_s = trees.dist_s
            self.rebuilds = 1

    def _shared_ints(self) -> np.ndarray:
        """One int object per link (and per marker), shared by every tree: a tree of a
        million nodes then costs a pointer per node, not a new int object per node."""
        if self._hop_ints is None:
            self._hop_ints = np.arange(NO_ROUTE, self.link_from.shape[0]).astype(object)
        return self._hop_ints

    def _link_order(self) -> np.ndarray:
        """Every link in the order of (from node, to node, time, link index), sorted once
        per set of link times (a rebuild keeps the open ones, in this order)."""
        if self._order_of is not self.cost_s:
            self._order = np.lexsort((np.arange(self.link_from.shape[0]), self.cost_s,
                                      self.link_to, self.link_from))
            self._order_of = self.cost_s
        return self._order

    def rebuild(self, closed: np.ndarray, cost_s: np.ndarray | None = None) -> None:
        """Recompute all trees with ``closed`` links removed.

        Parameters
        ----------
        closed : ndarray of bool
            True for links that cannot be entered.
        cost_s : ndarray of float, optional
            New link travel times (for congestion-aware routing); keeps the old ones if None.
        """
        if cost_s is not None:
            self.cost_s = np.maximum(np.asarray(cost_s, dtype=np.float64), _MIN_COST_S)
        n = self.n_nodes
        # Keep the cheapest open link for each (from, to) pair (ties: lowest link index),
        # because a sparse matrix would add parallel links up: the open links in the order
        # of (from, to, time, index), a strict order, so those of every link filtered
        idx = self._link_order()
        idx = idx[~np.asarray(closed, dtype=bool)[idx]]
        frm, to, cost = self.link_from[idx], self.link_to[idx], self.cost_s[idx]
        first = np.ones(frm.shape[0], dtype=bool)
        first[1:] = (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])
        frm, to, cost, idx = frm[first], to[first], cost[first], idx[first]
        # Reversed graph: an edge to -> frm, so a search from the destination finds
        # every node's distance *to* it.
        rev = csr_matrix((cost, (to, frm)), shape=(n, n))
        out = _OutLinks(n, frm, to, idx)
        ints = self._shared_ints()
        self.next_hop = []
        dist = np.empty((len(self.destinations), n))
        for k, dest in enumerate(self.destinations):
            dist[k], pred, _ = dijkstra(rev, directed=True, indices=dest,
                                        return_predecessors=True, min_only=True)
            # in the reversed tree, the predecessor is the next node forward: the link
            # from each node to it is the one of the node's out-links that ends there
            hop = out.links_to(pred)
            hop[dest] = AT_DESTINATION
            self.next_hop.append(ints[hop - NO_ROUTE].tolist())
        self.dist_s = dist
        self.dist_s.setflags(write=False)
        self.rebuilds += 1
        logger.debug("routing trees rebuilt (%d destinations, %d closed links)",
                     len(self.destinations), int(np.asarray(closed).sum()))


class _OutLinks:
    """The open links out of each node, to find the link of a tree's edge ``u -> v``.

    A table of each node's first :data:`_TABLE_WIDTH` out-links (a street grid has four),
    searched for all nodes at once; the rare node with more out-links is searched in its
    slice of the links ``start[u] .. start[u + 1] - 1``. One link per node pair (the
    cheapest), so the answer is unique.
    """

    def __init__(self, n: int, frm: np.ndarray, to: np.ndarray, idx: np.ndarray) -> None:
        self.start = np.searchsorted(frm, np.arange(n + 1))
        self.to, self.idx = to, idx
        col = np.arange(frm.shape[0]) - self.start[frm]
        width = int(min(_TABLE_WIDTH, max(int(col.max()) + 1 if col.size else 1, 1)))
        keep = col < width
        self.out_to = np.full((n, width), -1, dtype=np.int32)
        self.out_to[frm[keep], col[keep]] = to[keep]
        self.out_idx = np.full((n, width), NO_ROUTE, dtype=np.int64)
        self.out_idx[frm[keep], col[keep]] = idx[keep]
        self.rows = np.arange(n)

    def links_to(self, pred: np.ndarray) -> np.ndarray:
        """For every node ``u`` with ``pred[u] >= 0``, the open link ``u -> pred[u]``;
        :data:`NO_ROUTE` where ``pred[u] < 0``."""
        want = pred.astype(np.int32, copy=False)
        k = (self.out_to == want[:, None]).argmax(axis=1)
        hop: np.ndarray = self.out_idx[self.rows, k]
        has = pred >= 0
        hop[~has] = NO_ROUTE
        rest = np.flatnonzero(has & (self.out_to[self.rows, k] != want))
        for u in rest.tolist():  # nodes with more out-links than the table holds
            lo, hi = int(self.start[u]), int(self.start[u + 1])
            j = lo + np.flatnonzero(self.to[lo:hi] == pred[u])
            if not j.size:
                raise RuntimeError("a routing-tree edge is not an open link")
            hop[u] = self.idx[int(j[0])]
        return hop


def reaches_any(n_nodes: int, link_from: np.ndarray, link_to: np.ndarray,
                targets: list[int], closed: np.ndarray) -> np.ndarray:
    """Which nodes have an open route to at least one of ``targets``.

    The same answer as ``np.isfinite(Router(...).dist_s).any(axis=0)`` for destinations
    whose nodes are ``targets``, from one search from all of them at once instead of a
    tree per destination (a region with 144 shelters: one search instead of 144, and no
    next-hop lists).

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    link_from, link_to : ndarray of int
        End nodes of each directed link.
    targets : list of int
        Nodes to reach.
    closed : ndarray of bool
        Links that cannot be used.

    Returns
    -------
    ndarray of bool
        One value per node.
    """
    if not targets:
        return np.zeros(n_nodes, dtype=bool)
    open_idx = np.flatnonzero(~np.asarray(closed, dtype=bool))
    rev = csr_matrix((np.ones(open_idx.size), (link_to[open_idx], link_from[open_idx])),
                     shape=(n_nodes, n_nodes))
    dist = dijkstra(rev, directed=True, indices=sorted(set(targets)), min_only=True,
                    unweighted=True)
    return np.asarray(np.isfinite(dist))
