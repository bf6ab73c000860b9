"""Golden outputs: sha256 of kpis.json and of the sorted agents and events tables.

Every bundled scenario and plan runs on two seeds with a short duration (the bound
included, as ``muster run`` computes it). ``python -m tests.helpers.golden`` rewrites
``tests/data/golden_hashes.json``; do that only in a commit that says which hashes change
and why.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

HASHES = Path(__file__).resolve().parents[1] / "data" / "golden_hashes.json"
SEEDS = (1, 2)
#: hours simulated per scenario: long enough for departures, arrivals, closures and
#: (relief, health) the first deliveries and cases
DURATION_H = {"porto-alegre-flood": 1.5, "helsinki-ammonia": 1.0, "wuhan-optics-valley": 72.0,
              "krems-flood": 2.0}


def frame_digest(df: pd.DataFrame) -> str:
    """sha256 of a table independent of row order: columns, dtypes and sorted values."""
    df = df.sort_values(list(df.columns), kind="mergesort").reset_index(drop=True)
    h = hashlib.sha256(repr([(c, str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def golden_cases() -> list[tuple[str, str, int]]:
    """(scenario, plan, seed) for every bundled scenario and plan."""
    from musterpoint.scenarios.loader import bundled_scenarios, load_scenario

    cases = []
    for name, path in sorted(bundled_scenarios().items()):
        for plan in sorted(load_scenario(path).plans):
            cases.extend((name, plan, seed) for seed in SEEDS)
    return cases


_WORLDS: dict[str, Any] = {}


def short_world(name: str) -> Any:
    """The World of bundled scenario ``name`` cut to its golden duration (built once)."""
    from musterpoint.sim.world import build_world

    if name not in _WORLDS:
        _WORLDS[name] = build_world(short_loaded(name))
    return _WORLDS[name]


def short_loaded(name: str) -> Any:
    """Bundled scenario ``name`` loaded and cut to its golden duration."""
    from musterpoint.scenarios.loader import bundled_scenarios, load_scenario

    loaded = load_scenario(bundled_scenarios()[name])
    short = loaded.scenario.model_copy(update={"duration_h": DURATION_H[name]})
    return dataclasses.replace(loaded, scenario=short)


def run_digests(name: str, plan_name: str, seed: int) -> dict[str, str]:
    """Run one case as ``muster run`` does (bound included) and hash its outputs."""
    return world_digests(short_world(name), plan_name, seed)


def world_digests(world: Any, plan_name: str, seed: int) -> dict[str, str]:
    """Run one plan on ``world`` as ``muster run`` does (bound included); hash outputs."""
    from musterpoint.bound_step import attach_bound
    from musterpoint.sim.engine import simulate

    plan = world.loaded.plan(plan_name)
    result = simulate(world, plan, seed)
    attach_bound(result, world, plan)
    with tempfile.TemporaryDirectory() as tmp:
        folder = result.save(Path(tmp) / "run")
        kpis = hashlib.sha256((folder / "kpis.json").read_bytes()).hexdigest()
        agents = frame_digest(pd.read_parquet(folder / "agents.parquet"))
        events = frame_digest(pd.read_parquet(folder / "events.parquet"))
        others = hashlib.sha256()
        for table in sorted(folder.glob("*.parquet")):
            if table.stem not in ("agents", "events"):
                others.update(table.stem.encode())
                others.update(frame_digest(pd.read_parquet(table)).encode())
    return {"kpis.json": kpis, "agents": agents, "events": events,
            "other tables": others.hexdigest()}


def case_key(name: str, plan: str, seed: int) -> str:
    return f"{name}/{plan}/seed{seed}"


def main() -> int:
    out = {case_key(*c): run_digests(*c) for c in golden_cases()}
    HASHES.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} cases to {HASHES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
