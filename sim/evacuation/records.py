"""Records a run keeps as it goes and closes at the end: link states, progress, exposure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from musterpoint.sim.traffic.queue_model import VehicleState

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["MONITOR_S", "finish_states", "monitor_process", "run_meta", "snapshot_links"]

#: Interval of link states and time series (seconds).
MONITOR_S = 300.0


def monitor_process(run: EvacuationRun, until: float) -> Any:
    """Every 5 minutes: link states, zone progress, shelter occupancy, progress."""
    env = run.env
    run.link_rows = []
    run.zone_rows = []
    run.shelter_rows = []
    nz = len(run.world.zones.ids)
    ev = (run.role == "evacuee") & (run.veh.zone >= 0)
    zone, persons = run.veh.zone[ev], run.veh.persons[ev]
    while True:
        t0 = env.now
        yield env.timeout(min(MONITOR_S, until - t0))
        snapshot_links(run, t0)
        t = env.now
        st = run.status[ev]
        gone = st != "never_departed"
        arr = st == "arrived"
        dep = np.bincount(zone[gone], persons[gone], minlength=nz)
        got = np.bincount(zone[arr], persons[arr], minlength=nz)
        for z in range(nz):
            run.zone_rows.append((t, z, int(dep[z]), int(got[z])))
        for s in range(run.n_shelters):
            run.shelter_rows.append((t, s, int(run.occupancy[s])))
        if run.progress is not None:
            run.progress(min(t / until, 1.0))
        if t >= until:
            return


def snapshot_links(run: EvacuationRun, t0: float) -> None:
    """Record link states of the interval from ``t0`` and start new counters."""
    c = run.traffic.take_counters()
    ent = np.array(c.entered)
    run.entered_total += ent
    ext = np.array(c.exited)
    used = np.array(run.traffic.used)
    active = (ent > 0) | (ext > 0) | (used > 0) | run.closed
    idx = np.flatnonzero(active)
    if not idx.size:
        return
    trav = np.array(c.travel_s)[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_tt = np.where(ext[idx] > 0, trav / ext[idx], np.nan)
    net = run.world.network
    run.link_rows.append(pd.DataFrame({
        "interval_start_s": t0,
        "link_id": net.link_id[idx].astype(str),
        "entered": ent[idx],
        "exited": ext[idx],
        "pcu_end": used[idx],
        "occupancy": used[idx] / run.storage[idx],
        "mean_travel_s": mean_tt,
        "freeflow_s": net.freeflow_s[idx],
        "closed": run.closed[idx],
    }))


def finish_states(run: EvacuationRun, until: float) -> None:
    """Final reasons, exposure at home and on the road, and when exposure ended."""
    tm = run.traffic
    n = run.status.size
    home = np.zeros(n)
    road = run.bus_road_exposure.copy()
    left_hazard = np.full(n, np.nan)
    buses = run.extension("transit")
    boarded: dict[int, float] = getattr(buses, "boarded_s", {})
    fl = run.world.place_flooded
    for v in range(n):
        tv = int(run.tm_id[v])
        end_road = -np.inf
        if tv >= 0:
            road[v] += tm.exposed_s[tv]
            end_road = tm.exposure_end[tv]
            if run.status[v] == "en_route":
                if tm.state[tv] == VehicleState.WAITING:
                    run.reason[v] = "waiting to enter the road"
                elif tm.state[tv] == VehicleState.ON_ROAD:
                    run.reason[v] = "on the road"
        left = until
        if tv >= 0 and np.isfinite(tm.first_enter_t[tv]):
            left = tm.first_enter_t[tv]
        elif v in boarded:
            left = boarded[v]
        end_home = -np.inf
        p = int(run.veh.place[v])
        if fl is not None and p >= 0 and fl[p] and run.role[v] == "evacuee":
            for s, e in fl[p]:
                lo, hi = max(s, 0.0), min(e, left)
                if hi > lo:
                    home[v] += hi - lo
                    end_home = hi
        last = max(end_home, end_road)
        if np.isfinite(last):
            left_hazard[v] = last
    run.exposed_home_s = home
    run.exposed_road_s = road
    run.left_hazard_s = left_hazard


def run_meta(run: EvacuationRun, wall: float) -> dict[str, Any]:
    """The run.json metadata of a run."""
    from musterpoint.sim import __version__

    sc = run.world.loaded.scenario
    r = run.world.network.report
    return {
        "scenario": sc.name,
        "scenario_title": sc.title.en,
        "scenario_title_zh": sc.title.zh,
        "plan": run.plan.name,
        "plan_title": run.plan.title.en,
        "plan_title_zh": run.plan.title.zh,
        "seed": run.seed,
        "version": __version__,
        "wall_time_s": round(wall, 3),
        "start": sc.start.isoformat(),
        "timezone": sc.timezone,
        "duration_s": run.world.duration_s,
        "first_order_s": run.first_order_s,
        "attribution": list(sc.attribution),
        "network": {"source": r.source, "nodes_read": r.nodes_read,
                    "links_read": r.links_read, "nodes_kept": r.nodes_kept,
                    "links_kept": r.links_kept, "notes": list(r.notes)},
        "warnings": list(run.world.warnings),
    }
