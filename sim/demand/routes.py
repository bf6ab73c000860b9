"""Fixed routes of trips: each vehicle's links, in driving order, read from ``routes.csv``.

A routes file (``id,links``; ``links`` holds the link ids of the route separated by
spaces) gives some or all trips of a trips file their route. A trip with a route drives
it link by link and leaves it only when a link still ahead of it closes (then it takes
the shortest open route from its next node). Every route is checked when the scenario is
read: its links exist, consecutive links share a node, it starts at the trip's origin
and ends at its destination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError, Problem

__all__ = ["RouteRows", "TripRoutes", "check_routes", "read_routes_csv"]

#: How many problems of one kind a routes file reports before it stops listing them.
_MAX_LISTED = 5


@dataclass(frozen=True)
class TripRoutes:
    """The fixed routes of the trips, as link positions in compressed rows.

    Attributes
    ----------
    offsets : ndarray of int64, shape (n_trips + 1,)
        Trip ``k``'s route is ``links[offsets[k]:offsets[k + 1]]`` (empty: no route).
    links : ndarray of int64
        Link positions (indices into the network's links) of every route, in order.
    """

    offsets: np.ndarray
    links: np.ndarray

    @property
    def n_routed(self) -> int:
        """Number of trips that have a route."""
        return int((np.diff(self.offsets) > 0).sum())

    def route(self, k: int) -> list[int]:
        """Link positions of trip ``k``'s route (empty if it has none or is no trip)."""
        if not 0 <= k < self.offsets.size - 1:
            return []
        return [int(x) for x in self.links[self.offsets[k]:self.offsets[k + 1]]]


@dataclass(frozen=True)
class RouteRows:
    """Routes as read from a file, before they are matched to the network.

    Attributes
    ----------
    trip : list of int
        Position of each route's trip in the trips file.
    links : list of list of str
        Each route's link ids.
    where : list of str
        Where each route is in its file (``line 3``), for messages.
    """

    trip: list[int]
    links: list[list[str]]
    where: list[str]


def read_routes_csv(path: Path, trip_ids: Sequence[str]) -> RouteRows:
    """Read ``routes.csv`` (``id,links``): the route of each trip named by ``id``.

    Parameters
    ----------
    path : Path
        The routes file.
    trip_ids : sequence of str
        The trips' ids, in the order of the trips file.

    Returns
    -------
    RouteRows
        One row per route; check them with :func:`check_routes`.

    Raises
    ------
    InputError
        The file cannot be read, lacks a column, names a trip twice or a trip that is not
        in the trips file, or has a row without links.
    """
    file = str(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise InputError.single(file, "routes", f"cannot read the CSV: {exc}") from exc
    for col in ("id", "links"):
        if col not in df.columns:
            raise InputError.single(file, col, "column missing; a routes file has id,links "
                                    "(links: the link ids of the route in driving order, "
                                    "separated by spaces)")
    pos = {str(t): k for k, t in enumerate(trip_ids)}
    problems: list[Problem] = []
    rows = RouteRows([], [], [])
    seen: set[str] = set()
    for k, (tid, links) in enumerate(zip(df["id"].str.strip(), df["links"], strict=True)):
        line = f"line {k + 2}"
        if tid not in pos:
            problems.append(Problem(file, f"id ({line})", f"trip {tid!r} is not in the trips "
                                    "file; use the id of a trip there or remove the row"))
            continue
        if tid in seen:
            problems.append(Problem(file, f"id ({line})", f"trip {tid!r} has a route on an "
                                    "earlier line already; give each trip one route"))
            continue
        seen.add(tid)
        ids = str(links).split()
        if not ids:
            problems.append(Problem(file, f"links ({line})", f"route of trip {tid!r} has no "
                                    "links; list its link ids separated by spaces"))
            continue
        rows.trip.append(pos[tid])
        rows.links.append(ids)
        rows.where.append(f"{line}, trip {tid!r}")
    if problems:
        raise InputError(problems[:_MAX_LISTED])
    return rows


def check_routes(rows: RouteRows, file: str, n_trips: int, link_pos: Mapping[str, int],
                 link_from: np.ndarray, link_to: np.ndarray, origin: np.ndarray,
                 destination: np.ndarray, note: str = "") -> TripRoutes:
    """Match routes to the network's links and check each one.

    Parameters
    ----------
    rows : RouteRows
        The routes read from ``file``.
    file : str
        The routes file, for messages.
    n_trips : int
        Number of trips.
    link_pos : dict
        Link id to link position.
    link_from, link_to : ndarray of int
        Start and end node (positions) of each link.
    origin, destination : ndarray of int
        Each trip's origin and destination node (positions).
    note : str
        Added to the message about unknown links (why links may be missing).

    Returns
    -------
    TripRoutes
        The routes as link positions.

    Raises
    ------
    InputError
        A link id is not in the network, consecutive links do not share a node, or a
        route does not start at its trip's origin or end at its destination.
    """
    problems: list[Problem] = []
    routes: list[list[int]] = [[] for _ in range(n_trips)]
    for k, ids, where in zip(rows.trip, rows.links, rows.where, strict=True):
        unknown = [lid for lid in ids if lid not in link_pos]
        if unknown:
            problems.append(Problem(file, f"links ({where})", f"no link {unknown[0]!r} in the "
                                    f"network ({len(unknown)} unknown in this route); use the "
                                    f"link ids of the network{note}"))
            continue
        r = [link_pos[lid] for lid in ids]
        gap = next((i for i in range(1, len(r)) if link_from[r[i]] != link_to[r[i - 1]]), 0)
        if gap:
            problems.append(Problem(file, f"links ({where})", f"link {ids[gap - 1]!r} and the "
                                    f"next link {ids[gap]!r} do not share a node: the route is "
                                    "not connected; list every link of the route in driving "
                                    "order"))
        elif link_from[r[0]] != origin[k]:
            problems.append(Problem(file, f"links ({where})", f"the first link {ids[0]!r} does "
                                    "not start at the trip's origin; start the route there "
                                    "or change the trip's origin"))
        elif link_to[r[-1]] != destination[k]:
            problems.append(Problem(file, f"links ({where})", f"the last link {ids[-1]!r} does "
                                    "not end at the trip's destination; end the route there "
                                    "or change the trip's destination"))
        else:
            routes[k] = r
    if problems:
        extra = len(problems) - _MAX_LISTED
        if extra > 0:
            more = Problem(file, "links", f"{extra} more routes have problems like these")
            problems = [*problems[:_MAX_LISTED], more]
        raise InputError(problems)
    offsets = np.zeros(n_trips + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(r) for r in routes])
    flat = np.fromiter((x for r in routes for x in r), dtype=np.int64, count=int(offsets[-1]))
    return TripRoutes(offsets, flat)

