"""The demand of a trips scenario: trips (a CSV or a SUMO ``.rou.xml``) and their fixed
routes (a ``routes.csv`` or a ``.rou.xml``), checked against the network."""

from __future__ import annotations

from pathlib import Path

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.demand.population import Vehicles, read_trips
from musterpoint.sim.demand.routes import TripRoutes, check_routes, read_routes_csv
from musterpoint.sim.demand.sumo_routes import ROU_SUFFIXES, read_rou_routes, read_rou_trips
from musterpoint.sim.network.graph import Network

__all__ = ["read_trip_demand"]


def _is_rou(path: Path) -> bool:
    return path.name.lower().endswith(ROU_SUFFIXES)


def read_trip_demand(trips_path: Path, routes_path: Path | None, net: Network,
                     note: str = "") -> tuple[Vehicles, TripRoutes | None]:
    """Read the trips and their fixed routes.

    Parameters
    ----------
    trips_path : Path
        The scenario's ``trips``: a CSV (``id,origin,destination,depart_s[,persons]``,
        node ids) or a SUMO ``.rou.xml`` (vehicles and their routes).
    routes_path : Path or None
        The scenario's ``routes``: ``routes.csv`` (``id,links``) or a ``.rou.xml`` whose
        vehicle ids are trip ids; None for none (a ``.rou.xml`` trips file brings its own).
    net : Network
        The network.
    note : str
        Why nodes or links may be missing from the network (added to those messages).

    Returns
    -------
    tuple of (Vehicles, TripRoutes or None)
        The trips (origin and destination as node positions) and their checked routes.

    Raises
    ------
    InputError
        A problem in either file (named with the file, the row or vehicle, and the id).
    """
    if _is_rou(trips_path):
        if routes_path is not None:
            raise InputError.single(str(routes_path), "routes", "the trips come from a SUMO "
                                    "route file that holds their routes; remove 'routes'")
        st = read_rou_trips(trips_path, net, note)
        trips, ids, rows, rfile = st.vehicles, st.ids, st.rows, str(trips_path)
    else:
        node_of = {int(n): i for i, n in enumerate(net.node_id)}
        trips, table = read_trips(trips_path, node_of, note)
        if routes_path is None:
            return trips, None
        ids = table["id"].astype(str).tolist()
        rfile = str(routes_path)
        if _is_rou(routes_path):
            rows = read_rou_routes(routes_path, ids)
        elif not routes_path.is_file():
            raise InputError.single(rfile, "routes", "the routes file does not exist; check "
                                    "the path (relative to the scenario file)")
        else:
            rows = read_routes_csv(routes_path, ids)
    if not rows.trip:
        return trips, None
    link_pos = net.link_positions()
    routes = check_routes(rows, rfile, len(ids), link_pos, net.link_from, net.link_to,
                          trips.origin, trips.destination, note)
    return trips, routes

