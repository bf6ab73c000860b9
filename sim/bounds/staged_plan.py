"""A staged departure schedule by zone, derived from the earliest-arrival flow of the bound.

In the bound's earliest-arrival flow (:func:`musterpoint.sim.bounds.bound.evacuation_bound`),
everyone released at a vehicle's origin up to its departure is safe by ``safe_by_s``,
while at free flow the vehicle alone would be safe at ``freeflow_s``. The difference, less
the time the origin's outgoing roads need to let that release out, is time the household
would spend queueing in any schedule that keeps up with the bound: it may as well wait at
home. A zone is ordered out later by the smallest such slack among its households (so no
household of the zone is held back more than the flow holds it back), rounded down to
``resolution_min``. Zones the flow never holds back keep their order time.

:func:`staged_schedule` returns the plan; :func:`write_staged_plan` writes it as a plan file,
and :func:`write_scenario_with_plan` writes a copy of the scenario file (absolute paths)
that lists it, so that ``muster run <that file> --plan <name>`` runs it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.scenarios.schema import Label, OrderStage, Plan
from musterpoint.sim.bounds.bound import BoundResult
from musterpoint.sim.evacuation.agents import zone_order_times
from musterpoint.sim.world import World

__all__ = ["StagedSchedule", "staged_schedule", "write_scenario_with_plan",
           "write_staged_plan"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StagedSchedule:
    """A staged plan and how it was derived.

    Attributes
    ----------
    plan : Plan
        The base plan with every zone ordered at ``order_s``.
    delay_s : dict of str to float
        Per zone, how much later than in the base plan it is ordered out.
    order_s : dict of str to float
        Per zone, the new order time (scenario seconds).
    """

    plan: Plan
    delay_s: dict[str, float]
    order_s: dict[str, float]


def _release_service_s(world: World, agents: pd.DataFrame, step_s: float) -> np.ndarray:
    """Per agents row: time the origin's outgoing links need to let out what is released
    there in the same time step (PCU over their summed capacity)."""
    net = world.network
    out_cap = np.bincount(net.link_from, weights=net.capacity_vph, minlength=net.n_nodes)
    node_of = {int(x): i for i, x in enumerate(net.node_id.tolist())}
    o = np.array([node_of[int(x)] for x in agents["origin_node"].tolist()], dtype=np.int64)
    dep = agents["depart_s"].to_numpy(float)
    pcu = agents["pcu"].to_numpy(float)
    key = pd.Series(o.astype(str)) + ":" + pd.Series(
        np.floor(np.nan_to_num(dep, nan=-1.0) / step_s).astype(np.int64).astype(str))
    tot = pd.Series(pcu).groupby(key).transform("sum").to_numpy(float)
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(out_cap[o] > 0, tot * 3600.0 / out_cap[o], np.inf))


def staged_schedule(world: World, base: Plan, bound: BoundResult, agents: pd.DataFrame, *,
                    resolution_min: float = 5.0, name: str | None = None) -> StagedSchedule:
    """Derive a staged plan from ``bound`` (computed on ``agents`` of a run of ``base``).

    Parameters
    ----------
    world : World
        The scenario.
    base : Plan
        The plan that was run; everything but the order times is kept.
    bound : BoundResult
        Its bound, from :func:`musterpoint.sim.bounds.bound.evacuation_bound` on ``agents``.
    agents : DataFrame
        The run's agents table (same rows as the bound).
    resolution_min : float
        Delays are rounded down to multiples of this.
    name : str, optional
        Plan name (default ``<base>-staged``).
    """
    zones = world.zones.ids
    base_order = zone_order_times(world, base)
    slack = bound.safe_by_s - bound.freeflow_s - _release_service_s(world, agents,
                                                                     bound.step_s)
    zcol = agents["zone"].astype(str).to_numpy()
    res = resolution_min * 60.0
    delay: dict[str, float] = {}
    order: dict[str, float] = {}
    for z, zid in enumerate(zones):
        s = slack[(zcol == zid) & np.isfinite(slack)]
        d = float(np.min(s)) if s.size else 0.0
        d = math.floor(max(d, 0.0) / res) * res if res > 0 else max(d, 0.0)
        delay[zid] = d
        order[zid] = float(base_order[z]) + d
    groups: dict[float, list[str]] = {}
    for zid in zones:
        groups.setdefault(round(order[zid] / 3600.0, 6), []).append(zid)
    stages = [OrderStage(time_h=t, zones=sorted(zs)) for t, zs in sorted(groups.items())]
    held = sum(1 for d in delay.values() if d > 0)
    plan = base.model_copy(update={
        "name": name or f"{base.name}-staged",
        "title": Label(en=f"{base.title.en}: staged by the flow bound",
                       zh=(f"{base.title.zh}：按流量下界分阶段" if base.title.zh else None)),
        "description": (f"Derived from the earliest-arrival flow of {base.name!r}: {held} of "
                        f"{len(zones)} zones ordered out later, by the least time the flow "
                        "holds each of their households back (rounded down to "
                        f"{resolution_min:g} min)."),
        "stages": stages,
    })
    plan = Plan.model_validate(plan.model_dump())
    logger.info("staged schedule: %d of %d zones held back (max %.0f min)", held, len(zones),
                max(delay.values(), default=0.0) / 60.0)
    return StagedSchedule(plan=plan, delay_s=delay, order_s=order)


def _plain(plan: Plan) -> dict[str, Any]:
    data: dict[str, Any] = plan.model_dump(mode="json", exclude_none=True,
                                           exclude_defaults=True)
    data["name"] = plan.name
    data["title"] = plan.title.model_dump(exclude_none=True)
    return data


def write_staged_plan(plan: Plan, path: Path) -> Path:
    """Write ``plan`` as a YAML plan file (it validates with the plan schema)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(_plain(plan), allow_unicode=True, sort_keys=False)
    Plan.model_validate(yaml.safe_load(text))
    path.write_text(text, encoding="utf-8")
    return path


def _absolute(x: Any, base: Path) -> Any:
    if isinstance(x, dict):
        return {k: _absolute(v, base) for k, v in x.items()}
    if isinstance(x, list):
        return [_absolute(v, base) for v in x]
    if isinstance(x, str) and x and not Path(x).is_absolute():
        try:
            p = base / x
            if p.is_file():
                return str(p.resolve())
        except (OSError, ValueError):
            return x
    return x


def write_scenario_with_plan(loaded: LoadedScenario, plan_path: Path, path: Path) -> Path:
    """Write a copy of the scenario file (file paths made absolute) that also lists
    ``plan_path``, so that ``muster run <path> --plan <its name>`` runs the plan."""
    data = loaded.scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["name"] = loaded.scenario.name
    data = _absolute(data, loaded.path.parent)
    data["plans"] = [str(Path(p).resolve()) for p in loaded.plan_paths.values()]
    data["plans"].append(str(Path(plan_path).resolve()))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path
