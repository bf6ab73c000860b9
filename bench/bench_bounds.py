"""Benchmark: time to compute the flow-over-time bound (issue 8).

1. The bundled default scenario (porto-alegre-flood, evacuate-all-now, seed 1): the bound on
   the run's own departures at 120 s and 60 s steps, and the bound with everyone leaving at
   the order (which shows the network's bottlenecks), with the simulated ETEs beside them.
2. The whole of Porto Alegre as in ``bench_full_city.py`` (812,935 residents, 80 % car
   ownership, everyone leaving at the order, shelters with room for all): the bound only
   (the households are drawn as a run would, without simulating), at a 300 s step with
   one persons level solved exactly.

Usage: ``python bench/bench_bounds.py [--city-only | --default-only] [--city-step S]
[--city-hours H]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report, timed, whole_city_world

from musterpoint.scenarios.loader import load_scenario, resolve_scenario
from musterpoint.sim.bounds.bound import bound_kpis, evacuation_bound
from musterpoint.sim.engine import new_run, simulate
from musterpoint.sim.evacuation.run import EvacuationRun
from musterpoint.sim.world import build_world


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x / 60:.1f} min"


def default_scenario() -> None:
    times: dict[str, float] = {}
    with phase("load scenario + world", times):
        loaded = load_scenario(resolve_scenario(None))
        world = build_world(loaded)
        plan = loaded.plan(None)
    with phase("simulate (for the agents)", times):
        result = simulate(world, plan, seed=1)
    agents = result.tables["agents"]
    extra: dict[str, Any] = {}
    ev = result.kpis["evacuation"]
    for step in (120.0, 60.0):
        b, dt = timed(lambda s=step: evacuation_bound(world, agents, plan=plan, step_s=s))
        times[f"bound, step {step:g} s"] = dt
        k = bound_kpis(b, result.kpis)
        extra[f"step {step:g} s: ETE50/90/100 bound"] = (
            f"{_fmt(k['ete50_s'])} / {_fmt(k['ete90_s'])} / {_fmt(k['ete100_s'])}")
        extra[f"step {step:g} s: efficiency 50/90/100"] = " / ".join(
            "-" if k[f"efficiency{s}"] is None else f"{k[f'efficiency{s}']:.3f}"
            for s in ("50", "90", "100"))
        extra[f"step {step:g} s: time-expanded nodes / arcs"] = (
            f"{b.stats['ten_nodes']:,} / {b.stats['ten_arcs']:,} "
            f"({b.stats['solves']} max-flow solves)")
        extra[f"step {step:g} s: bottleneck links"] = ", ".join(k["bottleneck_links"]) or \
            "none (the departures bind)"
    extra["simulated ETE50/90/100"] = (f"{_fmt(ev['ete50_s'])} / {_fmt(ev['ete90_s'])} / "
                                       f"{_fmt(ev['ete100_s'])}")
    extra["simulated arrived / bound max safe"] = (
        f"{ev['arrived']:,} / {b.max_persons_safe:,.0f} of {ev['evacuees']:,}")
    b0, dt = timed(lambda: evacuation_bound(world, agents, plan=plan,
                                            release_s=agents["order_s"].to_numpy(float)))
    times["bound, all leave at the order"] = dt
    extra["leave at order: ETE50 bound, binding cut at"] = (
        f"{_fmt(b0.ete50_s)}, {_fmt(b0.bottleneck_time_s)}")
    extra["leave at order: bottleneck links (PCU in cut)"] = ", ".join(
        f"{lk} ({p:.0f})" for lk, p in zip(b0.bottleneck_links, b0.bottleneck_link_pcu,
                                           strict=True)) or "none"
    report("bound: default scenario (porto-alegre-flood, evacuate-all-now, seed 1)", times,
           extra)


def _agents_without_simulating(run: EvacuationRun) -> pd.DataFrame:
    """The columns the bound reads, from a prepared (not simulated) run."""
    w = run.world
    ag = run.agents
    veh = ag.veh
    return pd.DataFrame({
        "role": ag.role.astype(str),
        "mode": np.where(veh.pcu > 0, "car", "none"),
        "zone": np.array(w.zones.ids, dtype=object)[veh.zone],
        "origin_node": w.network.node_id[veh.origin].astype(np.int64),
        "persons": veh.persons.astype(np.int64),
        "pcu": veh.pcu.astype(float),
        "order_s": ag.zone_order[veh.zone],
        "depart_s": ag.depart_s,
    })


def whole_city(step: float, hours: float) -> None:
    times: dict[str, float] = {}
    with phase("load scenario + world", times):
        world, plan = whole_city_world(hours)
    with phase("households + vehicles", times):
        agents = _agents_without_simulating(new_run(world, plan, seed=1))
    with phase(f"bound, step {step:g} s", times):
        # one persons level solved exactly: each extra level is another full curve
        b = evacuation_bound(world, agents, plan=plan, step_s=step, max_exact_levels=1)
    report(f"bound: whole city at once, {hours:g} h horizon", times, {
        "residents": int(agents["persons"].sum()),
        "vehicles": int((agents["pcu"] > 0).sum()),
        "can arrive (vehicles)": f"{b.stats['vehicles_feasible']:,}",
        "ETE50/90/100 bound": f"{_fmt(b.ete50_s)} / {_fmt(b.ete90_s)} / {_fmt(b.ete100_s)}",
        "max persons safe by the horizon": f"{b.max_persons_safe:,.0f}",
        "time-expanded nodes / arcs": f"{b.stats['ten_nodes']:,} / {b.stats['ten_arcs']:,}",
        "horizons / max-flow solves": f"{b.stats['horizons']} / {b.stats['solves']}",
        "persons levels solved exactly": b.stats["exact_levels"],
        "bottleneck links (first 5)": ", ".join(b.bottleneck_links[:5]) or "none",
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--city-only", action="store_true")
    ap.add_argument("--default-only", action="store_true")
    ap.add_argument("--city-step", type=float, default=300.0)
    ap.add_argument("--city-hours", type=float, default=6.0)
    args = ap.parse_args()
    if not args.city_only:
        default_scenario()
    if not args.default_only:
        whole_city(args.city_step, args.city_hours)


if __name__ == "__main__":
    main()
