"""Benchmark: musterpoint side by side with SUMO's mesoscopic model on the same routes.

Needs SUMO (Debian: ``apt-get update && apt-get install -y sumo sumo-tools``; netconvert,
duarouter and sumo must be on the PATH). Run from the repository with its venv::

    .venv/bin/python bench/bench_sumo.py [--vehicles 5000 --vehicles 20000 ...]
                                         [--repeat 3] [--grid 20] [--lanes 2] [--keep DIR]

The case (fixed seed): a ``grid x grid`` square grid of nodes 200 m apart, every street
two-way, 2 lanes each way (``--lanes``), 13.89 m/s (50 km/h), 1,800 PCU/h per lane; N trips between
random distinct nodes, leaving uniformly over the first hour. SUMO gets the grid through
netconvert (edge lengths forced to 200 m, no turnarounds), and duarouter gives every trip
its free-flow shortest route. musterpoint reads the very same ``routes.rou.xml`` (trips
with fixed routes) on the same grid as a CSV network whose link ids are SUMO's edge ids,
so both tools drive identical routes.

Both models mean the same thing:

* flow capacity: musterpoint 1,800 PCU/h per lane (a headway of 2.0 s per lane);
  SUMO meso ``--meso-tauff 2 --meso-taufj 2 --meso-taujf 2 --meso-taujj 2`` (the same
  2.0 s headway whether the next segment is free or jammed, divided by the lanes);
* storage: musterpoint 7.5 m per PCU and lane; SUMO vehicles 5 m long with a 2.5 m gap
  (``vType length=5 minGap=2.5``), and one meso segment per edge
  (``--meso-edgelength 10000``) as musterpoint has one queue per link;
* speed: the speed limit exactly (``speedFactor=1 speedDev=0``);
* junctions: no junction control in SUMO (``--meso-junction-control false``, its
  default: a vehicle passes when the next segment has room) and no traffic lights
  (``--no-tls`` is implied: the grid has priority junctions only); musterpoint's node
  model shares a full link among its approaches in proportion to their capacities;
* no teleports (``--time-to-teleport -1``); musterpoint's gridlock rule (forced moves)
  is counted in its ``kpis.json`` (``traffic.forced_moves``) and printed.

Timed for each N, ``--repeat`` times, interleaving the two tools: wall time, CPU time
(user + system of the child) and peak memory (the child's maximum resident set) of

* musterpoint: ``muster run CASE --no-map --no-report --no-gis --no-bound --no-catalog
  --no-progress`` as a subprocess, end to end (start-up, World, simulation, tables,
  writing the folder); the World cache is a fresh temporary folder, so the first repeat
  builds the World and later ones read it. ``--no-gis`` leaves out ``run.gpkg`` and the
  ``*.geo.parquet`` layers, which SUMO has no counterpart of (its outputs here are trip
  info and edge data; musterpoint's Parquet tables are all written); ``--gis`` keeps them
  (about 0.15 s more CPU at 5,000 trips);
* SUMO: ``sumo --mesosim`` on the routes, writing trip info and per-edge data.

ETE50/90/100: the time (from the start) by which 50, 90 and 100 % of the vehicles have
arrived, from each tool's per-vehicle arrival times. Per link, both tools' vehicle time
on the link (musterpoint ``link_states``: exited x mean travel time; SUMO meandata
``edgeData``: ``sampledSeconds``) minus free-flow time shows where the queues are; the
links with the most delay are printed. The last lines are one per N::

    N=5000 wall_ratio=0.93 ete50_ratio=1.02 ete90_ratio=0.97 ete100_ratio=0.99

(musterpoint median over SUMO median). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SPACING_M = 200.0
SPEED_MPS = 13.89
LANES = 2
LANE_CAPACITY_VPH = 1800.0
TAU_S = 3600.0 / LANE_CAPACITY_VPH
DEPART_SPREAD_S = 3600.0
SEED = 18
#: Settings that make SUMO meso mean what musterpoint's queue model means (see above).
SUMO_MESO = ["--mesosim", "true", "--meso-junction-control", "false",
             "--meso-tauff", f"{TAU_S}", "--meso-taufj", f"{TAU_S}",
             "--meso-taujf", f"{TAU_S}", "--meso-taujj", f"{TAU_S}",
             "--meso-edgelength", "10000", "--time-to-teleport", "-1",
             "--no-step-log", "true", "--ignore-route-errors", "false"]


@dataclass
class Run:
    """One timed run of one tool."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    arrive_s: np.ndarray
    link_delay_s: pd.Series


def _edge_id(a: int, b: int) -> str:
    return f"e{a}_{b}"


def write_case(folder: Path, grid: int, n_vehicles: int, lanes: int = LANES) -> Path:
    """The grid, the trips and their duarouter routes, for both tools; the scenario file."""
    folder.mkdir(parents=True, exist_ok=True)
    node = {(i, j): i * grid + j for i in range(grid) for j in range(grid)}
    pairs = []
    for (i, j), a in node.items():
        for di, dj in ((0, 1), (1, 0)):
            if (i + di, j + dj) in node:
                b = node[(i + di, j + dj)]
                pairs += [(a, b), (b, a)]
    x0, y0 = 480_000.0, 6_680_000.0  # UTM 22S, near Porto Alegre; only for the map
    nodes = ["id,x,y"] + [f"{n},{x0 + j * SPACING_M},{y0 + i * SPACING_M}"
                          for (i, j), n in node.items()]
    (folder / "nodes.csv").write_text("\n".join(nodes) + "\n")
    links = ["id,from,to,length_m,lanes,speed_mps,capacity_vph"]
    links += [f"{_edge_id(a, b)},{a},{b},{SPACING_M},{lanes},{SPEED_MPS},"
              f"{lanes * LANE_CAPACITY_VPH}" for a, b in pairs]
    (folder / "links.csv").write_text("\n".join(links) + "\n")
    nod = "".join(f'<node id="{n}" x="{j * SPACING_M}" y="{i * SPACING_M}" type="priority"/>'
                  for (i, j), n in node.items())
    (folder / "grid.nod.xml").write_text(f"<nodes>{nod}</nodes>\n")
    edg = "".join(f'<edge id="{_edge_id(a, b)}" from="{a}" to="{b}" numLanes="{lanes}" '
                  f'speed="{SPEED_MPS}" length="{SPACING_M}"/>' for a, b in pairs)
    (folder / "grid.edg.xml").write_text(f"<edges>{edg}</edges>\n")
    _sumo_tool(["netconvert", "--node-files", "grid.nod.xml", "--edge-files", "grid.edg.xml",
                "--no-turnarounds", "true", "-o", "grid.net.xml"], folder)
    rng = np.random.default_rng(SEED)
    n_nodes = grid * grid
    o = rng.integers(0, n_nodes, n_vehicles)
    d = (o + rng.integers(1, n_nodes, n_vehicles)) % n_nodes
    dep = np.sort(rng.uniform(0.0, DEPART_SPREAD_S, n_vehicles).round(0))
    out_of = {a: b for a, b in pairs}  # one edge leaving each node, to start a trip on
    into = {b: a for a, b in pairs}
    trips = ['<routes><vType id="car" length="5" minGap="2.5" speedFactor="1" '
             'speedDev="0" sigma="0"/>']
    for k in range(n_vehicles):
        # a SUMO trip goes from an edge to an edge: leave o by an edge, arrive by one into d
        a, b = int(o[k]), int(d[k])
        trips.append(f'<trip id="{k}" type="car" depart="{dep[k]:.0f}" '
                     f'from="{_edge_id(a, out_of[a])}" to="{_edge_id(into[b], b)}"/>')
    (folder / "trips.xml").write_text("\n".join(trips) + "\n</routes>\n")
    _sumo_tool(["duarouter", "-n", "grid.net.xml", "--route-files", "trips.xml",
                "-o", "routes.rou.xml", "--no-step-log", "true", "--no-warnings", "true",
                "--routing-algorithm", "dijkstra", "--seed", str(SEED)], folder)
    (folder / "p.yaml").write_text(yaml.safe_dump({"name": "p", "title": {"en": "grid"}}))
    sc = {"name": "sumo-grid", "title": {"en": f"SUMO comparison grid, {n_vehicles} trips"},
          "start": "2024-01-01T00:00:00", "duration_h": 6,
          "network": {"nodes": "nodes.csv", "links": "links.csv", "crs": "EPSG:32722"},
          "trips": "routes.rou.xml", "shelter_access_m": 0, "plans": ["p.yaml"]}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(sc))
    return folder / "scenario.yaml"


def _sumo_env() -> dict[str, str]:
    """The environment for SUMO's tools: SUMO_HOME set (Debian's), so that XML schemas are
    read from disk and never looked up on the web."""
    home = os.environ.get("SUMO_HOME") or ("/usr/share/sumo" if Path("/usr/share/sumo").is_dir()
                                           else "")
    return {**os.environ, **({"SUMO_HOME": home} if home else {})}


def _sumo_tool(cmd: list[str], cwd: Path) -> None:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=_sumo_env())
    if res.returncode:
        raise SystemExit(f"{cmd[0]} failed:\n{res.stderr[-2000:]}")


def _timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float,
                                                                                   float, float]:
    """Run ``cmd``; its wall time, CPU time (user + system) and peak memory (MB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{cmd[0]} failed:\n{err[-3000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def run_sumo(case: Path, out: Path) -> Run:
    """SUMO meso on the case's routes."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "edgedata.add.xml").write_text(  # one interval: the whole run
        '<additional><edgeData id="links" file="edgedata.xml"/></additional>\n')
    wall, cpu, mb = _timed(["sumo", "-n", str(case / "grid.net.xml"),
                            "-r", str(case / "routes.rou.xml"),
                            "-a", str(out / "edgedata.add.xml"),
                            "--tripinfo-output", str(out / "tripinfo.xml"), *SUMO_MESO], out,
                           _sumo_env())
    arrive = np.array([float(t.get("arrival", "nan")) for t in
                       ET.parse(out / "tripinfo.xml").getroot().iter("tripinfo")])
    free = SPACING_M / SPEED_MPS
    delay = {}
    for iv in ET.parse(out / "edgedata.xml").getroot().iter("interval"):
        for e in iv.iter("edge"):
            # vehicles that drove the whole edge: left it, or arrived at its end
            done = float(e.get("left", 0)) + float(e.get("arrived", 0))
            delay[e.get("id")] = float(e.get("sampledSeconds", 0)) - done * free
    return Run(wall, cpu, mb, arrive, pd.Series(delay, dtype=float))


def run_muster(case: Path, out: Path, cache: Path, gis: bool = False) -> Run:
    """``muster run`` on the case, end to end (with the GIS files if ``gis``)."""
    muster = str(Path(sys.executable).with_name("muster"))
    env = {**os.environ, "MUSTER_CACHE_DIR": str(cache)}
    wall, cpu, mb = _timed([muster, "run", str(case / "scenario.yaml"), "--out", str(out),
                            "--force", "--no-map", "--no-report", "--no-bound",
                            *([] if gis else ["--no-gis"]),
                            "--no-catalog", "--no-progress"], case, env)
    agents = pd.read_parquet(out / "agents.parquet", columns=["arrive_s"])
    ls = pd.read_parquet(out / "link_states.parquet",
                         columns=["link_id", "exited", "mean_travel_s", "freeflow_s"])
    ls = ls[ls["exited"] > 0]
    spent = (ls["exited"] * (ls["mean_travel_s"] - ls["freeflow_s"])).groupby(ls["link_id"])
    return Run(wall, cpu, mb, agents["arrive_s"].to_numpy(float), spent.sum())


def ete(arrive_s: np.ndarray, share: float) -> float:
    """Time by which ``share`` of all vehicles have arrived (inf if they never do)."""
    a = np.sort(np.where(np.isfinite(arrive_s), arrive_s, np.inf))
    return float(a[max(int(np.ceil(share * a.size)) - 1, 0)])


def _row(tool: str, r: Run) -> str:
    e = [ete(r.arrive_s, s) for s in (0.5, 0.9, 1.0)]
    return (f"  {tool:<11} wall {r.wall_s:7.2f} s  cpu {r.cpu_s:7.2f} s  peak "
            f"{r.peak_mb:6.0f} MB  ETE50 {e[0]:7.0f} s  ETE90 {e[1]:7.0f} s  "
            f"ETE100 {e[2]:7.0f} s  arrived {int(np.isfinite(r.arrive_s).sum())}")


def _links(m: Run, s: Run, top: int) -> None:
    both = pd.DataFrame({"musterpoint_delay_h": m.link_delay_s / 3600.0,
                         "sumo_delay_h": s.link_delay_s / 3600.0}).fillna(0.0)
    print(f"  total delay on links: musterpoint {both.musterpoint_delay_h.sum():.1f} "
          f"vehicle-hours, SUMO {both.sumo_delay_h.sum():.1f}")
    worst = both.loc[both.max(axis=1).sort_values(ascending=False).index[:top]]
    print("  links with the most delay (vehicle-hours; link e<from>_<to>):")
    for lid, r in worst.iterrows():
        print(f"    {lid:<12} musterpoint {r.musterpoint_delay_h:8.2f}  SUMO "
              f"{r.sumo_delay_h:8.2f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vehicles", type=int, action="append",
                    help="trips (may be given several times; default 5000 20000 50000)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--grid", type=int, default=20, help="nodes per side (default 20)")
    ap.add_argument("--lanes", type=int, default=LANES,
                    help=f"lanes each way (default {LANES}; 1 makes the grid queue)")
    ap.add_argument("--top", type=int, default=8, help="links listed per N (default 8)")
    ap.add_argument("--keep", type=Path, help="keep the cases and outputs in this folder")
    ap.add_argument("--gis", action="store_true",
                    help="let musterpoint also write its GIS files (run.gpkg, *.geo.parquet)")
    args = ap.parse_args(argv)
    for tool in ("netconvert", "duarouter", "sumo"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: install SUMO (apt-get update && apt-get "
                             "install -y sumo sumo-tools)")
    sizes = args.vehicles or [5000, 20000, 50000]
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-sumo-"))
    lines = []
    for n in sizes:
        case = write_case(root / f"n{n}", args.grid, n, args.lanes).parent
        cache = root / f"n{n}" / "cache"
        print(f"== N={n} ({args.grid}x{args.grid} grid, {args.lanes} lanes, seed {SEED})",
              flush=True)
        runs: dict[str, list[Run]] = {"musterpoint": [], "sumo": []}
        for k in range(args.repeat):
            runs["sumo"].append(run_sumo(case, root / f"n{n}" / f"sumo{k}"))
            print(_row("sumo", runs["sumo"][-1]), flush=True)
            runs["musterpoint"].append(run_muster(case, root / f"n{n}" / f"muster{k}", cache,
                                                      args.gis))
            print(_row("musterpoint", runs["musterpoint"][-1]), flush=True)
        m, s = runs["musterpoint"], runs["sumo"]

        def med(rs: list[Run], f: str) -> float:
            return statistics.median(getattr(r, f) for r in rs)

        def med_ete(rs: list[Run], share: float) -> float:
            return statistics.median(ete(r.arrive_s, share) for r in rs)

        print(f"  median: wall musterpoint {med(m, 'wall_s'):.2f} s / SUMO "
              f"{med(s, 'wall_s'):.2f} s; cpu {med(m, 'cpu_s'):.2f} / {med(s, 'cpu_s'):.2f} s;"
              f" peak {med(m, 'peak_mb'):.0f} / {med(s, 'peak_mb'):.0f} MB")
        _links(m[-1], s[-1], args.top)
        ratios = [med(m, "wall_s") / med(s, "wall_s")] + [
            med_ete(m, q) / med_ete(s, q) for q in (0.5, 0.9, 1.0)]
        lines.append(f"N={n} wall_ratio={ratios[0]:.2f} ete50_ratio={ratios[1]:.2f} "
                     f"ete90_ratio={ratios[2]:.2f} ete100_ratio={ratios[3]:.2f}")
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
