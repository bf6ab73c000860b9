"""Inventories of relief demand points, consumed continuously by the people there.

Each demand point ``i`` holds a stock ``inv[i, c]`` of each commodity ``c``. Between two
updates its people draw on it at a constant rate: a shelter or a community of ``P``
persons needs ``P * per_person_day[c] / 86400`` units per second. Stock falls linearly;
when it reaches zero the point is *out* (a stockout starts at the exact moment, found by
linear interpolation) and what people would have drawn accumulates as unmet demand
until a delivery arrives. Populations change only at update times (a shelter's at the
exact times evacuees are admitted, see :class:`~musterpoint.sim.relief.service.ReliefService`),
so the inventory curve is exact and piecewise linear.

A commodity point of distribution (C-POD) serves a catchment of ``P`` persons: each comes
once a day to collect one day's supply, arriving at ``P / 86400`` per second; the POD
serves at most its throughput (people per day) while it has any stock, and the rest wait
in a fluid queue. Served persons draw one person-day of each commodity; what is out is
unmet for them. People still queueing at the end count as unmet too.

Every figure is kept in units of the commodity; the point ledger is
``initial + delivered = consumed + on hand``, and ``demand = consumed + unmet``.
"""

from __future__ import annotations

import logging

import numpy as np

from musterpoint.sim.des import DAY_S

__all__ = ["PointInventories"]

logger = logging.getLogger(__name__)

#: Seconds in a day.


class PointInventories:
    """Stock, consumption, unmet demand and stockouts of every demand point.

    Parameters
    ----------
    need : ndarray, shape (C,)
        Units one person needs per day, per commodity.
    mask : ndarray of bool, shape (N, C)
        Which commodities each point needs.
    initial : ndarray, shape (N, C)
        Stock on hand at time 0 (units).
    is_pod : ndarray of bool, shape (N,)
        Commodity points of distribution (queue and throughput).
    pod_rate : ndarray, shape (N,)
        Throughput of each POD (persons per second; 0 for other points).
    """

    def __init__(self, need: np.ndarray, mask: np.ndarray, initial: np.ndarray,
                 is_pod: np.ndarray, pod_rate: np.ndarray) -> None:
        self.need = np.asarray(need, dtype=float)
        self.mask = np.asarray(mask, dtype=bool)
        n, c = self.mask.shape
        self.n, self.c = n, c
        self.initial = np.asarray(initial, dtype=float).copy()
        self.inv = self.initial.copy()
        self.is_pod = np.asarray(is_pod, dtype=bool)
        self.pod_rate = np.asarray(pod_rate, dtype=float)
        self.pop = np.zeros(n)
        self.t = 0.0
        self.consumed = np.zeros((n, c))
        self.demand = np.zeros((n, c))
        self.unmet = np.zeros((n, c))
        self.delivered = np.zeros((n, c))
        self.out_since = np.full((n, c), np.nan)
        #: closed stockouts: (point, commodity, start, end)
        self.stockouts: list[tuple[int, int, float, float]] = []
        self.queue = np.zeros(n)
        self.queue_peak = np.zeros(n)
        self.queue_area = np.zeros(n)  # person-seconds waited
        self.served = np.zeros(n)  # persons served (PODs)
        self.pop_peak = np.zeros(n)
        self.need_start = np.full(n, np.nan)
        self.first_delivery = np.full(n, np.nan)
        self.deliveries = np.zeros(n, dtype=np.int64)
        self.closed = False

    # ------------------------------------------------------------------ time
    def pressure(self) -> np.ndarray:
        """Points where people need supplies now (present, or arriving at a POD)."""
        return np.asarray((self.pop > 0) | (self.queue > 0))

    def advance(self, t: float) -> None:
        """Consume from the last update to ``t`` at the current populations."""
        dt = float(t) - self.t
        if dt <= 0.0:
            return
        t0 = self.t
        pdays = np.where(self.is_pod, 0.0, self.pop * dt / DAY_S)
        pod = np.flatnonzero(self.is_pod)
        if pod.size:
            arriving = self.pop[pod] * dt / DAY_S
            open_ = ((self.inv[pod] > 0) & self.mask[pod]).any(axis=1)
            cap = np.where(open_, self.pod_rate[pod] * dt, 0.0)
            q0 = self.queue[pod]
            served = np.minimum(q0 + arriving, cap)
            q1 = q0 + arriving - served
            self.queue_area[pod] += 0.5 * (q0 + q1) * dt
            self.queue[pod] = q1
            self.queue_peak[pod] = np.maximum(self.queue_peak[pod], q1)
            self.served[pod] += served
            pdays[pod] = served
        want = pdays[:, None] * self.need[None, :] * self.mask
        press = (self.pop > 0)[:, None] & self.mask
        fresh = np.isnan(self.out_since)
        zero = fresh & press & (self.inv <= 0)
        self.out_since[zero] = t0
        mid = fresh & (self.inv > 0) & (want > self.inv)
        if mid.any():
            rate = want[mid] / dt
            self.out_since[mid] = t0 + self.inv[mid] / rate
        got = np.minimum(self.inv, want)
        self.inv -= got
        self.consumed += got
        self.unmet += want - got
        self.demand += want
        self.t = float(t)

    def set_population(self, i: int, persons: float) -> None:
        """People at point ``i`` from now on (call :meth:`advance` to now first)."""
        self.pop[i] = float(persons)
        if persons > 0:
            self.pop_peak[i] = max(self.pop_peak[i], float(persons))
            if np.isnan(self.need_start[i]):
                self.need_start[i] = self.t
        else:
            self._end_stockouts(np.array([i]))

    def _end_stockouts(self, points: np.ndarray) -> None:
        for i in points.tolist():
            for c in np.flatnonzero(~np.isnan(self.out_since[i])).tolist():
                if self.is_pod[i] and self.queue[i] > 0:
                    continue
                self.stockouts.append((i, c, float(self.out_since[i, c]), self.t))
                self.out_since[i, c] = np.nan

    def deliver(self, i: int, units: np.ndarray) -> None:
        """Add a delivery to point ``i`` now (after :meth:`advance` to now)."""
        q = np.asarray(units, dtype=float)
        self.inv[i] += q
        self.delivered[i] += q
        self.deliveries[i] += 1
        if np.isnan(self.first_delivery[i]):
            self.first_delivery[i] = self.t
        for c in np.flatnonzero(~np.isnan(self.out_since[i]) & (self.inv[i] > 0)).tolist():
            self.stockouts.append((i, c, float(self.out_since[i, c]), self.t))
            self.out_since[i, c] = np.nan

    def close(self, until: float) -> None:
        """Consume to ``until``; people still queueing are unmet; end open stockouts."""
        if self.closed:
            return
        self.advance(until)
        for i in np.flatnonzero(self.queue > 0).tolist():
            left = self.queue[i] * self.need * self.mask[i]
            self.unmet[i] += left
            self.demand[i] += left
        for i, c in zip(*np.nonzero(~np.isnan(self.out_since)), strict=True):
            self.stockouts.append((int(i), int(c), float(self.out_since[i, c]), self.t))
            self.out_since[i, c] = np.nan
        self.closed = True

    # ------------------------------------------------------------------ figures
    def status(self, hours_low: float = 6.0) -> np.ndarray:
        """Supply status per point now: ``idle`` (nobody yet), ``out`` (some needed
        commodity at zero), ``low`` (less than ``hours_low`` of some commodity) or ``ok``."""
        out = np.full(self.n, "ok", dtype=object)
        rate = self.daily_need() / DAY_S
        with np.errstate(divide="ignore", invalid="ignore"):
            hours = np.where(rate > 0, self.inv / rate / 3600.0, np.inf)
        low = ((hours < hours_low) & self.mask).any(axis=1)
        dry = ((self.inv <= 0) & self.mask).any(axis=1)
        out[low] = "low"
        out[dry] = "out"
        out[~self.pressure()] = "idle"
        return out

    def daily_need(self) -> np.ndarray:
        """Units per day each point draws at its current population (PODs: at most
        their throughput)."""
        persons = np.where(self.is_pod, np.minimum(self.pop, self.pod_rate * DAY_S), self.pop)
        return np.asarray(persons[:, None] * self.need[None, :] * self.mask)

    def deprivation_s(self) -> np.ndarray:
        """Per point, the time during which at least one needed commodity was out."""
        out = np.zeros(self.n)
        per: dict[int, list[tuple[float, float]]] = {}
        for i, _, s, e in self.stockouts:
            per.setdefault(i, []).append((s, e))
        for i, iv in per.items():
            iv.sort()
            total, cur_s, cur_e = 0.0, iv[0][0], iv[0][1]
            for s, e in iv[1:]:
                if s > cur_e:
                    total += cur_e - cur_s
                    cur_s, cur_e = s, e
                else:
                    cur_e = max(cur_e, e)
            out[i] = total + cur_e - cur_s
        return out

    def longest_stockout(self) -> tuple[float, int, int]:
        """Longest single stockout: (seconds, point, commodity); (0, -1, -1) if none."""
        best = (0.0, -1, -1)
        for i, c, s, e in self.stockouts:
            if e - s > best[0]:
                best = (e - s, i, c)
        return best
