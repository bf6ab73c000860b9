"""One fleet model: trucks on the shared roads, their trips, legs, stranding and records.

Every service that sends trucks from a depot on rounds of stops (the relief extension,
the health extension's lockdown supply) owns a :class:`Fleet` and starts its trips with
:meth:`Fleet.start`. A trip (:func:`trip_process`) is the same for all of them:

1. the truck loads at its depot (the owner's :meth:`Cargo.load`: a loading bay, stock,
   loading time; it puts the goods on the truck with :meth:`Fleet.take_on`);
2. for each stop in order: if no road is open from where the truck is, the stop is
   skipped (:meth:`Cargo.skipped`); else the truck drives there in traffic with its
   type's PCU (no leg if it is already there), unloads for :meth:`Cargo.unload_s` and
   hands over (:meth:`Cargo.unloaded`, which takes the goods off with
   :meth:`Fleet.put_off`);
3. it drives back to its depot, where whatever is still on it is given back
   (:meth:`Cargo.returned`, :meth:`Fleet.give_back`), and is idle again
   (:meth:`Cargo.idle`).

A truck whose way is cut while it drives, or that has no open road back to its depot,
is stranded where it is with what is still on it (:meth:`Cargo.stranded` says what
becomes of the stops it did not reach).

Records, the same for every fleet: one row per leg driven (``legs``), one per trip
(``trip_rows``), and :meth:`Fleet.tables` makes the legs, trucks and trips tables. The
fleet's ledger (:meth:`Fleet.ledger`), per cargo unit: loaded = unloaded + given back +
on trucks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from musterpoint.sim.network.graph import wkt_line
from musterpoint.sim.relief.inputs import TruckState

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["LEG_COLUMNS", "TRIP_COLUMNS", "TRUCK_COLUMNS", "Base", "Cargo", "Fleet", "Located",
           "Place", "Site", "Trip", "trip_process"]

logger = logging.getLogger(__name__)

#: Columns of the legs, trucks and trips tables of every fleet.
LEG_COLUMNS = ["truck", "trip", "leg", "from_node", "to", "depart_s", "arrive_s", "km",
               "status", "wkt"]
TRUCK_COLUMNS = ["truck", "type", "depot", "trips", "legs", "km", "busy_s", "utilisation",
                 "state", "reason"]
TRIP_COLUMNS = ["trip", "truck", "depot", "policy", "route", "created_s", "assigned_s",
                "load_start_s", "depart_s", "end_s", "stops", "kg", "status"]

#: ``launch(fleet, k, origin, dest, pcu) -> vehicle``: put truck ``k`` on the road now,
#: bound for router destination ``dest``; the owner passes the traffic model's answer on
#: to :meth:`Fleet.on_reach` or :meth:`Fleet.on_strand`.
Launch = Callable[["Fleet", int, int, int, float], int]


class Located(Protocol):
    """Somewhere a truck drives to: its id and router destination."""

    @property
    def id(self) -> str:
        """Its id, for records."""

    @property
    def dest(self) -> int:
        """Its router destination."""


class Place(Located, Protocol):
    """A stop: also its road nodes (a truck at one of them is there)."""

    @property
    def nodes(self) -> Sequence[int]:
        """Its road nodes."""


class Base(Located, Protocol):
    """A depot trucks are based at: also its road node and opening time."""

    @property
    def node(self) -> int:
        """Its road node."""

    @property
    def open_s(self) -> float:
        """When loading can begin (s)."""


@dataclass
class Site:
    """A place on the roads with one node (a :class:`Base` and a :class:`Place`)."""

    id: str
    node: int
    dest: int
    open_s: float = 0.0

    @property
    def nodes(self) -> list[int]:
        """The one road node of the site."""
        return [self.node]


@dataclass
class Trip:
    """One truck trip: from depot ``depot``, stops in order (stop, what is unloaded)."""

    depot: int
    stops: list[tuple[int, Any]]
    policy: str
    created_s: float
    route: str = ""
    no: int = 0
    assigned_s: float = np.nan
    load_start_s: float = np.nan
    depart_s: float = np.nan
    kg: float = np.nan


class Cargo(Protocol):
    """What the owner of a fleet decides about a trip: loading, stops and goods."""

    def load(self, k: int, trip: Trip) -> Generator[Any, Any, None]:
        """SimPy steps at the depot until truck ``k`` leaves (bays, stock, loading)."""

    def place(self, stop: int) -> Place:
        """Where stop ``stop`` is."""

    def unload_s(self, k: int, trip: Trip, i: int) -> float:
        """Seconds to unload the ``i``-th stop of ``trip``."""

    def unloaded(self, k: int, trip: Trip, i: int, arrive_s: float) -> None:
        """The ``i``-th stop is unloaded now (the truck arrived at ``arrive_s``)."""

    def skipped(self, k: int, trip: Trip, i: int) -> None:
        """The ``i``-th stop has no open road from the truck: it is not served."""

    def stranded(self, k: int, trip: Trip, i: int) -> None:
        """Truck ``k`` is stranded before the ``i``-th stop (``len(stops)``: on the way
        back): stops ``i`` and later are not served."""

    def returned(self, k: int, trip: Trip) -> None:
        """Truck ``k`` is back at its depot (whatever is on it is still on it)."""

    def idle(self, k: int) -> None:
        """Truck ``k`` is idle again, or stranded: a chance to send trucks."""


class Fleet:
    """The trucks of one service, their trips and legs on the shared roads.

    Parameters
    ----------
    ctx : RunContext
        The run's clock, roads and event log.
    trucks : list of TruckState
        The trucks (``k`` is the position in this list).
    type_ids : list of str
        Id of each truck type (``TruckState.type`` indexes it).
    pcu : list of float
        Road space of each truck type (passenger-car units).
    depots : sequence of Base
        Where the trucks are based (``TruckState.depot`` indexes it).
    launch : callable
        ``launch(fleet, k, origin, dest, pcu) -> vehicle``: the owner's way onto the roads.
    unit_kg : ndarray or None
        Weight of one unit of each cargo entry (None: the weight is not known, ``kg`` is
        NaN in the trips table).
    event_prefix : str
        Prefix of the fleet's event kinds (``relief_``).
    """

    def __init__(self, ctx: RunContext, trucks: list[TruckState], type_ids: list[str],
                 pcu: list[float], depots: Sequence[Base], launch: Launch,
                 unit_kg: np.ndarray | None = None, event_prefix: str = "") -> None:
        self.ctx, self.trucks, self.type_ids, self.pcu = ctx, trucks, type_ids, pcu
        self.depots, self.launch, self.unit_kg = depots, launch, unit_kg
        self.event_prefix = event_prefix
        self.legs: list[tuple[Any, ...]] = []
        self.trip_rows: list[tuple[Any, ...]] = []
        self.started = 0
        self._vehicle = [-1] * len(trucks)
        shape = trucks[0].cargo.shape if trucks else (0,)
        self.loaded = np.zeros(shape)
        self.unloaded = np.zeros(shape)
        self.given_back = np.zeros(shape)

    # ------------------------------------------------------------------ roads
    def travel_s(self, node: int, dest: int) -> float:
        """Shortest driving time now from ``node`` to router destination ``dest``."""
        return self.ctx.dist_s(dest, node)

    def path(self, node: int, dest: int) -> tuple[float, list[int]]:
        """Length (km) and links of the route now from ``node`` to ``dest``."""
        hop = self.ctx.router.next_hop[dest]
        net = self.ctx.world.network
        links: list[int] = []
        n = node
        for _ in range(net.n_nodes):
            h = hop[n]
            if h < 0:
                break
            links.append(h)
            n = int(net.link_to[h])
        return float(net.length_m[links].sum()) / 1000.0 if links else 0.0, links

    def drive(self, k: int, trip: int, dest: int, to: str) -> Generator[Any, Any, bool]:
        """Drive truck ``k`` to router destination ``dest`` (the place ``to``) in traffic
        and record the leg; True if it got there."""
        ctx = self.ctx
        tr = self.trucks[k]
        km, links = self.path(tr.node, dest)
        ev = ctx.env.event()
        tr.arrival = ev
        t0 = ctx.now
        origin = tr.node
        self._vehicle[k] = self.launch(self, k, tr.node, dest, self.pcu[tr.type])
        result = yield ev
        tr.legs += 1
        tr.km += km
        ok = result is not None
        self.legs.append((tr.id, trip, tr.legs, origin, to, t0, ctx.now, km,
                          "arrived" if ok else "stranded", links))
        return ok

    def on_reach(self, k: int, node: int, t: float) -> None:
        """Truck ``k`` reached the place it was driving to."""
        tr = self.trucks[k]
        tr.node = node
        tr.arrival.succeed((node, t))

    def on_strand(self, k: int, t: float, reason: str) -> None:
        """Truck ``k`` has no open route left: it stays where it is."""
        tr = self.trucks[k]
        tr.node = int(self.ctx.vehicle_node(self._vehicle[k]))
        tr.reason = reason
        tr.arrival.succeed(None)

    # ------------------------------------------------------------------ goods
    def take_on(self, k: int, trip: Trip, units: np.ndarray) -> None:
        """Put ``units`` on truck ``k`` at its depot (the trip's load)."""
        self.trucks[k].cargo += units
        self.loaded += units
        trip.kg = float(units @ self.unit_kg) if self.unit_kg is not None else np.nan

    def put_off(self, k: int, units: np.ndarray) -> None:
        """Take ``units`` off truck ``k`` at a stop."""
        self.trucks[k].cargo -= units
        self.unloaded += units

    def give_back(self, k: int) -> np.ndarray:
        """Take everything off truck ``k`` at its depot; returns what it was."""
        tr = self.trucks[k]
        left = tr.cargo.copy()
        self.given_back += left
        tr.cargo = np.zeros_like(tr.cargo)
        return left

    # ------------------------------------------------------------------ trips
    def idle_truck(self, d: int, ttype: int = -1) -> int:
        """First idle truck of depot ``d`` (of type ``ttype`` if >= 0), or -1."""
        for tr in self.trucks:
            if tr.depot == d and tr.state == "idle" and (ttype < 0 or tr.type == ttype):
                return tr.k
        return -1

    def start(self, k: int, trip: Trip, cargo: Cargo) -> None:
        """Truck ``k`` takes ``trip`` now."""
        tr = self.trucks[k]
        tr.state = "loading"
        tr.busy_since = self.ctx.now
        self.started += 1
        trip.no = self.started
        self.ctx.env.process(trip_process(self, k, trip, cargo))

    def _row(self, no: int, k: int, trip: Trip, load_s: float, depart_s: float, kg: float,
             status: str) -> None:
        tr = self.trucks[k]
        self.trip_rows.append((no, tr.id, self.depots[trip.depot].id, trip.policy, trip.route,
                               trip.created_s, trip.assigned_s, load_s, depart_s, self.ctx.now,
                               len(trip.stops), kg, status))

    def done(self, k: int, trip: Trip) -> None:
        """Truck ``k`` ended ``trip`` at its depot: record it; the truck is idle."""
        tr = self.trucks[k]
        self._row(trip.no, k, trip, trip.load_start_s, trip.depart_s, trip.kg, "done")
        tr.busy_s += self.ctx.now - tr.busy_since
        tr.state = "idle"

    def strand(self, k: int, trip: Trip) -> None:
        """Truck ``k`` can go no further: it keeps its cargo; the trip is recorded."""
        ctx = self.ctx
        tr = self.trucks[k]
        tr.state = "stranded"
        tr.busy_s += ctx.now - tr.busy_since
        ctx.log(ctx.now, f"{self.event_prefix}truck_stranded", detail=f"{tr.id}: {tr.reason}")
        kg = float(tr.cargo @ self.unit_kg) if self.unit_kg is not None else np.nan
        self._row(-1, k, trip, np.nan, np.nan, kg, "stranded")

    def close(self, until: float) -> None:
        """Count busy time up to ``until`` for trucks still on a trip."""
        for tr in self.trucks:
            if tr.state not in ("idle", "stranded"):
                tr.busy_s += until - tr.busy_since

    # ------------------------------------------------------------------ records
    def _wkt(self, origin: int, links: list[int]) -> str:
        net = self.ctx.world.network
        if not links:
            return f"POINT ({net.lon[origin]:.6f} {net.lat[origin]:.6f})"
        parts = [net.link_coords(links[0])[:1]] + [net.link_coords(h)[1:] for h in links]
        xy = np.vstack(parts)
        return wkt_line(xy)

    def tables(self, until: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The legs, trucks and trips tables (columns :data:`LEG_COLUMNS`,
        :data:`TRUCK_COLUMNS`, :data:`TRIP_COLUMNS`)."""
        node_id = self.ctx.world.network.node_id
        legs = pd.DataFrame([(*r[:3], int(node_id[r[3]]), *r[4:9], self._wkt(r[3], r[9]))
                             for r in self.legs], columns=LEG_COLUMNS)
        trucks = pd.DataFrame([
            (tr.id, self.type_ids[tr.type], self.depots[tr.depot].id, tr.trips, tr.legs,
             tr.km, tr.busy_s, tr.busy_s / max(until - self.depots[tr.depot].open_s, 1e-9),
             tr.state, tr.reason) for tr in self.trucks], columns=TRUCK_COLUMNS)
        trips = pd.DataFrame(self.trip_rows, columns=TRIP_COLUMNS)
        return legs, trucks, trips

    def ledger(self) -> dict[str, Any]:
        """Per cargo entry: loaded = unloaded + given back + on trucks; ``balanced``."""
        on = (np.sum([tr.cargo for tr in self.trucks], axis=0) if self.trucks
              else np.zeros_like(self.loaded))
        tol = 1e-9 * max(1.0, float(np.abs(self.loaded).sum()))
        ok = bool(np.all(np.abs(self.loaded - (self.unloaded + self.given_back + on)) <= tol))
        return {"loaded": self.loaded.tolist(), "unloaded": self.unloaded.tolist(),
                "given_back": self.given_back.tolist(), "on_trucks": np.asarray(on).tolist(),
                "balanced": ok}


def trip_process(fleet: Fleet, k: int, trip: Trip, cargo: Cargo) -> Any:
    """SimPy process: truck ``k`` loads ``trip`` at its depot, serves its stops, returns."""
    env = fleet.ctx.env
    tr = fleet.trucks[k]
    trip.assigned_s = float(env.now)
    yield from cargo.load(k, trip)
    tr.trips += 1
    trip.depart_s = float(env.now)
    for i, (stop, _) in enumerate(trip.stops):
        place = cargo.place(stop)
        if not np.isfinite(fleet.travel_s(tr.node, place.dest)):
            cargo.skipped(k, trip, i)
            continue
        tr.state = "driving"
        ok = tr.node in place.nodes or (yield from fleet.drive(k, trip.no, place.dest,
                                                               place.id))
        if not ok:
            fleet.strand(k, trip)
            cargo.stranded(k, trip, i)
            cargo.idle(k)
            return
        tr.state = "unloading"
        arrive = float(env.now)
        yield env.timeout(cargo.unload_s(k, trip, i))
        cargo.unloaded(k, trip, i, arrive)
    tr.state = "returning"
    depot = fleet.depots[trip.depot]
    if tr.node != depot.node:
        ok = np.isfinite(fleet.travel_s(tr.node, depot.dest))
        if not ok:
            tr.reason = "no open route back to the depot"
        else:
            ok = yield from fleet.drive(k, trip.no, depot.dest, depot.id)
        if not ok:
            fleet.strand(k, trip)
            cargo.stranded(k, trip, len(trip.stops))
            cargo.idle(k)
            return
    cargo.returned(k, trip)
    fleet.done(k, trip)
    cargo.idle(k)
