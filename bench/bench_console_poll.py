"""Benchmark: one console's live poll (``GET /api/state?since=N``) on the default scenario.

Target (issue 12): p50 under 50 ms. Starts ``muster drill`` on the default scenario
(loopback, any free port, a session in a temporary folder) and polls like the console
page (gzip, keep-alive, ``since`` = the last record seen): paused, then with the clock
running at speed 60 (a new state at every 0.5 s tick, so most polls build it afresh),
then the first poll of a page (``since=0``, every record). Also times the state's parts
in this process (snapshot, KPIs, JSON) to show where the time goes. Asserts nothing.

Usage: ``python bench/bench_console_poll.py [--polls 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _console import Client, percentile, start_drill, stop_drill


async def _polls(port: int, n: int, gap_s: float, since: int | None = None) -> list[float]:
    c = Client(port)
    lat = []
    last = 0
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            status, st = await c.call("GET", f"/api/state?since={last if since is None else since}")
            lat.append(time.perf_counter() - t0)
            assert status == 200, st
            last = st["clock"]["last_seq"]
            await asyncio.sleep(gap_s)
    finally:
        await c.close()
    return lat


async def _run(port: int, n: int) -> dict[str, list[float]]:
    out = {}
    out["paused"] = await _polls(port, n, 0.05)
    c = Client(port)
    for k in range(30):  # some history for the since=0 poll
        await c.call("POST", "/api/note", {"text": f"note {k}"})
    await c.call("POST", "/api/clock", {"action": "settings", "pause_on_inject": False})
    await c.call("POST", "/api/clock", {"action": "start"})
    out["running (speed 60)"] = await _polls(port, n, 0.25)
    await c.call("POST", "/api/clock", {"action": "pause"})
    await c.close()
    out["first poll (since=0)"] = await _polls(port, max(20, n // 10), 0.05, since=0)
    return out


def _in_process() -> dict[str, float]:
    """Milliseconds of each part of a fresh state, in this process (paused at 0:30)."""
    from musterpoint.maps.drill_console import state_payload
    from musterpoint.sim.drill import DrillSession

    with tempfile.TemporaryDirectory(prefix="muster-bench-") as tmp:
        s = DrillSession.create(Path(tmp) / "p.sqlite", None)
        try:
            s.step(30)
            parts: dict[str, float] = {}
            for name, fn in (("snapshot", s.snapshot), ("kpis", s.kpis),
                             ("state payload", lambda: state_payload(s, s.last_seq()))):
                t0 = time.perf_counter()
                for _ in range(20):
                    fn()
                parts[name] = (time.perf_counter() - t0) / 20 * 1000
            payload = state_payload(s, s.last_seq())
            t0 = time.perf_counter()
            for _ in range(20):
                raw = json.dumps(payload, separators=(",", ":")).encode()
            parts["JSON"] = (time.perf_counter() - t0) / 20 * 1000
            parts["size KB"] = len(raw) / 1024
        finally:
            s.close()
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--polls", type=int, default=200)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as tmp:
        proc, port = start_drill(Path(tmp) / "poll.sqlite")
        try:
            res = asyncio.run(_run(port, a.polls))
        finally:
            stop_drill(proc)
    print("== console live poll, default scenario (one client, loopback, gzip, keep-alive)")
    for name, lat in res.items():
        print(f"  {name:<24} n={len(lat):4d}  p50 {percentile(lat, 50) * 1000:7.1f} ms  "
              f"p95 {percentile(lat, 95) * 1000:7.1f} ms  max {max(lat) * 1000:7.1f} ms")
    print("  building a fresh state in-process (ms, default scenario at 0:30):")
    for name, v in _in_process().items():
        print(f"    {name:<22} {v:8.1f}")


if __name__ == "__main__":
    main()
