"""Command arguments of a drill, and the exercise script's checks.

The commands a run accepts are described by the run itself
(:func:`musterpoint.sim.evacuation.commands.command_specs`: the engine's
:data:`~musterpoint.sim.evacuation.commands.ENGINE_COMMAND_SPECS` and its extensions'
own). Here they are typed from text (:func:`coerce_args`) and normalised to what the
event store reads back (:func:`normalise_args`); :func:`script_problems` checks the
effects of an exercise script's injects before a drill starts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.scenarios.msel_schema import check_script
from musterpoint.sim.world import World

__all__ = ["coerce_args", "normalise_args", "script_problems"]

def normalise_args(args: Mapping[str, Any] | None) -> dict[str, Any]:
    """Arguments as they read back from the store (a JSON round trip).

    Parameters
    ----------
    args : mapping, optional
        A command's arguments.

    Returns
    -------
    dict
        The same arguments after ``json.dumps`` and ``json.loads``.

    Raises
    ------
    InputError
        When they are not JSON data.
    """
    try:
        out: dict[str, Any] = json.loads(json.dumps(dict(args or {}), allow_nan=False,
                                                    ensure_ascii=False, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise InputError.single("command", "args", f"arguments must be JSON data ({exc})") \
            from exc
    return out


def coerce_args(spec: Mapping[str, Any] | None, raw: Mapping[str, str]) -> dict[str, Any]:
    """Typed command arguments from text (``key=value`` pairs typed at a terminal).

    Parameters
    ----------
    spec : mapping, optional
        A command spec of the run (its ``args`` give the types).
    raw : mapping of str to str
        The values as typed; lists are comma-separated.

    Returns
    -------
    dict
        Arguments for the command.
    """
    types = (spec or {}).get("args") or {}
    out: dict[str, Any] = {}
    for key, text in raw.items():
        kind = types.get(key, "json")
        if kind in ("links", "zones"):
            out[key] = [s.strip() for s in text.split(",") if s.strip()]
        elif kind == "number":
            try:
                out[key] = float(text)
            except ValueError as exc:
                raise InputError.single("command", key, f"give a number, not {text!r}") from exc
            if out[key].is_integer():
                out[key] = int(out[key])
        elif kind == "integer":
            try:
                out[key] = int(text)
            except ValueError as exc:
                raise InputError.single("command", key, f"give a whole number, not {text!r}") \
                    from exc
        elif kind in ("shelter", "text"):
            out[key] = text
        else:
            try:
                out[key] = json.loads(text)
            except ValueError:
                out[key] = text
    return out


def script_problems(loaded: LoadedScenario, world: World,
                    specs: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the exercise script's injects for this run.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario (its ``injects`` are the script).
    world : World
        Its world (its links, zones and shelters are the ids the effects may name).
    specs : mapping
        The command specs of a run of it.

    Returns
    -------
    list of Problem
        Empty when the script can be played.
    """
    sc = loaded.scenario
    file = str(loaded.path)
    problems = check_script(list(sc.injects), sc.duration_h, file)
    links = {str(i) for i in world.network.link_id}
    zones = set(world.zones.ids)
    shelters = {d.id for d in world.destinations}
    for i, inj in enumerate(sc.injects):
        eff = inj.effect
        if eff is None:
            continue
        where = f"injects[{i}].effect"
        if eff.kind not in specs:
            problems.append(Problem(file, f"{where}.kind", f"unknown command {eff.kind!r}; "
                                    f"this run knows {sorted(specs)}"))
            continue
        types = specs[eff.kind].get("args") or {}
        if specs[eff.kind].get("source") != "engine":
            continue
        for name, typ in types.items():
            val = eff.args.get(name)
            if typ in ("links", "zones"):
                known = links if typ == "links" else zones
                if not isinstance(val, list) or not val:
                    problems.append(Problem(file, f"{where}.args.{name}",
                                            "give a non-empty list of ids"))
                    continue
                bad = [str(v) for v in val if str(v) not in known]
                if bad:
                    problems.append(Problem(file, f"{where}.args.{name}",
                                            f"no {typ[:-1]} {bad[0]!r} in this scenario"))
            elif typ == "shelter" and str(val) not in shelters:
                problems.append(Problem(file, f"{where}.args.{name}",
                                        f"no shelter {val!r}; have {sorted(shelters)}"))
            elif typ == "number" and name != "reason" and not isinstance(val, int | float):
                problems.append(Problem(file, f"{where}.args.{name}", "give a number"))
        unknown = set(eff.args) - set(types)
        if unknown:
            problems.append(Problem(file, f"{where}.args", f"unknown argument(s) "
                                    f"{sorted(unknown)} for {eff.kind}; use {sorted(types)}"))
    return problems
