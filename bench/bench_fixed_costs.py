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

The cache is a temporary folder (``$MUSTER_CACHE_DIR``), never the user's. Prints
figures; asserts nothing.

    python bench/bench_fixed_costs.py [--repeat 10] [--runs 3] [SCENARIO]
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
t0 = time.perf_counter()
from musterpoint.cli import main
t1 = time.perf_counter()
steps = {}
class Steps(logging.Handler):
    def emit(self, record):
        if record.msg.startswith("step "):
            key, seconds = record.args
            steps[key] = steps.get(key, 0.0) + seconds
log = logging.getLogger("musterpoint.progress")
log.addHandler(Steps())
log.setLevel(logging.DEBUG)
code = main(sys.argv[2:])
t2 = time.perf_counter()
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "import": t1 - t0, "main": t2 - t1, "steps": steps}, f)
"""


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env)
    return time.perf_counter() - t0


def _help(repeat: int) -> None:
    muster = str(Path(sys.executable).parent / "muster")
    print(f"== start-up, {repeat} runs each (target < 0.3 s)")
    for args in (["--help"], ["run", "--help"]):
        _wall([muster, *args])  # warm the file cache, untimed
        walls = [_wall([muster, *args]) for _ in range(repeat)]
        print(f"  muster {' '.join(args):<12} wall median {statistics.median(walls):.3f} s"
              f"   min {min(walls):.3f} s")


def _run_once(scenario: list[str], out: Path, cache: Path) -> dict[str, float]:
    """One ``muster run`` in a fresh process: its wall time and its parts."""
    env = {**os.environ, "MUSTER_CACHE_DIR": str(cache)}
    figures = out.with_suffix(".json")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", _DRIVER, str(figures), "run", *scenario, "--out",
                    str(out), "--force", "--no-catalog", "--no-progress"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - t0
    got = json.loads(figures.read_text())
    if got["code"] != 0:
        raise SystemExit(f"muster run failed (exit code {got['code']})")
    steps: dict[str, float] = got["steps"]
    parts = {"start-up and imports": wall - got["main"],
             "reading the scenario, checks": got["main"] - sum(steps.values())}
    parts.update(steps)
    parts["wall time"] = wall
    return parts


def _print_runs(title: str, runs: list[dict[str, float]]) -> None:
    print(f"== {title}: median of {len(runs)} (min)")
    for key in runs[0]:
        values = [r.get(key, 0.0) for r in runs]
        print(f"  {key:<30} {statistics.median(values):7.2f} s  ({min(values):.2f})")


def _runs(scenario: list[str], n: int, tmp: Path) -> None:
    first: list[dict[str, float]] = []
    second: list[dict[str, float]] = []
    for i in range(n):
        cache = tmp / f"cache-{i}"  # empty: the first run builds the world and caches it
        first.append(_run_once(scenario, tmp / f"first-{i}", cache))
        second.append(_run_once(scenario, tmp / f"second-{i}", cache))
    name = scenario[0] if scenario else "the default scenario"
    _print_runs(f"first run of {name} (empty world cache)", first)
    _print_runs(f"second run of {name} (world from the cache)", second)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", nargs="?", default=None)
    p.add_argument("--repeat", type=int, default=10, help="runs of each --help")
    p.add_argument("--runs", type=int, default=3, help="first and second runs")
    p.add_argument("--skip-help", action="store_true")
    args = p.parse_args()
    if not args.skip_help:
        _help(args.repeat)
    with tempfile.TemporaryDirectory() as t:
        _runs([args.scenario] if args.scenario else [], args.runs, Path(t))


if __name__ == "__main__":
    main()
