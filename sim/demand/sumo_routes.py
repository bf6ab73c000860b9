"""Trips and fixed routes from a SUMO route file (``.rou.xml``).

A ``.rou.xml`` as ``trips`` gives one trip per ``<vehicle>`` (its route: a nested
``<route edges=...>`` or the id of a top-level ``<route>``) or ``<trip from= to=>`` (no
fixed route): the origin is the start node of the first edge, the destination the end
node of the last, the departure ``depart`` (seconds). The same file as ``routes`` beside
a trips CSV gives the routes of the trips whose ids are vehicle ids. Edge ids are the
network's link ids (a network read from a SUMO ``.net.xml`` keeps them).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.sim.demand.population import Vehicles
from musterpoint.sim.demand.routes import RouteRows
from musterpoint.sim.network.graph import Network

__all__ = ["ROU_SUFFIXES", "SumoTrips", "read_rou_routes", "read_rou_trips"]

#: File names read as SUMO route files.
ROU_SUFFIXES = (".rou.xml", ".rou.xml.gz", ".rou.alt.xml", ".trips.xml")
_MAX_LISTED = 5


@dataclass
class _Demand:
    """One top-level ``<vehicle>`` or ``<trip>``: its attributes and nested route edges."""

    name: str
    attrs: dict[str, str]
    nested: list[str] | None

    @property
    def id(self) -> str:
        return self.attrs.get("id", "")

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)


def _elements(path: Path) -> tuple[dict[str, list[str]], list[_Demand]]:
    """Named top-level routes (id -> edges) and the vehicles and trips, in file order.

    Read in one streaming pass with the standard library's ``iterparse``: sumolib's
    ``xml.parse`` took 66 s and 920 MB for 50,000 vehicles (a compound type per element),
    this about a second and a few MB beyond the result.
    """
    file = str(path)
    if not path.is_file():
        raise InputError.single(file, "", "the SUMO route file does not exist; check the "
                                "path (relative to the scenario file)")
    named: dict[str, list[str]] = {}
    demand: list[_Demand] = []
    depth, root = 0, None
    try:
        with (gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")) as fh:
            for event, el in ElementTree.iterparse(fh, events=("start", "end")):
                if event == "start":
                    root = el if root is None else root
                    depth += 1
                    continue
                depth -= 1
                if depth != 1:  # only the root's children
                    continue
                if el.tag == "route" and el.get("id") is not None:
                    named[str(el.get("id"))] = str(el.get("edges", "")).split()
                elif el.tag == "flow":
                    raise InputError.single(file, f"flow {el.get('id')!r}", "flows are not "
                                            "read; write one <vehicle> per vehicle (duarouter "
                                            "or routeSampler do)")
                elif el.tag in ("vehicle", "trip"):
                    sub = el.find("route")
                    nested = None if sub is None else str(sub.get("edges", "")).split()
                    demand.append(_Demand(el.tag, dict(el.attrib), nested))
                if root is not None:
                    root.clear()  # keep memory flat: drop what was read
    except InputError:
        raise
    except (ElementTree.ParseError, OSError, EOFError) as exc:
        raise InputError.single(file, "", f"cannot read the SUMO route file: {exc}") from exc
    if not demand:
        raise InputError.single(file, "", "the SUMO route file has no <vehicle> or <trip>")
    return named, demand


def _edges_of(el: _Demand, named: dict[str, list[str]], file: str,
              problems: list[Problem]) -> list[str]:
    """The route edges of a vehicle (empty for a trip, or after a problem)."""
    where = f"{el.name} {el.id!r}"
    if el.name == "trip":
        return []
    if el.nested is not None:
        return el.nested
    ref = el.get("route")
    if ref is not None and ref in named:
        return named[ref]
    problems.append(Problem(file, where, f"route {ref!r} is not defined in the file; define "
                            "it in a <route> or nest one in the vehicle"))
    return []


def read_rou_routes(path: Path, trip_ids: list[str]) -> RouteRows:
    """Routes of the trips named by ``trip_ids`` from the vehicles of a ``.rou.xml``.

    Parameters
    ----------
    path : Path
        The SUMO route file (the scenario's ``routes``).
    trip_ids : list of str
        The trips' ids, in order; vehicles with other ids are an error.

    Returns
    -------
    RouteRows
        One row per vehicle with a route; check them with
        :func:`~musterpoint.sim.demand.routes.check_routes`.
    """
    file = str(path)
    named, demand = _elements(path)
    pos = {t: k for k, t in enumerate(trip_ids)}
    problems: list[Problem] = []
    rows = RouteRows([], [], [])
    for el in demand:
        edges = _edges_of(el, named, file, problems)
        if not edges:
            continue
        if str(el.id) not in pos:
            problems.append(Problem(file, f"{el.name} {el.id!r}", "is not a trip of the trips "
                                    "file; use the trip ids as vehicle ids"))
            continue
        rows.trip.append(pos[str(el.id)])
        rows.links.append(edges)
        rows.where.append(f"vehicle {el.id!r}")
    if problems:
        raise InputError(problems[:_MAX_LISTED])
    return rows


class SumoTrips:
    """Trips read from a ``.rou.xml``: the vehicles, their ids and their routes.

    Attributes
    ----------
    vehicles : Vehicles
        One per vehicle or trip (origin and destination as node positions).
    ids : list of str
        Vehicle ids, in file order.
    rows : RouteRows
        The routes of the vehicles that have one.
    """

    def __init__(self, vehicles: Vehicles, ids: list[str], rows: RouteRows) -> None:
        self.vehicles, self.ids, self.rows = vehicles, ids, rows


def read_rou_trips(path: Path, net: Network, note: str = "") -> SumoTrips:
    """Trips (and their routes) from the vehicles and trips of a ``.rou.xml``.

    Parameters
    ----------
    path : Path
        The SUMO route file (the scenario's ``trips``).
    net : Network
        The network whose link ids the edges are.
    note : str
        Why links may be missing from the network (added to that message).

    Returns
    -------
    SumoTrips
        The trips; their routes still to check against the network.

    Raises
    ------
    InputError
        Unreadable file, flows, a departure that is not a number, an undefined route, or
        a first or last edge that is not a link of the network.
    """
    file = str(path)
    named, demand = _elements(path)
    link_pos = net.link_positions()
    problems: list[Problem] = []
    n = len(demand)
    origin = np.zeros(n, dtype=np.int64)
    dest = np.zeros(n, dtype=np.int64)
    depart = np.zeros(n)
    rows = RouteRows([], [], [])
    for k, el in enumerate(demand):
        where = f"{el.name} {el.id!r}"
        try:
            depart[k] = float(el.get("depart", "0") or "0")
        except ValueError:
            problems.append(Problem(file, f"{where} depart", "must be a number of seconds "
                                    "(musterpoint does not read 'triggered' or 'now')"))
        edges = _edges_of(el, named, file, problems)
        first, last = (edges[0], edges[-1]) if edges else (
            el.get("from"), el.get("to"))
        unknown = [e for e in (first, last) if str(e) not in link_pos]
        if unknown:
            problems.append(Problem(file, where, f"no link {unknown[0]!r} in the network; use "
                                    f"edge ids of the network{note}"))
            continue
        origin[k] = net.link_from[link_pos[str(first)]]
        dest[k] = net.link_to[link_pos[str(last)]]
        if edges:
            rows.trip.append(k)
            rows.links.append(edges)
            rows.where.append(where)
    if problems:
        raise InputError(problems[:_MAX_LISTED])
    veh = Vehicles(zone=np.zeros(n, dtype=np.int64), place=np.full(n, -1, dtype=np.int64),
                   origin=origin, persons=np.ones(n, dtype=np.int64), pcu=np.ones(n),
                   destination=dest, depart_s=depart)
    return SumoTrips(veh, [str(el.id) for el in demand], rows)
