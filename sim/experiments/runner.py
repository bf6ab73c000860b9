"""Replications of plans with common random numbers, run serially, in local processes or on
a Dask cluster, and summarised the same way whichever ran them.

Seeds: replication ``i`` (0-based) of every plan uses seed ``base_seed + i``. The engine
draws each random process from its own named stream of the run's seed
(:mod:`musterpoint.sim.rng`), so replication ``i`` of plan A and of plan B share the same
households, cars and departure draws: common random numbers. Their paired difference
then holds the effect of the plan, not the luck of the draw.

Executors: :class:`SerialExecutor` (in this process), :class:`LocalProcessExecutor`
(``concurrent.futures`` with the ``spawn`` start method; each worker builds the World once,
in its initializer) and :class:`DaskExecutor` (a ``distributed`` scheduler; each worker
process builds the World on its first task and keeps it). A run depends only on (World,
plan, seed), and the results are sorted by plan and replication before anything is
computed from them, so the summaries are identical, to the bit, whichever executor ran
them. Dask workers must see the scenario files at the same path and run the same
musterpoint version (checked).

The records sent between processes are in :mod:`musterpoint.sim.experiments.jobs`, and the
comparison computed from the summaries in :mod:`musterpoint.sim.experiments.comparison`; both are
re-exported here.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Protocol

from musterpoint.scenarios.errors import MusterError
from musterpoint.scenarios.schema import Plan
from musterpoint.sim import __version__
from musterpoint.sim.experiments.jobs import (
    JobFailure,
    ReplicationError,
    RunJob,
    RunSummary,
    summarise_run,
)
from musterpoint.sim.world import World

__all__ = [
    "LOCAL_CLUSTER",
    "DaskExecutor",
    "Executor",
    "LocalProcessExecutor",
    "SerialExecutor",
    "local_cluster_workers",
    "make_jobs",
    "prime_world",
    "run_job",
    "run_replications",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------- worker side
_WORLDS: dict[str, World] = {}


def _key(path: str | Path) -> str:
    return str(Path(path).resolve())


def prime_world(path: str | Path, world: World) -> None:
    """Give this process's World cache an already built World for ``path``."""
    _WORLDS.clear()
    _WORLDS[_key(path)] = world


def _world(path: str) -> World:
    key = _key(path)
    if key not in _WORLDS:
        from musterpoint.scenarios.loader import load_scenario
        from musterpoint.sim.world import build_world

        root = logging.getLogger("musterpoint")
        level = root.level
        root.setLevel(logging.ERROR)  # the main process has shown the World's warnings
        try:
            world = build_world(load_scenario(path))
        finally:
            root.setLevel(level)
        _WORLDS.clear()  # one scenario per worker at a time
        _WORLDS[key] = world
    return _WORLDS[key]


def _init_worker(path: str) -> None:
    logging.getLogger("musterpoint").setLevel(logging.ERROR)
    _world(path)



class _Collect(logging.Handler):
    """Keeps the warnings a run logs, to send them back with its summary."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_job(job: RunJob) -> RunSummary | JobFailure:
    """Run one job in this process (its World is built once per process and kept).

    Warnings the run logs are not shown here but returned in the summary, so that a
    comparison lists each once, whichever process ran it.
    """
    from musterpoint.sim.engine import simulate

    world = _world(job.scenario_path)
    root = logging.getLogger("musterpoint")
    saved = (root.level, root.propagate, root.handlers[:])
    grab = _Collect()
    root.handlers[:], root.propagate = [grab], False
    root.setLevel(logging.WARNING)
    try:
        result = simulate(world, job.plan, job.seed)
    except MusterError as exc:
        return JobFailure(job.plan.name, job.replication, job.seed, type(exc).__name__,
                          str(exc))
    finally:
        root.setLevel(saved[0])
        root.propagate, root.handlers[:] = saved[1], saved[2]
    summary = summarise_run(result, job.replication)
    summary.warnings.extend(m for m in grab.messages if m not in summary.warnings)
    return summary


# ---------------------------------------------------------------------- executors
Outcome = RunSummary | JobFailure


class Executor(Protocol):
    """Runs jobs and yields their outcomes in any order."""

    name: str

    def run(self, jobs: Sequence[RunJob]) -> Iterator[Outcome]:
        """Yield the outcome of every job (order of completion)."""
        ...


class SerialExecutor:
    """Run every job here, one after another."""

    name = "serial"

    def run(self, jobs: Sequence[RunJob]) -> Iterator[Outcome]:
        """Yield outcomes in job order."""
        for job in jobs:
            yield run_job(job)


class LocalProcessExecutor:
    """Run jobs in local worker processes (``spawn``), each building the World once.

    Parameters
    ----------
    workers : int, optional
        Worker processes (default: the CPUs this process may use).
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        avail = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        self.workers = max(1, workers or avail or os.cpu_count() or 1)

    def run(self, jobs: Sequence[RunJob]) -> Iterator[Outcome]:
        """Yield outcomes as workers finish them; pending jobs are cancelled on exit."""
        if not jobs:
            return
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)), mp_context=ctx,
                                   initializer=_init_worker, initargs=(jobs[0].scenario_path,))
        try:
            futures = [pool.submit(run_job, j) for j in jobs]
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _probe(address: str, timeout: float) -> None:
    """Fail fast (OSError) if nothing listens at a ``tcp://HOST:PORT`` address."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()


#: ``--scheduler`` value that starts a Dask LocalCluster on this machine (``local:N``: N
#: worker processes; default one per CPU).
LOCAL_CLUSTER = "local"


def local_cluster_workers(address: str) -> int | None:
    """Worker processes of a ``local`` / ``local:N`` address, or None for a scheduler's
    ``tcp://`` address.

    Raises
    ------
    MusterError
        If ``N`` is not a whole number >= 1.
    """
    if address != LOCAL_CLUSTER and not address.startswith(LOCAL_CLUSTER + ":"):
        return None
    tail = address[len(LOCAL_CLUSTER) + 1:]
    if not tail:
        return max(1, os.cpu_count() or 1)
    if not tail.isdigit() or int(tail) < 1:
        raise MusterError(f"--scheduler {address}: give local:N with N >= 1 worker "
                          "processes, e.g. local:2")
    return int(tail)


class DaskExecutor:
    """Run jobs on a Dask ``distributed`` cluster.

    Parameters
    ----------
    address : str
        Scheduler address, ``tcp://HOST:PORT``; or ``local`` / ``local:N`` to start a
        ``LocalCluster`` of N single-threaded worker processes (one per CPU by default)
        for these jobs and close it after them.
    timeout : float
        Seconds to wait for the scheduler.
    """

    name = "dask"

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        self.address = address
        self.timeout = timeout
        self.workers = local_cluster_workers(address)

    def run(self, jobs: Sequence[RunJob]) -> Iterator[Outcome]:
        """Yield outcomes as the cluster finishes them; pending tasks are cancelled on exit."""
        try:  # imported here: the engine never imports dask otherwise
            dist: Any = importlib.import_module("distributed")
        except ImportError:
            raise MusterError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
        cluster: Any = None
        if self.workers is not None:
            cluster = dist.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                        processes=True, dashboard_address=None)
            address = str(cluster.scheduler_address)
        else:
            address = self.address
        try:
            try:
                _probe(address, self.timeout)
                client = dist.Client(address, timeout=self.timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise MusterError(
                    f"cannot reach the Dask scheduler at {address}: {exc}; start one with "
                    "'dask scheduler' and workers with 'dask worker tcp://HOST:8786', use "
                    "--scheduler local for a cluster on this machine, or leave out "
                    "--scheduler") from None
            futures: list[Any] = []
            try:
                futures = client.map(run_job, list(jobs), pure=False)
                for fut in dist.as_completed(futures):
                    yield fut.result()
            finally:
                if futures:
                    client.cancel(futures)
                client.close()
        finally:
            if cluster is not None:
                cluster.close()


# ---------------------------------------------------------------------- driver
def make_jobs(scenario_path: str | Path, plans: Sequence[Plan], replications: int,
              base_seed: int) -> list[RunJob]:
    """Replication ``i`` of every plan on seed ``base_seed + i`` (interleaved by replication)."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    path = str(scenario_path)
    return [RunJob(path, p, i, base_seed + i) for i in range(replications) for p in plans]


def run_replications(jobs: Sequence[RunJob], executor: Executor, *,
                     check: Callable[[list[RunSummary]], None] | None = None,
                     progress: Callable[[int, int], None] | None = None) -> list[RunSummary]:
    """Run all jobs and return their summaries sorted by plan (job order) and replication.

    Parameters
    ----------
    jobs : sequence of RunJob
        From :func:`make_jobs`.
    executor : Executor
        Where to run them.
    check : callable, optional
        Called once, with the first summary of each plan, as soon as every plan has one
        (e.g. to check that every standard's KPI exists); if it raises, the remaining jobs
        are cancelled and the error passes on.
    progress : callable, optional
        Called with ``(done, total)`` after each job.

    Raises
    ------
    ReplicationError
        If a run failed or a worker runs another musterpoint version.
    """
    order = {p: i for i, p in enumerate(dict.fromkeys(j.plan.name for j in jobs))}
    out: list[RunSummary] = []
    firsts: dict[str, RunSummary] = {}
    checked = False
    outcomes = executor.run(jobs)
    try:
        for res in outcomes:
            if isinstance(res, JobFailure):
                raise ReplicationError(f"plan {res.plan!r}, replication {res.replication} "
                                       f"(seed {res.seed}) failed: {res.message}")
            if res.version != __version__:
                raise ReplicationError(f"a worker runs musterpoint {res.version}, this machine "
                                       f"{__version__}; install the same version everywhere")
            firsts.setdefault(res.plan, res)
            if check is not None and not checked and len(firsts) == len(order):
                checked = True
                check(list(firsts.values()))
            out.append(res)
            if progress is not None:
                progress(len(out), len(jobs))
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
    out.sort(key=lambda s: (order[s.plan], s.replication))
    return out
