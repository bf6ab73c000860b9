"""Benchmark: wall and CPU time of the flow bound (issue 18 item 4).

1. The bundled default scenario (seed 1): the bound of the run's own departures, as
   ``muster run`` computes it (120 s step), median of ``--repeat`` runs; then once with
   everyone leaving at the order (whose cut shows the network's bottlenecks).
2. The whole of Porto Alegre as in ``bench_bounds.py`` (everyone leaving at the order, 300 s
   step, one persons level solved exactly), once.

Wall time depends on the machine's load (other processes share its cores); CPU time is the
process's own. Prints figures, the bound's ETEs and its bottleneck links by street name;
asserts nothing. Targets (issue 18): default under 3 s, whole city under 60 s.

Earlier (issue 8 to 17), on the 2-core machine shared with other sessions: scipy's Dinic
to OR-tools' push-relabel and a leaner divide and conquer took the default bound from 9.8
to 2.3-2.4 s CPU and the whole city from 161.8 to 12.1-13.3 s CPU (values identical).

Issue 18 (the sweep, 32-bit time-expanded arrays): the max flows at the grid times are
solved by a forward sweep while the network does not bind (the default scenario: every
node-layer is solved once, when it appears, instead of ~3.3 times), divide and conquer
for the rest; the time-expanded network is stored in int32. The bound's values, cuts,
ETEs and per-vehicle ``safe_by_s`` are identical to the bit (compared field by field on
the default scenario's departures, leave-at-order and 60 s step, and the whole city; the
golden digests pass). CPU time (user + system), main vs this change, interleaved runs,
load average 5-10 (two cores shared with four other sessions, so wall times are 2-8x
the CPU time and say little):

=====================================================  ================  ===========
case                                                   main              sweep
=====================================================  ================  ===========
default, run departures, fresh process (median of 5)   3.09 / 3.18 s     1.18 / 1.29 s
default, run departures, in one process (median of 3)  2.83 / 3.05 s     0.97 / 0.85 s
default, leave at the order, fresh (median of 3)       2.58 s            1.74 s
default, leave at the order, in one process (median 3) 2.81 / 2.71 s    1.77 / 1.87 s
this benchmark, ``--default-only``, median of 3        4.28 s (load 5)   1.29 s (load 10)
whole city, fresh process (median of 2)                20.2 / 16.2 s     15.4 s
=====================================================  ================  ===========

(Two figures: two sessions of interleaved runs.) A fresh process pays the page faults of
its large arrays (numpy asks for transparent huge pages, and the kernel compacts memory
for them): a fresh ``build_ten`` spent 0.5 s of its 0.6 s in the kernel, hence the 32-bit
arrays. What is left of the default bound (about 1.1 s CPU fresh): max flows 0.45-0.6 s
(the OR-tools solves 0.12 s of it), the time-expanded network 0.14-0.35 s, the rest in
the relaxed network, shelter capacities and windows. The whole city is congested from
its first horizon (nodes stay on the source side until the queues clear), so it is still
divided and conquered, as before; its wall time (30-90 s) is mostly the load.
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
          f"ETE50/90/100 {_etes(b)} s  "
          f"max-flow solves {b.stats.get('solves')}")
    print(f"  bottlenecks    {'; '.join(b.bottleneck_link_labels[:5]) or '-'}")


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
    b0, w, c = _clock(lambda: evacuation_bound(
        world, agents, plan=plan, release_s=agents["order_s"].to_numpy(float)))
    _line("leave at order", b0, w, c)
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
