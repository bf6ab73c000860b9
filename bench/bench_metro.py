"""Benchmark: a synthetic metropolitan region of 10 million residents evacuating (issue 18).

Writes the synthetic region of :mod:`_metro_region` (a street grid of about one directed
link per 10 residents, places with a monocentric density, relief centres on a lattice;
see docs/metro_scale.md) into a temporary folder, builds its World, makes the households
and vehicles, simulates ``--hours`` hours, builds the tables and writes them, and prints
build time, simulate wall and CPU time, events/s, link traversals/s, peak memory, the
ledger of the vehicles (arrived / stranded / en route / never departed, which must add up)
and the evacuation time estimates. Target (issue 18): 10 million residents in under 15
minutes and under 16 GB peak memory on 2 cores. Prints figures; asserts only the ledger.

With ``--compare``, also runs ``muster compare`` of the default scenario's two plans with
``--replications`` (default 10) on the local executor and on a Dask LocalCluster, and
prints both wall times and whether comparison.json and the tables are byte-identical.

Measured outside the traffic core (issue 18 item 5; CPU time, medians of 3 interleaved,
main d171fb1 -> this, the machine shared, load average 4-20): 3M residents --build-only,
households + vehicles + routing trees 4.64 -> 3.09 s, peak 1,085 -> 963 MB; the 10M
region's 144 routing trees 9.06 -> 8.11 s, and 0.03 s for a later run of the same World
(World.trees); 1M residents build_tables 1.61 -> 0.87 s. See docs/metro_scale.md.

10M residents on main 2996632 (the core's own event queue, one gridlock check per link,
one Car per vehicle), quiet machine: total 708 s (11.8 min), simulate 643 s (121,300
events per CPU second), peak 7,041 MB; the same events, ledger and ETEs as every 10M run.
On main 3d9c1ca (stop 28), quiet machine: total 592 s (9.9 min), simulate 544 s (143,400
events per CPU second), close books + tables + KPIs 23.8 s, peak 6,962 MB; the same
events, ledger and ETEs.

    python bench/bench_metro.py [--residents 10000000] [--hours 12] [--keep DIR]
    python bench/bench_metro.py --residents 100000 --compare
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import peak_rss_mb, phase, report
from _metro_region import write_region


class _Cpu:
    """CPU time (user + sys) of each phase, beside ``phase``'s wall time."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._t0 = time.process_time()

    def mark(self, name: str) -> None:
        """The CPU time since the last mark is phase ``name``'s."""
        t = time.process_time()
        self.times[name] = t - self._t0
        self._t0 = t

    def line(self) -> str:
        """The phases' CPU times on one line."""
        return ", ".join(f"{k} {v:.2f}" for k, v in self.times.items())


def _fmt_s(x: object) -> str:
    return "n/a" if x is None else f"{float(x) / 60:,.1f} min"  # type: ignore[arg-type]


def simulate_region(folder: Path, residents: int, hours: float,
                    build_only: bool = False) -> None:
    """Write, build, simulate and save the region; print the figures (with
    ``build_only``: stop once every departure is scheduled, before the clock moves)."""
    from musterpoint.scenarios.loader import load_scenario
    from musterpoint.sim.engine import new_run
    from musterpoint.sim.world import build_world

    times: dict[str, float] = {}
    cpu = _Cpu()
    with phase("write region files", times):
        region = write_region(folder / "region", residents, hours=hours)
    cpu.mark("write")
    with phase("load scenario + world", times):
        world = build_world(load_scenario(region.folder / "scenario.yaml"))
    cpu.mark("world")
    rss_world = peak_rss_mb()
    with phase("households + vehicles", times):
        run = new_run(world, world.loaded.plan(None), seed=1)
    cpu.mark("households + vehicles + trees")
    rss_agents = peak_rss_mb()
    if build_only:
        with phase("schedule departures (start)", times):
            run.start()
        cpu.mark("start")
        report(f"metro region: {residents:,} residents, built (not simulated)", times, {
            "grid": f"{region.side} x {region.side} nodes, {region.links:,} links, "
                    f"{region.extent_km:.1f} km square",
            "places / shelters": f"{region.places:,} / {region.shelters}",
            "agents (vehicles and carless households)": f"{run.agents.size:,}",
            "CPU s per phase": cpu.line(),
            "peak memory after world": f"{rss_world:8.0f} MB",
            "peak memory after agents": f"{rss_agents:8.0f} MB",
        })
        return
    with phase("simulate", times):
        run.start()
        run.advance(world.duration_s)
    cpu.mark("simulate")
    sim_cpu = cpu.times["simulate"]
    with phase("close books + tables + KPIs", times):
        result = run.finish()
    cpu.mark("finish")
    with phase("write tables (parquet)", times):
        result.save(folder / "out")
    cpu.mark("parquet")
    e, t = result.kpis["evacuation"], result.kpis["traffic"]
    sim_s = times["simulate"]
    led = result.kpis["ledger"]["evacuee"]
    states = ("arrived", "stranded", "en_route", "never_departed", "sheltering_in_place")

    def ledger_line(what: str) -> str:
        row = led[what]
        return " / ".join(f"{row[s]:,}" for s in states) + f" (total {row['total']:,})"

    report(f"metro region: {residents:,} residents, {hours:g} simulated hours", times, {
        "grid": f"{region.side} x {region.side} nodes, {region.links:,} links, "
                f"{region.extent_km:.1f} km square",
        "places / shelters": f"{region.places:,} / {region.shelters}",
        "residents (evacuees)": f"{int(e['evacuees']):,}",
        "vehicles": f"{int(e['vehicles']):,}",
        "ledger: arrived / stranded / en route / never departed / in place": "",
        "  vehicles": ledger_line("vehicles"),
        "  persons": ledger_line("persons"),
        "ledger balances": result.kpis["ledger"]["balanced"],
        "ETE50 / ETE90 / ETE100": " / ".join(_fmt_s(e.get(k)) for k in
                                             ("ete50_s", "ete90_s", "ete100_s")),
        "simulate CPU": f"{sim_cpu:8.2f} s",
        "CPU s per phase": cpu.line(),
        "traffic events": f"{t['events']:,}",
        "link traversals": f"{t['link_traversals']:,}",
        "events/s": f"{t['events'] / sim_s:,.0f}",
        "traversals/s": f"{t['link_traversals'] / sim_s:,.0f}",
        # on a shared machine the wall time counts other processes' turns too
        "events per CPU second": f"{t['events'] / max(sim_cpu, 1e-9):,.0f}",
        "traversals per CPU second": f"{t['link_traversals'] / max(sim_cpu, 1e-9):,.0f}",
        "gridlock forced moves": t["gridlock_forced_moves"],
        "peak memory after world": f"{rss_world:8.0f} MB",
        "peak memory after agents": f"{rss_agents:8.0f} MB",
        "memory per resident": f"{peak_rss_mb() * 1e6 / max(residents, 1):,.0f} B",
    })
    if not result.kpis["ledger"]["balanced"]:
        raise SystemExit("the ledger does not balance")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--residents", type=int, default=10_000_000)
    ap.add_argument("--hours", type=float, default=12.0)
    ap.add_argument("--keep", type=Path, default=None,
                    help="write the region and the run here (default: a temporary folder)")
    ap.add_argument("--build-only", action="store_true",
                    help="stop before simulating (world, agents, departures scheduled)")
    ap.add_argument("--compare", action="store_true",
                    help="also time compare on the local executor and on Dask")
    ap.add_argument("--replications", type=int, default=10)
    args = ap.parse_args()
    if args.keep is not None:
        simulate_region(args.keep, args.residents, args.hours, args.build_only)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            simulate_region(Path(tmp), args.residents, args.hours, args.build_only)
    if args.compare:
        from _metro_compare import compare_executors

        compare_executors(args.replications)


if __name__ == "__main__":
    main()
