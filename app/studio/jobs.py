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

The warm worker
    The manager keeps one **spare** worker (:func:`~musterpoint.studio.workers.
    spare_worker`: the run's modules imported, the open scenario's World taken from the
    world cache or built into it) ready for the next run (:meth:`JobManager.warm`, when
    the page opens a scenario). Run hands the job to the spare, which becomes the job's
    process (its own process group, cancelled as any job); a new spare starts in the
    background once no run is running (so that its imports do not take a core from the
    run: a planner reads the result before the next Run). A spare that died before its
    job is replaced by a fresh process; one that dies during its job is reported as a
    failed job. :meth:`JobManager.shutdown` ends it. A run's figures come before its map
    and report (``early_result`` of :meth:`Job.view`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue as queue_mod
import secrets
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from musterpoint.atomic import clean_leftovers
from musterpoint.studio.workers import RunJob, compare_worker, run_worker, spare_worker

__all__ = ["CANCEL_GRACE_S", "Job", "JobManager"]

logger = logging.getLogger(__name__)

#: Seconds a cancelled worker gets to end on SIGTERM before it is killed.
CANCEL_GRACE_S = 1.0
_CTX = multiprocessing.get_context("spawn")


def _signal_group(proc: Any, sig: int) -> None:
    """Send ``sig`` to a worker's process group (its replication processes too)."""
    if hasattr(os, "killpg") and proc.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)  # only a group the worker made: its id is its pid


@dataclass
class Job:
    """One run or comparison: its process, where it writes, and what it said last.

    ``early_result`` holds the result page's figures a run sent before its map and
    report (None until then); ``worker`` what its worker said of itself: CPU seconds of
    the job at the figures (``figures_cpu_s``) and at the end (``cpu_s``), the wall
    clock then (``figures_at``, ``at``), whether it was the spare (``warm_worker``) and
    used the World it preloaded (``world_preloaded``).
    """

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
    early_result: dict[str, Any] | None = None
    worker: dict[str, Any] = field(default_factory=dict)
    #: The spare worker the job was given to (None: a fresh process), kept so that its
    #: shared objects live as long as its process (a semaphore freed while the process
    #: still starts would end it).
    spare: Any = None

    def view(self) -> dict[str, Any]:
        """The job as the page polls it (with ``early_result`` while it runs)."""
        end = self.ended if self.ended is not None else time.monotonic()
        out = {"id": self.id, "kind": self.kind, "state": self.state, "stage": self.stage,
               "fraction": round(self.fraction, 4), "message": self.message,
               "elapsed_s": round(end - self.started, 1), **self.info}
        if self.state == "running" and self.early_result is not None:
            out["early_result"] = self.early_result
        if self.worker:
            out["worker"] = dict(self.worker)
        return out


@dataclass
class _Spare:
    """A spare worker: its process, the end its job is sent on, its ready flag, its
    queue, and the scenario file it preloaded (None: none)."""

    process: Any
    jobs: Any
    ready: Any
    queue: Any
    preload: str | None


class JobManager:
    """The studio's jobs, at most :attr:`max_running` at once.

    Parameters
    ----------
    runs : Path
        Folder the results are written into (one folder per job).
    max_running : int
        Jobs running at once (the machine's cores are shared).
    warm_worker : bool
        Keep a spare worker ready for the next run (see the module's notes); False
        starts a fresh process for every run.
    """

    def __init__(self, runs: Path, max_running: int = 2, *, warm_worker: bool = True) -> None:
        self.runs = runs
        self.max_running = max_running
        self.warm_worker = warm_worker
        self.jobs: dict[str, Job] = {}
        self._spare: _Spare | None = None
        self._lock = threading.RLock()
        self._closed = False
        #: The scenario file of the last run started: the next spare is for it.
        self._next: Path | None = None

    # ------------------------------------------------------------------ the spare
    def warm(self, scenario_file: Path | None) -> None:
        """Have a spare worker ready for a run of ``scenario_file`` (its World preloaded).

        Keeps the spare when it is alive and preloaded that file; else ends it and starts
        another. Does nothing without :attr:`warm_worker` or once shut down.
        """
        want = str(scenario_file) if scenario_file is not None else None
        with self._lock:
            if not self.warm_worker or self._closed:
                return
            spare = self._spare
            if spare is not None and spare.process.is_alive() and spare.preload == want:
                return
            self._spare = None
            if spare is not None:
                self._end_spare(spare)
            reader, writer = _CTX.Pipe(duplex=False)
            ready, q = _CTX.Event(), _CTX.Queue()
            proc = _CTX.Process(target=spare_worker, args=(want, reader, ready, q),
                                daemon=True, name="muster-studio-spare")
            proc.start()
            reader.close()
            self._spare = _Spare(proc, writer, ready, q, want)
            logger.info("started a spare worker (pid %s) for %s", proc.pid, want)

    def wait_spare(self, timeout_s: float) -> bool:
        """Wait until there is a spare worker ready for a job (False: not in time)."""
        deadline = time.monotonic() + timeout_s
        while not self._closed:
            spare = self._spare
            left = deadline - time.monotonic()
            if spare is not None and spare.ready.wait(min(max(left, 0.0), 0.2)):
                return spare is self._spare
            if left <= 0:
                return False
            if spare is None:
                time.sleep(0.05)
        return False

    @property
    def spare_process(self) -> Any:
        """The spare worker's process (None: no spare)."""
        spare = self._spare
        return spare.process if spare is not None else None

    @staticmethod
    def _end_spare(spare: _Spare) -> None:
        with contextlib.suppress(OSError):
            spare.jobs.close()  # a spare waiting for its job ends on this
        _signal_group(spare.process, signal.SIGTERM)
        spare.process.terminate()
        spare.process.join(CANCEL_GRACE_S)
        if spare.process.is_alive():
            _signal_group(spare.process, getattr(signal, "SIGKILL", signal.SIGTERM))
            spare.process.kill()
            spare.process.join(1.0)

    def _hand_to_spare(self, job: RunJob) -> _Spare | None:
        """Give ``job`` to the spare worker and return it; None when there is no live
        spare to take it (it died: ended here, the run gets a fresh process)."""
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is None:
            return None
        if spare.process.is_alive():
            try:
                spare.jobs.send(job)
                spare.jobs.close()
                return spare
            except OSError:
                logger.warning("the spare worker (pid %s) did not take the job",
                               spare.process.pid)
        else:
            logger.warning("the spare worker (pid %s) ended (exit code %s) before its job",
                           spare.process.pid, spare.process.exitcode)
        self._end_spare(spare)
        return None

    # ------------------------------------------------------------------ jobs
    def _check_room(self) -> None:
        from musterpoint.scenarios.errors import InputError

        busy = sum(1 for j in self.jobs.values() if self._refresh(j).state == "running")
        if busy >= self.max_running:
            raise InputError.single("studio", "run", f"{busy} jobs are running; wait for one "
                                    "to end or cancel it")

    def _start(self, kind: str, target: Any, args: tuple[Any, ...], out: Path,
               info: dict[str, Any]) -> Job:
        self._check_room()
        q = _CTX.Queue()
        # a comparison starts the replications' processes, which a daemon may not; the
        # studio ends its jobs when it stops (shutdown), daemon or not
        proc = _CTX.Process(target=target, args=(*args, q), daemon=kind != "compare",
                            name=f"muster-studio-{kind}")
        proc.start()
        return self._add(Job(out.name, kind, out, proc, q, info))

    def _add(self, job: Job) -> Job:
        self.jobs[job.id] = job
        logger.info("started %s job %s (pid %s)", job.kind, job.id, job.process.pid)
        return job

    def new_out(self, prefix: str) -> Path:
        """A new result folder name under :attr:`runs` (not created)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return self.runs / f"{prefix}-{stamp}-{secrets.token_hex(3)}"

    def start_run(self, scenario_file: Path, plan: str, options: dict[str, Any],
                  info: dict[str, Any]) -> Job:
        """Start a run of ``plan``: on the spare worker when there is one to take it
        (a new spare starts once no run is running), else in a fresh process (see
        :func:`~musterpoint.studio.workers.run_worker`).
        ``info["closures"]`` (the scenario's road closures) go to the result's figures."""
        out = self.new_out(f"run-{plan}")
        job = RunJob(str(scenario_file), plan, str(out), options,
                     list(info.get("closures") or []))
        with self._lock:
            self._check_room()
            spare = self._hand_to_spare(job)
            if spare is not None:
                started = self._add(Job(out.name, "run", out, spare.process, spare.queue,
                                        info, spare=spare))
            else:
                started = self._start("run", run_worker, (job,), out, info)
            self._next = scenario_file  # the next spare, once no run is running
            return started

    def start_compare(self, argv: list[str], out: Path, info: dict[str, Any]) -> Job:
        """Start ``muster compare`` with ``argv`` writing ``out`` (see
        :func:`~musterpoint.studio.workers.compare_worker`)."""
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
            elif msg["kind"] == "figures":
                job.early_result = msg["result"]
                job.worker.update(figures_cpu_s=msg.get("cpu_s"), figures_at=msg.get("at"))
            elif job.state == "running":
                job.state = msg["kind"]
                job.message = str(msg.get("message", ""))
                job.worker.update({k: v for k, v in msg.items()
                                   if k not in ("kind", "message")})
                job.ended = time.monotonic()
        if job.state == "running" and not job.process.is_alive():
            job.process.join(0.1)
            job.state, job.ended = "failed", time.monotonic()
            job.message = f"the worker process ended (exit code {job.process.exitcode})"
        if job.state == "done" and not job.out.is_dir():
            job.state, job.message = "failed", "the result folder is missing"
        if job.state != "running" and job.kind == "run":
            self._spare_after_runs()
        return job

    def _spare_after_runs(self) -> None:
        """Start the next spare (for the last run's scenario) once no run is running."""
        with self._lock:
            if self._next is None or self._spare is not None or any(
                    j.state == "running" for j in self.jobs.values() if j.kind == "run"):
                return
            scenario_file, self._next = self._next, None
            self.warm(scenario_file)

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
        if job.kind == "run":
            self._spare_after_runs()
        return job

    def shutdown(self) -> None:
        """Cancel every running job and end the spare worker (the studio is closing)."""
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        if spare is not None:
            self._end_spare(spare)
        for job_id in list(self.jobs):
            self.cancel(job_id)
