"""Benchmark: start-up of the ``muster`` command (``muster --help``).

Target (issue 18): under 0.3 s. Runs each given ``muster`` executable (default: the one
beside this Python) ``--repeat`` times, interleaved so that a busy machine slows every
one alike, and prints the median and the minimum of wall and CPU time (user + system of
the child). Prints figures; asserts nothing.

    python bench/bench_startup.py [--repeat 20] [MUSTER ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _once(exe: str) -> tuple[float, float]:
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([exe, "--help"], stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    return wall, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("muster", nargs="*",
                   default=[str(Path(sys.executable).parent / "muster")])
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    walls: dict[str, list[float]] = {m: [] for m in args.muster}
    cpus: dict[str, list[float]] = {m: [] for m in args.muster}
    for m in args.muster:  # warm the file cache once, untimed
        _once(m)
    for _ in range(args.repeat):
        for m in args.muster:
            w, c = _once(m)
            walls[m].append(w)
            cpus[m].append(c)
    print(f"== muster --help, {args.repeat} runs each (interleaved)")
    for m in args.muster:
        print(f"  {m}")
        print(f"    wall  median {statistics.median(walls[m]):.3f} s   "
              f"min {min(walls[m]):.3f} s")
        print(f"    cpu   median {statistics.median(cpus[m]):.3f} s   "
              f"min {min(cpus[m]):.3f} s")


if __name__ == "__main__":
    main()
