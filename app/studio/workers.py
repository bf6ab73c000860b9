"""The studio's worker processes: a run (fresh or on the warm spare), a comparison.

Each worker makes itself the leader of a new process group (what Cancel ends, see
:mod:`musterpoint.studio.jobs`) and puts its messages on a queue: ``progress`` (stage,
fraction), ``figures`` (a run's result page figures, before its map and report), then
``done`` or ``failed`` (with a message).

The spare worker (:func:`spare_worker`)
    imports the run's modules (:data:`RUN_MODULES`: pandas, scipy, simpy, pydantic,
    pyproj... about 1 to 2 s of CPU a fresh process pays before simulating anything),
    takes the open scenario's World from the world cache (building it into the cache when
    the cache has none), then waits on a pipe for one job, runs it and ends, so no state
    of one run reaches the next. At its job it reads the scenario's files again; its World
    is used only when the world cache's key (:func:`~musterpoint.world_cache.world_key`:
    the scenario, its data files' contents, the code) is the one it was loaded under, else
    the World is loaded or built as by ``muster run``: an edit made after the spare
    started is never missed.

The answer first
    A run's progress callback (:class:`_Reporter`), at the first stage after the tables,
    reads the figures of the tables just written (:func:`~musterpoint.studio.results.
    run_summary`) from the hidden folder being written and sends them, so the page shows
    the clearance time while the map and the report are written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RUN_MODULES", "RunJob", "compare_worker", "run_worker", "spare_worker"]

logger = logging.getLogger(__name__)

#: Modules a run imports, imported by a spare worker before its job (those a run imports
#: on first use as well as the pipeline's own).
RUN_MODULES = ("musterpoint.run_pipeline", "musterpoint.world_cache",
               "musterpoint.derived_cache", "musterpoint.scenarios.loader",
               "musterpoint.sim.engine", "musterpoint.sim.world",
               "musterpoint.sim.drill.checks", "musterpoint.bound_step",
               "musterpoint.map_step", "musterpoint.reports", "musterpoint.gis_export",
               "musterpoint.compare_cmd", "musterpoint.studio.results")


def _report(q: Any, kind: str, **fields: Any) -> None:
    q.put({"kind": kind, **fields})


def _cpu() -> float:
    """CPU seconds (user + system) this process has used."""
    t = os.times()
    return t.user + t.system


def _own_group() -> None:
    """Make this worker the leader of a new process group (what Cancel ends)."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()


@dataclass(frozen=True)
class RunJob:
    """What a run worker is given: the scenario file, plan, result folder, options of
    :class:`~musterpoint.run_pipeline.RunOptions` and the scenario's road closures
    (for the result page's figures)."""

    scenario_file: str
    plan: str
    out: str
    options: dict[str, Any]
    closures: list[dict[str, Any]] = field(default_factory=list)


class _Reporter:
    """A run's :data:`~musterpoint.run_pipeline.Progress` callback: puts each stage on
    the queue and, at the first stage after the tables, the result page's figures."""

    def __init__(self, q: Any, job: RunJob, cpu0: float) -> None:
        from musterpoint.run_pipeline import STAGES

        self.q = q
        self.job = job
        self.cpu0 = cpu0
        self.after_tables = frozenset(STAGES[STAGES.index("tables") + 1:])
        self.sent = False

    def __call__(self, stage: str, fraction: float) -> None:
        _report(self.q, "progress", stage=stage, fraction=fraction)
        if not self.sent and stage in self.after_tables:
            self.sent = True
            self._send_figures()

    def _send_figures(self) -> None:
        """The figures of the tables just written (the hidden folder being written, or
        the result folder once it is in place); nothing when they cannot be read."""
        from musterpoint.atomic import folders_being_written
        from musterpoint.studio.results import run_summary

        out = Path(self.job.out)
        folders = [*folders_being_written(out), out]
        for folder in folders:
            if (folder / "kpis.json").is_file():
                try:
                    summary = run_summary(folder, self.job.closures)
                except Exception:  # the page waits for the end, as before
                    logger.warning("could not read the run's figures early", exc_info=True)
                    return
                summary["files"] = []  # the map and the report are still being written
                _report(self.q, "figures", result=summary, at=time.time(),
                        cpu_s=round(_cpu() - self.cpu0, 3))
                return


def _preload(scenario_file: str | None) -> tuple[str, Any] | None:
    """(world cache key, World) of the scenario: loaded from the world cache, or built and
    cached when the cache has none (so the first Run finds it made); None when there is no
    scenario, no usable cache, or anything fails (the job then loads or builds the World
    itself, and says what is wrong)."""
    if not scenario_file:
        return None
    try:
        from musterpoint.cache_files import usable_folder
        from musterpoint.scenarios.loader import load_scenario
        from musterpoint.world_cache import world_for, world_key

        if usable_folder(create=True) is None:
            return None
        loaded = load_scenario(Path(scenario_file))
        key = world_key(loaded)
        return key, world_for(loaded)
    except Exception:  # a scenario that does not load or build: the job says why
        logger.info("spare worker: no World preloaded for %s", scenario_file, exc_info=True)
        return None


def _preloaded_world(warm: tuple[str, Any] | None, loaded: Any) -> Any:
    """The spare worker's World if it is the one the world cache would give for the
    job's scenario ``loaded`` (its key unchanged since it was loaded, the cache usable);
    else None (the run then loads or builds the World itself, as ``muster run`` does)."""
    if warm is None:
        return None
    from musterpoint.cache_files import usable_folder
    from musterpoint.world_cache import world_key

    key, world = warm
    if usable_folder(create=True) is None or world_key(loaded) != key:
        return None
    logger.info("world preloaded by the spare worker")
    return dataclasses.replace(world, loaded=loaded)


def _run(job: RunJob, q: Any, warm: tuple[str, Any] | None, cpu0: float) -> None:
    """One run by :func:`run_pipeline`, its progress, figures and end put on ``q``.

    ``cpu0``: this process's CPU seconds when it was given the job (0 for a fresh
    process: everything it does is the job's); the figures and the end say the CPU
    seconds spent since (``cpu_s``).
    """
    from musterpoint.run_pipeline import RunOptions, run_pipeline
    from musterpoint.scenarios.errors import MusterError
    from musterpoint.scenarios.loader import load_scenario

    try:
        loaded = load_scenario(Path(job.scenario_file))
        options = job.options
        opts = RunOptions(**{**options, "catalog": Path(options["catalog"])
                             if options.get("catalog") else None})
        world = _preloaded_world(warm, loaded) if opts.cache else None
        run_pipeline(loaded, loaded.plan(job.plan), Path(job.out), opts,
                     _Reporter(q, job, cpu0), world=world)
        _report(q, "done", cpu_s=round(_cpu() - cpu0, 3), warm_worker=cpu0 > 0,
                world_preloaded=world is not None, at=time.time())
    except MusterError as exc:
        _report(q, "failed", message=str(exc))
    except Exception as exc:  # an internal error: said in the page, kept in the log
        logger.exception("studio run failed")
        _report(q, "failed", message=f"internal error: {type(exc).__name__}: {exc}")


def run_worker(job: RunJob, q: Any) -> None:
    """Worker process (a fresh one): one run by :func:`run_pipeline`, its progress put
    on ``q``."""
    _own_group()
    _run(job, q, None, 0.0)


def spare_worker(preload: str | None, jobs: Any, ready: Any, q: Any) -> None:
    """Spare worker process: import the run's modules, load the World of ``preload`` (a
    scenario file) from the world cache (or build and cache it), set ``ready``, wait for
    one job on ``jobs`` (a :class:`RunJob`), run it like :func:`run_worker` and end.
    Ends quietly when ``jobs`` is closed before a job came (the studio closed or replaced
    it)."""
    import importlib

    _own_group()
    for name in RUN_MODULES:
        importlib.import_module(name)
    warm = _preload(preload)
    ready.set()
    try:
        job = jobs.recv()
    except (EOFError, OSError):
        return
    jobs.close()
    _run(job, q, warm, max(_cpu(), 1e-9))


def compare_worker(argv: list[str], q: Any) -> None:
    """Worker process: ``muster compare`` with ``argv``, its progress put on ``q``."""
    from musterpoint.cli import _parser
    from musterpoint.scenarios.errors import MusterError

    _own_group()
    try:
        args = _parser().parse_args(argv)
        args.progress_hook = lambda done, total: _report(
            q, "progress", stage="compare", fraction=done / max(total, 1))
        with contextlib.redirect_stdout(io.StringIO()):  # its summary is the page's
            args.handlers["compare"](args)
        _report(q, "done")
    except MusterError as exc:
        _report(q, "failed", message=str(exc))
    except Exception as exc:
        logger.exception("studio comparison failed")
        _report(q, "failed", message=f"internal error: {type(exc).__name__}: {exc}")
