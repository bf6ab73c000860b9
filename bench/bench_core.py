"""Benchmark: the traffic core and the flow bound of the default scenario, in CPU time.

Issue 18 items 1 and 4. The World comes from the cache (``$MUSTER_CACHE_DIR``, a
temporary folder unless set), then, ``--repeat`` times each, CPU time of this process
(user + system, so that other work on a shared machine does not count):

1. simulating the default plan, seed 1: events/s and link traversals/s;
2. the flow bound of that run's departures (target < 3 s);

median and minimum. Prints figures; asserts nothing.

    python bench/bench_core.py [--repeat 3] [--skip-bound] [--skip-sim]

Prints which traffic core ran: the compiled one (mypyc, built at install) or pure Python
(``MUSTER_PURE_PYTHON=1``, or not built). "simulate" is the whole run (``new_run(...).run()``:
departures, traffic, the books, tables and KPIs), so the core's share of the gain is larger.

Issue 18, second round of the core (one gridlock check per link, one ``Car`` per vehicle,
fewer look-ups and young collections): ``--skip-bound --repeat 3``, the core with its own
event queue (e6b5d4f) against this, interleaved, CPU time, load 5-11 (a 10M run and test
suites beside it; round 2 at load 6.6-11); the same 232,279 events and 220,917 traversals:

=====================================  =========  =========  =======
simulate, default (medians of 3)       e6b5d4f    this       change
=====================================  =========  =========  =======
compiled core, round 1                 1.86 s     1.61 s     -13 %
compiled core, round 2                 1.98 s     2.04 s     +3 %
pure Python, round 1                   3.71 s     3.29 s     -11 %
pure Python, round 2                   3.83 s     3.50 s     -9 %
=====================================  =========  =========  =======

The default scenario is small and hardly congested (1.05 events per traversal), so the
gain is smaller than in the regions and within the noise of this load in round 2 (the
regions: 300k -27 %, 1M -22 %, docs/metro_scale.md).

Issue 18 item 4 (the compiled core): ``--skip-bound --repeat 3``, three processes of each
kind interleaved (before, pure, compiled, before, ...), the median of each process's
median, CPU time. Quiet machine (load average 2-3; main at 382961a is "before"):

=====================================  =========  ============  =====================
simulate, default (232,279 events)     CPU        events/s      traversals/s
=====================================  =========  ============  =====================
before (main at 382961a)               2.49 s     93,300        88,700
pure Python (this change)              1.97 s     117,900       112,100 (-21 %)
compiled core (this change)            1.70 s     136,600       130,000 (-32 %)
=====================================  =========  ============  =====================

(per process: before 2.25 / 2.49 / 2.50 s, pure 1.97 / 1.99 / 1.79 s, compiled 1.89 /
1.47 / 1.70 s). Under load (average 7-14, a 10M run and four other sessions): before 3.09,
pure 2.56 (-17 %), compiled 2.03 s (-34 %). Same event and traversal counts; golden
digests identical with both cores.

Earlier (issue 18, speed session), same machine, load average 5-12:

=====================================  ===================  ===================
case (CPU time, median)                before (f020364)     after (speed)
=====================================  ===================  ===================
simulate, default (232,279 events)     3.41-3.78 s          3.20-3.63 s
bound, default: parametric max flows   2.92-3.62 s          2.54-3.13 s (-13 %)
second ``muster run`` (bench_fixed_    10.0 s (load 5)      8.2 s (load 11)
costs): imports + checks / map         2.2 s / 1.6 s        1.2 s / 1.6 s
=====================================  ===================  ===================
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _line(name: str, values: list[float], extra: str = "") -> None:
    print(f"  {name:<22} cpu median {statistics.median(values):6.2f} s  min "
          f"{min(values):6.2f} s{extra}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-bound", action="store_true")
    p.add_argument("--skip-sim", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as t:
        os.environ.setdefault("MUSTER_CACHE_DIR", str(Path(t) / "worlds"))
        from musterpoint.scenarios.loader import load_scenario, resolve_scenario
        from musterpoint.sim.bounds.bound import evacuation_bound
        from musterpoint.sim.engine import new_run
        from musterpoint.world_cache import world_for

        loaded = load_scenario(resolve_scenario(None))
        world = world_for(loaded)
        plan = loaded.plan(None)
        sims: list[float] = []
        result = None
        for _ in range(1 if args.skip_sim else args.repeat):
            c0 = _cpu()
            result = new_run(world, plan, 1).run()
            sims.append(_cpu() - c0)
        assert result is not None
        tk = result.kpis["traffic"]
        from musterpoint.sim._accel import compiled

        core = ("compiled (mypyc)" if compiled("traffic.queue_model") is not None
                else "pure Python")
        print(f"== default scenario (porto-alegre-flood, its default plan, seed 1), {core} core")
        if not args.skip_sim:
            med = statistics.median(sims)
            _line("simulate", sims, f"   {tk['events']:,} events ({tk['events'] / med:,.0f}/s),"
                  f" {tk['link_traversals']:,} traversals ({tk['link_traversals'] / med:,.0f}/s)")
        if not args.skip_bound:
            bounds: list[float] = []
            value = None
            for _ in range(args.repeat):
                c0 = _cpu()
                b = evacuation_bound(world, result.tables["agents"], plan=plan)
                bounds.append(_cpu() - c0)
                value = b.max_persons_safe
            _line("bound", bounds, f"   max persons safe {value}")


if __name__ == "__main__":
    main()
