"""Commands applied to a running evacuation at the current simulated time.

Injects from an exercise script and participants' decisions in a drill are commands:
each is a kind and a dict of arguments, validated here, applied at ``run.now``, and
logged in the run's events (type ``command``) so that a replay of the same commands on
the same seed reproduces the run exactly. Kinds the engine does not know are offered to
the run's extensions (relief, health, ...), which describe their own in a ``COMMANDS``
attribute.

:data:`ENGINE_COMMAND_SPECS` is the one table of the engine's kinds: their labels (for
forms and the terminal), their argument types and what they do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.sim.kpis.evacuation import STATUSES
from musterpoint.sim.traffic.levers import contraflow_from_args

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["ARG_TYPES", "ENGINE_COMMANDS", "ENGINE_COMMAND_SPECS", "apply_command",
           "command_specs", "snapshot"]

#: Argument types of command specs: ``links``, ``zones`` (lists of ids), ``shelter`` (an
#: id), ``number``, ``integer``, ``text``, ``json``.
ARG_TYPES = ("links", "zones", "shelter", "number", "integer", "text", "json")

#: The engine's commands: label, argument types and effect of each kind.
ENGINE_COMMAND_SPECS: dict[str, dict[str, Any]] = {
    "close_links": {"label": {"en": "Close roads", "zh": "封闭道路"},
                    "args": {"links": "links", "reason": "text"},
                    "description": "closed to entry until reopened"},
    "reopen_links": {"label": {"en": "Reopen roads", "zh": "重新开放道路"},
                     "args": {"links": "links"},
                     "description": "lifts a close_links"},
    "link_capacity": {"label": {"en": "Change road capacity (factor)",
                                "zh": "调整道路通行能力（系数）"},
                      "args": {"links": "links", "factor": "number"},
                      "description": "flow capacity x factor"},
    "order_zones": {"label": {"en": "Order zones out now", "zh": "立即下达区域疏散令"},
                    "args": {"zones": "zones"},
                    "description": "order those zones out now"},
    "shelter_capacity": {"label": {"en": "Set shelter capacity", "zh": "调整避难场所容量"},
                         "args": {"shelter": "shelter", "capacity": "number"},
                         "description": "new capacity (persons)"},
    "open_shelter": {"label": {"en": "Open shelter", "zh": "开放避难场所"},
                     "args": {"shelter": "shelter"},
                     "description": "opens now"},
    "close_shelter": {"label": {"en": "Close shelter", "zh": "关闭避难场所"},
                      "args": {"shelter": "shelter"},
                      "description": "closes to new arrivals"},
    "contraflow": {"label": {"en": "Start contraflow", "zh": "启动逆向行驶（借道疏散）"},
                   "args": {"links": "links", "road": "text", "towards": "json",
                            "max_gap_m": "number", "max_angle_deg": "number"},
                   "description": "reverse the opposite lanes of a corridor (its outbound "
                                  "links, or a road heading towards [lon, lat]) from now to "
                                  "the end, by the rule of a plan contraflow"},
    "flood_stage": {"label": {"en": "Change the flood (water rises by m over h)",
                              "zh": "改变洪水（水位在若干小时内上涨若干米）"},
                    "args": {"add_m": "number", "over_h": "number"},
                    "description": "the water level rises add_m metres above the curve "
                                   "over the next over_h hours (roads and homes follow)"},
}

#: The engine's command kinds, in the order of :data:`ENGINE_COMMAND_SPECS`.
ENGINE_COMMANDS = tuple(ENGINE_COMMAND_SPECS)


def _links(run: EvacuationRun, args: dict[str, Any]) -> np.ndarray:
    ids = args.get("links")
    if not isinstance(ids, list) or not ids:
        raise InputError.single("command", "links", "give a non-empty list of link ids")
    pos = run.roads.link_pos
    bad = [i for i in ids if str(i) not in pos]
    if bad:
        raise InputError.single("command", "links", f"no link {bad[0]!r} in the network")
    return np.array([pos[str(i)] for i in ids], dtype=np.int64)


def _shelter(run: EvacuationRun, args: dict[str, Any]) -> int:
    sid = str(args.get("shelter", ""))
    ids = [d.id for d in run.shelters.dest[: run.shelters.n]]
    if sid not in ids:
        raise InputError.single("command", "shelter", f"no shelter {sid!r}; have {ids}")
    return ids.index(sid)


def apply_command(run: EvacuationRun, kind: str, args: dict[str, Any]) -> None:
    """Apply one command now; raise InputError (naming the argument) if it is invalid."""
    if not run.started:
        run.start()
    t = run.now
    if kind == "close_links":
        run.roads.set_manual(_links(run, args), True)
    elif kind == "reopen_links":
        run.roads.set_manual(_links(run, args), False)
    elif kind == "link_capacity":
        factor = float(args.get("factor", 0))
        if not factor > 0:
            raise InputError.single("command", "factor", "give a factor > 0")
        for i in _links(run, args).tolist():
            cap = float(run.world.network.capacity_vph[i]) * factor
            run.roads.traffic.set_capacity(i, cap, float(run.roads.storage[i]))
    elif kind == "order_zones":
        zones = args.get("zones")
        if not isinstance(zones, list) or not zones:
            raise InputError.single("command", "zones", "give a non-empty list of zone ids")
        bad = [z for z in zones if z not in run.world.zones.ids]
        if bad:
            raise InputError.single("command", "zones", f"no zone {bad[0]!r}")
        run.order_zones_now([run.world.zones.ids.index(z) for z in zones])
    elif kind == "shelter_capacity":
        cap_arg: Any = args.get("capacity")
        if not isinstance(cap_arg, int | float) or cap_arg < 0:
            raise InputError.single("command", "capacity", "give a capacity >= 0")
        run.shelters.capacity[_shelter(run, args)] = float(cap_arg)
    elif kind == "open_shelter":
        run.shelters.open_s[_shelter(run, args)] = t
    elif kind == "close_shelter":
        run.shelters.open_s[_shelter(run, args)] = np.inf
    elif kind == "contraflow":
        problems: list[Problem] = []
        cf = contraflow_from_args(args, "command", "contraflow", problems)
        if cf is None:
            raise InputError(problems)
        run.roads.levers.start_contraflow(cf, t, "contraflow", "command")
        run.roads.apply_levers()
    elif kind == "flood_stage":
        add, over = args.get("add_m"), args.get("over_h", 0.0)
        if not isinstance(add, int | float) or not isinstance(over, int | float) or over < 0:
            raise InputError.single("command", "add_m", "give add_m (metres) and over_h "
                                    "(hours, >= 0)")
        try:
            run.roads.raise_flood(float(add), float(over) * 3600.0)
        except ValueError as exc:
            raise InputError.single("command", "kind", f"flood_stage: {exc}") from exc
        run.log(t, "hazard_change", value=float(add), detail=f"over {float(over):g} h")
    elif not any(ext.command(kind, args) for ext in run.extensions):
        known = list(ENGINE_COMMANDS) + [k for e in run.extensions
                                         for k in getattr(e, "COMMANDS", ())]
        raise InputError.single("command", "kind", f"unknown command {kind!r}; known: {known}")
    run.log(t, "command", detail=json.dumps({"kind": kind, "args": args}, sort_keys=True,
                                            ensure_ascii=False))


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
            out["args"] = {str(k): (str(v) if str(v) in ARG_TYPES else "json")
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
    specs = {k: {**v, "source": "engine"} for k, v in ENGINE_COMMAND_SPECS.items()}
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


def snapshot(run: EvacuationRun) -> dict[str, Any]:
    """The state now, for a live map: JSON-serialisable, small."""
    net = run.world.network
    roads, sh, ag = run.roads, run.shelters, run.agents
    used = np.array(roads.traffic.used)
    busy = np.flatnonzero(used > 0)
    ev = ag.role == "evacuee"
    persons = ag.veh.persons
    status = ag.status
    totals = {s: int(persons[ev & (status == s)].sum())
              for s in STATUSES}
    nz = len(run.world.zones.ids)
    zone = ag.veh.zone
    zmask = ev & (zone >= 0)
    arrived = np.bincount(zone[zmask & (status == "arrived")],
                          persons[zmask & (status == "arrived")], minlength=nz)
    evac = np.bincount(zone[zmask], persons[zmask], minlength=nz)
    return {
        "time_s": run.now,
        "links": {str(net.link_id[i]): round(float(used[i] / roads.storage[i]), 3)
                  for i in busy.tolist()},
        "closed": [str(net.link_id[i]) for i in np.flatnonzero(roads.closed).tolist()],
        "shelters": {d.id: {"occupancy": int(sh.occupancy[k]),
                            "capacity": float(sh.capacity[k]),
                            "open": bool(sh.open_s[k] <= run.now)}
                     for k, d in enumerate(sh.dest[: sh.n])},
        "zones": {z: {"evacuees": int(evac[k]), "arrived": int(arrived[k]),
                      "ordered": bool(ag.zone_order[k] <= run.now)}
                  for k, z in enumerate(run.world.zones.ids)},
        "totals": totals,
        "extensions": {e.name: e.snapshot() for e in run.extensions},
    }
