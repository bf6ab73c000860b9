"""Command kinds of a drill: their specs, typed arguments, and the script's checks.

The engine's own commands (:data:`musterpoint.sim.evacuation.commands.ENGINE_COMMANDS`) and those
extensions add are described here for forms and for the terminal
(:func:`command_specs`), typed from text (:func:`coerce_args`) and normalised to what the
event store reads back (:func:`normalise_args`). :func:`script_problems` checks the
effects of an exercise script's injects against a run before a drill starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.scenarios.msel_schema import check_script
from musterpoint.sim.evacuation.commands import ENGINE_COMMANDS
from musterpoint.sim.evacuation.run import EvacuationRun
from musterpoint.sim.world import World

__all__ = [
    "ENGINE_COMMAND_SPECS",
    "coerce_args",
    "command_specs",
    "normalise_args",
    "script_problems",
]

#: Arguments and labels of the engine's commands, for forms and for the terminal.
#: Argument types: ``links``, ``zones`` (lists of ids), ``shelter`` (an id), ``number``,
#: ``text``, ``json``.
ENGINE_COMMAND_SPECS: dict[str, dict[str, Any]] = {
    "close_links": {"label": {"en": "Close roads", "zh": "封闭道路"},
                    "args": {"links": "links", "reason": "text"}},
    "reopen_links": {"label": {"en": "Reopen roads", "zh": "重新开放道路"},
                     "args": {"links": "links"}},
    "link_capacity": {"label": {"en": "Change road capacity (factor)",
                                "zh": "调整道路通行能力（系数）"},
                      "args": {"links": "links", "factor": "number"}},
    "order_zones": {"label": {"en": "Order zones out now", "zh": "立即下达区域疏散令"},
                    "args": {"zones": "zones"}},
    "shelter_capacity": {"label": {"en": "Set shelter capacity", "zh": "调整避难所容量"},
                         "args": {"shelter": "shelter", "capacity": "number"}},
    "open_shelter": {"label": {"en": "Open shelter", "zh": "开放避难所"},
                     "args": {"shelter": "shelter"}},
    "close_shelter": {"label": {"en": "Close shelter", "zh": "关闭避难所"},
                      "args": {"shelter": "shelter"}},
}
assert set(ENGINE_COMMAND_SPECS) == set(ENGINE_COMMANDS)

_ARG_TYPES = ("links", "zones", "shelter", "number", "integer", "text", "json")


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


def _spec_of(spec: Any, kind: str, source: str) -> dict[str, Any]:
    """An extension's description of one command kind, in the engine's form."""
    out: dict[str, Any] = {"label": {"en": kind.replace("_", " "), "zh": None},
                           "args": None, "source": source, "description": ""}
    if isinstance(spec, str):
        out["label"] = {"en": spec, "zh": None}
    elif isinstance(spec, Mapping):
        lab = spec.get("label")
        if isinstance(lab, Mapping):
            out["label"] = {"en": str(lab.get("en") or kind), "zh": lab.get("zh")}
        elif isinstance(lab, str):
            out["label"] = {"en": lab, "zh": None}
        args = spec.get("args")
        if isinstance(args, Mapping):
            out["args"] = {str(k): (str(v) if str(v) in _ARG_TYPES else "json")
                           for k, v in args.items()}
        elif isinstance(args, list | tuple):
            out["args"] = {str(k): "json" for k in args}
        desc = spec.get("description", "")
        out["description"] = desc if isinstance(desc, str) else ""
    return out


def command_specs(run: EvacuationRun) -> dict[str, dict[str, Any]]:
    """Every command kind this run accepts: the engine's and its extensions' own.

    Extensions list their kinds in a ``COMMANDS`` attribute: a sequence of kinds, or a
    mapping of kind to a label or to ``{"label": {en, zh}, "args": {name: type},
    "description": ...}``. Kinds with no argument types take JSON arguments.
    """
    specs = {k: {**v, "source": "engine", "description": ""}
             for k, v in ENGINE_COMMAND_SPECS.items()}
    for ext in run.extensions:
        cmds = getattr(ext, "COMMANDS", ())
        items: Iterable[tuple[str, Any]]
        if isinstance(cmds, Mapping):
            items = ((str(k), v) for k, v in cmds.items())
        else:
            items = ((str(k), None) for k in cmds)
        for kind, spec in items:
            specs.setdefault(kind, _spec_of(spec, kind, ext.name))
    return specs


def coerce_args(spec: Mapping[str, Any] | None, raw: Mapping[str, str]) -> dict[str, Any]:
    """Typed command arguments from text (``key=value`` pairs typed at a terminal).

    Parameters
    ----------
    spec : mapping, optional
        A command spec from :func:`command_specs` (its ``args`` give the types).
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


def script_problems(loaded: LoadedScenario, world: World, run: EvacuationRun,
                    specs: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the exercise script's injects for this run.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario (its ``injects`` are the script).
    world : World
        Its world.
    run : EvacuationRun
        A run of it (its links and shelters are the ids the effects may name).
    specs : mapping
        Command specs from :func:`command_specs`.

    Returns
    -------
    list of Problem
        Empty when the script can be played.
    """
    sc = loaded.scenario
    file = str(loaded.path)
    problems = check_script(list(sc.injects), sc.duration_h, file)
    links = set(run.link_pos)
    zones = set(world.zones.ids)
    shelters = {d.id for d in run.dest[: run.n_shelters]}
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
