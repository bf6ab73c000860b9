"""Shortest-time routing by one reverse shortest-path tree per destination.

A few destinations (shelters) and many vehicles: instead of one search per vehicle, one
Dijkstra search per destination on the reversed graph gives, for every node, the time to
the destination and the next link to take. Trees are rebuilt when links close or reopen,
and vehicles look up their next link at every node, so they reroute around closures.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["AT_DESTINATION", "NO_ROUTE", "Router", "reaches_any"]

logger = logging.getLogger(__name__)

#: ``next_hop`` value at the destination node itself.
AT_DESTINATION = -1
#: ``next_hop`` value where no open route leads to the destination.
NO_ROUTE = -2

_MIN_COST_S = 1e-3


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

    Attributes
    ----------
    next_hop : list of list of int
        ``next_hop[d][node]`` is the link to take from ``node`` towards destination ``d``,
        :data:`AT_DESTINATION` at the destination, :data:`NO_ROUTE` if unreachable.
    dist_s : ndarray, shape (n_destinations, n_nodes)
        Shortest travel time from each node to each destination (``inf`` if unreachable).
    rebuilds : int
        How many times the trees were computed.
    """

    def __init__(
        self,
        n_nodes: int,
        link_from: np.ndarray,
        link_to: np.ndarray,
        cost_s: np.ndarray,
        destinations: list[int] | list[list[int]],
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
        # one int object per link (and per marker), shared by every tree: a tree of a
        # million nodes then costs a pointer per node, not a new int object per node
        self._hop_ints = np.arange(NO_ROUTE, self.link_from.shape[0]).astype(object)
        self.dist_s = np.empty((0, self.n_nodes))
        self.rebuilds = 0
        self.rebuild(np.zeros(self.link_from.shape[0], dtype=bool))

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
        open_idx = np.flatnonzero(~np.asarray(closed, dtype=bool))
        frm = self.link_from[open_idx]
        to = self.link_to[open_idx]
        cost = self.cost_s[open_idx]
        # Keep the cheapest open link for each (from, to) pair (ties: lowest link index),
        # because a sparse matrix would add parallel links up.
        order = np.lexsort((open_idx, cost, to, frm))
        frm, to, cost, idx = frm[order], to[order], cost[order], open_idx[order]
        first = np.ones(frm.shape[0], dtype=bool)
        first[1:] = (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])
        frm, to, cost, idx = frm[first], to[first], cost[first], idx[first]
        # Reversed graph: an edge to -> frm, so a search from the destination finds
        # every node's distance *to* it.
        rev = csr_matrix((cost, (to, frm)), shape=(n, n))
        keys = frm * n + to
        self.next_hop = []
        dist_rows = []
        for dest in self.destinations:
            dist, pred, _ = dijkstra(rev, directed=True, indices=dest, return_predecessors=True,
                                  min_only=True)
            # in the reversed tree, the predecessor is the next node forward
            hop = np.full(n, NO_ROUTE, dtype=np.int64)
            has = pred >= 0
            nodes = np.flatnonzero(has)
            pos = np.searchsorted(keys, nodes * n + pred[has])
            hop[nodes] = idx[pos]
            hop[dest] = AT_DESTINATION
            self.next_hop.append(self._hop_ints[hop - NO_ROUTE].tolist())
            dist_rows.append(dist)
        self.dist_s = (np.vstack(dist_rows) if dist_rows else np.empty((0, n)))
        self.rebuilds += 1
        logger.debug("routing trees rebuilt (%d destinations, %d closed links)",
                     len(self.destinations), int(np.asarray(closed).sum()))


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
