"""Benchmark: a second ``muster run`` of the default scenario, with its World cached.

Target (issue 18, for later work): under 3 s including the bound. Prints, for the
default scenario and plan, seed 1:

1. the whole command (``muster run --no-progress --no-catalog``) with ``--no-cache`` and
   with a warm cache, ``--repeat`` times each, interleaved, wall and CPU time (median and
   minimum; CPU is user + system of the child);
2. the phases of a warm run in this process (import, World from the cache, the checks
   ``muster run`` makes, simulate, bound, tables, map, report), so that the remaining time
   can be seen where it goes.

The cache is a temporary folder (``$MUSTER_CACHE_DIR``), never the user's. Prints
figures; asserts nothing.

    python bench/bench_second_run.py [--repeat 3] [--skip-cli]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report


def _cli_once(muster: str, out: Path, extra: list[str]) -> tuple[float, float]:
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([muster, "run", "--out", str(out), "--no-progress", "--no-catalog",
                    "--force", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)


def _cli(repeat: int, tmp: Path) -> None:
    muster = str(Path(sys.executable).parent / "muster")
    _cli_once(muster, tmp / "warmup", [])  # writes the cache entry
    cases = {"--no-cache": ["--no-cache"], "cached": []}
    walls: dict[str, list[float]] = {k: [] for k in cases}
    cpus: dict[str, list[float]] = {k: [] for k in cases}
    for i in range(repeat):
        for name, extra in cases.items():
            w, c = _cli_once(muster, tmp / f"out-{i}", extra)
            walls[name].append(w)
            cpus[name].append(c)
    print(f"== muster run (default scenario, bound, map, report), {repeat} runs each")
    for name in cases:
        print(f"  {name:<12} wall median {statistics.median(walls[name]):6.2f} s  min "
              f"{min(walls[name]):6.2f} s   cpu median {statistics.median(cpus[name]):6.2f}"
              f" s  min {min(cpus[name]):6.2f} s")


def _phases(tmp: Path) -> None:
    times: dict[str, float] = {}
    with phase("import (run's modules)", times):
        from musterpoint.bound_step import attach_bound
        from musterpoint.maps import write_run_map
        from musterpoint.reports import write_run_report
        from musterpoint.scenarios.loader import load_scenario, resolve_scenario
        from musterpoint.sim.drill.checks import check_standard_names, run_script_problems
        from musterpoint.sim.engine import new_run
        from musterpoint.world_cache import world_for
    loaded = load_scenario(resolve_scenario(None))
    world_for(loaded)  # make sure the entry exists (the CLI part wrote it already)
    with phase("world from the cache", times):
        loaded = load_scenario(resolve_scenario(None))
        world = world_for(loaded)
    plan = loaded.plan(None)
    with phase("checks (standard names)", times):
        check_standard_names(world, plan)
    with phase("simulate", times):
        run = new_run(world, plan, 1)
        run_script_problems(world, run)
        result = run.run()
    with phase("bound", times):
        attach_bound(result, world, plan)
    with phase("save tables", times):
        result.save(tmp / "phases")
    with phase("map.html", times):
        write_run_map(result, tmp / "phases" / "map.html")
    with phase("report.html", times):
        write_run_report(result, tmp / "phases" / "report.html")
    report("second run, phases (porto-alegre-flood, evacuate-all-now, seed 1)", times, {
        "cpu time of this process": f"{time.process_time():.2f} s",
    })


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-cli", action="store_true", help="only the in-process phases")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        os.environ["MUSTER_CACHE_DIR"] = str(tmp / "worlds")
        if not args.skip_cli:
            _cli(args.repeat, tmp)
        _phases(tmp)


if __name__ == "__main__":
    main()
