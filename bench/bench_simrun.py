"""Benchmark: the default scenario's simulation alone, on a World loaded from the cache.

What a second ``muster run`` spends in ``new_run(world, plan, 1).run()`` (issue 18): the
World comes from the on-disk cache (so, as in a second run, its routing-tree memo is
empty), the engine's modules are imported before the clock starts, and the CPU (user +
system, this process) and wall time of ``new_run`` and of ``run`` are printed. Each
``--repeat`` is a fresh process, so every figure is a second run's, not a warmed loop's.

``--save DIR`` writes the result's tables and KPIs there and prints a sha256 of each file
(to check that a change leaves the run's output the same, byte for byte);
``--profile`` prints a pyinstrument profile of one run instead of timing it.

The cache is ``$MUSTER_CACHE_DIR`` if set, else a folder in the system's temporary
directory (never the user's). Prints figures; asserts nothing.

Figures (issue 18, stop 28: branch ``simrun`` against its base 3596edb, each in its own
venv, ``--repeat``-style fresh processes interleaved A/B, CPU = user + system, medians of 7;
the machine's 2 cores shared with other sessions' tests):

=====================================  ==============  ==============
CPU of the default scenario's run       3596edb         simrun
=====================================  ==============  ==============
new_run (EvacuationRun.__init__)        0.18-0.20 s     0.11-0.12 s
start + advance                         0.60-0.66 s     0.40-0.44 s
finish (tables, KPIs)                   0.18-0.20 s     0.14-0.16 s
new_run + run, load 2.3-3.3             0.96 s          0.67 s (-30 %)
new_run + run, load 4.5-6.1             1.09 s          0.72 s (-34 %)
new_run + run, load 1.4-2.1             0.93 s          0.63 s (-32 %)
=====================================  ==============  ==============

The whole second ``muster run`` (World, bound and checks cached; ``--no-progress
--no-catalog --force --out``), interleaved, load 1.4-2.6: with the output process
(``MUSTER_OUTPUT_PROCESS=1``, 7 runs each) wall median 2.93 -> 2.63 s (min 2.73 -> 2.47),
CPU 4.13 -> 3.88 s; outputs written in the run's process (``=0``, 5 runs each) wall
2.96 -> 2.63 s, CPU 3.77 -> 3.40 s.

A 300,000-resident region (``bench/bench_metro.py --residents 300000``, 2 interleaved
rounds, load 5): simulate 7.85 / 7.59 -> 7.23 / 7.14 s CPU, the whole process 10.7 / 10.5
-> 9.8 / 9.8 s CPU, peak memory 449 -> 446 MB, every table and kpis.json byte-identical.

Where it went (each step measured and checked byte for byte, see the commit messages):
no full collections of the World's objects while a run is set up (two, 0.11 s) and its
set-up's own objects not scanned as young ones (20 -> 7 ms); routing-tree rebuilds sort
the links once per set of link times; text columns converted once per distinct value;
a monitoring step's union of active and closed links by a merge; the shelter choice
one shelter at a time when there are few; the per-zone KPIs from whole columns; the
waiting room's tick skips looks that cannot change anything; the closure schedule from
whole arrays and hazard steps that change nothing without new arrays.

Left (not the simulation's own work): ``scipy.spatial`` imported and a k-d tree built to
snap the exits and facilities and the households' origins (about 0.05-0.1 s; the
World's node index could keep the snapped nodes); the routing trees with every link
open built in ``new_run`` (the World cache does not keep them) and replaced at
``start`` by the hazard's closures at time 0 (about 20 ms); the compiled traffic core
itself (about 0.2 s).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _once(save: str | None, profile: bool) -> None:
    from musterpoint.scenarios.loader import load_scenario, resolve_scenario
    from musterpoint.sim.engine import new_run
    from musterpoint.world_cache import world_for

    loaded = load_scenario(resolve_scenario(None))
    world = world_for(loaded)
    plan = loaded.plan(None)
    if profile:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        new_run(world, plan, 1).run()
        prof.stop()
        print(prof.output_text(unicode=False, color=False, show_all=False))
        return
    c0, w0 = _cpu(), time.perf_counter()
    run = new_run(world, plan, 1)
    c1, w1 = _cpu(), time.perf_counter()
    run.start()  # run.run() is these three steps
    run.advance(world.duration_s)
    c2 = _cpu()
    result = run.finish()
    c3, w3 = _cpu(), time.perf_counter()
    print(f"new_run cpu {c1 - c0:.3f} wall {w1 - w0:.3f}  run cpu {c3 - c1:.3f} "
          f"wall {w3 - w1:.3f}  total cpu {c3 - c0:.3f} wall {w3 - w0:.3f}  "
          f"(start+advance cpu {c2 - c1:.3f}, finish cpu {c3 - c2:.3f})")
    if save:
        out = result.save(save)
        for p in sorted(out.iterdir()):
            if p.name != "run.json":  # holds the wall time
                print(f"sha256 {p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=0,
                   help="fresh processes to time (0: one run in this process)")
    p.add_argument("--save", help="write the result here and print each file's sha256")
    p.add_argument("--profile", action="store_true", help="pyinstrument profile of one run")
    args = p.parse_args()
    os.environ.setdefault("MUSTER_CACHE_DIR",
                          str(Path(tempfile.gettempdir()) / "muster-bench-simrun"))
    if not args.repeat:
        _once(args.save, args.profile)
        return
    totals = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, __file__], capture_output=True, text=True,
                             check=True).stdout
        print(out.strip())
        totals.append(float(out.split("total cpu ")[1].split()[0]))
    print(f"median total cpu {statistics.median(totals):.3f} s over {len(totals)}")


if __name__ == "__main__":
    main()
