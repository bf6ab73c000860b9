"""Benchmark: the planner's studio (issue 14): first paint, a 100,000-link network, run cost.

1. First paint of the default scenario: a fresh studio serves the page, its scripts and
   the scenario's files and map layers: with no world cache, with the world cache warm,
   and over a workspace that drew the scenario before (its layers stored); with
   Chromium, the time from navigation to the map drawn (``window.studio.ready``) of a
   fresh studio over that workspace and over a brand-new one (the world cache warm).
2. A grid network of about 100,000 links (CSV, tests' scenario factory): the layers'
   payload (bytes, gzipped bytes) and the time to build it; with Chromium, the time to
   draw it and to pan the map ten times.
3. Run overhead: ``muster run`` of the default scenario (a subprocess, as a user runs it)
   against the same run started from the studio (its worker process), same seed.
4. ``--latency REPS`` (only this): Run pressed in the studio (a POST), seconds to the
   clearance time (ETE) shown and to the job done, and the worker's CPU to each, for the
   first Run (a fresh studio, an empty world cache) and the second (the same studio);
   ``spawn`` (a fresh process per Run, the studio before the warm worker; its page showed
   the ETE only at the end) against ``spare`` (the warm worker), interleaved.

Figures (issue 18, default scenario, medians of 3, 2 cores shared with four other
sessions, load average 5 to 8: CPU is the measure; see docs/studio.md)::

    second Run  before (spawn, ETE at the end): ETE shown 20.15 s wall, worker CPU 7.37 s
                warm worker (spare):            ETE shown  7.15 s wall, worker CPU 3.34 s
                                                (job done 12.01 s wall, CPU 5.42 s)
    first Run   before: 42.98 s wall, CPU 14.19 s; warm worker: ETE 18.01 s wall, CPU
                6.57 s (the World built by the spare while the page was open)

    after the compiled core, the sweeping bound and the outputs side by side were merged
    (one core free, medians of 3): second Run ETE shown 1.72 s wall, done 2.76 s (CPU
    1.58 / 2.03 s); first Run ETE 3.48 s, done 4.71 s

Usage: ``python bench/bench_studio.py [--no-run] [--no-browser] [--grid 160]
[--latency 3 [--modes spawn,spare]]``. Loopback only; prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from musterpoint.studio import StudioServer, Workspace  # noqa: E402
from tests.helpers.scenario_factory import make_scenario  # noqa: E402


def _get(base: str, path: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(base + path, timeout=600) as r:
        data = r.read()
    return time.perf_counter() - t0, data


def _browser_paint(url: str, pans: int) -> tuple[float, float | None]:
    """Seconds from navigation to the map drawn, and for ``pans`` pans (None: none)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium",
                               args=["--no-sandbox"], headless=True)
        page = b.new_page(viewport={"width": 1400, "height": 900})
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_function("() => window.studio && window.studio.ready", timeout=600000)
        paint = time.perf_counter() - t0
        pan = None
        if pans:
            pan = page.evaluate("""(n) => new Promise(done => {
              const map = window.studio.map, t0 = performance.now(); let k = 0;
              const step = () => { if (k++ >= n) { done((performance.now() - t0) / 1000); return; }
                map.panBy([200, 120], {animate: false});
                requestAnimationFrame(() => requestAnimationFrame(step)); };
              step(); })""", pans)
        b.close()
    return paint, pan


def first_paint(browser: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        os.environ["MUSTER_CACHE_DIR"] = str(Path(tmp) / "cache")  # cold, then warm
        cases = (("cold (world built from files)", "a"), ("world cache warm", "b"),
                 ("fresh studio, same workspace", "b"))
        for label, folder in cases:
            srv = StudioServer(Workspace(Path(tmp) / folder), "127.0.0.1", 0)
            srv.start()
            base = f"http://127.0.0.1:{srv.port}"
            t0 = time.perf_counter()
            for path in ("/", "/vendor/leaflet/leaflet.js",
                         "/vendor/leaflet-geoman/leaflet-geoman.min.js", "/static/studio.js",
                         "/api/scenarios", "/api/scenario/porto-alegre-flood"):
                _get(base, path)
            t_layers, layers = _get(base, "/api/scenario/porto-alegre-flood/layers")
            total = time.perf_counter() - t0
            print(f"default scenario, {label}: server side {total:.2f} s (layers "
                  f"{t_layers:.2f} s, {len(layers) / 1e6:.2f} MB, gzip "
                  f"{len(gzip.compress(layers, 5)) / 1e6:.2f} MB)")
            srv.shutdown()
        if browser:  # fresh studios measured in the browser: same and brand-new workspace
            for label, folder in (("same workspace", "b"), ("brand-new workspace", "c")):
                srv = StudioServer(Workspace(Path(tmp) / folder), "127.0.0.1", 0)
                srv.start()
                paint, _ = _browser_paint(f"http://127.0.0.1:{srv.port}/", 0)
                print(f"default scenario, fresh studio, {label}: first paint in Chromium "
                      f"{paint:.2f} s")
                srv.shutdown()


def big_network(n: int, browser: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-studio-grid-") as tmp:
        folder = make_scenario(Path(tmp) / "grid", n=n).parent
        srv = StudioServer(Workspace(Path(tmp) / "ws", [folder]), "127.0.0.1", 0)
        srv.start()
        base = f"http://127.0.0.1:{srv.port}"
        t_build, layers = _get(base, "/api/scenario/grid/layers")
        n_links = len(json.loads(layers)["roads"]["ids"])
        t_again, _ = _get(base, "/api/scenario/grid/layers")
        print(f"grid {n} x {n}: {n_links:,} links; layers {len(layers) / 1e6:.1f} MB (gzip "
              f"{len(gzip.compress(layers, 5)) / 1e6:.1f} MB), first {t_build:.1f} s "
              f"(world built), cached {t_again:.2f} s")
        if browser:
            paint, pan = _browser_paint(base + "/", 10)
            print(f"grid {n} x {n}: first paint {paint:.1f} s; 10 pans {pan:.2f} s "
                  f"({(pan or 0) / 10 * 1000:.0f} ms each)")
        srv.shutdown()


def run_overhead() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-studio-run-") as tmp:
        env = {**os.environ, "MUSTER_CATALOG": str(Path(tmp) / "catalog.sqlite")}
        muster = str(Path(sys.executable).with_name("muster"))
        t0 = time.perf_counter()
        subprocess.run([muster, "run", "--seed", "1", "--out", str(Path(tmp) / "cli"),
                        "--no-progress"], check=True, env=env, capture_output=True)
        cli = time.perf_counter() - t0
        srv = StudioServer(Workspace(Path(tmp) / "ws"), "127.0.0.1", 0)
        srv.start()
        srv.workspace.folder("porto-alegre-flood")
        t0 = time.perf_counter()
        job = srv.start_run("porto-alegre-flood", {"plan": "evacuate-all-now", "seed": 1})
        while srv.job(job["id"])["state"] == "running":
            time.sleep(0.2)
        studio = time.perf_counter() - t0
        state = srv.job(job["id"])["state"]
        srv.shutdown()
        print(f"default run: muster run {cli:.1f} s, studio {studio:.1f} s ({state}); "
              f"studio / CLI = {studio / cli:.3f}")


def _cpu_children() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _run_once(srv: StudioServer, base: str) -> dict[str, float]:
    """POST a run of the default scenario; seconds to the ETE shown and to the job done.

    The ETE is "shown" at the first poll (every 0.05 s, as the page's every 0.25 s) whose
    answer carries it: ``early_result`` while the map and report are written, else
    ``result`` once the job is done (all the page had before the warm worker)."""
    body = json.dumps({"plan": "evacuate-all-now", "seed": 1}).encode()
    req = urllib.request.Request(base + "/api/scenario/porto-alegre-flood/run", data=body,
                                 headers={"Content-Type": "application/json",
                                          "Origin": base})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        job = json.loads(r.read())
    ete = None
    while True:
        _, raw = _get(base, f"/api/job/{job['id']}")
        j = json.loads(raw)
        now = time.perf_counter() - t0
        shown = j.get("result") or j.get("early_result")
        if ete is None and shown is not None and shown["evacuation"].get("ete50_s"):
            ete = now
        if j["state"] != "running":
            break
        time.sleep(0.05)
    if j["state"] != "done":
        raise RuntimeError(f"the run ended {j['state']}: {j.get('message')}")
    w = j.get("worker") or {}
    return {"ete": ete if ete is not None else now, "done": now,
            "cpu_ete": float(w.get("figures_cpu_s") or w.get("cpu_s") or float("nan")),
            "cpu": float(w.get("cpu_s") or float("nan"))}


def run_latency(reps: int, modes: list[str]) -> None:
    """Run pressed in the studio: seconds to the ETE shown and to the job done, first Run
    (a fresh studio and an empty world cache: the World is built, the bound computed) and
    second Run (the same studio right after: World and bound cached), ``reps`` times per
    mode, modes interleaved; medians. ``spawn``: a fresh worker process per Run (the
    studio before the warm worker); ``spare``: the warm spare worker."""
    import statistics

    rows: dict[tuple[str, str], list[dict[str, float]]] = {}
    for rep in range(reps):
        for mode in modes:
            with tempfile.TemporaryDirectory(prefix="bench-studio-lat-") as tmp:
                os.environ["MUSTER_CACHE_DIR"] = str(Path(tmp) / "cache")
                kw = {} if mode == "before" else {"warm_worker": mode == "spare"}
                srv = StudioServer(Workspace(Path(tmp) / "ws"), "127.0.0.1", 0, **kw)
                srv.start()
                base = f"http://127.0.0.1:{srv.port}"
                t_open = time.perf_counter()
                _get(base, "/api/scenario/porto-alegre-flood")  # as the page opens it
                _get(base, "/api/scenario/porto-alegre-flood/layers")
                ready = getattr(srv.jobs, "wait_spare", None) if mode == "spare" else None
                for case in ("first", "second"):
                    if ready is not None:
                        ready(300.0)  # the planner looks at the page meanwhile
                        if case == "first":
                            print(f"  rep {rep + 1} spare ready {time.perf_counter() - t_open:.2f}"
                                  " s after the scenario was opened", flush=True)
                    r = _run_once(srv, base)
                    rows.setdefault((mode, case), []).append(r)
                    print(f"  rep {rep + 1} {mode:6s} {case} Run: ETE shown {r['ete']:.2f} s, "
                          f"done {r['done']:.2f} s; worker CPU to the ETE "
                          f"{r['cpu_ete']:.2f} s, to done {r['cpu']:.2f} s", flush=True)
                srv.shutdown()
    for (mode, case), rs in rows.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("ete", "done", "cpu_ete",
                                                                   "cpu")}
        print(f"{mode:6s} {case} Run (median of {len(rs)}): wall to the ETE shown "
              f"{med['ete']:.2f} s, to the job done {med['done']:.2f} s; worker CPU to the "
              f"ETE {med['cpu_ete']:.2f} s, to done {med['cpu']:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-run", action="store_true", help="skip the run overhead")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    ap.add_argument("--paint-only", action="store_true",
                    help="only the first paint of the default scenario")
    ap.add_argument("--grid", type=int, default=160,
                    help="grid side (160: 101,760 links)")
    ap.add_argument("--latency", type=int, default=0, metavar="REPS",
                    help="only the Run latency, REPS times per mode (see run_latency)")
    ap.add_argument("--modes", default="spawn,spare",
                    help="modes of --latency, comma-separated (before: the old studio)")
    args = ap.parse_args()
    if args.latency:
        run_latency(args.latency, args.modes.split(","))
        return
    browser = not args.no_browser and Path("/usr/bin/chromium").is_file()
    first_paint(browser)
    if args.paint_only:
        return
    big_network(args.grid, browser)
    if not args.no_run:
        run_overhead()


if __name__ == "__main__":
    main()
