"""Benchmark: all 812,935 Porto Alegre residents ordered out at once.

The default scenario with the evacuation area widened to the whole city, every household
leaving at the order (all at once), 80 % car ownership (about 250,000 vehicles, the figure
in issue 2), and shelters with room for everyone. Target: simulated in under 3 minutes,
under 4 GB peak memory. Prints figures; asserts nothing.

Usage: ``python bench/bench_full_city.py [HOURS]`` (simulated hours, default 6).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report, whole_city_world

from musterpoint.sim.engine import new_run


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
    times: dict[str, float] = {}
    with phase("load scenario + world", times):
        world, plan = whole_city_world(hours)
    with phase("households + vehicles", times):
        run = new_run(world, plan, seed=1)
    with phase("simulate", times):
        result = run.run()
    e, t = result.kpis["evacuation"], result.kpis["traffic"]
    sim_s = times["simulate"]
    report(f"whole city at once, {hours:g} simulated hours", times, {
        "residents": e["evacuees"],
        "vehicles": e["vehicles"],
        "arrived / stranded / en route / never departed":
            f"{e['arrived']:,} / {e['stranded']:,} / {e['en_route']:,} / {e['never_departed']:,}",
        "traffic events": f"{t['events']:,}",
        "link traversals": f"{t['link_traversals']:,}",
        "events/s": f"{t['events'] / sim_s:,.0f}",
        "traversals/s": f"{t['link_traversals'] / sim_s:,.0f}",
        "gridlock forced moves": t["gridlock_forced_moves"],
    })


if __name__ == "__main__":
    main()
