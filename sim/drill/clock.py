"""The drill's clock: start, pause, step, run to a time, and the running clock's ticks.

The simulated clock moves only when told to. While it runs, :meth:`DrillClock.tick`
moves it by the wall time elapsed times the speed factor. Scheduled injects of the
exercise script fire when the clock reaches their time, as records of role ``script``;
by default the clock pauses at each, so the room can discuss it. Every clock action is
recorded (``clock`` records, see :data:`~musterpoint.sim.drill.state.CLOCK_ACTIONS`).
"""

from __future__ import annotations

import math
import time
from typing import Any

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.drill.state import DrillState
from musterpoint.sim.drill.store import Record

__all__ = ["MAX_SPEED", "DrillClock"]

#: Fastest speed factor (simulated seconds per wall-clock second): 10 hours a second.
MAX_SPEED = 36_000.0


class DrillClock(DrillState):
    """The clock of a drill session, a part of :class:`~musterpoint.sim.drill.DrillSession`.

    Made as :class:`~musterpoint.sim.drill.state.DrillState` is.
    """

    def start(self, rationale: str = "") -> Record:
        """Start the clock (it moves on :meth:`tick`)."""
        with self._lock:
            self._not_ended()
            self.running = True
            self._last_wall = time.monotonic()
            rec = self._clock("start", {}, rationale)
            self._advance(self.run.now, "tick", "")  # injects due now
            return rec

    def pause(self, rationale: str = "") -> Record:
        """Pause the clock."""
        with self._lock:
            self.running = False
            self._last_wall = None
            return self._clock("pause", {}, rationale)

    def set_speed(self, speed: float, rationale: str = "") -> Record:
        """Simulated seconds per wall-clock second while running (0.1 .. 36,000)."""
        with self._lock:
            if not (isinstance(speed, int | float) and 0.1 <= float(speed) <= MAX_SPEED):
                raise InputError.single("clock", "speed",
                                        f"give a speed factor from 0.1 to {MAX_SPEED:,.0f}")
            self.tick()
            self.speed = float(speed)
            return self._clock("speed", {"speed": self.speed}, rationale)

    def set_pause_on_inject(self, on: bool, rationale: str = "") -> Record:
        """Whether the clock pauses when a scheduled inject comes due."""
        with self._lock:
            self.pause_on_inject = bool(on)
            return self._clock("settings", {"pause_on_inject": self.pause_on_inject},
                               rationale)

    def step(self, minutes: float, rationale: str = "") -> list[Record]:
        """Move the clock on by ``minutes`` of simulated time (stops at a due inject when
        :attr:`pause_on_inject`); returns the records written."""
        if not (isinstance(minutes, int | float) and math.isfinite(minutes) and minutes > 0):
            raise InputError.single("clock", "minutes", "give a number of minutes > 0")
        with self._lock:
            self._not_ended()
            return self._advance(self.run.now + float(minutes) * 60.0, "step", rationale,
                                 {"minutes": float(minutes)})

    def run_to(self, time_s: float, rationale: str = "") -> list[Record]:
        """Move the clock on to ``time_s`` (capped at the scenario's end)."""
        if not (isinstance(time_s, int | float) and math.isfinite(time_s)):
            raise InputError.single("clock", "time", "give a time")
        with self._lock:
            self._not_ended()
            if time_s < self.run.now:
                raise InputError.single("clock", "time", "the clock cannot go back; branch "
                                        "the session at an earlier time instead")
            return self._advance(float(time_s), "run_to", rationale, {"time_s": float(time_s)})

    def tick(self, wall: float | None = None) -> list[Record]:
        """While running: move the clock by the wall time since the last tick x speed.

        Parameters
        ----------
        wall : float, optional
            ``time.monotonic()`` now (for tests).

        Returns
        -------
        list of Record
            The records written (none when paused).
        """
        with self._lock:
            if not self.running:
                return []
            w = time.monotonic() if wall is None else float(wall)
            last = self._last_wall if self._last_wall is not None else w
            self._last_wall = w
            if w <= last:
                return []
            return self._advance(self.run.now + (w - last) * self.speed, "tick", "")

    def _clock(self, action: str, args: dict[str, Any], rationale: str) -> Record:
        return self._append(sim_time_s=self.run.now, role="trainer", type="clock",
                            kind=action, args=args, rationale=rationale)

    def _advance(self, target: float, action: str, rationale: str,
                 args: dict[str, Any] | None = None) -> list[Record]:
        target = min(target, self.duration_s)
        out: list[Record] = []
        stopped = ""
        for s in self.script:
            if s.inject.id in self.fired or s.time_s > target:
                continue
            self.run.advance(s.time_s)
            out.append(self._fire(s, "script", "", ""))
            if self.pause_on_inject:
                stopped = s.inject.id
                break
        if not stopped:
            self.run.advance(target)
        if action != "tick" or out or self.run.now > (self._records[-1].sim_time_s
                                                      if self._records else 0.0):
            out.append(self._clock(action, {**(args or {}),
                                            **({"stopped_by": stopped} if stopped else {})},
                                   rationale))
        if self.running and (stopped or self.ended):
            self.running = False
            self._last_wall = None
            out.append(self._clock("pause", {"auto": stopped or "end"}, ""))
        return out
