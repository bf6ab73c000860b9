"""A tabletop drill session: a run under a trainer's control, event-sourced to SQLite.

A :class:`DrillSession` owns one :class:`~musterpoint.sim.evacuation.EvacuationRun` and
one append-only :class:`~musterpoint.sim.drill_store.DrillStore`. The simulated clock
moves only when told to: ``start`` and ``pause`` (while running, :meth:`DrillSession.tick`
moves it by the wall time elapsed times the speed factor), ``step`` by N minutes,
``run_to`` a time. Injects (from the exercise script or a trainer's own) and decisions
(the participants') are commands applied at the current simulated time (see
:mod:`musterpoint.sim.commands`, whose kinds extensions may add to). Every one of them,
clock actions included, is written to the store before it is acknowledged, with the
wall-clock time, the simulated time, the role and a free-text rationale.

Event sourcing: the state is a function of the scenario, the plan, the seed and the
records. :meth:`DrillSession.open` replays the records in order on a fresh run and so
resumes exactly where the last recorded command left the session, whether it was closed
or its process was killed (it always resumes paused). :meth:`DrillSession.branch` copies
the records before a time into a new session file, to try another decision from there.

Scheduled injects of the scenario (``Scenario.injects``) fire when the clock reaches
their time, as records of role ``script``; by default the clock pauses at each, so the
room can discuss it.

:func:`after_action` replays the session to the scenario's end, with and without the
participants' decisions (the counterfactual: same scenario, seed, script and trainer
injects), and without each decision in turn, for the after-action report.

No web code here: the console (:mod:`musterpoint.drill_server`) and the terminal
(:mod:`musterpoint.drill_cmd`) drive this class.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from musterpoint.scenarios.errors import InputError, Problem, SimulationError
from musterpoint.scenarios.loader import LoadedScenario, load_scenario, resolve_scenario
from musterpoint.scenarios.msel_schema import Inject, check_script
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.commands import ENGINE_COMMANDS
from musterpoint.sim.drill_store import DrillStore, Record
from musterpoint.sim.evacuation import EvacuationRun
from musterpoint.sim.result import RunResult
from musterpoint.sim.run_kpis import clean_json
from musterpoint.sim.standards_eval import evaluate
from musterpoint.sim.traffic import VehicleState
from musterpoint.sim.world import World, build_world

__all__ = [
    "CLOCK_ACTIONS",
    "DEFAULT_SPEED",
    "ENGINE_COMMAND_SPECS",
    "NOTE_SECTIONS",
    "DrillSession",
    "after_action",
    "coerce_args",
]

logger = logging.getLogger(__name__)

#: Simulated seconds per wall-clock second when the clock runs (1 minute per second).
DEFAULT_SPEED = 60.0
MAX_SPEED = 36_000.0
#: Clock actions as recorded (``kind`` of ``clock`` records).
CLOCK_ACTIONS = ("start", "pause", "step", "run_to", "tick", "speed", "settings", "branch")
#: Evaluation sections an observation (note) may be filed under.
NOTE_SECTIONS = ("observation", "strength", "improvement", "execution", "plan",
                 "coordination", "personnel", "equipment")
#: Most cars drawn on the live map (buses, trucks and other service vehicles: all).
MAX_CARS_ON_MAP = 2000

#: Arguments and labels of the engine's commands, for forms and for the terminal.
#: Argument types: ``links``, ``zones`` (lists of ids), ``shelter`` (an id), ``number``,
#: ``text``, ``json``.
ENGINE_COMMAND_SPECS: dict[str, dict[str, Any]] = {
    "close_links": {"label": {"en": "Close roads", "zh": "封闭道路"},
                    "args": {"links": "links", "reason": "text"}},
    "reopen_links": {"label": {"en": "Reopen roads", "zh": "重新开放道路"},
                     "args": {"links": "links"}},
    "link_capacity": {"label": {"en": "Change road capacity (factor)",
                                "zh": "调整道路通行能力（系数）"},
                      "args": {"links": "links", "factor": "number"}},
    "order_zones": {"label": {"en": "Order zones out now", "zh": "立即下达区域疏散令"},
                    "args": {"zones": "zones"}},
    "shelter_capacity": {"label": {"en": "Set shelter capacity", "zh": "调整避难所容量"},
                         "args": {"shelter": "shelter", "capacity": "number"}},
    "open_shelter": {"label": {"en": "Open shelter", "zh": "开放避难所"},
                     "args": {"shelter": "shelter"}},
    "close_shelter": {"label": {"en": "Close shelter", "zh": "关闭避难所"},
                      "args": {"shelter": "shelter"}},
}
assert set(ENGINE_COMMAND_SPECS) == set(ENGINE_COMMANDS)

_ARG_TYPES = ("links", "zones", "shelter", "number", "integer", "text", "json")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _normalise(args: Mapping[str, Any] | None) -> dict[str, Any]:
    """Arguments as they read back from the store (a JSON round trip)."""
    try:
        out: dict[str, Any] = json.loads(json.dumps(dict(args or {}), allow_nan=False,
                                                    ensure_ascii=False, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise InputError.single("command", "args", f"arguments must be JSON data ({exc})") \
            from exc
    return out


def _spec_of(spec: Any, kind: str, source: str) -> dict[str, Any]:
    """An extension's description of one command kind, in the engine's form."""
    out: dict[str, Any] = {"label": {"en": kind.replace("_", " "), "zh": None},
                           "args": None, "source": source, "description": ""}
    if isinstance(spec, str):
        out["label"] = {"en": spec, "zh": None}
    elif isinstance(spec, Mapping):
        lab = spec.get("label")
        if isinstance(lab, Mapping):
            out["label"] = {"en": str(lab.get("en") or kind), "zh": lab.get("zh")}
        elif isinstance(lab, str):
            out["label"] = {"en": lab, "zh": None}
        args = spec.get("args")
        if isinstance(args, Mapping):
            out["args"] = {str(k): (str(v) if str(v) in _ARG_TYPES else "json")
                           for k, v in args.items()}
        elif isinstance(args, list | tuple):
            out["args"] = {str(k): "json" for k in args}
        desc = spec.get("description", "")
        out["description"] = desc if isinstance(desc, str) else ""
    return out


def command_specs(run: EvacuationRun) -> dict[str, dict[str, Any]]:
    """Every command kind this run accepts: the engine's and its extensions' own.

    Extensions list their kinds in a ``COMMANDS`` attribute: a sequence of kinds, or a
    mapping of kind to a label or to ``{"label": {en, zh}, "args": {name: type},
    "description": ...}``. Kinds with no argument types take JSON arguments.
    """
    specs = {k: {**v, "source": "engine", "description": ""}
             for k, v in ENGINE_COMMAND_SPECS.items()}
    for ext in run.extensions:
        cmds = getattr(ext, "COMMANDS", ())
        items: Iterable[tuple[str, Any]]
        if isinstance(cmds, Mapping):
            items = ((str(k), v) for k, v in cmds.items())
        else:
            items = ((str(k), None) for k in cmds)
        for kind, spec in items:
            specs.setdefault(kind, _spec_of(spec, kind, ext.name))
    return specs


def coerce_args(spec: Mapping[str, Any] | None, raw: Mapping[str, str]) -> dict[str, Any]:
    """Typed command arguments from text (``key=value`` pairs typed at a terminal).

    Parameters
    ----------
    spec : mapping, optional
        A command spec from :func:`command_specs` (its ``args`` give the types).
    raw : mapping of str to str
        The values as typed; lists are comma-separated.

    Returns
    -------
    dict
        Arguments for the command.
    """
    types = (spec or {}).get("args") or {}
    out: dict[str, Any] = {}
    for key, text in raw.items():
        kind = types.get(key, "json")
        if kind in ("links", "zones"):
            out[key] = [s.strip() for s in text.split(",") if s.strip()]
        elif kind == "number":
            try:
                out[key] = float(text)
            except ValueError as exc:
                raise InputError.single("command", key, f"give a number, not {text!r}") from exc
            if out[key].is_integer():
                out[key] = int(out[key])
        elif kind == "integer":
            try:
                out[key] = int(text)
            except ValueError as exc:
                raise InputError.single("command", key, f"give a whole number, not {text!r}") \
                    from exc
        elif kind in ("shelter", "text"):
            out[key] = text
        else:
            try:
                out[key] = json.loads(text)
            except ValueError:
                out[key] = text
    return out


@dataclass(frozen=True)
class ScriptInject:
    """An exercise-script inject with its position in the script."""

    index: int
    inject: Inject

    @property
    def time_s(self) -> float:
        """When it comes due (s)."""
        return self.inject.time_s


class DrillSession:
    """A drill in progress: a run, its clock, and the command log it is rebuilt from.

    Make one with :meth:`create` or :meth:`open`. Methods are thread-safe (one lock).

    Parameters
    ----------
    store : DrillStore
        The session's event store.
    loaded : LoadedScenario
        The scenario.
    world : World
        Its world.
    plan : Plan
        The plan in force.
    seed : int
        The run's seed.

    Attributes
    ----------
    run : EvacuationRun
        The live run.
    running : bool
        Whether the clock is running (see :meth:`tick`).
    speed : float
        Simulated seconds per wall-clock second while running.
    pause_on_inject : bool
        Pause the clock when a scheduled inject comes due.
    warnings : list of str
        Problems found when opening (a changed scenario file, ...).
    """

    def __init__(self, store: DrillStore, loaded: LoadedScenario, world: World, plan: Plan,
                 seed: int, *, run: EvacuationRun | None = None) -> None:
        self.store, self.loaded, self.world, self.plan, self.seed = \
            store, loaded, world, plan, int(seed)
        self.run = run if run is not None else EvacuationRun(world, plan, self.seed)
        self.run.start()
        self.script = [ScriptInject(i, inj) for i, inj in enumerate(loaded.scenario.injects)]
        self.script.sort(key=lambda s: (s.time_s, s.index))
        self.specs = command_specs(self.run)
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

    # ------------------------------------------------------------------ making one
    @classmethod
    def create(cls, path: str | Path, scenario: str | Path | None, plan: str | None = None,
               seed: int = 1, *, loaded: LoadedScenario | None = None,
               world: World | None = None) -> DrillSession:
        """Start a new session file for a scenario, plan and seed.

        Parameters
        ----------
        path : str or Path
            The new session file (must not exist).
        scenario : str or Path or None
            Bundled name, scenario file or folder (None: the bundled default).
        plan : str, optional
            Plan name (default: the scenario's default plan).
        seed : int
            Seed of the run.
        loaded, world : optional
            The scenario and world, if already built (must be the same scenario).

        Returns
        -------
        DrillSession
            The session, paused at time 0.
        """
        if seed < 0:
            raise InputError.single("--seed", "", "the seed must be a non-negative integer")
        if loaded is None:
            loaded = load_scenario(resolve_scenario(None if scenario is None else str(scenario)))
        the_plan = loaded.plan(plan)
        world = world if world is not None else build_world(loaded)
        meta = {
            "scenario_path": str(Path(loaded.path).resolve()),
            "scenario": loaded.scenario.name,
            "plan": the_plan.name,
            "seed": int(seed),
            "created": _now_iso(),
            "scenario_sha256": _sha256(Path(loaded.path)),
            "plan_sha256": _sha256(loaded.plan_paths.get(the_plan.name)),
            "version": _version(),
            "parent": None,
            "branch_at_s": None,
            "branch_at_seq": None,
        }
        # a bad script must stop the drill before anything is written
        run = EvacuationRun(world, the_plan, seed)
        problems = _script_problems(loaded, world, run, command_specs(run))
        if problems:
            raise InputError(problems)
        store = DrillStore.create(path, meta)
        return cls(store, loaded, world, the_plan, seed, run=run)

    @classmethod
    def open(cls, path: str | Path, *, loaded: LoadedScenario | None = None,
             world: World | None = None) -> DrillSession:
        """Reopen a session file and replay its records; it resumes paused.

        Parameters
        ----------
        path : str or Path
            The session file.
        loaded, world : optional
            The scenario and world, if already built (must be the recorded scenario).

        Returns
        -------
        DrillSession
            The session in the state its last record left it.
        """
        store = DrillStore.open(path)
        meta = store.meta
        try:
            if loaded is None:
                loaded = load_scenario(Path(meta["scenario_path"]))
            plan = loaded.plan(meta["plan"])
            world = world if world is not None else build_world(loaded)
            session = cls(store, loaded, world, plan, int(meta["seed"]))
        except BaseException:
            store.close()
            raise
        if _sha256(Path(loaded.path)) != meta.get("scenario_sha256"):
            session._warn(f"the scenario file {loaded.path} changed since the session was "
                          "created; the replay may differ from the drill")
        if _sha256(loaded.plan_paths.get(plan.name)) != meta.get("plan_sha256"):
            session._warn(f"the plan file of {plan.name!r} changed since the session was "
                          "created; the replay may differ from the drill")
        if meta.get("version") != _version():
            session._warn(f"the session was recorded with musterpoint {meta.get('version')}, "
                          f"this is {_version()}; the replay may differ")
        t0 = time.perf_counter()
        session._replay(store.records())
        logger.info("replayed %d records of %s in %.2f s; resumed at %.0f s (paused)",
                    len(session._records), path, time.perf_counter() - t0, session.now)
        return session

    def _warn(self, msg: str) -> None:
        logger.warning(msg)
        self.warnings.append(msg)

    def _check_script(self) -> None:
        problems = _script_problems(self.loaded, self.world, self.run, self.specs)
        if problems:
            raise InputError(problems)

    def _replay(self, records: Sequence[Record]) -> None:
        for rec in records:
            self.run.advance(rec.sim_time_s)
            if rec.type == "clock":
                if rec.kind == "speed":
                    self.speed = float(rec.args.get("speed", self.speed))
                elif rec.kind == "settings":
                    self.pause_on_inject = bool(rec.args.get("pause_on_inject",
                                                             self.pause_on_inject))
            elif rec.is_command:
                try:
                    self.run.command(rec.kind, rec.args)
                except InputError as exc:
                    raise SimulationError(f"{self.store.path}: record {rec.seq} "
                                          f"({rec.kind}) cannot be replayed: {exc}") from exc
            if rec.inject_id:
                self.fired[rec.inject_id] = rec.seq
            self._records.append(rec)
        self.running = False

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
            out: dict[str, Any] = clean_json(_live_kpis(self.run))
            return out

    def snapshot(self) -> dict[str, Any]:
        """The run's live snapshot, with command-closed roads told apart."""
        with self._lock:
            snap = self.run.snapshot()
            ids = self.world.network.link_id
            snap["closed_manual"] = [str(ids[i]) for i in
                                     np.flatnonzero(self.run.manual_closed).tolist()]
            snap["vehicles"] = _vehicles(self.run)
            out: dict[str, Any] = clean_json(snap)
            return out

    def agent_state(self) -> dict[str, Any]:
        """Per-agent state now (households and traffic-model vehicles) and a digest.

        Two sessions are in the same state when their ``digest`` values are equal: it
        covers every household's status, reason, times and destination, every vehicle's
        place on the road, shelters, closures, zone orders and the run's event log.
        """
        with self._lock:
            return _agent_state(self.run)

    # ------------------------------------------------------------------ clock
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

    def _not_ended(self) -> None:
        if self.ended:
            raise InputError.single("clock", "", "the scenario has ended; write the "
                                    "after-action report, or branch the session")

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

    # ------------------------------------------------------------------ commands
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
            kind, args = inj.effect.kind, _normalise(inj.effect.args)
            try:
                self._apply(kind, args)
            except InputError as exc:
                self._warn(f"inject {inj.id!r}: its effect could not be applied ({exc}); "
                           "recorded as informational")
                rationale = (rationale + " " if rationale else "") + \
                    f"[effect not applied: {exc}]"
                kind, args = "", {"failed_effect": {"kind": inj.effect.kind,
                                                    "args": _normalise(inj.effect.args)}}
        rec = self._append(sim_time_s=self.run.now, role=role, type="inject", kind=kind,
                           args=args, rationale=rationale, actor=actor, inject_id=inj.id,
                           title=inj.title.en)
        self.fired[inj.id] = rec.seq
        logger.info("inject %s fired at %.0f s (%s)", inj.id, self.run.now, role)
        return rec

    def fire(self, inject_id: str, rationale: str = "", actor: str = "") -> Record:
        """Fire a scheduled inject now, ahead of its time (role ``trainer``)."""
        with self._lock:
            self._not_ended()
            s = next((s for s in self.script if s.inject.id == inject_id), None)
            if s is None:
                raise InputError.single("inject", "id", f"no inject {inject_id!r} in the "
                                        "exercise script")
            if inject_id in self.fired:
                raise InputError.single("inject", "id", f"inject {inject_id!r} has fired "
                                        "already")
            return self._fire(s, "trainer", rationale, actor)

    def inject(self, kind: str, args: Mapping[str, Any] | None = None, *, title: str = "",
               rationale: str = "", actor: str = "") -> Record:
        """A trainer's inject given on the spot, applied now.

        Parameters
        ----------
        kind : str
            A command kind, or ``""`` for an informational inject.
        args : mapping, optional
            The command's arguments.
        title : str
            What happened ("bridge X collapsed").
        rationale : str
            Free text for the record.
        actor : str
            Who gave it (optional).
        """
        with self._lock:
            self._not_ended()
            a = _normalise(args)
            if kind:
                self._apply(kind, a)
            elif not (title or rationale):
                raise InputError.single("inject", "title", "an informational inject needs a "
                                        "title or a text")
            return self._append(sim_time_s=self.run.now, role="trainer", type="inject",
                                kind=kind, args=a if kind else {}, rationale=rationale,
                                actor=actor, title=title)

    def decide(self, kind: str, args: Mapping[str, Any] | None = None, *,
               rationale: str = "", actor: str = "") -> Record:
        """A participants' decision, applied now (role ``participant``).

        Parameters
        ----------
        kind : str
            A command kind (see :meth:`commands`).
        args : mapping, optional
            The command's arguments.
        rationale : str
            Why (free text; it goes into the after-action report).
        actor : str
            Who decided (a post or team), optional.
        """
        with self._lock:
            self._not_ended()
            if not kind:
                raise InputError.single("decision", "kind", "choose what to do")
            a = _normalise(args)
            self._apply(kind, a)
            return self._append(sim_time_s=self.run.now, role="participant", type="decision",
                                kind=kind, args=a, rationale=rationale, actor=actor)

    def note(self, text: str, *, section: str = "observation", role: str = "trainer",
             actor: str = "") -> Record:
        """An observation for the after-action report (changes nothing in the run).

        Parameters
        ----------
        text : str
            The observation.
        section : str
            One of :data:`NOTE_SECTIONS`.
        role : str
            ``trainer`` or ``participant``.
        actor : str
            Who made it (optional).
        """
        if section not in NOTE_SECTIONS:
            raise InputError.single("note", "section", f"choose one of {NOTE_SECTIONS}")
        if role not in ("trainer", "participant"):
            raise InputError.single("note", "role", "trainer or participant")
        if not text.strip():
            raise InputError.single("note", "text", "write the observation")
        with self._lock:
            return self._append(sim_time_s=self.run.now, role=role, type="note",
                                rationale=text.strip(), actor=actor, title=section)

    def commands(self) -> dict[str, dict[str, Any]]:
        """Command kinds this session accepts (engine and extensions), with their specs."""
        return self.specs

    def _append(self, **fields: Any) -> Record:
        rec = self.store.append(**fields)
        self._records.append(rec)
        self._aar = None
        return rec

    # ------------------------------------------------------------------ branch, close
    def branch(self, path: str | Path, *, at_s: float | None = None,
               at_seq: int | None = None, rationale: str = "") -> DrillSession:
        """A new session file holding this one's records before a point, to try another
        decision from there.

        Parameters
        ----------
        path : str or Path
            The new session file (must not exist).
        at_s : float, optional
            Keep the records before this simulated time, then run the clock to it.
        at_seq : int, optional
            Keep the records before this sequence number (give one of the two).
        rationale : str
            Why the branch was made (recorded in it).

        Returns
        -------
        DrillSession
            The branch, paused.
        """
        if (at_s is None) == (at_seq is None):
            raise InputError.single("branch", "at", "give a time or a record number")
        with self._lock:
            recs = list(self._records)
        if at_seq is not None:
            keep = [r for r in recs if r.seq < at_seq]
        else:
            assert at_s is not None
            if at_s < 0 or at_s > self.duration_s:
                raise InputError.single("branch", "at", "the time is outside the scenario")
            keep = [r for r in recs if r.sim_time_s < at_s]
        meta = {**self.store.meta, "created": _now_iso(), "parent": str(self.path),
                "branch_at_s": at_s, "branch_at_seq": at_seq}
        store = DrillStore.create(path, meta)
        for r in keep:
            store.append(sim_time_s=r.sim_time_s, role=r.role, type=r.type, kind=r.kind,
                         args=r.args, rationale=r.rationale, actor=r.actor,
                         inject_id=r.inject_id, title=r.title, wall_time=r.wall_time)
        new = DrillSession(store, self.loaded, self.world, self.plan, self.seed)
        new._replay(store.records())
        target = new.run.now if at_s is None else max(at_s, new.run.now)
        with new._lock:
            pause_on = new.pause_on_inject
            new.pause_on_inject = False  # the branch point is exact
            new._advance(target, "branch", rationale,
                         {"parent": str(self.path), "at_s": at_s, "at_seq": at_seq})
            new.pause_on_inject = pause_on
        logger.info("branched %s at %s into %s", self.path,
                    f"{at_s} s" if at_s is not None else f"record {at_seq}", path)
        return new

    def close(self) -> None:
        """Close the session file (everything is committed already)."""
        with self._lock:
            self.running = False
            self.store.close()

    # ------------------------------------------------------------------ replays
    def replay_run(self, skip: Iterable[int] = (), *, records: Sequence[Record] | None = None,
                   pending_script: bool = True) -> RunResult:
        """Replay the records on a fresh run to the scenario's end.

        Parameters
        ----------
        skip : iterable of int
            Sequence numbers of commands to leave out.
        records : sequence of Record, optional
            The records (default: this session's).
        pending_script : bool
            Apply the scheduled injects that had not fired, at their times.

        Returns
        -------
        RunResult
            The finished run.
        """
        recs = list(records) if records is not None else self.records()
        left = set(skip)
        run = EvacuationRun(self.world, self.plan, self.seed)
        run.start()
        fired = set()
        for r in recs:
            run.advance(r.sim_time_s)
            if r.inject_id:
                fired.add(r.inject_id)
            if r.is_command and r.seq not in left:
                run.command(r.kind, r.args)
        if pending_script:
            for s in self.script:
                if s.inject.id in fired or s.inject.effect is None:
                    continue
                run.advance(s.time_s)
                try:
                    run.command(s.inject.effect.kind, _normalise(s.inject.effect.args))
                except InputError as exc:
                    logger.warning("inject %s not applied in the replay: %s", s.inject.id, exc)
        return run.finish()


def _version() -> str:
    from musterpoint.sim import __version__

    return str(__version__)


# ---------------------------------------------------------------------- validation
def _script_problems(loaded: LoadedScenario, world: World, run: EvacuationRun,
                     specs: Mapping[str, Any]) -> list[Problem]:
    sc = loaded.scenario
    file = str(loaded.path)
    problems = check_script(list(sc.injects), sc.duration_h, file)
    links = set(run.link_pos)
    zones = set(world.zones.ids)
    shelters = {d.id for d in run.dest[: run.n_shelters]}
    for i, inj in enumerate(sc.injects):
        eff = inj.effect
        if eff is None:
            continue
        where = f"injects[{i}].effect"
        if eff.kind not in specs:
            problems.append(Problem(file, f"{where}.kind", f"unknown command {eff.kind!r}; "
                                    f"this run knows {sorted(specs)}"))
            continue
        types = specs[eff.kind].get("args") or {}
        if specs[eff.kind].get("source") != "engine":
            continue
        for name, typ in types.items():
            val = eff.args.get(name)
            if typ in ("links", "zones"):
                known = links if typ == "links" else zones
                if not isinstance(val, list) or not val:
                    problems.append(Problem(file, f"{where}.args.{name}",
                                            "give a non-empty list of ids"))
                    continue
                bad = [str(v) for v in val if str(v) not in known]
                if bad:
                    problems.append(Problem(file, f"{where}.args.{name}",
                                            f"no {typ[:-1]} {bad[0]!r} in this scenario"))
            elif typ == "shelter" and str(val) not in shelters:
                problems.append(Problem(file, f"{where}.args.{name}",
                                        f"no shelter {val!r}; have {sorted(shelters)}"))
            elif typ == "number" and name != "reason" and not isinstance(val, int | float):
                problems.append(Problem(file, f"{where}.args.{name}", "give a number"))
        unknown = set(eff.args) - set(types)
        if unknown:
            problems.append(Problem(file, f"{where}.args", f"unknown argument(s) "
                                    f"{sorted(unknown)} for {eff.kind}; use {sorted(types)}"))
    return problems


# ---------------------------------------------------------------------- live views
def _flat_numbers(prefix: str, value: Any, out: dict[str, Any], limit: int = 40) -> None:
    if len(out) >= limit:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flat_numbers(f"{prefix}.{k}", v, out, limit)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float | np.integer | np.floating):
        out[prefix] = value


def _live_kpis(run: EvacuationRun) -> dict[str, Any]:
    snap_totals = _totals(run)
    ev = run.role == "evacuee"
    evacuees = int(run.veh.persons[ev].sum())
    tm = run.traffic
    state = np.asarray(tm.state, dtype=np.int64)
    cap = run.capacity[np.isfinite(run.capacity)]
    occ = int(run.occupancy.sum())
    out: dict[str, Any] = {
        "time_s": run.now,
        "evacuees": evacuees,
        **snap_totals,
        "share_arrived": snap_totals["arrived"] / evacuees if evacuees else None,
        "vehicles_on_road": int((state == VehicleState.ON_ROAD).sum()),
        "closed_links": int(run.closed.sum()),
        "closed_by_command": int(run.manual_closed.sum()),
        "shelter_occupancy": occ,
        "shelter_capacity": float(cap.sum()),
        "shelters_full": int(((run.occupancy >= run.capacity) & np.isfinite(run.capacity))[
            : run.n_shelters].sum()),
        "zones_ordered": int((run.zone_order <= run.now).sum()),
        "exposed_person_h_so_far": _exposure_so_far(run) / 3600.0,
        "persons_in_hazard_at_home": _at_home_in_hazard(run),
    }
    for ext in run.extensions:
        extra: dict[str, Any] = {}
        _flat_numbers(ext.name, ext.snapshot(), extra)
        out.update(extra)
    return out


def _totals(run: EvacuationRun) -> dict[str, int]:
    ev = run.role == "evacuee"
    p = run.veh.persons
    return {s: int(p[ev & (run.status == s)].sum())
            for s in ("arrived", "stranded", "en_route", "never_departed")}


def _home_left(run: EvacuationRun) -> np.ndarray:
    """When each household left home (its car entered the road), else now."""
    tm = run.traffic
    left = np.full(run.status.size, run.now)
    has = run.tm_id >= 0
    if has.any():
        first = np.asarray(tm.first_enter_t, dtype=float)[run.tm_id[has]]
        left[has] = np.where(np.isfinite(first), np.minimum(first, run.now), run.now)
    boarded: dict[int, float] = getattr(run.extension("transit"), "boarded_s", {}) or {}
    for v, t in boarded.items():
        left[v] = min(left[v], t)
    return left


def _exposure_so_far(run: EvacuationRun) -> float:
    """Person-seconds in the hazard so far: at home, and in cars on the road."""
    fl = run.world.place_flooded
    persons = run.veh.persons.astype(float)
    ev = run.role == "evacuee"
    total = 0.0
    has = run.tm_id >= 0
    if has.any():
        road = np.asarray(run.traffic.exposed_s, dtype=float)[run.tm_id[has]]
        total += float((road * persons[has]).sum())
    if fl is None:
        return total
    left = _home_left(run)
    place = run.veh.place
    for v in np.flatnonzero(ev & (place >= 0)).tolist():
        iv = fl[int(place[v])]
        if not iv:
            continue
        for s, e in iv:
            lo, hi = max(s, 0.0), min(e, left[v])
            if hi > lo:
                total += (hi - lo) * persons[v]
    return total


def _at_home_in_hazard(run: EvacuationRun) -> int:
    fl = run.world.place_flooded
    if fl is None:
        return 0
    t = run.now
    wet = np.array([any(s <= t < e for s, e in iv) for iv in fl], dtype=bool)
    place = run.veh.place
    ok = (run.role == "evacuee") & (place >= 0) & (run.status == "never_departed")
    idx = np.flatnonzero(ok)
    return int(run.veh.persons[idx[wet[place[idx]]]].sum()) if idx.size else 0


def _vehicles(run: EvacuationRun) -> dict[str, Any]:
    """Vehicles on the road now: a sample of cars, and every service vehicle."""
    tm = run.traffic
    net = run.world.network
    state = np.asarray(tm.state, dtype=np.int64)
    on = np.flatnonzero(state == VehicleState.ON_ROAD)
    if not on.size:
        return {"on_road": 0, "cars": [], "fleet": []}
    link = np.asarray(tm.link, dtype=np.int64)[on]
    t0 = np.asarray(tm.enter_t, dtype=float)[on]
    t1 = np.asarray(tm.end_t, dtype=float)[on]
    span = np.where(t1 > t0, t1 - t0, 1.0)
    f = np.clip((run.now - t0) / span, 0.0, 1.0)
    a, b = net.link_from[link], net.link_to[link]
    lon = net.lon[a] + (net.lon[b] - net.lon[a]) * f
    lat = net.lat[a] + (net.lat[b] - net.lat[a]) * f
    owners = [run.tm_owner[int(v)] for v in on.tolist()]
    fleet = [[round(float(lon[k]), 6), round(float(lat[k]), 6), o.name]
             for k, o in enumerate(owners) if o is not None]
    cars = np.array([k for k, o in enumerate(owners) if o is None], dtype=np.int64)
    if cars.size > MAX_CARS_ON_MAP:
        cars = cars[np.linspace(0, cars.size - 1, MAX_CARS_ON_MAP).astype(np.int64)]
    return {"on_road": int(on.size),
            "cars": [[round(float(lon[k]), 6), round(float(lat[k]), 6)] for k in cars.tolist()],
            "fleet": fleet}


def _plain(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None if math.isnan(v) else ("inf" if v > 0 else "-inf")
        out.append(v)
    return out


def _agent_state(run: EvacuationRun) -> dict[str, Any]:
    tm = run.traffic
    ids = run.world.network.link_id
    agents = {
        "status": _plain(run.status.tolist()),
        "reason": _plain(run.reason.tolist()),
        "depart_s": _plain(run.depart_s.tolist()),
        "arrive_s": _plain(run.arrive_s.tolist()),
        "destination": [run.dest_id(int(d)) for d in run.final_dest.tolist()],
        "vehicle": _plain(run.tm_id.tolist()),
    }
    vehicles = {
        "state": _plain(tm.state),
        "link": [str(ids[i]) if i >= 0 else "" for i in tm.link],
        "node": _plain(tm.node),
        "destination": [run.dest_id(int(d)) for d in tm.dest],
        "enter_t": _plain(tm.enter_t),
        "exposed_s": _plain(tm.exposed_s),
    }
    other = {
        "time_s": run.now,
        "occupancy": _plain(run.occupancy.tolist()),
        "capacity": _plain(run.capacity.tolist()),
        "open_s": _plain(run.open_s.tolist()),
        "closed": [str(ids[i]) for i in np.flatnonzero(run.closed).tolist()],
        "zone_order_s": _plain(run.zone_order.tolist()),
        "queued": [len(q) for q in tm.queue],
        "events": len(run.events),
        "extensions": clean_json({e.name: e.snapshot() for e in run.extensions}),
    }
    h = hashlib.sha256()
    for part in (agents, vehicles, other):
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
    h.update(repr(run.events).encode())
    return {"digest": h.hexdigest(), "agents": agents, "vehicles": vehicles, **other}


# ---------------------------------------------------------------------- after-action
#: KPIs compared between the drill and its counterfactual: (path, better when lower).
COMPARED_KPIS: tuple[tuple[str, bool], ...] = (
    ("evacuation.arrived", False),
    ("evacuation.stranded", True),
    ("evacuation.en_route", True),
    ("evacuation.never_departed", True),
    ("evacuation.exposed_persons", True),
    ("evacuation.exposed_person_h", True),
    ("evacuation.still_exposed_persons", True),
    ("evacuation.ete50_s", True),
    ("evacuation.ete90_s", True),
    ("evacuation.travel_time_mean_s", True),
    ("traffic.vehicle_km", True),
)


def _get(kpis: Mapping[str, Any], path: str) -> Any:
    node: Any = kpis
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _with_hours(kpis: dict[str, Any]) -> dict[str, Any]:
    ev = kpis.get("evacuation", {})
    if "exposed_person_s" in ev and ev["exposed_person_s"] is not None:
        ev["exposed_person_h"] = ev["exposed_person_s"] / 3600.0
    return kpis


def _diff(a: Any, b: Any) -> float | None:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) - float(b)
    return None


def _compare(actual: Mapping[str, Any], other: Mapping[str, Any],
             ext_names: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    paths = list(COMPARED_KPIS)
    for name in ext_names:
        fam = actual.get(name)
        if isinstance(fam, Mapping):
            paths.extend((f"{name}.{k}", False) for k, v in fam.items()
                         if isinstance(v, int | float) and not isinstance(v, bool))
    for path, lower_better in paths:
        a, b = _get(actual, path), _get(other, path)
        d = _diff(a, b)
        if d is None and a == b:
            continue
        better: bool | None = None
        if d is not None and d != 0 and path.startswith(("evacuation.", "traffic.")):
            better = (d < 0) == lower_better
        elif d is None and (a is None) != (b is None) and path.endswith("_s"):
            better = b is None  # reached with the decisions, not without
        rows.append({"kpi": path, "with": a, "without": b, "difference": d,
                     "better": better, "lower_is_better": lower_better})
    return rows


def after_action(session: DrillSession, *, max_attributions: int = 12) -> dict[str, Any]:
    """Everything the after-action report needs, computed by replays.

    The session's records are replayed to the scenario's end three ways: as they are
    (``actual``); without any participants' decision (``counterfactual``: the same
    scenario, seed, script and trainer injects); and, for each of the first
    ``max_attributions`` decisions, without that one decision (its marginal effect).
    Scheduled injects that had not fired when the drill stopped are applied at their
    times in every replay.

    Parameters
    ----------
    session : DrillSession
        The session (it is not changed).
    max_attributions : int
        Most decisions whose effect is estimated one by one (each costs one run).

    Returns
    -------
    dict
        ``meta``, ``timeline``, ``kpis`` (actual), ``counterfactual_kpis``,
        ``differences``, ``decisions`` (with ``effects``), ``standards``,
        ``critical_tasks``, ``notes``, ``coordination``, ``equipment``, ``improvements``.
    """
    with session._lock:
        recs = session.records()
        key = recs[-1].seq if recs else 0
        if session._aar is not None and session._aar[0] == key:
            return session._aar[1]
        stop_s = session.now
        clock = session.clock()
        fired = dict(session.fired)
    t0 = time.perf_counter()
    decisions = [r for r in recs if r.type == "decision" and r.kind]
    ext_names = [e.name for e in session.run.extensions]
    actual_res = session.replay_run(records=recs)
    actual = _with_hours(actual_res.kpis)
    cf = _with_hours(session.replay_run({r.seq for r in decisions}, records=recs).kpis)
    out_decisions = []
    for k, r in enumerate(decisions):
        item: dict[str, Any] = {**r.to_dict(), "effects": None}
        if k < max_attributions:
            without = _with_hours(session.replay_run({r.seq}, records=recs).kpis)
            item["effects"] = _compare(actual, without, ext_names)
        out_decisions.append(item)
    meta = {**session.store.meta, **actual_res.meta, "session": str(session.path),
            "stopped_at_s": stop_s, "ended": clock["ended"], "records": len(recs),
            "attributed": min(len(decisions), max_attributions),
            "decisions": len(decisions), "compute_s": 0.0,
            "plan_title_zh": session.plan.title.zh}
    result = {
        "meta": meta,
        "timeline": [r.to_dict() for r in recs if r.type != "clock" or r.kind not in
                     ("tick", "settings")],
        "kpis": actual,
        "counterfactual_kpis": cf,
        "differences": _compare(actual, cf, ext_names),
        "decisions": out_decisions,
        "standards": _standards(session, actual, cf),
        "critical_tasks": _critical_tasks(session, recs),
        "notes": [r.to_dict() for r in recs if r.type == "note"],
        "coordination": _coordination(session, recs),
        "equipment": {name: {"with": actual.get(name), "without": cf.get(name)}
                      for name in ext_names},
        "script": [{"id": s.inject.id, "time_s": s.time_s,
                    "title": s.inject.title.model_dump(),
                    "description": s.inject.description.model_dump(),
                    "expected_action": (s.inject.expected_action.model_dump()
                                        if s.inject.expected_action else None),
                    "effect": (s.inject.effect.model_dump() if s.inject.effect else None),
                    "fired_seq": fired.get(s.inject.id)} for s in session.script],
        "shelters": [{"id": d.id, "name": d.name, "capacity": float(d.capacity)}
                     for d in session.world.destinations[: session.run.n_shelters]],
    }
    result["improvements"] = _improvements(result)
    meta["compute_s"] = round(time.perf_counter() - t0, 2)
    logger.info("after-action replays: %d runs in %.1f s", 2 + meta["attributed"],
                meta["compute_s"])
    out: dict[str, Any] = clean_json(result)
    with session._lock:
        if session.last_seq() == key:
            session._aar = (key, out)
    return out


def _standards(session: DrillSession, actual: Mapping[str, Any],
               cf: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    stds = [("scenario", s) for s in session.loaded.scenario.standards] + \
        [("plan", s) for s in session.plan.standards]
    for source, s in stds:
        a, b = evaluate(s, actual), evaluate(s, cf)
        out.append({"id": s.id, "source": source, "kpi": s.kpi, "op": s.op,
                    "threshold": s.threshold, "per": s.per, "label": s.label.model_dump(),
                    "met": a.met, "value": a.value, "failing": a.failing,
                    "cf_met": b.met, "cf_value": b.value})
    return out


def _critical_tasks(session: DrillSession, recs: Sequence[Record]) -> list[dict[str, Any]]:
    """Each fired inject with an expected action, and the decisions that followed it."""
    fired = [r for r in recs if r.type == "inject"]
    out = []
    script = {s.inject.id: s.inject for s in session.script}
    for k, r in enumerate(fired):
        nxt = fired[k + 1].seq if k + 1 < len(fired) else math.inf
        after = [d for d in recs if d.type == "decision" and r.seq < d.seq < nxt]
        inj = script.get(r.inject_id)
        expected = inj.expected_action.model_dump() if inj and inj.expected_action else None
        if expected is None and not after:
            continue
        out.append({"inject_seq": r.seq, "inject_id": r.inject_id, "title": r.title,
                    "title_zh": inj.title.zh if inj else None, "time_s": r.sim_time_s,
                    "expected_action": expected,
                    "responses": [d.seq for d in after],
                    "first_response_s": (after[0].sim_time_s - r.sim_time_s) if after
                    else None})
    return out


def _coordination(session: DrillSession, recs: Sequence[Record]) -> dict[str, Any]:
    """Who decided what, and how fast the room responded to injects."""
    decisions = [r for r in recs if r.type == "decision"]
    by_actor: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for d in decisions:
        by_actor[d.actor or "—"] = by_actor.get(d.actor or "—", 0) + 1
        by_kind[d.kind] = by_kind.get(d.kind, 0) + 1
    tasks = _critical_tasks(session, recs)
    delays = [t["first_response_s"] for t in tasks if t["first_response_s"] is not None]
    injects = [r for r in recs if r.type == "inject"]
    return {"decisions": len(decisions), "injects": len(injects), "by_actor": by_actor,
            "by_kind": by_kind,
            "responded": len(delays), "unanswered": sum(1 for t in tasks if not t["responses"]),
            "mean_response_s": float(np.mean(delays)) if delays else None,
            "max_response_s": float(np.max(delays)) if delays else None,
            "wall_start": recs[0].wall_time if recs else None,
            "wall_end": recs[-1].wall_time if recs else None}


def _improvements(aar: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Improvement-plan items: the evaluators' own, then what the figures point to."""
    items: list[dict[str, Any]] = []
    for n in aar["notes"]:
        if n["title"] == "improvement":
            items.append({"source": "observer", "issue": {"en": n["rationale"], "zh": None},
                          "owner": n["actor"], "seq": n["seq"]})
    for s in aar["standards"]:
        if not s["met"]:
            items.append({"source": "standard", "standard": s["id"], "label": s["label"],
                          "kpi": s["kpi"], "value": s["value"], "threshold": s["threshold"],
                          "op": s["op"]})
    for t in aar["critical_tasks"]:
        if t["expected_action"] and not t["responses"]:
            items.append({"source": "task", "inject_id": t["inject_id"], "title": t["title"],
                          "expected_action": t["expected_action"]})
    ev = aar["kpis"].get("evacuation", {})
    if ev.get("stranded"):
        items.append({"source": "kpi", "kpi": "evacuation.stranded", "value": ev["stranded"]})
    if ev.get("never_departed"):
        items.append({"source": "kpi", "kpi": "evacuation.never_departed",
                      "value": ev["never_departed"]})
    return items
