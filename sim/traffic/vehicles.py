"""The traffic core's vehicles: their state as growable lists indexed by vehicle number.

:class:`~musterpoint.sim.traffic.queue_model.TrafficModel` is a :class:`VehicleBook`;
the run reads these lists (``state``, ``first_enter_t``, ``exposed_s``, ...) to close its
books. Compiled with the traffic core (``sim/_accel.py``).
"""

from __future__ import annotations

from typing import Final, SupportsFloat, SupportsIndex

__all__ = ["VehicleBook", "VehicleState"]

_INF: Final = float("inf")


class VehicleState:
    """Where a vehicle is in its life: these four are exclusive and exhaustive."""

    WAITING: Final = 0  # not yet on the road (before departure or waiting to enter)
    ON_ROAD: Final = 1
    DONE: Final = 2  # reached a destination that admitted it
    STRANDED: Final = 3


class VehicleBook:
    """Per vehicle: destination, PCU, node, link, times on the link, state, exposure."""

    def __init__(self) -> None:
        self.dest: list[int] = []
        self.pcu: list[float] = []
        self.node: list[int] = []
        self.link: list[int] = []
        self.enter_t: list[float] = []
        self.end_t: list[float] = []
        self.state: list[int] = []
        self.exposed_s: list[float] = []
        self.first_enter_t: list[float] = []
        self.exposure_end: list[float] = []
        self.link_trace: list[tuple[int, int, float, float]] = []

    def add_vehicle(self, origin: SupportsIndex, destination: SupportsIndex,
                    pcu: SupportsFloat) -> int:
        """Register a vehicle waiting at node ``origin``, bound for destination index."""
        v = len(self.dest)
        self.dest.append(int(destination))
        self.pcu.append(float(pcu))
        self.node.append(int(origin))
        self.link.append(-1)
        self.enter_t.append(0.0)
        self.end_t.append(0.0)
        self.state.append(VehicleState.WAITING)
        self.exposed_s.append(0.0)
        self.first_enter_t.append(float("nan"))
        self.exposure_end.append(-_INF)
        return v

    def set_destination(self, v: SupportsIndex, destination: SupportsIndex) -> None:
        """Send vehicle ``v`` to another destination (takes effect at its next node)."""
        self.dest[int(v)] = int(destination)


# ---- compiled core: setup.py compiles the module above this line (see sim/_accel.py) ----
# (nothing here: queue_model.py takes the compiled classes with its own)
