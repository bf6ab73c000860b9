"""Runs and comparisons of the studio, each in its own worker process, with Cancel.

A job is a process (``spawn``: a fresh interpreter, nothing inherited from the web
server's threads) that calls the same code as the command line
(:func:`~musterpoint.run_pipeline.run_pipeline`, or ``muster compare``'s handler) and
reports its stage and progress on a queue. Results are written through
:func:`~musterpoint.atomic.atomic_folder`, so the result folder appears only complete.
A comparison runs its replications on the executor ``muster compare`` chooses (worker
processes, one per CPU, see :mod:`musterpoint.sim.experiments.runner`), so a job is a
process group: each worker makes itself the leader of a new one (POSIX), and
:meth:`JobManager.cancel` ends the whole group (SIGTERM, then SIGKILL after
:data:`CANCEL_GRACE_S`), the replication processes with it, and removes the hidden folder
it was writing, so a cancelled job leaves no partial result.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import os
import queue as queue_mod
import secrets
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from musterpoint.atomic import clean_leftovers

__all__ = ["CANCEL_GRACE_S", "Job", "JobManager", "compare_worker", "run_worker"]

logger = logging.getLogger(__name__)

#: Seconds a cancelled worker gets to end on SIGTERM before it is killed.
CANCEL_GRACE_S = 1.0
_CTX = multiprocessing.get_context("spawn")


def _report(q: Any, kind: str, **fields: Any) -> None:
    q.put({"kind": kind, **fields})


def _own_group() -> None:
    """Make this worker the leader of a new process group (what Cancel ends)."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()


def _signal_group(proc: Any, sig: int) -> None:
    """Send ``sig`` to a worker's process group (its replication processes too)."""
    if hasattr(os, "killpg") and proc.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)  # only a group the worker made: its id is its pid


def run_worker(scenario_file: str, plan: str, out: str, options: dict[str, Any],
               q: Any) -> None:
    """Worker process: one run by :func:`run_pipeline`, its progress put on ``q``."""
    from musterpoint.run_pipeline import RunOptions, run_pipeline
    from musterpoint.scenarios.errors import MusterError
    from musterpoint.scenarios.loader import load_scenario

    _own_group()
    try:
        loaded = load_scenario(Path(scenario_file))
        opts = RunOptions(**{**options, "catalog": Path(options["catalog"])
                             if options.get("catalog") else None})
        run_pipeline(loaded, loaded.plan(plan), Path(out), opts,
                     lambda stage, f: _report(q, "progress", stage=stage, fraction=f))
        _report(q, "done")
    except MusterError as exc:
        _report(q, "failed", message=str(exc))
    except Exception as exc:  # an internal error: said in the page, kept in the log
        logger.exception("studio run failed")
        _report(q, "failed", message=f"internal error: {type(exc).__name__}: {exc}")


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


@dataclass
class Job:
    """One run or comparison: its process, where it writes, and what it said last."""

    id: str
    kind: str
    out: Path
    process: Any
    queue: Any
    info: dict[str, Any] = field(default_factory=dict)
    state: str = "running"
    stage: str = "start"
    fraction: float = 0.0
    message: str = ""
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    def view(self) -> dict[str, Any]:
        """The job as the page polls it."""
        end = self.ended if self.ended is not None else time.monotonic()
        return {"id": self.id, "kind": self.kind, "state": self.state, "stage": self.stage,
                "fraction": round(self.fraction, 4), "message": self.message,
                "elapsed_s": round(end - self.started, 1), **self.info}


class JobManager:
    """The studio's jobs, at most :attr:`max_running` at once.

    Parameters
    ----------
    runs : Path
        Folder the results are written into (one folder per job).
    max_running : int
        Jobs running at once (the machine's cores are shared).
    """

    def __init__(self, runs: Path, max_running: int = 2) -> None:
        self.runs = runs
        self.max_running = max_running
        self.jobs: dict[str, Job] = {}

    def _start(self, kind: str, target: Any, args: tuple[Any, ...], out: Path,
               info: dict[str, Any]) -> Job:
        from musterpoint.scenarios.errors import InputError

        busy = sum(1 for j in self.jobs.values() if self._refresh(j).state == "running")
        if busy >= self.max_running:
            raise InputError.single("studio", "run", f"{busy} jobs are running; wait for one "
                                    "to end or cancel it")
        q = _CTX.Queue()
        # a comparison starts the replications' processes, which a daemon may not; the
        # studio ends its jobs when it stops (shutdown), daemon or not
        proc = _CTX.Process(target=target, args=(*args, q), daemon=kind != "compare",
                            name=f"muster-studio-{kind}")
        proc.start()
        job = Job(out.name, kind, out, proc, q, info)
        self.jobs[job.id] = job
        logger.info("started %s job %s (pid %s)", kind, job.id, proc.pid)
        return job

    def new_out(self, prefix: str) -> Path:
        """A new result folder name under :attr:`runs` (not created)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return self.runs / f"{prefix}-{stamp}-{secrets.token_hex(3)}"

    def start_run(self, scenario_file: Path, plan: str, options: dict[str, Any],
                  info: dict[str, Any]) -> Job:
        """Start a run of ``plan`` (see :func:`run_worker`)."""
        out = self.new_out(f"run-{plan}")
        return self._start("run", run_worker, (str(scenario_file), plan, str(out), options),
                           out, info)

    def start_compare(self, argv: list[str], out: Path, info: dict[str, Any]) -> Job:
        """Start ``muster compare`` with ``argv`` writing ``out`` (see :func:`compare_worker`)."""
        return self._start("compare", compare_worker, (argv,), out, info)

    def get(self, job_id: str) -> Job | None:
        """The job with that id, brought up to date (None: no such job)."""
        job = self.jobs.get(job_id)
        return self._refresh(job) if job is not None else None

    def _refresh(self, job: Job) -> Job:
        while True:
            try:
                msg = job.queue.get_nowait()
            except (queue_mod.Empty, OSError, ValueError):
                break
            if msg["kind"] == "progress":
                job.stage, job.fraction = msg["stage"], float(msg["fraction"])
            elif job.state == "running":
                job.state = msg["kind"]
                job.message = str(msg.get("message", ""))
                job.ended = time.monotonic()
        if job.state == "running" and not job.process.is_alive():
            job.process.join(0.1)
            job.state, job.ended = "failed", time.monotonic()
            job.message = f"the worker process ended (exit code {job.process.exitcode})"
        if job.state == "done" and not job.out.is_dir():
            job.state, job.message = "failed", "the result folder is missing"
        return job

    def cancel(self, job_id: str) -> Job | None:
        """Stop a job's process and remove what it was writing (no partial result)."""
        job = self.get(job_id)
        if job is None or job.state != "running":
            return job
        proc = job.process
        _signal_group(proc, signal.SIGTERM)
        proc.terminate()
        proc.join(CANCEL_GRACE_S)
        _signal_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))  # stragglers
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
        job.state, job.message, job.ended = "cancelled", "", time.monotonic()
        clean_leftovers(job.out.parent)
        if job.out.exists():  # never a complete result of a cancelled job either
            shutil.rmtree(job.out, ignore_errors=True)
        logger.info("cancelled job %s", job.id)
        return job

    def shutdown(self) -> None:
        """Cancel every running job (the studio is closing)."""
        for job_id in list(self.jobs):
            self.cancel(job_id)
