"""Departures fed to the clock a batch at a time, in exactly the order of scheduling them all.

A run schedules one timed event per household that will leave. Made all at ``start()``,
three million households keep three million SimPy events, callback lists and heap entries
alive for the whole run (about 590 bytes each: 1.9 GB at 10 million residents). The
:class:`DepartureFeeder` keeps, per household, four numbers (time, event id, agent,
token) and puts only ``BATCH`` events on the heap at a time; the last event of a batch
puts the next batch on.

The order of events is the same, to the bit, as scheduling them all at once: SimPy orders
its heap by ``(time, priority, event id)``. The feeder takes the event ids the events
would have had (a block from the environment's counter, as many ``schedule`` calls would)
and pushes each event with its own id before it could be the smallest entry: a batch's
entries are sorted, so none of the next batch can come before the last of this one, and
that one pushes them.
"""

from __future__ import annotations

import collections
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import NORMAL, Event

__all__ = ["BATCH", "DepartureFeeder"]

#: Departure events on the heap at a time, per scheduling call.
BATCH = 4096


@dataclass
class _Pending:
    """Departures of one scheduling call, sorted by time: those from ``pos`` are not yet on
    the heap."""

    time_s: np.ndarray
    eid: np.ndarray
    agent: np.ndarray
    token: np.ndarray
    pos: int = 0


class DepartureFeeder:
    """Schedules departures (``on_depart(agent, token, event)`` at each one's time).

    Parameters
    ----------
    env : simpy.Environment
        The run's environment.
    on_depart : callable
        Called at each departure time with the agent, the token it was scheduled with
        and the event (as :func:`~musterpoint.sim.des.schedule_call` calls its function).
    """

    def __init__(self, env: simpy.Environment,
                 on_depart: Callable[[int, int, Event], None]) -> None:
        self.env = env
        self.on_depart = on_depart

    def schedule(self, agents: np.ndarray, depart_s: np.ndarray, token_book: list[int]) -> None:
        """Schedule departures of ``agents`` (sorted by ``depart_s``, ties in the order
        given) at ``depart_s`` (now, if already past).

        Each agent's token in ``token_book`` goes up by one and its departure carries the
        new value (a departure whose token is no longer the agent's was superseded). The
        same heap order results as from one ``schedule_call`` per agent, in this order, now.
        """
        n = int(agents.size)
        if n == 0:
            return
        tokens = np.empty(n, dtype=np.int64)
        for k, v in enumerate(agents.tolist()):
            token_book[v] += 1
            tokens[k] = token_book[v]
        env = self.env
        now = env.now
        # the times and event ids the n schedule calls would have given
        times = now + np.maximum(np.asarray(depart_s, dtype=np.float64) - now, 0.0)
        # reserve ids first .. first + n - 1 by advancing the environment's own counter (in
        # C, no Python loop): replacing the counter would leave other schedulers holding it
        # (des.call_scheduler) handing out the reserved ids again
        counter = env._eid  # type: ignore[attr-defined]
        first = next(counter)
        collections.deque(itertools.islice(counter, n - 1), maxlen=0)
        pend = _Pending(times, np.arange(first, first + n, dtype=np.int64),
                        np.asarray(agents, dtype=np.int64), np.asarray(tokens, dtype=np.int64))
        self._push(pend)

    def _push(self, pend: _Pending) -> None:
        """Put the next batch of ``pend`` on the heap; its last event pushes the one after."""
        a, b = pend.pos, min(pend.pos + BATCH, int(pend.agent.size))
        pend.pos = b
        queue = self.env._queue  # type: ignore[attr-defined]
        last = b - 1
        for k, t, eid, v, tok in zip(range(a, b), pend.time_s[a:b].tolist(),
                                     pend.eid[a:b].tolist(), pend.agent[a:b].tolist(),
                                     pend.token[a:b].tolist(), strict=True):
            ev = Event(self.env)
            ev._ok = True
            ev._value = None
            if k == last and b < pend.agent.size:
                ev.callbacks = [self._last_of_batch(pend, v, tok)]
            else:
                ev.callbacks = [self._call(v, tok)]
            heapq.heappush(queue, (t, NORMAL, eid, ev))

    def _call(self, v: int, tok: int) -> Callable[[Event], None]:
        on_depart = self.on_depart
        return lambda event: on_depart(v, tok, event)

    def _last_of_batch(self, pend: _Pending, v: int, tok: int) -> Callable[[Event], None]:
        def fire(event: Event) -> None:
            self._push(pend)
            self.on_depart(v, tok, event)
        return fire
