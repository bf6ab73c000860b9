"""Benchmark: 200 consoles polling a loopback drill console for 60 s while commands are
posted (issue 12; the review's section 3.8 measured p50 2.6 s, p95 3.8 s before).

Starts ``muster drill`` on the default scenario (127.0.0.1, any free port, a session in a
temporary folder), starts its clock at speed 60, then runs 200 pollers, each polling
``/api/state?since=N`` like the console page (every 0.5 s while the clock runs, gzip,
keep-alive), and one client posting a command every 2 s (observations and informational
injects, each with a unique text). Prints the poll latency (p50, p95, max), errors, and
whether every command was recorded exactly once. Loopback only; asserts nothing.

Usage: ``python bench/bench_console_load.py [--pollers 200] [--seconds 60]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _console import Client, percentile, start_drill, stop_drill


async def _poller(port: int, until: float, lat: list[float], errors: list[str],
                  delay_s: float) -> None:
    c = Client(port)
    since = 0
    try:
        while time.monotonic() < until:
            t0 = time.perf_counter()
            try:
                status, st = await c.call("GET", f"/api/state?since={since}")
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                errors.append(f"poll: {exc!r}")
                await c.close()
                continue
            lat.append(time.perf_counter() - t0)
            running = True
            if status != 200:
                errors.append(f"poll: HTTP {status}")
            else:
                since = st["clock"]["last_seq"]
                running = st["clock"]["running"]
            await asyncio.sleep(delay_s if running else 1.5)
    finally:
        await c.close()


async def _poster(port: int, until: float, sent: list[str], lat: list[float],
                  errors: list[str]) -> None:
    k = 0
    while time.monotonic() < until - 2:
        k += 1
        tag = f"load-{k:04d}"
        body = ({"text": tag, "section": "observation"} if k % 2 else
                {"kind": "", "title": tag, "rationale": "bench"})
        c = Client(port)
        t0 = time.perf_counter()
        try:
            status, res = await c.call("POST", "/api/note" if k % 2 else "/api/inject", body)
        finally:
            await c.close()
        lat.append(time.perf_counter() - t0)
        sent.append(tag)
        if status != 200:
            errors.append(f"post {tag}: HTTP {status} {res}")
        await asyncio.sleep(2.0)


async def _run(port: int, pollers: int, seconds: float) -> dict[str, object]:
    c = Client(port)
    await c.call("POST", "/api/clock", {"action": "speed", "speed": 60})
    await c.call("POST", "/api/clock", {"action": "settings", "pause_on_inject": False})
    await c.call("POST", "/api/clock", {"action": "start"})
    await c.close()
    until = time.monotonic() + seconds
    poll_lat: list[float] = []
    post_lat: list[float] = []
    errors: list[str] = []
    sent: list[str] = []
    t0 = time.perf_counter()
    await asyncio.gather(
        *(_poller(port, until, poll_lat, errors, 0.5) for _ in range(pollers)),
        _poster(port, until, sent, post_lat, errors))
    wall = time.perf_counter() - t0
    c = Client(port)
    _, recs = await c.call("GET", "/api/records")
    _, st = await c.call("GET", "/api/state")
    await c.close()
    seen = Counter((r["rationale"] if r["type"] == "note" else r["title"])
                   for r in recs["records"] if r["type"] in ("note", "inject"))
    once = all(seen[tag] == 1 for tag in sent) and sum(seen[t] for t in sent) == len(sent)
    return {"wall": wall, "poll_lat": poll_lat, "post_lat": post_lat, "errors": errors,
            "sent": len(sent), "once": once, "sim_now": st["clock"]["now_s"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pollers", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as tmp:
        t0 = time.perf_counter()
        proc, port = start_drill(Path(tmp) / "load.sqlite")
        start_s = time.perf_counter() - t0
        try:
            res = asyncio.run(_run(port, a.pollers, a.seconds))
        finally:
            out = stop_drill(proc)
    lat = res["poll_lat"]
    post = res["post_lat"]
    errors = res["errors"]
    assert isinstance(lat, list) and isinstance(post, list) and isinstance(errors, list)
    print(f"== console load: {a.pollers} pollers x {a.seconds:.0f} s, default scenario, "
          "clock running at speed 60")
    print(f"  {'server start (session + world)':<32} {start_s:8.1f} s")
    print(f"  {'polls answered':<32} {len(lat):8d}  ({len(lat) / res['wall']:.0f}/s)")
    print(f"  {'poll latency p50':<32} {percentile(lat, 50) * 1000:8.1f} ms")
    print(f"  {'poll latency p95':<32} {percentile(lat, 95) * 1000:8.1f} ms")
    print(f"  {'poll latency max':<32} {max(lat) * 1000:8.1f} ms")
    print(f"  {'commands posted':<32} {res['sent']:8d}  (p50 "
          f"{percentile(post, 50) * 1000:.1f} ms, max {max(post) * 1000:.1f} ms)")
    print(f"  {'every command recorded once':<32} {'yes' if res['once'] else 'NO'}")
    print(f"  {'errors':<32} {len(errors):8d}" + (f"  first: {errors[0]}" if errors else ""))
    print(f"  {'simulated time reached':<32} {res['sim_now']:8.0f} s")
    print(f"  {'server exit (SIGTERM)':<32} {proc.returncode}; "
          f"{out.strip().splitlines()[-1] if out.strip() else ''}")


if __name__ == "__main__":
    main()
