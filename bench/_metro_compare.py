"""``muster compare`` of the default scenario's two plans on the local executor and on a
Dask LocalCluster: wall times, and whether the outputs are byte-identical."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from _common import phase, report

__all__ = ["PLANS", "compare_executors", "identical_outputs"]

#: The default scenario's two plans compared (as in bench_compare.py).
PLANS = ("evacuate-all-now", "staged-by-risk")
#: Outputs that must not depend on the executor (timing.json does, by design).
SAME_FILES = ("comparison.json", "replications.csv")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def identical_outputs(a: Path, b: Path) -> dict[str, bool]:
    """For each executor-independent output, whether folders ``a`` and ``b`` hold the
    same bytes."""
    return {name: _digest(a / name) == _digest(b / name) for name in SAME_FILES}


def compare_executors(replications: int, workers: int = 2) -> dict[str, bool]:
    """Run the comparison on both executors; print wall times and the byte check."""
    from musterpoint.cli import main as muster

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {}
        for name, extra in (("local", ["--workers", str(workers)]),
                            ("dask", ["--scheduler", f"local:{workers}"])):
            out = Path(tmp) / name
            argv = ["compare", "--plans", *PLANS, "--replications", str(replications),
                    "--out", str(out), "--no-progress", "--no-map", "--no-report",
                    "--catalog", str(Path(tmp) / "catalog.sqlite"), *extra]
            with phase(f"compare on {name}", times):
                rc = muster(argv)
            if rc != 0:
                raise SystemExit(f"muster compare on {name} failed with exit code {rc}")
            outs[name] = out
        same = identical_outputs(outs["local"], outs["dask"])
        timing = {k: json.loads((v / "timing.json").read_text()) for k, v in outs.items()}
    report(f"compare: default scenario, {len(PLANS)} plans x {replications} replications, "
           f"{workers} workers", times, {
               **{f"{k} simulation phase": f"{v['simulation_wall_time_s']:8.2f} s"
                  for k, v in timing.items()},
               **{f"{k} identical": v for k, v in same.items()},
           })
    return same
