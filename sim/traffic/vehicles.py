"""The traffic core's vehicles: one :class:`Car` per vehicle, read as columns.

:class:`~musterpoint.sim.traffic.queue_model.TrafficModel` is a :class:`VehicleBook`.
The core keeps a vehicle's numbers together in one :class:`Car` (unboxed in the compiled
core: a link event reads and writes several of them, one or two cache lines instead of a
boxed number in each of ten lists, and no number object made per write). The run reads
them by field, as sequences indexed by vehicle number (``state``, ``first_enter_t``,
``exposed_s``, ...: :class:`Column` views, which NumPy converts with ``np.asarray``).
Compiled with the traffic core (``sim/_accel.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, SupportsFloat, SupportsIndex

import numpy as np

__all__ = ["FLOAT_FIELDS", "INT_FIELDS", "Car", "Column", "FloatColumn", "IntColumn",
           "VehicleBook", "VehicleState"]

_INF: Final = float("inf")

#: The integer fields of a :class:`Car` (an :class:`IntColumn`'s ``k`` is the index here).
INT_FIELDS: Final = ("dest", "node", "link", "state")
#: Its float fields (a :class:`FloatColumn`'s ``k``).
FLOAT_FIELDS: Final = ("pcu", "enter_t", "end_t", "exposed_s", "first_enter_t", "exposure_end")


class VehicleState:
    """Where a vehicle is in its life: these four are exclusive and exhaustive."""

    WAITING: Final = 0  # not yet on the road (before departure or waiting to enter)
    ON_ROAD: Final = 1
    DONE: Final = 2  # reached a destination that admitted it
    STRANDED: Final = 3


class Car:
    """One vehicle in the traffic core.

    Parameters
    ----------
    origin : int
        The node where it waits to enter the network.
    dest : int
        Its destination (index).
    pcu : float
        Its passenger car units.

    Attributes
    ----------
    node, link : int
        Its last node, and the link it is on (-1: none).
    enter_t, end_t : float
        When it entered its link, and when it may reach the link's end (free flow).
    state : int
        A :class:`VehicleState`.
    exposed_s, exposure_end : float
        Seconds on links in the hazard, and when the last such stretch ended.
    first_enter_t : float
        When it first entered the network (NaN: not yet).
    """

    __slots__ = ("dest", "end_t", "enter_t", "exposed_s", "exposure_end", "first_enter_t",
                 "link", "node", "pcu", "state")

    def __init__(self, origin: int, dest: int, pcu: float) -> None:
        self.dest = dest
        self.pcu = pcu
        self.node = origin
        self.link = -1
        self.enter_t = 0.0
        self.end_t = 0.0
        self.state: int = VehicleState.WAITING
        self.exposed_s = 0.0
        self.first_enter_t = float("nan")
        self.exposure_end = -_INF


class Column:
    """One field of every vehicle, as a read-only sequence indexed by vehicle number.

    A view: it reads the cars when indexed, iterated or converted (``np.asarray``).
    :class:`IntColumn` and :class:`FloatColumn` give the values.

    Parameters
    ----------
    cars : list of Car
        The vehicles.
    k : int
        Which field: its index in :data:`INT_FIELDS` or :data:`FLOAT_FIELDS`.
    """

    def __init__(self, cars: list[Car], k: int) -> None:
        self.cars = cars
        self.k = k

    def __len__(self) -> int:
        return len(self.cars)

    def _value(self, c: Car) -> Any:
        """This column's field of ``c``."""
        raise NotImplementedError

    def __getitem__(self, v: SupportsIndex) -> Any:
        return self._value(self.cars[v.__index__()])

    def tolist(self) -> list[Any]:
        """The values, a new list."""
        return [self._value(c) for c in self.cars]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        out: np.ndarray = np.array(self.tolist(), dtype=dtype)  # type: ignore[call-overload]
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.k}, {self.tolist()!r})"


class IntColumn(Column):
    """An integer field of every vehicle (see :class:`Column`)."""

    def _value(self, c: Car) -> int:
        return (c.dest, c.node, c.link, c.state)[self.k]


class FloatColumn(Column):
    """A float field of every vehicle (see :class:`Column`)."""

    def _value(self, c: Car) -> float:
        return (c.pcu, c.enter_t, c.end_t, c.exposed_s, c.first_enter_t, c.exposure_end)[self.k]


class VehicleBook:
    """Per vehicle: destination, PCU, node, link, times on the link, state, exposure.

    Attributes
    ----------
    cars : list of Car
        The vehicles, by number.
    dest, pcu, node, link, enter_t, end_t, state, exposed_s, first_enter_t, exposure_end
        Each field of :class:`Car` for every vehicle (a :class:`Column` view of ``cars``).
    link_trace : list of tuple
        ``(vehicle, link, enter, exit)`` of every traversal, if recorded.
    """

    def __init__(self) -> None:
        self.cars: list[Car] = []
        self.link_trace: list[tuple[int, int, float, float]] = []
        cars = self.cars
        # in the order of INT_FIELDS and FLOAT_FIELDS
        self.dest, self.node, self.link, self.state = [IntColumn(cars, k) for k in range(4)]
        (self.pcu, self.enter_t, self.end_t, self.exposed_s, self.first_enter_t,
         self.exposure_end) = [FloatColumn(cars, k) for k in range(6)]

    def add_vehicle(self, origin: SupportsIndex, destination: SupportsIndex,
                    pcu: SupportsFloat) -> int:
        """Register a vehicle waiting at node ``origin``, bound for destination index."""
        v = len(self.cars)
        self.cars.append(Car(int(origin), int(destination), float(pcu)))
        return v

    def set_destination(self, v: SupportsIndex, destination: SupportsIndex) -> None:
        """Send vehicle ``v`` to another destination (takes effect at its next node)."""
        self.cars[int(v)].dest = int(destination)


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
# (nothing here: queue_model.py takes the compiled classes with its own)
