"""A drill session: making one, reopening it by replay, branching it, replaying it.

:class:`DrillSession` puts together the session's state
(:mod:`musterpoint.sim.drill.state`), its clock (:mod:`musterpoint.sim.drill.clock`) and
the room's inputs (:mod:`musterpoint.sim.drill.inputs`). Its state is a function of the
scenario, the plan, the seed and the records: :meth:`DrillSession.open` replays the
records in order on a fresh run, and :meth:`DrillSession.branch` copies the records
before a point into a new session file.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import LoadedScenario, load_scenario, resolve_scenario
from musterpoint.sim.drill.clock import DrillClock
from musterpoint.sim.drill.commands import normalise_args, script_problems
from musterpoint.sim.drill.inputs import DrillInputs
from musterpoint.sim.drill.store import DrillStore, Record
from musterpoint.sim.engine import BUILTIN_EXTENSIONS, new_run
from musterpoint.sim.evacuation.extension import ExtensionFactory
from musterpoint.sim.result import RunResult
from musterpoint.sim.world import World, build_world

__all__ = ["DrillSession"]

logger = logging.getLogger(__name__)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version() -> str:
    from musterpoint.sim import __version__

    return str(__version__)


class DrillSession(DrillClock, DrillInputs):
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
    run : LiveRun
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

    # ------------------------------------------------------------------ making one
    @classmethod
    def create(cls, path: str | Path, scenario: str | Path | None, plan: str | None = None,
               seed: int = 1, *, loaded: LoadedScenario | None = None,
               world: World | None = None,
               extensions: Sequence[ExtensionFactory] = BUILTIN_EXTENSIONS) -> DrillSession:
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
        extensions : sequence of factories
            The run's services (default: the built-in ones).

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
        run = new_run(world, the_plan, seed, extensions=extensions)
        problems = script_problems(loaded, world, run.command_specs())
        if problems:
            raise InputError(problems)
        store = DrillStore.create(path, meta)
        return cls(store, loaded, world, the_plan, seed, run=run, extensions=extensions)

    @classmethod
    def open(cls, path: str | Path, *, loaded: LoadedScenario | None = None,
             world: World | None = None,
             extensions: Sequence[ExtensionFactory] = BUILTIN_EXTENSIONS) -> DrillSession:
        """Reopen a session file and replay its records; it resumes paused.

        Parameters
        ----------
        path : str or Path
            The session file.
        loaded, world : optional
            The scenario and world, if already built (must be the recorded scenario).
        extensions : sequence of factories
            The run's services (default: the built-in ones).

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
            session = cls(store, loaded, world, plan, int(meta["seed"]), extensions=extensions)
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
        new = DrillSession(store, self.loaded, self.world, self.plan, self.seed,
                           extensions=self.extensions)
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
        run = new_run(self.world, self.plan, self.seed, extensions=self.extensions)
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
                    run.command(s.inject.effect.kind, normalise_args(s.inject.effect.args))
                except InputError as exc:
                    logger.warning("inject %s not applied in the replay: %s", s.inject.id, exc)
        return run.finish()
