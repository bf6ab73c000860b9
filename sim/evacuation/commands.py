"""Commands applied to a running evacuation at the current simulated time.

Injects from an exercise script and participants' decisions in a drill are commands:
each is a kind and a dict of arguments, validated here, applied at ``run.now``, and
logged in the run's events (type ``command``) so that a replay of the same commands on
the same seed reproduces the run exactly. Kinds the engine does not know are offered to
the run's extensions (relief, health, ...).

=================  ==========================================  ============================
kind               arguments                                   effect
=================  ==========================================  ============================
close_links        links: [ids], reason                        closed to entry until reopened
reopen_links       links: [ids]                                lifts a close_links
link_capacity      links: [ids], factor                        flow capacity x factor
order_zones        zones: [ids]                                order those zones out now
shelter_capacity   shelter, capacity                           new capacity (persons)
open_shelter       shelter                                     opens now
close_shelter      shelter                                     closes to new arrivals
=================  ==========================================  ============================
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.scenarios.errors import InputError

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["ENGINE_COMMANDS", "apply_command", "snapshot"]

ENGINE_COMMANDS = ("close_links", "reopen_links", "link_capacity", "order_zones",
                   "shelter_capacity", "open_shelter", "close_shelter")


def _links(run: EvacuationRun, args: dict[str, Any]) -> np.ndarray:
    ids = args.get("links")
    if not isinstance(ids, list) or not ids:
        raise InputError.single("command", "links", "give a non-empty list of link ids")
    pos = run.link_pos
    bad = [i for i in ids if str(i) not in pos]
    if bad:
        raise InputError.single("command", "links", f"no link {bad[0]!r} in the network")
    return np.array([pos[str(i)] for i in ids], dtype=np.int64)


def _shelter(run: EvacuationRun, args: dict[str, Any]) -> int:
    sid = str(args.get("shelter", ""))
    ids = [d.id for d in run.dest[: run.n_shelters]]
    if sid not in ids:
        raise InputError.single("command", "shelter", f"no shelter {sid!r}; have {ids}")
    return ids.index(sid)


def apply_command(run: EvacuationRun, kind: str, args: dict[str, Any]) -> None:
    """Apply one command now; raise InputError (naming the argument) if it is invalid."""
    if not run.started:
        run.start()
    t = run.now
    if kind == "close_links":
        run.manual_closed[_links(run, args)] = True
        run.apply_closures()
    elif kind == "reopen_links":
        run.manual_closed[_links(run, args)] = False
        run.apply_closures()
    elif kind == "link_capacity":
        factor = float(args.get("factor", 0))
        if not factor > 0:
            raise InputError.single("command", "factor", "give a factor > 0")
        for i in _links(run, args).tolist():
            cap = float(run.world.network.capacity_vph[i]) * factor
            run.traffic.set_capacity(i, cap, float(run.storage[i]))
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
        run.capacity[_shelter(run, args)] = float(cap_arg)
    elif kind == "open_shelter":
        run.open_s[_shelter(run, args)] = t
    elif kind == "close_shelter":
        run.open_s[_shelter(run, args)] = np.inf
    elif not any(ext.command(kind, args) for ext in run.extensions):
        known = list(ENGINE_COMMANDS) + [k for e in run.extensions
                                         for k in getattr(e, "COMMANDS", ())]
        raise InputError.single("command", "kind", f"unknown command {kind!r}; known: {known}")
    run.log(t, "command", detail=json.dumps({"kind": kind, "args": args}, sort_keys=True,
                                            ensure_ascii=False))


def snapshot(run: EvacuationRun) -> dict[str, Any]:
    """The state now, for a live map: JSON-serialisable, small."""
    net = run.world.network
    used = np.array(run.traffic.used)
    busy = np.flatnonzero(used > 0)
    ev = run.role == "evacuee"
    persons = run.veh.persons
    status = run.status
    totals = {s: int(persons[ev & (status == s)].sum())
              for s in ("arrived", "stranded", "en_route", "never_departed")}
    nz = len(run.world.zones.ids)
    zone = run.veh.zone
    zmask = ev & (zone >= 0)
    arrived = np.bincount(zone[zmask & (status == "arrived")],
                          persons[zmask & (status == "arrived")], minlength=nz)
    evac = np.bincount(zone[zmask], persons[zmask], minlength=nz)
    return {
        "time_s": run.now,
        "links": {str(net.link_id[i]): round(float(used[i] / run.storage[i]), 3)
                  for i in busy.tolist()},
        "closed": [str(net.link_id[i]) for i in np.flatnonzero(run.closed).tolist()],
        "shelters": {d.id: {"occupancy": int(run.occupancy[k]),
                            "capacity": float(run.capacity[k]),
                            "open": bool(run.open_s[k] <= run.now)}
                     for k, d in enumerate(run.dest[: run.n_shelters])},
        "zones": {z: {"evacuees": int(evac[k]), "arrived": int(arrived[k]),
                      "ordered": bool(run.zone_order[k] <= run.now)}
                  for k, z in enumerate(run.world.zones.ids)},
        "totals": totals,
        "extensions": {e.name: e.snapshot() for e in run.extensions},
    }
