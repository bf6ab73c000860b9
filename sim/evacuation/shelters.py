"""The shelters of a run: capacity, occupancy, reservations, opening times, zone map.

A :class:`ShelterBook` holds the places of safety a run's evacuees drive to (the first
``n`` router destinations) and their state, and answers the two questions the run asks
of them: which shelter to head for from a node, and whether a household fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.world import Destination

__all__ = ["ShelterBook"]

#: Up to this many shelters, :meth:`ShelterBook.choose` looks at them one by one (faster
#: than array operations on a few values; slower on a region's hundreds).
_FEW = 16


class ShelterBook:
    """Shelters and trip ends of a run, with their state.

    Parameters
    ----------
    dest : sequence of Destination
        Shelters (finite capacity) and trip ends (infinite), in router order.
    plan : Plan
        Its shelter choice rule, opening times and zone assignments.
    zone_ids : sequence of str
        Zone ids of the world, for the plan's zone-to-shelter map.

    Attributes
    ----------
    capacity, occupancy, reserved, open_s : ndarray
        Persons each place holds, holds now, is promised (capacity-balanced choice), and
        the time it opens (s; inf while closed).
    zone_shelter : ndarray of int
        Assigned shelter of each zone, or -1.
    """

    def __init__(self, dest: Sequence[Destination], plan: Plan,
                 zone_ids: Sequence[str]) -> None:
        self.dest = list(dest)
        self.n = len(self.dest)
        self.balanced = plan.shelter_choice == "capacity_balanced"
        self.capacity = np.array([d.capacity for d in self.dest], dtype=float)
        self.occupancy = np.zeros(self.n, dtype=np.int64)
        self.reserved = np.zeros(self.n, dtype=np.int64)
        ids = {d.id: i for i, d in enumerate(self.dest)}
        self.open_s = np.array([plan.shelter_open_h.get(d.id, 0.0) * 3600.0 for d in self.dest])
        self.zone_shelter = np.full(len(zone_ids), -1, dtype=np.int64)
        for z, sid in plan.zone_shelters.items():
            self.zone_shelter[list(zone_ids).index(z)] = ids[sid]
        self._reserved_by: dict[int, int] = {}

    @property
    def ids(self) -> list[str]:
        """Ids of the shelters and trip ends, in router order."""
        return [d.id for d in self.dest]

    def index(self, shelter_id: str) -> int:
        """Position of a shelter id, or -1."""
        return next((k for k, d in enumerate(self.dest) if d.id == shelter_id), -1)

    def choose(self, dist_s: np.ndarray, persons: int, t: float, exclude: int = -1,
               reserve: bool = True) -> int:
        """Nearest open shelter with room for ``persons``, or -1.

        Parameters
        ----------
        dist_s : ndarray
            Driving time (s) from the vehicle's node to each shelter.
        persons : int
            Household size.
        t : float
            Now (s).
        exclude : int
            A shelter not to choose (the full one just reached).
        reserve : bool
            Count other households' reservations (capacity-balanced choice).
        """
        if self.n <= _FEW:
            return self._choose_few(dist_s, persons, t, exclude, reserve)
        free = self.capacity - self.occupancy
        if self.balanced and reserve:
            free = free - self.reserved
        ok = (free >= persons) & (self.open_s <= t) & np.isfinite(dist_s)
        if exclude >= 0:
            ok[exclude] = False
        cand = np.flatnonzero(ok)
        if cand.size:
            return int(cand[np.argmin(dist_s[cand])])
        return -1

    def _choose_few(self, dist_s: np.ndarray, persons: int, t: float, exclude: int,
                    reserve: bool) -> int:
        """:meth:`choose` for a few shelters, a shelter at a time: the same answer (the
        nearest open one with room; of equally near ones the first), in a quarter of the
        time of the array operations. The same arithmetic too: room is capacity (float)
        minus occupancy and reservations (int), each step in float64 as the arrays do."""
        sub = self.balanced and reserve
        best, best_d = -1, math.inf
        for d, (dd, cap, occ, res, op) in enumerate(zip(
                dist_s.tolist(), self.capacity.tolist(), self.occupancy.tolist(),
                self.reserved.tolist(), self.open_s.tolist(), strict=True)):
            if not -math.inf < dd < best_d or op > t or d == exclude:  # not nearer, shut
                continue
            free = cap - occ
            if sub:
                free = free - res
            if free >= persons:
                best, best_d = d, dd
        return best

    def fits(self, d: int, persons: int) -> bool:
        """Whether ``persons`` more fit into shelter ``d``."""
        return bool(self.occupancy[d] + persons <= self.capacity[d])

    def take(self, d: int, persons: int) -> bool:
        """Admit ``persons`` into ``d``; return True if it is full afterwards."""
        self.occupancy[d] += persons
        return bool(self.occupancy[d] >= self.capacity[d])

    def is_unbounded(self, d: int) -> bool:
        """A trip end or exit (no capacity to keep), not a shelter."""
        return d >= self.n or not math.isfinite(self.capacity[d])

    def reserve(self, v: int, persons: int, d: int) -> None:
        """Promise room at ``d`` to household ``v`` (capacity-balanced choice only)."""
        if self.balanced:
            self.reserved[d] += persons
            self._reserved_by[v] = d

    def release(self, v: int, persons: int) -> None:
        """Drop household ``v``'s promise, if it has one."""
        if self.balanced:
            d = int(self._reserved_by.get(v, -1))
            if d >= 0:
                self.reserved[d] -= persons
                del self._reserved_by[v]

    def nearest_open(self, dist_s: np.ndarray, t: float) -> int:
        """Nearest reachable open shelter whatever its room (or the soonest to open), -1 if
        none is reachable: where to head when nobody has room."""
        dist = dist_s.copy()
        dist[self.open_s > t] = np.inf
        if not np.isfinite(dist).any():
            dist = dist_s + self.open_s
        return int(np.argmin(dist)) if np.isfinite(dist).any() else -1
