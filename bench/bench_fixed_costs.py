"""Benchmark: the fixed costs of the ``muster`` command (issues 17 and 18).

Prints

1. ``muster --help`` and ``muster run --help``: wall time, median and minimum of
   ``--repeat`` runs (target: under 0.3 s);
2. ``muster run`` of the default scenario (porto-alegre-flood, its default plan, seed 1,
   bound, map, report, GIS layers; no catalog) as a **first run** (an empty world cache)
   and a **second run** (the cache written by the first), ``--runs`` times each, each in
   a fresh process: the wall time of the process and where it goes, per step of the
   command (the steps of :mod:`musterpoint.progress`, timed by the command itself), plus
   "start-up and imports" (the process's wall time before ``main`` runs and after it
   returns) and "reading the scenario and checks" (``main`` outside its steps).
   The report and the GIS files are written by forked workers while the command writes
   the map (:mod:`musterpoint.output_workers`): their steps time the wait for the
   worker, and the workers' CPU time counts in the whole process's only.

The cache is a temporary folder (``$MUSTER_CACHE_DIR``), never the user's. Prints
figures; asserts nothing.

    python bench/bench_fixed_costs.py [--repeat 10] [--runs 3] [--python PY ...] [SCENARIO]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Runs ``muster`` in a fresh process and writes how long its parts took, as JSON, to
#: the file named by the first argument; the other arguments are muster's.
_DRIVER = """
import json, logging, sys, time
from musterpoint.cli import main
t1, c1 = time.perf_counter(), time.process_time()
steps, cpu = {}, {}
class Steps(logging.Handler):
    def emit(self, record):
        if record.msg.startswith("step "):
            key, seconds, cpu_s = record.args
            steps[key] = steps.get(key, 0.0) + seconds
            cpu[key] = cpu.get(key, 0.0) + cpu_s
log = logging.getLogger("musterpoint.progress")
log.addHandler(Steps())
log.setLevel(logging.DEBUG)
out_file, sys.argv = sys.argv[1], ["muster", *sys.argv[2:]]
code = main()  # as the muster executable calls it
t2, c2 = time.perf_counter(), time.process_time()
with open(out_file, "w") as f:
    json.dump({"code": code, "main": t2 - t1, "main_cpu": c2 - c1, "steps": steps,
               "cpu": cpu}, f)
"""


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def _help(python: str, repeat: int) -> None:
    muster = str(Path(python).parent / "muster")
    print(f"== start-up of {muster}, {repeat} runs each (target < 0.3 s)")
    for args in (["--help"], ["run", "--help"]):
        _wall([muster, *args])  # warm the file cache, untimed
        walls = [_wall([muster, *args]) for _ in range(repeat)]
        print(f"  muster {' '.join(args):<12} wall median {statistics.median(walls):.3f} s"
              f"   min {min(walls):.3f} s")


#: One run's figures: part -> (wall s, cpu s).
Figures = dict[str, tuple[float, float]]


def _run_once(python: str, scenario: list[str], out: Path, cache: Path) -> Figures:
    """One ``muster run`` in a fresh process: its wall and CPU time and their parts."""
    env = {**os.environ, "MUSTER_CACHE_DIR": str(cache)}
    figures = out.with_suffix(".json")
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([python, "-c", _DRIVER, str(figures), "run", *scenario, "--out",
                    str(out), "--force", "--no-catalog", "--no-progress"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    got = json.loads(figures.read_text())
    if got["code"] != 0:
        raise SystemExit(f"muster run failed (exit code {got['code']})")
    steps: dict[str, float] = got["steps"]
    parts: Figures = {
        "start-up, imports, exit": (wall - got["main"], cpu - got["main_cpu"]),
        "reading the scenario, checks": (got["main"] - sum(steps.values()),
                                         got["main_cpu"] - sum(got["cpu"].values())),
    }
    parts.update({k: (v, got["cpu"][k]) for k, v in steps.items()})
    parts["whole process"] = (wall, cpu)
    return parts


def _print_runs(title: str, runs: list[Figures]) -> None:
    print(f"== {title}: median of {len(runs)}")
    print(f"  {'':<30} {'wall':>8} {'cpu':>8}")
    for key in runs[0]:
        wall = statistics.median(r.get(key, (0.0, 0.0))[0] for r in runs)
        cpu = statistics.median(r.get(key, (0.0, 0.0))[1] for r in runs)
        print(f"  {key:<30} {wall:7.2f}s {cpu:7.2f}s")


def _runs(python: str, scenario: list[str], n: int, tmp: Path) -> None:
    first: list[Figures] = []
    second: list[Figures] = []
    for i in range(n):
        cache = tmp / f"cache-{i}"  # empty: the first run builds the world and caches it
        first.append(_run_once(python, scenario, tmp / f"first-{i}", cache))
        second.append(_run_once(python, scenario, tmp / f"second-{i}", cache))
    name = scenario[0] if scenario else "the default scenario"
    _print_runs(f"first run of {name} (empty cache), {python}", first)
    _print_runs(f"second run of {name} (cache of the first), {python}", second)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", nargs="?", default=None)
    p.add_argument("--repeat", type=int, default=10, help="runs of each --help")
    p.add_argument("--runs", type=int, default=3, help="first and second runs")
    p.add_argument("--skip-help", action="store_true")
    p.add_argument("--python", action="append", default=None, metavar="PYTHON",
                   help="the Python of a musterpoint install to measure (repeatable, e.g. "
                   "an install of an older commit; default: this one). An install without "
                   "timed steps shows the whole process only.")
    args = p.parse_args()
    pythons = args.python or [sys.executable]
    for python in pythons:
        if not args.skip_help:
            _help(python, args.repeat)
    with tempfile.TemporaryDirectory() as t:
        for k, python in enumerate(pythons):
            _runs(python, [args.scenario] if args.scenario else [], args.runs, Path(t) / str(k))


if __name__ == "__main__":
    main()
