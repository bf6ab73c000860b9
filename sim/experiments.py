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
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from musterpoint import __version__
from musterpoint.scenarios.errors import MusterError
from musterpoint.scenarios.schema import Plan
from musterpoint.sim import scoring, standards_eval
from musterpoint.sim import statistics as st
from musterpoint.sim.result import RunResult
from musterpoint.sim.scoring import ScoreWeights
from musterpoint.sim.standards_eval import ScopedStandard
from musterpoint.sim.statistics import Target
from musterpoint.sim.world import World

__all__ = [
    "FORMAT",
    "LINK_CHANGE",
    "NULL_POLICY",
    "DaskExecutor",
    "Executor",
    "JobFailure",
    "LocalProcessExecutor",
    "ReplicationError",
    "RunJob",
    "RunSummary",
    "SerialExecutor",
    "build_comparison",
    "make_jobs",
    "prime_world",
    "run_job",
    "run_replications",
    "summarise_run",
]

logger = logging.getLogger(__name__)


class ReplicationError(MusterError):  # type: ignore[misc]
    """A replication failed, or a worker runs another musterpoint version."""


@dataclass(frozen=True)
class RunJob:
    """One run to do: a plan of a scenario with one seed."""

    scenario_path: str
    plan: Plan
    replication: int
    seed: int


@dataclass
class RunSummary:
    """What a comparison needs from one run (small enough to send between processes).

    Attributes
    ----------
    plan, replication, seed, version : str, int, int, str
        Which run this is, and the musterpoint version that ran it.
    kpis : dict
        The full KPI tree (as in ``kpis.json``).
    duration_s, first_order_s : float
        Simulated duration and first evacuation order.
    evacuees : int
        Persons ordered out.
    curve_time_s, curve_departed, curve_arrived : list of float
        Whole-area time series (persons) every 5 minutes.
    link_peak : dict of str to float
        Peak occupancy of every link that carried traffic.
    wall_time_s : float
        Wall time of the run (never used in the comparison itself).
    warnings : list of str
        Warnings about the World.
    """

    plan: str
    replication: int
    seed: int
    version: str
    kpis: dict[str, Any]
    duration_s: float
    first_order_s: float
    evacuees: int
    curve_time_s: list[float] = field(default_factory=list)
    curve_departed: list[float] = field(default_factory=list)
    curve_arrived: list[float] = field(default_factory=list)
    link_peak: dict[str, float] = field(default_factory=dict)
    wall_time_s: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class JobFailure:
    """A run that raised a MusterError (sent back as text: the error may not pickle)."""

    plan: str
    replication: int
    seed: int
    kind: str
    message: str


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


def summarise_run(result: RunResult, replication: int) -> RunSummary:
    """The parts of a RunResult a comparison uses."""
    meta = result.meta
    ts = result.tables.get("timeseries")
    times: list[float] = []
    dep: list[float] = []
    arr: list[float] = []
    if ts is not None and not ts.empty:
        whole = ts[ts["zone"].astype(str) == "ALL"].sort_values("time_s", kind="stable")
        times = [float(x) for x in whole["time_s"]]
        dep = [float(x) for x in whole["departed"]]
        arr = [float(x) for x in whole["arrived"]]
    peak: dict[str, float] = {}
    ls = result.tables.get("link_states")
    if ls is not None and not ls.empty:
        m = ls.groupby(ls["link_id"].astype(str), sort=True)["occupancy"].max()
        peak = {str(k): float(v) for k, v in m.items() if float(v) > 0}
    ev = result.kpis.get("evacuation") or {}
    return RunSummary(
        plan=str(meta["plan"]), replication=replication, seed=int(meta["seed"]),
        version=str(meta.get("version", "")), kpis=result.kpis,
        duration_s=float(meta.get("duration_s") or 0.0),
        first_order_s=float(meta.get("first_order_s") or 0.0),
        evacuees=int(ev.get("evacuees") or 0), curve_time_s=times, curve_departed=dep,
        curve_arrived=arr, link_peak=peak, wall_time_s=float(meta.get("wall_time_s") or 0.0),
        warnings=[str(w) for w in meta.get("warnings") or []],
    )


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
    from musterpoint.sim.evacuation import simulate

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


class DaskExecutor:
    """Run jobs on a Dask ``distributed`` cluster.

    Parameters
    ----------
    address : str
        Scheduler address, ``tcp://HOST:PORT``.
    timeout : float
        Seconds to wait for the scheduler.
    """

    name = "dask"

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        self.address = address
        self.timeout = timeout

    def run(self, jobs: Sequence[RunJob]) -> Iterator[Outcome]:
        """Yield outcomes as the cluster finishes them; pending tasks are cancelled on exit."""
        try:  # imported here: the engine never imports dask otherwise
            dist: Any = importlib.import_module("distributed")
        except ImportError:
            raise MusterError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
        try:
            _probe(self.address, self.timeout)
            client = dist.Client(self.address, timeout=self.timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise MusterError(f"cannot reach the Dask scheduler at {self.address}: {exc}; start "
                              "one with 'dask scheduler' and workers with 'dask worker "
                              "tcp://HOST:8786', or leave out --scheduler") from None
        futures: list[Any] = []
        try:
            futures = client.map(run_job, list(jobs), pure=False)
            for fut in dist.as_completed(futures):
                yield fut.result()
        finally:
            if futures:
                client.cancel(futures)
            client.close()


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


# ---------------------------------------------------------------------- comparison
#: Format tag of comparison.json.
FORMAT = "musterpoint-comparison/1"
#: Smallest change of a link's mean peak occupancy that counts as "congestion changed".
LINK_CHANGE = 0.10
#: How null KPIs are treated (also written into comparison.json).
NULL_POLICY = (
    "A null KPI was never reached (e.g. an ETE when not everybody got out). KPI intervals "
    "use the replications where it was reached and give that count (n of n_total); paired "
    "differences use the seeds where both plans reached it; a null value never meets a "
    "standard; in the score a null KPI has the worst badness (1)."
)


def _curves(by_plan: dict[str, list[RunSummary]]) -> dict[str, Any]:
    """Whole-area % departed and arrived over time (hours after the scenario start)."""
    runs = [s for rs in by_plan.values() for s in rs]
    size = min(len(s.curve_time_s) for s in runs)
    out: dict[str, Any] = {"time_h": [t / 3600.0 for t in runs[0].curve_time_s[:size]],
                           "plans": {}}
    for plan, rs in by_plan.items():
        def pct(s: RunSummary, col: list[float]) -> list[float]:
            return [100.0 * v / s.evacuees if s.evacuees else 0.0 for v in col[:size]]
        arr = [pct(s, s.curve_arrived) for s in rs]
        dep = [pct(s, s.curve_departed) for s in rs]
        out["plans"][plan] = {
            "arrived_mean": [sum(c) / len(c) for c in zip(*arr, strict=True)],
            "arrived_min": [min(c) for c in zip(*arr, strict=True)],
            "arrived_max": [max(c) for c in zip(*arr, strict=True)],
            "departed_mean": [sum(c) / len(c) for c in zip(*dep, strict=True)],
        }
    return out


def _links(by_plan: dict[str, list[RunSummary]], base: str) -> dict[str, Any]:
    """Mean peak occupancy per link and plan, for the links whose congestion changed."""
    ids = sorted({k for rs in by_plan.values() for s in rs for k in s.link_peak})
    mean = {p: {k: sum(s.link_peak.get(k, 0.0) for s in rs) / len(rs) for k in ids}
            for p, rs in by_plan.items()}
    changed = {k: {p: mean[p][k] for p in by_plan} for k in ids
               if any(abs(mean[p][k] - mean[base][k]) >= LINK_CHANGE for p in by_plan)}
    return {"metric": "peak_occupancy", "threshold": LINK_CHANGE, "links_used": len(ids),
            "changed": changed}


def build_comparison(summaries: Sequence[RunSummary], *, scenario: dict[str, Any],
                     plans: Sequence[dict[str, Any]], standards: Sequence[ScopedStandard],
                     weights: ScoreWeights, base_seed: int, confidence: float = 0.95,
                     targets: Sequence[Target] | None = None) -> dict[str, Any]:
    """Everything comparison.json holds, computed only from the sorted run summaries.

    Parameters
    ----------
    summaries : sequence of RunSummary
        From :func:`run_replications`.
    scenario : dict
        ``name``, ``title``, ``title_zh``, ``start``, ``timezone``, ``duration_s``.
    plans : sequence of dict
        ``name``, ``title``, ``title_zh`` of each plan, the baseline first.
    standards : sequence of ScopedStandard
        From :func:`musterpoint.sim.standards_eval.collect_standards`.
    weights : ScoreWeights
        Weights of the composite score.
    base_seed : int
        Seed of replication 0.
    confidence : float
        Level of every interval.
    targets : sequence of Target, optional
        Wanted half-widths; default: 1 point for the composite score and 5 % of the mean
        for the KPI of each (whole-area) standard.

    Returns
    -------
    dict
        JSON-ready; no wall-clock or machine-dependent field, so that the same seeds give
        the same file whichever executor ran them.
    """
    names = [str(p["name"]) for p in plans]
    by_plan = {n: [s for s in summaries if s.plan == n] for n in names}
    reps = len(by_plan[names[0]])
    seeds = [s.seed for s in by_plan[names[0]]]
    if any([s.seed for s in rs] != seeds for rs in by_plan.values()):
        raise ReplicationError("every plan needs the same seeds; some runs are missing")
    flat = {n: [st.flatten_kpis(s.kpis) for s in by_plan[n]] for n in names}
    scores = {n: [scoring.score_run(s.kpis, s.duration_s, weights) for s in by_plan[n]]
              for n in names}
    kpi_names = list(dict.fromkeys(k for n in names for f in flat[n] for k in f))
    values = {k: {n: [f.get(k) for f in flat[n]] for n in names} for k in kpi_names}
    values["score.composite"] = {n: [s["composite"] for s in scores[n]] for n in names}
    directions: dict[str, bool | None] = {t.kpi: True for t in weights.terms}
    directions["score.composite"] = False
    table = st.kpi_table(values, directions, confidence)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    diffs = [{"a": a, "b": b, "kpis": st.difference_table(values, a, b, directions, confidence)}
             for a, b in pairs]

    std_rows, per_run = standards_eval.standards_table(
        standards, {n: [r.kpis for r in by_plan[n]] for n in names}, confidence)
    score = scoring.score_table(weights, scores, values["score.composite"], confidence)
    if targets is None:
        head = dict.fromkeys(sc.standard.kpi for sc in standards if sc.standard.per is None)
        targets = [Target("score.composite", 1.0, False), *(Target(k, 0.05, True) for k in head)]
    return {
        "format": FORMAT,
        "version": __version__,
        "scenario": scenario,
        "plans": list(plans),
        "baseline": names[0],
        "replications": reps,
        "base_seed": base_seed,
        "seeds": seeds,
        "confidence": confidence,
        "null_policy": NULL_POLICY,
        "kpis": table,
        "differences": diffs,
        "standards": std_rows,
        "score": score,
        "replications_check": st.replications_check(table, targets, reps, confidence),
        "curves": _curves(by_plan),
        "zones": st.zone_table({n: [s.kpis for s in by_plan[n]] for n in names}, names[0],
                               confidence),
        "links": _links(by_plan, names[0]),
        "runs": [{"plan": n, "replication": s.replication, "seed": s.seed,
                  "score": scores[n][i]["composite"], "standards": per_run[n][i],
                  "kpis": flat[n][i]} for n in names for i, s in enumerate(by_plan[n])],
        "warnings": list(dict.fromkeys(w for s in summaries for w in s.warnings)),
    }

