"""Benchmark: run map file size, write time and load time in headless Chromium (issue 17).

Two runs: the bundled default (porto-alegre-flood, evacuate-all-now, seed 1) and the whole
city ordered out at once (``_common.whole_city_world``, HOURS simulated hours, default 12).
For each it writes ``map.html`` and opens it from ``file://`` in Debian's Chromium with the
network cut off, timing from navigation until the time slider and the road canvas are on
the page (median of three loads). Target: under 20 MB and under 5 s. Prints figures;
asserts nothing.

Usage: ``python bench/bench_map.py [HOURS] [--default-only]``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import phase, report, whole_city_world

from musterpoint.maps import write_run_map
from musterpoint.scenarios.loader import load_scenario, resolve_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.world import build_world

_READY = ("() => !!document.querySelector('input.time-slider') &&"
          " !!document.querySelector('.leaflet-musterpoint-roads-pane canvas') &&"
          " document.querySelectorAll('path.leaflet-interactive').length > 0")


def load_seconds(path: Path, repeat: int = 3) -> float:
    """Median seconds from navigation until the map is drawn, network cut off."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--headless", "--disable-gpu"])
        for _ in range(repeat):
            page: Any = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:")) else r.abort())
            t0 = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load", timeout=120_000)
            page.wait_for_function(_READY, timeout=120_000)
            times.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    return statistics.median(times)


def _measure(title: str, result: Any, times: dict[str, float]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.html"
        with phase("map.html", times):
            write_run_map(result, path)
        size = path.stat().st_size
        load = load_seconds(path)
    report(title, times, {
        "link_states rows": f"{len(result.tables['link_states']):,}",
        "map size": f"{size / 1e6:.2f} MB (target < 20 MB)",
        "map load (Chromium, median of 3)": f"{load:.2f} s (target < 5 s)",
    })


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    hours = float(args[0]) if args else 12.0
    times: dict[str, float] = {}
    with phase("load scenario + world", times):
        loaded = load_scenario(resolve_scenario(None))
        world = build_world(loaded)
    with phase("simulate", times):
        result = new_run(world, loaded.plan(None), seed=1).run()
    _measure("run map: default scenario (porto-alegre-flood, evacuate-all-now, seed 1)",
             result, times)
    if "--default-only" in sys.argv:
        return
    times = {}
    with phase("load scenario + world", times):
        world, plan = whole_city_world(hours)
    with phase("simulate", times):
        result = new_run(world, plan, seed=1).run()
    _measure(f"run map: whole city at once, {hours:g} simulated hours", result, times)


if __name__ == "__main__":
    main()
