"""Check service standards against the KPIs of a run, and across replications.

A :class:`~musterpoint.scenarios.standards.Standard` names a KPI by its dotted path in
``kpis.json`` (``evacuation.ete90_s``), a comparison and a threshold. With ``per: zone``
the KPI is looked up below each zone (``evacuation.by_zone.<zone>.ete90_s``; a name with
no family, ``ete90_s``, is looked up in the first family that has it per zone) and the
standard holds only if it holds in every zone.

Null values: a KPI that is null was never reached (an ETE when not everybody got out). A
null value **never meets a standard**, whatever the comparison; the run counts as missing
it and the reason says "not reached". For the usual ``<=``/``<`` standards on times this
is the same as taking the time as +infinity.
"""

from __future__ import annotations

import difflib
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint.scenarios._base import repeated_id_problems
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.standards import Standard
from musterpoint.sim.kpis.statistics import flatten_kpis, flatten_zone_kpis, wilson_interval

if TYPE_CHECKING:
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.world import World

__all__ = [
    "ScopedStandard",
    "StandardResult",
    "check_known",
    "collect_standards",
    "evaluate",
    "lookup",
    "run_standards",
    "standards_table",
    "summarise",
]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9),
}


@dataclass(frozen=True)
class ScopedStandard:
    """A standard with where it was written and which plans it applies to.

    Attributes
    ----------
    standard : Standard
        The standard itself.
    source : str
        ``scenario`` (applies to every plan) or ``plan`` (only to the plan that sets it).
    file : str
        The file it was written in (for error messages).
    index : int
        Its position in that file's ``standards`` list.
    plans : tuple of str
        Names of the plans it applies to.
    """

    standard: Standard
    source: str
    file: str
    index: int
    plans: tuple[str, ...]

    @property
    def key(self) -> str:
        """Unique key: the id, prefixed by the plan for a plan's own standard."""
        return self.standard.id if self.source == "scenario" else \
            f"{self.plans[0]}:{self.standard.id}"


@dataclass
class StandardResult:
    """The check of one standard on one run.

    Attributes
    ----------
    met : bool
        Whether the run meets it.
    value : float or None
        The KPI value (for ``per: zone``, the worst zone's value; None if not reached).
    failing : list of str
        Zones that miss it (``per: zone`` only).
    """

    met: bool
    value: float | None
    failing: list[str] = field(default_factory=list)


def collect_standards(scenario_standards: Sequence[Standard], scenario_file: str,
                      plans: Sequence[tuple[str, Sequence[Standard], str]]) -> list[ScopedStandard]:
    """The scenario's standards (for every plan) and each plan's own.

    Parameters
    ----------
    scenario_standards : sequence of Standard
        ``Scenario.standards``.
    scenario_file : str
        The scenario file.
    plans : sequence of (name, standards, file)
        Each compared plan with its ``Plan.standards`` and its file.

    Raises
    ------
    InputError
        When two standards share an id within one file.
    """
    names = tuple(p for p, _, _ in plans)
    out = [ScopedStandard(s, "scenario", scenario_file, i, names)
           for i, s in enumerate(scenario_standards)]
    problems: list[Problem] = []
    for name, stds, file in [("", scenario_standards, scenario_file), *plans]:
        problems.extend(repeated_id_problems([s.id for s in stds], file, "standards",
                                             "standard"))
        if name:
            out.extend(ScopedStandard(s, "plan", file, i, (name,)) for i, s in enumerate(stds))
    if problems:
        raise InputError(problems)
    return out


def lookup(kpis: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """Follow a dotted path into a KPI tree: ``(found, value)``."""
    node: Any = kpis
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _zone_values(kpis: Mapping[str, Any], kpi: str) -> dict[str, Any] | None:
    """``{zone: value}`` for a per-zone standard, or None if no family has that KPI."""
    per_zone = flatten_zone_kpis(kpis)
    if not per_zone:
        return None
    names = [kpi] if "." in kpi else []
    if not names:  # no family given: the first family that has it per zone
        first = next(iter(per_zone.values()))
        names = [n for n in first if n.split(".", 1)[1] == kpi][:1]
    if not names or not any(names[0] in row for row in per_zone.values()):
        return None
    return {z: row.get(names[0]) for z, row in per_zone.items()}


def _known_names(kpis: Mapping[str, Any], per_zone: bool) -> list[str]:
    if per_zone:
        return sorted({n for row in flatten_zone_kpis(kpis).values() for n in row})
    return list(flatten_kpis(kpis))


def check_known(scoped: Sequence[ScopedStandard], kpis: Mapping[str, Any]) -> None:
    """Raise InputError naming file and field for every standard whose KPI does not exist.

    ``kpis`` is the KPI tree of one run (every run has the same KPI names).
    """
    problems: list[Problem] = []
    for sc in scoped:
        s = sc.standard
        where = f"standards[{sc.index}].kpi"
        if s.per == "zone":
            if _zone_values(kpis, s.kpi) is not None:
                continue
            known = _known_names(kpis, True)
            what = f"unknown per-zone KPI {s.kpi!r}"
        else:
            found, val = lookup(kpis, s.kpi)
            if found and (val is None or (isinstance(val, int | float)
                                          and not isinstance(val, bool))):
                continue
            known = _known_names(kpis, False)
            what = (f"{s.kpi!r} is a group of KPIs, not one number" if found
                    else f"unknown KPI {s.kpi!r}")
        close = difflib.get_close_matches(s.kpi, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(Problem(sc.file, where, f"{what}; {hint}use one of: "
                                f"{', '.join(known)}"))
    if problems:
        raise InputError(problems)


def _meets(value: Any, op: str, threshold: float) -> bool:
    if value is None:  # never reached: never meets (see the module notes)
        return False
    return bool(_OPS[op](float(value), threshold))


def _worse(a: Any, b: Any, op: str) -> bool:
    """True if zone value ``a`` is further on the wrong side than ``b``."""
    if a is None:
        return b is not None
    if b is None:
        return False
    return float(a) > float(b) if op in ("<=", "<", "==") else float(a) < float(b)


def evaluate(standard: Standard, kpis: Mapping[str, Any]) -> StandardResult:
    """Check one standard against the KPI tree of one run."""
    if standard.per == "zone":
        zones = _zone_values(kpis, standard.kpi) or {}
        failing = sorted(z for z, v in zones.items()
                         if not _meets(v, standard.op, standard.threshold))
        worst: Any = 0.0
        first = True
        for v in zones.values():
            if first or _worse(v, worst, standard.op):
                worst, first = v, False
        value = None if worst is None or first else float(worst)
        return StandardResult(not failing, value, failing)
    _, val = lookup(kpis, standard.kpi)
    return StandardResult(_meets(val, standard.op, standard.threshold),
                          None if val is None else float(val))


def summarise(results: Sequence[StandardResult], confidence: float = 0.95) -> dict[str, Any]:
    """Share of replications that meet a standard, with a Wilson interval and a verdict.

    The verdict is ``met`` (every replication meets it), ``missed`` (none does) or
    ``sometimes``.
    """
    n = len(results)
    k = sum(r.met for r in results)
    ci = wilson_interval(k, n, confidence)
    zones: dict[str, int] = {}
    for r in results:
        for z in r.failing:
            zones[z] = zones.get(z, 0) + 1
    return {
        "met": [r.met for r in results],
        "values": [r.value for r in results],
        "n_met": k,
        "n": n,
        "share": k / n if n else None,
        "share_lo": ci[0] if ci else None,
        "share_hi": ci[1] if ci else None,
        "verdict": "met" if n and k == n else ("missed" if k == 0 else "sometimes"),
        "failing_zones": dict(sorted(zones.items())),
    }


def standards_table(scoped: Sequence[ScopedStandard],
                    kpis_by_plan: Mapping[str, Sequence[Mapping[str, Any]]],
                    confidence: float = 0.95) -> tuple[list[dict[str, Any]],
                                                       dict[str, list[dict[str, bool]]]]:
    """Every standard checked on every replication of the plans it applies to.

    Returns
    -------
    rows : list of dict
        One per standard: its definition, label and, per plan, :func:`summarise`.
    per_run : dict
        ``per_run[plan][replication][key]``: whether that run meets the standard.
    """
    per_run: dict[str, list[dict[str, bool]]] = {
        p: [{} for _ in runs] for p, runs in kpis_by_plan.items()}
    rows: list[dict[str, Any]] = []
    for sc in scoped:
        s = sc.standard
        plans: dict[str, Any] = {}
        for p in sc.plans:
            res = [evaluate(s, k) for k in kpis_by_plan[p]]
            plans[p] = summarise(res, confidence)
            for i, r in enumerate(res):
                per_run[p][i][sc.key] = r.met
        rows.append({"key": sc.key, "id": s.id, "kpi": s.kpi, "op": s.op,
                     "threshold": s.threshold, "per": s.per,
                     "label": {"en": s.label.en, "zh": s.label.zh}, "source": sc.source,
                     "file": Path(sc.file).name, "plans": plans})
    return rows, per_run


def run_standards(world: World, plan: Plan, plan_file: str,
                  kpis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The scenario's and the plan's service standards, checked on one run's KPIs."""
    sc = world.loaded.scenario
    scoped = collect_standards(sc.standards, str(world.loaded.path),
                               [(plan.name, plan.standards, plan_file)])
    check_known(scoped, kpis)
    out = []
    for s in scoped:
        std = s.standard
        res = evaluate(std, kpis)
        out.append({"id": std.id, "kpi": std.kpi, "op": std.op,
                    "threshold": std.threshold, "per": std.per,
                    "label": std.label.en, "label_zh": std.label.zh, "met": res.met,
                    "value": res.value, "failing": list(res.failing), "scope": s.source})
    return out
