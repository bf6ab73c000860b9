"""A generic network of multi-server FIFO stations on a SimPy clock.

A :class:`Station` has a number of servers that can change over time (staff per shift;
zero when closed), a FIFO queue and a service-time sampler. A server that goes off duty
finishes its customer first (no pre-emption). A :class:`Tandem` passes each customer
through its stations in order (registration, screening, dispensing, observation) and
records time in system. Everything is event-driven with SimPy timeouts and callbacks
(no process per customer), so a station serves a few hundred thousand customers a
second. The same code runs the dispensing sites, the gates of locked-down compounds and
the known-answer tests (M/M/c, M/D/1).

Statistics: per station the waiting time of every customer, the time-average and the
maximum of the queue length, and the utilisation (busy server-time over on-duty
server-time).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import simpy

from musterpoint.scenarios.health_schema import Dist
from musterpoint.sim.des import call_later

__all__ = ["Sampler", "ServiceFn", "Station", "Tandem", "mmc_wq",
           "poisson_arrivals", "server_changes"]

logger = logging.getLogger(__name__)

#: A service-time function: customer id -> seconds.
ServiceFn = Callable[[int], float]


class Sampler:
    """Draws from a :class:`Dist` in seconds, in batches (one generator per sampler).

    Parameters
    ----------
    dist : Dist
        The distribution (minutes).
    rng : numpy.random.Generator
        Its own generator (a named stream).
    unit_s : float
        Seconds per unit of the distribution (60 for minutes).
    batch : int
        Draws made at a time.
    """

    def __init__(self, dist: Dist, rng: np.random.Generator, unit_s: float = 60.0,
                 batch: int = 4096) -> None:
        self.dist, self.rng, self.unit_s, self.batch = dist, rng, float(unit_s), batch
        self._buf = np.zeros(0)
        self._pos = 0

    def draw(self, n: int) -> np.ndarray:
        """``n`` fresh values, in seconds."""
        d, g = self.dist, self.rng
        if d.kind == "exponential":
            x = g.exponential(float(d.mean_min or 0), n)
        elif d.kind == "deterministic":
            x = np.full(n, float(d.mean_min or 0))
        elif d.kind == "lognormal":
            m, s = float(d.mean_min or 0), float(d.sd_min or 0)
            s2 = np.log1p((s / m) ** 2)
            x = g.lognormal(np.log(m) - s2 / 2.0, np.sqrt(s2), n)
        elif d.kind == "gamma":
            m, s = float(d.mean_min or 0), float(d.sd_min or 0)
            x = g.gamma((m / s) ** 2, s * s / m, n)
        elif d.kind == "uniform":
            x = g.uniform(float(d.low_min or 0), float(d.high_min or 0), n)
        else:
            x = g.triangular(float(d.low_min or 0), float(d.mode_min or 0),
                             float(d.high_min or 0), n)
        return np.asarray(x * self.unit_s)

    def __call__(self, _cid: int = -1) -> float:
        """One value in seconds."""
        if self._pos >= self._buf.size:
            self._buf = self.draw(self.batch)
            self._pos = 0
        v = float(self._buf[self._pos])
        self._pos += 1
        return v


class Station:
    """A multi-server FIFO station whose number of servers may change over time.

    Parameters
    ----------
    env : simpy.Environment
        The clock.
    name : str
        For tables.
    service : callable
        Customer id -> service time (s).
    servers : int
        Servers on duty at the start.
    on_done : callable, optional
        Called with the customer id when its service ends.
    on_start : callable, optional
        Called with ``(customer, now, service_s)`` when its service starts.
    """

    def __init__(self, env: simpy.Environment, name: str, service: ServiceFn,
                 servers: int = 1, on_done: Callable[[int], None] | None = None,
                 on_start: Callable[[int, float, float], None] | None = None) -> None:
        self.env, self.name, self.service = env, name, service
        self.servers = int(servers)
        self.busy = 0
        self.queue: deque[tuple[int, float]] = deque()
        self.on_done = on_done
        self.on_start = on_start
        self.waits: list[float] = []
        self.served = 0
        self.arrived = 0
        self.max_queue = 0
        self._last = float(env.now)
        self.area_queue = 0.0
        self.area_busy = 0.0
        self.area_servers = 0.0
        self.t0 = float(env.now)

    # ------------------------------------------------------------------ events
    def _acc(self) -> None:
        now = float(self.env.now)
        dt = now - self._last
        if dt > 0:
            self.area_queue += len(self.queue) * dt
            self.area_busy += self.busy * dt
            self.area_servers += self.servers * dt
            self._last = now

    def arrive(self, cid: int) -> None:
        """A customer joins the station now."""
        self._acc()
        self.arrived += 1
        if self.busy < self.servers and not self.queue:
            self._start(cid, float(self.env.now))
        else:
            self.queue.append((cid, float(self.env.now)))
            if len(self.queue) > self.max_queue:
                self.max_queue = len(self.queue)

    def _start(self, cid: int, since: float) -> None:
        now = float(self.env.now)
        self.busy += 1
        self.waits.append(now - since)
        d = self.service(cid)
        if self.on_start is not None:
            self.on_start(cid, now, d)
        call_later(self.env, d, partial(self._done, cid))

    def _done(self, cid: int) -> None:
        self._acc()
        self.busy -= 1
        self.served += 1
        self._fill()
        if self.on_done is not None:
            self.on_done(cid)

    def _fill(self) -> None:
        while self.queue and self.busy < self.servers:
            cid, since = self.queue.popleft()
            self._start(cid, since)

    def set_servers(self, n: int) -> None:
        """Servers on duty from now (busy ones beyond ``n`` finish their customer)."""
        self._acc()
        self.servers = int(n)
        self._fill()

    # ------------------------------------------------------------------ statistics
    @property
    def in_system(self) -> int:
        """Customers queueing or in service."""
        return len(self.queue) + self.busy

    def stats(self, until: float) -> dict[str, Any]:
        """Waiting times, queue length and utilisation up to ``until``."""
        self._acc()
        span = max(until - self.t0, 1e-12)
        w = np.asarray(self.waits)
        return {
            "arrived": self.arrived,
            "served": self.served,
            "wait_mean_s": float(w.mean()) if w.size else None,
            "wait_p95_s": float(np.percentile(w, 95)) if w.size else None,
            "queue_mean": self.area_queue / span,
            "queue_max": int(self.max_queue),
            "utilisation": (self.area_busy / self.area_servers) if self.area_servers > 0
            else None,
            "server_hours": self.area_servers / 3600.0,
        }


class Tandem:
    """Stations in series: each customer passes through all of them in order.

    Parameters
    ----------
    env : simpy.Environment
        The clock.
    stations : list of (name, service, servers)
        The stations, first to last.
    on_exit : callable, optional
        Called with ``(customer, time in system)`` when a customer leaves the last one.
    """

    def __init__(self, env: simpy.Environment, stations: list[tuple[str, ServiceFn, int]],
                 on_exit: Callable[[int, float], None] | None = None) -> None:
        self.env = env
        self.on_exit = on_exit
        self.entered: dict[int, float] = {}
        self.system_times: list[float] = []
        self.exits: list[float] = []
        self.stations = [Station(env, name, svc, c) for name, svc, c in stations]
        for k, st in enumerate(self.stations):
            if k + 1 < len(self.stations):
                st.on_done = self.stations[k + 1].arrive
            else:
                st.on_done = self._leave

    def enter(self, cid: int) -> None:
        """A customer enters the first station now."""
        self.entered[cid] = float(self.env.now)
        self.stations[0].arrive(cid)

    def _leave(self, cid: int) -> None:
        t = float(self.env.now)
        spent = t - self.entered.pop(cid)
        self.system_times.append(spent)
        self.exits.append(t)
        if self.on_exit is not None:
            self.on_exit(cid, spent)

    @property
    def in_system(self) -> int:
        """Customers anywhere in the network."""
        return len(self.entered)

    @property
    def queued(self) -> int:
        """Customers waiting (not in service) at any station."""
        return sum(len(s.queue) for s in self.stations)


def poisson_arrivals(env: simpy.Environment, rate: float, rng: np.random.Generator,
                     target: Callable[[int], None], n: int) -> None:
    """Send ``n`` customers (ids 0..n-1) to ``target`` as a Poisson stream of ``rate``."""
    gaps = rng.exponential(1.0 / rate, n)

    def nxt(k: int) -> None:
        target(k)
        if k + 1 < n:
            call_later(env, float(gaps[k + 1]), partial(nxt, k + 1))

    call_later(env, float(gaps[0]), partial(nxt, 0))


def server_changes(open_h: tuple[float, float], shifts: list[tuple[float, float, int]],
                   days: int, day0_s: float = 0.0) -> list[tuple[float, int]]:
    """Times (s) and numbers of servers on duty, for ``days`` days from ``day0_s``.

    ``shifts`` are ``(from_h, to_h, servers)`` in hours of the day; outside ``open_h``
    no one serves. Consecutive equal values are merged.
    """
    lo, hi = open_h
    out: list[tuple[float, int]] = []
    for d in range(days):
        base = day0_s + d * 86400.0
        points = sorted({lo, hi, *(max(lo, min(hi, a)) for a, _, _ in shifts),
                         *(max(lo, min(hi, b)) for _, b, _ in shifts)})
        for k, h in enumerate(points):
            if h >= hi:
                n = 0
            else:
                nxt = points[k + 1] if k + 1 < len(points) else hi
                mid = (h + nxt) / 2.0
                n = sum(c for a, b, c in shifts if a <= mid < b)
            t = base + h * 3600.0
            if h < lo:
                continue
            if out and out[-1][1] == n:
                continue
            out.append((t, n))
    return out


def mmc_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    rho = a / c
    if rho >= 1:
        return float("inf")
    s = sum(a ** k / _fact(k) for k in range(c))
    top = a ** c / _fact(c) / (1 - rho)
    pw = top / (s + top)
    return float(pw / (c * mu - lam))


def _fact(k: int) -> float:
    out = 1.0
    for j in range(2, k + 1):
        out *= j
    return out
