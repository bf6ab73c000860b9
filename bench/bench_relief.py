"""Benchmark: relief supply on the Porto Alegre flood, both relief plans, and the routing
reference on CVRPLIB instances.

Uses the bundled scenario as it is when its ``scenario.yaml`` has a ``relief:`` section;
otherwise a temporary copy with the section from ``RELIEF.md`` and the two relief plans.
Prints wall times and the headline relief KPIs; asserts nothing.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report

from musterpoint.scenarios.loader import load_scenario, resolve_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.relief.vrp import read_cvrplib, solve_cvrplib
from musterpoint.sim.world import build_world

PLANS = ("relief-need-driven", "relief-periodic")
CVRPLIB = Path(__file__).resolve().parents[1] / "tests" / "data" / "cvrplib"


def relief_scenario(tmp: Path) -> Path:
    """The Porto Alegre scenario with its relief section and relief plans."""
    bundled = resolve_scenario("porto-alegre-flood")
    folder = bundled.parent
    text = bundled.read_text(encoding="utf-8")
    if re.search(r"^relief:", text, flags=re.M):
        return bundled
    md = (folder / "RELIEF.md").read_text(encoding="utf-8")
    block = md.split("<!-- relief-section-start -->")[1].split("<!-- relief-section-end -->")[0]
    section = block.strip().removeprefix("```yaml").removesuffix("```").strip()
    for name in ("data", "plans", "README.md"):
        (tmp / name).symlink_to(folder / name)
    text = text.replace("  - plans/staged-by-risk.yaml\n",
                        "  - plans/staged-by-risk.yaml\n"
                        + "".join(f"  - plans/{p}.yaml\n" for p in PLANS))
    (tmp / "scenario.yaml").write_text(text + "\n" + section + "\n", encoding="utf-8")
    return tmp / "scenario.yaml"


def _hmm(s: Any) -> str:
    if s is None:
        return "never"
    m = round(float(s) / 60.0)
    return f"{m // 60}:{m % 60:02d}"


def main() -> None:
    times: dict[str, float] = {}
    extra: dict[str, object] = {}
    for name in ("E-n22-k4", "A-n32-k5"):
        inst = read_cvrplib(CVRPLIB / f"{name}.vrp")
        t0 = time.perf_counter()
        res = solve_cvrplib(inst, iterations=2000, seed=1)
        times[f"CVRPLIB {name}"] = time.perf_counter() - t0
        extra[f"{name} cost (k={inst.vehicles})"] = res.cost
    with tempfile.TemporaryDirectory() as tmp:
        with phase("load scenario + world", times):
            loaded = load_scenario(relief_scenario(Path(tmp)))
            world = build_world(loaded)
        for plan in PLANS:
            with phase(f"simulate {plan}", times):
                result = new_run(world, loaded.plan(plan), seed=1).run()
            k = result.kpis["relief"]
            ref = k["reference"] or {}
            fill = " / ".join(f"{v:.1%}" for v in k["fill_rate"].values() if v is not None)
            first = k["first_depot_stockout"]
            extra[f"{plan}: fill rate"] = f"{fill} ({', '.join(k['fill_rate'])})"
            extra[f"{plan}: unmet person-days"] = f"{k['unmet_person_days']:,.0f}"
            extra[f"{plan}: first delivery"] = (
                f"median {_hmm(k['first_delivery_median_s'])}, worst "
                f"{_hmm(k['first_delivery_worst_s'])} ({k['first_delivery_worst_point']})")
            extra[f"{plan}: longest stockout"] = (
                f"{_hmm(k['longest_stockout_s'])} ({k['longest_stockout_point']}, "
                f"{k['longest_stockout_commodity']})")
            extra[f"{plan}: equity"] = (f"worst/mean {k['equity_worst_to_mean']:.2f}, "
                                        f"Gini {k['equity_gini']:.2f}")
            extra[f"{plan}: trucks"] = (f"{k['trips']} trips, {k['truck_km']:.0f} km, "
                                        f"utilisation {k['truck_utilisation']:.0%}, "
                                        f"stranded {k['trucks_stranded']}")
            extra[f"{plan}: first depot out"] = ("none" if not first else
                                                 f"{first['depot']} ({first['commodity']}) "
                                                 f"{_hmm(first['time_s'])}")
            extra[f"{plan}: km plan/reference"] = (
                f"{ref.get('plan_km', 0):.0f} / {ref.get('reference_km', 0):.0f} "
                f"(gap {ref.get('distance_gap') or 0:+.0%})")
            extra[f"{plan}: ledger balanced"] = result.kpis["ledger"]["relief"]["balanced"]
    report("relief supply (porto-alegre-flood, seed 1)", times, extra)


if __name__ == "__main__":
    main()
