"""Benchmark: ``muster compare`` of the default scenario's two plans, 30 replications each.

Runs the 60 simulations in local worker processes (2 by default; ``--workers N``), then
builds the comparison and writes comparison.json, the report and the difference map, and
prints the wall time of each phase and the speed-up over running the same runs one after
another (from each run's own wall time). Asserts nothing.

    python bench/bench_compare.py [--replications 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report

from musterpoint.catalog import comparison_json
from musterpoint.cli import main as muster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plans", nargs="+", default=["evacuate-all-now", "staged-by-risk"])
    args = ap.parse_args()
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cmp"
        argv = ["compare", "--plans", *args.plans, "--replications", str(args.replications),
                "--workers",
                str(args.workers), "--out", str(out), "--no-progress",
                "--catalog", str(Path(tmp) / "catalog.sqlite")]
        with phase("muster compare (end to end)", times):
            rc = muster(argv)
        if rc != 0:
            raise SystemExit(f"muster compare failed with exit code {rc}")
        timing = json.loads((out / "timing.json").read_text())
        comp = json.loads((out / "comparison.json").read_text())
        with phase("re-serialise comparison.json", times):
            comparison_json(comp)
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    runs = timing["runs"]
    serial = timing["sum_of_run_wall_times_s"]
    sim = timing["simulation_wall_time_s"]
    html_kib = sum(v for k, v in sizes.items() if k.endswith(".html")) / 1024
    report(f"compare: default scenario, {len(comp['plans'])} plans x {comp['replications']} "
           f"replications, {args.workers} local workers", times, {
               "runs": runs,
               "simulation phase (wall)": f"{sim:8.2f} s",
               "sum of run wall times": f"{serial:8.2f} s",
               "mean run wall time": f"{serial / runs:8.2f} s",
               "speed-up over serial": f"{serial / sim:8.2f} x",
               "comparison.json": f"{sizes['comparison.json'] / 1024:,.0f} KiB",
               "report + maps": f"{html_kib:,.0f} KiB",
               "links with changed congestion": len(comp["links"]["changed"]),
               "ranking": ", ".join(f"{r['plan']} {r['score']:.2f}"
                                    for r in comp["score"]["ranking"]),
           })


if __name__ == "__main__":
    main()
