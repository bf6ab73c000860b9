"""Check a plan's response levels against the scenario: every gauge, forecast, shelter,
link, zone and command they name must exist (an InputError naming the plan file and the
field otherwise)."""

from __future__ import annotations

from collections.abc import Iterable

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Plan
from musterpoint.sim.world import World

__all__ = ["check_levels"]


def _have(ids: Iterable[str]) -> str:
    got = sorted(ids)
    return ", ".join(got[:8]) + (" ..." if len(got) > 8 else "") if got else "none"


def check_levels(world: World, plan: Plan, plan_file: str, commands: Iterable[str]) -> None:
    """Raise an InputError listing every reference of ``plan.levels`` that does not
    resolve (gauges and forecasts of ``monitoring``, shelters, links, zones, commands)."""
    sc = world.loaded.scenario
    mon = sc.monitoring
    gauges = {g.id: g for g in mon.gauges} if mon else {}
    forecasts = {f.id: f for f in mon.forecasts} if mon else {}
    shelters = {d.id for d in world.destinations}
    links = {str(x) for x in world.network.link_id}
    zones = set(world.zones.ids)
    kinds = set(commands)
    problems: list[Problem] = []

    def bad(field: str, msg: str) -> None:
        problems.append(Problem(plan_file, field, msg))

    for i, lv in enumerate(plan.levels):
        for j, c in enumerate(lv.when):
            f = f"levels[{i}].when[{j}]"
            if c.gauge is not None and c.gauge not in gauges:
                bad(f + ".gauge", f"no gauge {c.gauge!r} in the scenario's monitoring.gauges "
                    f"(have {_have(gauges)}); add it there or fix the id")
            elif c.gauge is not None:
                g = gauges[c.gauge]
                if g.kind == "stage" and world.hydrograph is None:
                    bad(f + ".gauge", f"gauge {c.gauge!r} reads a river stage but the "
                        "scenario has no hazard.flood")
                if g.kind == "concentration" and world.plume is None:
                    bad(f + ".gauge", f"gauge {c.gauge!r} reads a concentration but the "
                        "scenario has no hazard.plume")
            if c.forecast is not None:
                fc = forecasts.get(c.forecast)
                if fc is None:
                    bad(f + ".forecast", f"no forecast {c.forecast!r} in monitoring.forecasts "
                        f"(have {_have(forecasts)})")
                elif fc.gauge != c.gauge:
                    bad(f + ".forecast", f"forecast {c.forecast!r} is of gauge {fc.gauge!r}, "
                        f"not {c.gauge!r}")
            if c.health is not None:
                hw = sc.health
                if hw is None:
                    bad(f + ".health", "the scenario has no health section (compounds)")
                elif c.compound is not None and c.compound not in {x.id for x in hw.compounds}:
                    bad(f + ".compound", f"no compound {c.compound!r} in the scenario's "
                        f"health.compounds (have {_have(x.id for x in hw.compounds)})")
            if c.shelter is not None and c.shelter not in shelters:
                bad(f + ".shelter", f"no shelter {c.shelter!r} (have {_have(shelters)})")
            if c.link is not None and c.link not in links:
                bad(f + ".link", f"no link {c.link!r} in the network")
        for j, a in enumerate(lv.actions):
            f = f"levels[{i}].actions[{j}]"
            if a.order is not None and a.order.zones:
                miss = [z for z in a.order.zones if z not in zones]
                if miss:
                    bad(f + ".order.zones", f"no zone {miss[0]!r} (zones: {_have(zones)})")
            if a.command is not None and a.command["kind"] == "deploy_buses" \
                    and "deploy_buses" not in kinds:
                bad(f + ".command.kind", "deploy_buses needs the plan's buses (a 'buses' "
                    "section) and a scenario with a population")
            elif a.command is not None and a.command["kind"] == "deploy_buses":
                n = (a.command.get("args") or {}).get("buses", 1)
                if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                    bad(f + ".command.args.buses", "give a whole number of buses >= 1 "
                        "(or leave it out: every bus not yet mobilised)")
            elif a.command is not None and a.command["kind"] not in kinds:
                bad(f + ".command.kind", f"unknown command {a.command['kind']!r}; known: "
                    f"{', '.join(sorted(kinds))}")
    if problems:
        raise InputError(problems)
