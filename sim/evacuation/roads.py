"""The road network during a run: hazard closures, plan levers, commands, rerouting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.run import EvacuationRun

__all__ = ["apply_closures", "apply_levers", "closure_at", "hazard_process",
           "levers_process", "reroute_process", "route_costs"]


def apply_closures(run: EvacuationRun) -> None:
    """Close and reopen links to match hazard, levers and commands now; rebuild the
    routing trees when anything changed."""
    run.hazard_closed = run.schedule.closed_at(run.env.now)
    now_closed = run.hazard_closed | run.lever_closed | run.manual_closed
    changed = np.flatnonzero(now_closed != run.closed)
    if not changed.size:
        return
    net = run.world.network
    for i in changed.tolist():
        run.traffic.set_closed(i, bool(now_closed[i]))
        run.log(run.env.now, "link_closed" if now_closed[i] else "link_reopened",
                 link=str(net.link_id[i]))
    run.closed = now_closed
    run.router.rebuild(run.closed, cost_s=route_costs(run))
    run.traffic.after_reroute()

def route_costs(run: EvacuationRun) -> np.ndarray | None:
    """Link times for routing: free-flow, or with congestion-aware rerouting the
    free-flow time or the time to discharge the queue on the link, if longer."""
    if run.plan.reroute_interval_min <= 0:
        return None
    tm = run.traffic
    queue_s = np.array(tm.used) * np.array(tm.headway)
    return np.asarray(np.maximum(run.world.network.freeflow_s, queue_s))

def reroute_process(run: EvacuationRun, every: float, until: float) -> Any:
    """Congestion-aware rerouting: rebuild the trees on current queues every ``every`` s."""
    while run.env.now + every <= until:
        yield run.env.timeout(every)
        run.router.rebuild(run.closed, cost_s=route_costs(run))
        run.traffic.after_reroute(everyone=True)

def hazard_process(run: EvacuationRun, step: float, until: float) -> Any:
    """Apply hazard closures at every hazard step."""
    while run.env.now <= until:
        apply_closures(run)
        yield run.env.timeout(step)

def closure_at(run: EvacuationRun, t: float) -> Any:
    """Apply an explicit closure exactly at its time."""
    yield run.env.timeout(t - run.env.now)
    apply_closures(run)

def apply_levers(run: EvacuationRun) -> None:
    """Capacities and lever closures of the plan's contraflow and control points now."""
    st = run.levers.state_at(run.env.now)
    net = run.world.network
    cur = np.array(run.traffic.headway)
    new_head = 3600.0 / st.capacity_vph
    for i in np.flatnonzero((new_head != cur) | (st.storage_pcu != run.storage)).tolist():
        run.traffic.set_capacity(i, float(st.capacity_vph[i]), float(st.storage_pcu[i]))
        run.storage[i] = st.storage_pcu[i]
        run.log(run.env.now, "capacity", link=str(net.link_id[i]),
                 value=float(st.capacity_vph[i]))
    run.lever_closed = st.closed
    apply_closures(run)

def levers_process(run: EvacuationRun, until: float) -> Any:
    """Apply the levers at each time one starts or ends."""
    for t in run.levers.change_times():
        if t > until:
            return
        if t > run.env.now:
            yield run.env.timeout(t - run.env.now)
        apply_levers(run)
