"""Benchmark: ``muster plan-doc`` for the default scenario with a 10-replication comparison.

Target (issue 15): under 20 s. Compares ``staged-by-risk`` (fixed times) and
``gauge-levels`` (response levels) on Porto Alegre over 10 replications (or uses the
folder given with ``--compare``), then writes the Chinese and the English document and
prints the wall time of each and the tested ETE50 of both plans. Prints figures; asserts
nothing.

    python bench/bench_plan_doc.py [--compare DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__: list[str] = []


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compare", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    muster = [sys.executable, "-m", "musterpoint"]
    with tempfile.TemporaryDirectory() as tmp:
        cmp_dir = args.compare
        if cmp_dir is None:
            cmp_dir = Path(tmp) / "cmp"
            t0 = time.perf_counter()
            subprocess.run([*muster, "compare", "porto-alegre-flood", "--plans",
                            "staged-by-risk", "gauge-levels", "-n", "10", "--workers",
                            str(args.workers), "--out", str(cmp_dir), "--no-map",
                            "--no-report", "--no-catalog"], check=True, capture_output=True)
            print(f"compare 2 plans x 10 replications: {time.perf_counter() - t0:.1f} s")
        for lang in ("zh", "en"):
            out = Path(tmp) / f"plan-{lang}.docx"
            t0 = time.perf_counter()
            subprocess.run([*muster, "plan-doc", "porto-alegre-flood", "--plan",
                            "gauge-levels", "--compare", str(cmp_dir), "--lang", lang,
                            "--out", str(out)], check=True, capture_output=True)
            print(f"plan-doc --lang {lang}: {time.perf_counter() - t0:.1f} s wall, "
                  f"{out.stat().st_size / 1024:.0f} KiB")
        cmp = json.loads((cmp_dir / "comparison.json").read_text(encoding="utf-8"))
        for plan, v in cmp["kpis"]["evacuation.ete50_s"]["plans"].items():
            print(f"ETE50 {plan}: {v['mean'] / 60:.1f} min "
                  f"(95 % CI {v['lo'] / 60:.1f}-{v['hi'] / 60:.1f}, n={v['n']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
