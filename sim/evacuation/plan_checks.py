"""Checks of a plan against the scenario it runs on (zones, shelters, exits, demand)."""

from __future__ import annotations

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.world import World

__all__ = ["check_plan"]


def check_plan(world: World, plan: Plan, plan_file: str) -> None:
    """Cross-checks of a plan against its scenario, all problems at once (InputError)."""
    w, f = world, plan_file
    zones = set(w.zones.ids)
    shelters = {d.id for d in w.destinations}
    problems = []
    for i, st in enumerate(plan.stages):
        for z in st.zones or []:
            if z not in zones:
                problems.append(Problem(f, f"stages[{i}].zones", f"no zone {z!r} in "
                                        "this scenario (see the zones of a run's map)"))
    for z, s in plan.zone_shelters.items():
        if z not in zones:
            problems.append(Problem(f, f"zone_shelters.{z}", "no such zone"))
        if s not in shelters:
            problems.append(Problem(f, f"zone_shelters.{z}", f"no shelter {s!r}"))
    for s in plan.shelter_open_h:
        if s not in shelters:
            problems.append(Problem(f, f"shelter_open_h.{s}", "no such shelter"))
    if (plan.shadow_share > 0 or plan.background_vph > 0) and not \
            w.loaded.scenario.exits:
        problems.append(Problem(f, "shadow_share" if plan.shadow_share else
                                "background_vph", "shadow and background traffic need "
                                "the scenario to list exits (exits: [...])"))
    if plan.buses is not None and w.places is None:
        problems.append(Problem(f, "buses", "buses need a population, not a trips file"))
    if problems:
        raise InputError(problems)
