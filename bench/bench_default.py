"""Benchmark: the bundled default scenario end to end (load, simulate, map, report).

Target (issue 2): under 30 s on a 2-core machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report

from musterpoint.maps import write_run_map
from musterpoint.reports import write_run_report
from musterpoint.scenarios.loader import load_scenario, resolve_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.world import build_world


def main() -> None:
    times: dict[str, float] = {}
    with phase("load scenario + world", times):
        loaded = load_scenario(resolve_scenario(None))
        world = build_world(loaded)
    with phase("simulate", times):
        run = new_run(world, loaded.plan(None), seed=1)
        result = run.run()
    with tempfile.TemporaryDirectory() as tmp:
        with phase("save tables", times):
            result.save(tmp)
        with phase("map.html", times):
            write_run_map(result, Path(tmp) / "map.html")
        with phase("report.html", times):
            write_run_report(result, Path(tmp) / "report.html")
    t = result.kpis["traffic"]
    sim_s = times["simulate"]
    report("default scenario (porto-alegre-flood, evacuate-all-now, seed 1)", times, {
        "vehicles": result.kpis["evacuation"]["vehicles"],
        "traffic events": t["events"],
        "link traversals": t["link_traversals"],
        "events/s (simulate phase)": f"{t['events'] / sim_s:,.0f}",
        "traversals/s (simulate)": f"{t['link_traversals'] / sim_s:,.0f}",
    })


if __name__ == "__main__":
    main()
