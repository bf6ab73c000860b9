"""What a drill session holds, and the primitives every part of it builds on.

:class:`DrillState` holds the live run, the exercise script, the records it was rebuilt
from and the clock's settings; it answers questions about them (time, clock, injects
due, live KPIs, map snapshot, per-agent state) and has the few operations the clock
(:mod:`musterpoint.sim.drill.clock`) and the room's inputs
(:mod:`musterpoint.sim.drill.inputs`) share: applying a command, firing an inject,
appending a record, replaying records. :class:`~musterpoint.sim.drill.DrillSession`
puts them together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musterpoint.scenarios.errors import InputError, SimulationError
from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.scenarios.msel_schema import Inject
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.drill.commands import normalise_args, script_problems
from musterpoint.sim.drill.store import DrillStore, Record
from musterpoint.sim.engine import BUILTIN_EXTENSIONS, new_run
from musterpoint.sim.evacuation.extension import ExtensionFactory
from musterpoint.sim.evacuation.live import LiveRun
from musterpoint.sim.result import clean_json
from musterpoint.sim.world import World

__all__ = ["CLOCK_ACTIONS", "DEFAULT_SPEED", "DrillState", "ScriptInject"]

logger = logging.getLogger(__name__)

#: Simulated seconds per wall-clock second when the clock runs (1 minute per second).
DEFAULT_SPEED = 60.0
#: Clock actions as recorded (``kind`` of ``clock`` records).
CLOCK_ACTIONS = ("start", "pause", "step", "run_to", "tick", "speed", "settings", "branch")


@dataclass(frozen=True)
class ScriptInject:
    """An exercise-script inject with its position in the script."""

    index: int
    inject: Inject

    @property
    def time_s(self) -> float:
        """When it comes due (s)."""
        return self.inject.time_s


class DrillState:
    """The state of a drill session: its run, script, records and clock settings.

    The base of :class:`~musterpoint.sim.drill.DrillSession`, whose docstring lists the
    parameters and attributes (make sessions with its ``create`` and ``open``). Methods
    are thread-safe (one lock).
    """

    def __init__(self, store: DrillStore, loaded: LoadedScenario, world: World, plan: Plan,
                 seed: int, *, run: LiveRun | None = None,
                 extensions: Sequence[ExtensionFactory] = BUILTIN_EXTENSIONS) -> None:
        self.store, self.loaded, self.world, self.plan, self.seed = \
            store, loaded, world, plan, int(seed)
        self.extensions = tuple(extensions)
        self.run = run if run is not None else new_run(world, plan, self.seed,
                                                       extensions=self.extensions)
        self.run.start()
        self.script = [ScriptInject(i, inj) for i, inj in enumerate(loaded.scenario.injects)]
        self.script.sort(key=lambda s: (s.time_s, s.index))
        self.specs = self.run.command_specs()
        self._check_script()
        self.fired: dict[str, int] = {}  # inject id -> seq of the record that fired it
        self.running = False
        self.speed = DEFAULT_SPEED
        self.pause_on_inject = True
        self.warnings: list[str] = []
        self._records: list[Record] = []
        self._last_wall: float | None = None
        self._lock = threading.RLock()
        self._aar: tuple[int, dict[str, Any]] | None = None

    # ------------------------------------------------------------------ records
    def _warn(self, msg: str) -> None:
        logger.warning(msg)
        self.warnings.append(msg)

    def _check_script(self) -> None:
        problems = script_problems(self.loaded, self.world, self.specs)
        if problems:
            raise InputError(problems)

    def _replay(self, records: Sequence[Record]) -> None:
        for rec in records:
            self._check_replayable(rec)
            self.run.advance(rec.sim_time_s)
            if rec.type == "clock":
                if rec.kind == "speed":
                    self.speed = float(rec.args["speed"])
                elif rec.kind == "settings":
                    self.pause_on_inject = bool(rec.args["pause_on_inject"])
            elif rec.is_command:
                try:
                    self.run.command(rec.kind, rec.args)
                except (InputError, ValueError, TypeError, KeyError) as exc:
                    raise SimulationError(f"{self.store.path}: record {rec.seq} "
                                          f"({rec.kind}) cannot be replayed: {exc}") from exc
            if rec.inject_id:
                self.fired[rec.inject_id] = rec.seq
            self._records.append(rec)
        self.running = False

    def _check_replayable(self, rec: Record) -> None:
        """Refuse a record the session could not have written (the store has checked the
        chain, the JSON and that times never go back)."""
        from musterpoint.sim.drill.clock import MAX_SPEED

        problem = ""
        if rec.sim_time_s > self.duration_s + 1e-6:  # the run ends 1e-9 s past the end
            problem = (f"it is at {rec.sim_time_s:g} s, beyond the scenario's end "
                       f"({self.duration_s:g} s)")
        elif rec.type == "clock" and rec.kind not in CLOCK_ACTIONS:
            problem = f"{rec.kind!r} is not a clock action"
        elif rec.type == "clock" and rec.kind == "speed":
            speed = rec.args.get("speed")
            if isinstance(speed, bool) or not isinstance(speed, int | float) \
                    or not 0.1 <= speed <= MAX_SPEED:
                problem = f"its speed {speed!r} is not from 0.1 to {MAX_SPEED:,.0f}"
        elif rec.type == "clock" and rec.kind == "settings" \
                and not isinstance(rec.args.get("pause_on_inject"), bool):
            problem = "its pause_on_inject setting is not true or false"
        if problem:
            raise InputError.single(str(self.store.path), f"record {rec.seq}",
                                    f"{problem}: the session could not have written it; "
                                    "resume from a copy of the session you trust")

    # ------------------------------------------------------------------ state
    @property
    def now(self) -> float:
        """Current simulated time (s)."""
        return min(self.run.now, self.duration_s)

    @property
    def duration_s(self) -> float:
        """Simulated span of the scenario (s)."""
        return self.world.duration_s

    @property
    def ended(self) -> bool:
        """True when the clock has reached the scenario's end."""
        return self.run.now >= self.duration_s

    @property
    def path(self) -> Path:
        """The session file."""
        return self.store.path

    def records(self, since: int = 0) -> list[Record]:
        """Records with ``seq > since``."""
        with self._lock:
            return [r for r in self._records if r.seq > since]

    def last_seq(self) -> int:
        """Sequence number of the last record."""
        with self._lock:
            return self._records[-1].seq if self._records else 0

    def clock(self) -> dict[str, Any]:
        """The clock: time, running, speed, end, and the scenario's time anchor."""
        with self._lock:
            sc = self.loaded.scenario
            return {"now_s": self.now, "duration_s": self.duration_s, "running": self.running,
                    "speed": self.speed, "pause_on_inject": self.pause_on_inject,
                    "ended": self.ended, "start": sc.start.isoformat(),
                    "timezone": sc.timezone, "last_seq": self.last_seq()}

    def due_injects(self) -> list[dict[str, Any]]:
        """Every scheduled inject with whether (and by which record) it has fired."""
        with self._lock:
            return [{"id": s.inject.id, "time_s": s.time_s, "fired_seq": self.fired.get(
                s.inject.id), "due": s.time_s <= self.now} for s in self.script]

    def kpis(self) -> dict[str, Any]:
        """Live KPIs now (flat; extension figures as ``name.key``)."""
        with self._lock:
            out: dict[str, Any] = clean_json(self.run.live_kpis())
            return out

    def snapshot(self) -> dict[str, Any]:
        """The run's live snapshot, with command-closed roads told apart."""
        with self._lock:
            snap = self.run.snapshot()
            ids = self.world.network.link_id
            snap["closed_manual"] = [str(ids[i]) for i in
                                     np.flatnonzero(self.run.manual_closed).tolist()]
            snap["vehicles"] = self.run.vehicles_on_map()
            out: dict[str, Any] = clean_json(snap)
            return out

    def agent_state(self) -> dict[str, Any]:
        """Per-agent state now (households and traffic-model vehicles) and a digest.

        Two sessions are in the same state when their ``digest`` values are equal: it
        covers every household's status, reason, times and destination, every vehicle's
        place on the road, shelters, closures, zone orders and the run's event log.
        """
        with self._lock:
            return self.run.agent_state()

    # ------------------------------------------------------------------ shared checks
    def _not_ended(self) -> None:
        if self.ended:
            raise InputError.single("clock", "", "the scenario has ended; write the "
                                    "after-action report, or branch the session")

    # ------------------------------------------------------------------ shared operations
    def _apply(self, kind: str, args: dict[str, Any]) -> None:
        try:
            self.run.command(kind, args)
        except InputError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError.single("command", kind, f"invalid arguments: {exc}") from exc

    def _fire(self, s: ScriptInject, role: str, rationale: str, actor: str) -> Record:
        inj = s.inject
        kind, args = "", {}
        if inj.effect is not None:
            kind, args = inj.effect.kind, normalise_args(inj.effect.args)
            try:
                self._apply(kind, args)
            except InputError as exc:
                self._warn(f"inject {inj.id!r}: its effect could not be applied ({exc}); "
                           "recorded as informational")
                rationale = (rationale + " " if rationale else "") + \
                    f"[effect not applied: {exc}]"
                kind, args = "", {"failed_effect": {"kind": inj.effect.kind,
                                                    "args": normalise_args(inj.effect.args)}}
        rec = self._append(sim_time_s=self.run.now, role=role, type="inject", kind=kind,
                           args=args, rationale=rationale, actor=actor, inject_id=inj.id,
                           title=inj.title.en)
        self.fired[inj.id] = rec.seq
        logger.info("inject %s fired at %.0f s (%s)", inj.id, self.run.now, role)
        return rec

    def _append(self, **fields: Any) -> Record:
        rec = self.store.append(**fields)
        self._records.append(rec)
        self._aar = None
        return rec
