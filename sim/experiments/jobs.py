"""One replication of a plan: the job to run, the summary it sends back, or its failure.

These are the small, picklable records that go between the driver of
:mod:`musterpoint.sim.experiments.runner` and its worker processes, and from which
:mod:`musterpoint.sim.experiments.comparison` computes everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from musterpoint.scenarios.errors import MusterError
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.result import RunResult

__all__ = ["JobFailure", "ReplicationError", "RunJob", "RunSummary", "summarise_run"]


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
        version=str(meta.get("version", "")), kpis=dict(result.kpis),
        duration_s=float(meta.get("duration_s") or 0.0),
        first_order_s=float(meta.get("first_order_s") or 0.0),
        evacuees=int(ev.get("evacuees") or 0), curve_time_s=times, curve_departed=dep,
        curve_arrived=arr, link_peak=peak, wall_time_s=float(meta.get("wall_time_s") or 0.0),
        warnings=[str(w) for w in meta.get("warnings") or []],
    )

