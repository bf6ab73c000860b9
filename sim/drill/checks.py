"""Check a scenario as far as it can be checked without simulating (``muster validate``).

:func:`check_scenario` builds the World (network, demand, hazard, shelters) and constructs
a run of every plan with :func:`musterpoint.sim.engine.new_run` without starting it, which
builds the extensions, checks the plan against the world and snaps its places; it then
checks the exercise script's inject effects as ``muster drill`` would, and the service
standards' KPI names on the KPI tree of a run of zero length. So an input it accepts is one
``muster run`` and ``muster drill`` start on.

It lives with the drill because the script check does: this part of ``sim`` sees every
other one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.drill.commands import script_problems
from musterpoint.sim.engine import new_run
from musterpoint.sim.evacuation.live import LiveRun
from musterpoint.sim.world import World, build_world

__all__ = ["PROBE_DURATION_H", "ScenarioCheck", "check_scenario", "check_standard_names",
           "run_script_problems"]

#: Length of the run whose KPI tree gives the KPI names standards may use (hours).
PROBE_DURATION_H = 1e-6


@dataclass(frozen=True)
class ScenarioCheck:
    """What :func:`check_scenario` found for a scenario that passed: the ``world`` it
    built, the ``plans`` whose runs it set up and the ``warnings`` about implausible but
    legal input (the world's)."""

    world: World
    plans: list[str]
    warnings: list[str] = field(default_factory=list)


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def check_standard_names(world: World, plan: Plan) -> list[Problem]:
    """Problems with the KPI names of the scenario's and the plan's standards.

    The names are checked on the KPI tree of a run of :data:`PROBE_DURATION_H` (every run
    has the same KPI names), with the very check a full run makes at its end.

    Parameters
    ----------
    world : World
        The scenario's world.
    plan : Plan
        The plan (its own standards are checked with the scenario's).

    Returns
    -------
    list of Problem
        Empty when every standard names a known KPI (or there are no standards).
    """
    sc = world.loaded.scenario
    if not sc.standards and not plan.standards:
        return []
    short = dataclasses.replace(
        world.loaded, scenario=sc.model_copy(update={"duration_h": PROBE_DURATION_H}))
    probe = dataclasses.replace(world, loaded=short, warnings=[])
    try:
        new_run(probe, plan, 1).run()
    except InputError as exc:
        return list(exc.problems)
    return []


def run_script_problems(world: World, run: LiveRun) -> list[Problem]:
    """Problems with the exercise script's inject effects for ``run`` (as ``muster drill``).

    Parameters
    ----------
    world : World
        The scenario's world.
    run : LiveRun
        A constructed run (not started) of the scenario on ``world``.

    Returns
    -------
    list of Problem
        Empty when the scenario has no script or the script can be played.
    """
    loaded = world.loaded
    if not loaded.scenario.injects:
        return []
    return script_problems(loaded, world, run.command_specs())


def check_scenario(loaded: LoadedScenario, plans: Sequence[str] | None = None,
                   *, standards: bool = True) -> ScenarioCheck:
    """Build the world and every plan's run without simulating; raise on any problem.

    Parameters
    ----------
    loaded : LoadedScenario
        The loaded (schema-valid) scenario.
    plans : sequence of str, optional
        The plans to check; all of the scenario's by default.
    standards : bool
        Also check the standards' KPI names (costs a run of zero length per plan that
        has standards).

    Returns
    -------
    ScenarioCheck
        The world, the plans checked and the warnings.

    Raises
    ------
    InputError
        Every problem found. When the world cannot be built, the last problem says that
        the plans were not checked.
    """
    names = list(loaded.plans) if plans is None else list(plans)
    try:
        world = build_world(loaded)
    except InputError as exc:
        rest = ", ".join(names) or "none"
        raise InputError([*exc.problems, Problem(
            str(loaded.path), "plans",
            f"not checked (plans: {rest}): a plan is checked against the built scenario; "
            "fix the problems above first")]) from exc
    problems: list[Problem] = []
    runs: list[LiveRun] = []
    for name in names:
        plan = loaded.plans[name]
        try:
            runs.append(new_run(world, plan, 1))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if standards:
            problems.extend(check_standard_names(world, plan))
    if runs:
        problems.extend(run_script_problems(world, runs[0]))
    if problems:
        raise InputError(_unique(problems))
    return ScenarioCheck(world, names, list(world.warnings))
