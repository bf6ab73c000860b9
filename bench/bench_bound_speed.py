"""Benchmark: wall and CPU time of the flow bound (issue 18 item 4).

1. The bundled default scenario (seed 1): the bound of the run's own departures, as
   ``muster run`` computes it (120 s step), median of ``--repeat`` runs.
2. The whole of Porto Alegre as in ``bench_bounds.py`` (everyone leaving at the order, 300 s
   step, one persons level solved exactly), once.

Wall time depends on the machine's load (other processes share its cores); CPU time is the
process's own. Prints figures and the bound's ETEs (to check they are unchanged or tighter);
asserts nothing. Targets: default under 3 s, whole city under 60 s.

Usage: ``python bench/bench_bound_speed.py [--default-only | --city-only] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import whole_city_world
from bench_bounds import _agents_without_simulating


def _clock(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def _etes(b: Any) -> str:
    return " / ".join("-" if x is None else f"{x:.0f}" for x in (b.ete50_s, b.ete90_s,
                                                                 b.ete100_s))


def _line(name: str, b: Any, wall: float, cpu: float) -> None:
    print(f"  {name:<14} wall {wall:7.2f} s  cpu {cpu:7.2f} s  "
          f"ETE50/90/100 {_etes(b)} s  solves {b.stats.get('solves')}  "
          f"bottlenecks {', '.join(b.bottleneck_links[:3]) or '-'}")


def default_scenario(repeat: int) -> None:
    from musterpoint.scenarios.loader import load_scenario, resolve_scenario
    from musterpoint.sim.bounds.bound import evacuation_bound
    from musterpoint.sim.engine import simulate
    from musterpoint.sim.world import build_world

    loaded = load_scenario(resolve_scenario(None))
    world = build_world(loaded)
    plan = loaded.plan(None)
    result = simulate(world, plan, seed=1)
    agents = result.tables["agents"]
    print("== bound: default scenario (seed 1, 120 s step)")
    walls, cpus = [], []
    b = None
    for _ in range(repeat):
        b, w, c = _clock(lambda: evacuation_bound(world, agents, plan=plan))
        walls.append(w)
        cpus.append(c)
    assert b is not None
    _line("median", b, statistics.median(walls), statistics.median(cpus))
    ev = result.kpis["evacuation"]
    sim = " / ".join("-" if ev[k] is None else f"{ev[k]:.0f}"
                     for k in ("ete50_s", "ete90_s", "ete100_s"))
    print(f"  simulated ETE50/90/100 {sim} s")


def whole_city(step: float, hours: float) -> None:
    from musterpoint.sim.bounds.bound import evacuation_bound
    from musterpoint.sim.engine import new_run

    world, plan = whole_city_world(hours)
    agents = _agents_without_simulating(new_run(world, plan, seed=1))
    print(f"== bound: whole city ({step:g} s step, {hours:g} h horizon)")
    b, w, c = _clock(lambda: evacuation_bound(world, agents, plan=plan, step_s=step,
                                              max_exact_levels=1))
    _line("once", b, w, c)
    print(f"  time-expanded nodes / arcs {b.stats['ten_nodes']:,} / {b.stats['ten_arcs']:,}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--city-only", action="store_true")
    ap.add_argument("--default-only", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--city-step", type=float, default=300.0)
    ap.add_argument("--city-hours", type=float, default=6.0)
    args = ap.parse_args()
    if not args.city_only:
        default_scenario(args.repeat)
    if not args.default_only:
        whole_city(args.city_step, args.city_hours)


if __name__ == "__main__":
    main()
