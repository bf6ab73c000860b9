"""Earliest possible arrivals of evacuees who do not drive their own car (walkers,
residents of special facilities), for the flow-over-time bound
(:func:`musterpoint.sim.bounds.bound.evacuation_bound`).

A walker cannot arrive before ``depart_s + d / speed``, ``d`` the shortest walk from its
start node to any shelter over the whole network (no link closed, no road class excluded:
shorter than or equal to the walk the run took). A facility's load cannot arrive before
``depart_s`` (its boarding time) plus the facility's loading time plus the free-flow drive
from the facility to the nearest shelter (vehicle traffic ignored). Both are lower bounds,
so adding them to the bound keeps it a bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.evacuation.walking import nearest_costs
from musterpoint.sim.world import World

__all__ = ["earliest_other_arrivals"]


def earliest_other_arrivals(world: World, plan: Plan | None,
                            agents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Earliest arrival times (s) and persons of the walkers and facility loads among the
    evacuee rows ``agents`` (of a run's agents table) that set off."""
    net = world.network
    if "mode" not in agents.columns or not len(agents):
        return np.zeros(0), np.zeros(0)
    mode = agents["mode"].to_numpy(str)
    fac = (agents["facility"].to_numpy(str) if "facility" in agents.columns
           else np.full(len(agents), ""))
    dep = agents["depart_s"].to_numpy(float)
    persons = agents["persons"].to_numpy(float)
    node_of = {int(x): i for i, x in enumerate(net.node_id.tolist())}
    targets = [d.nodes for d in world.destinations]
    times, people = [], []
    walk = (mode == "walk") & np.isfinite(dep)
    if walk.any() and plan is not None and plan.walking is not None:
        dist, _ = nearest_costs(net, net.length_m, np.ones(net.n_links, dtype=bool), targets,
                                directed=False)
        o = np.array([node_of[int(x)] for x in agents["origin_node"].to_numpy()[walk]])
        times.append(dep[walk] + dist[o] / plan.walking.speed_mps)
        people.append(persons[walk])
    load = (fac != "") & np.isfinite(dep)
    if load.any():
        drive, _ = nearest_costs(net, net.freeflow_s, np.ones(net.n_links, dtype=bool),
                                 targets, directed=True)
        loading = {f.id: f.loading_min * 60.0
                   for f in world.loaded.scenario.special_facilities}
        o = np.array([node_of[int(x)] for x in agents["origin_node"].to_numpy()[load]])
        extra = np.array([loading.get(f, 0.0) for f in fac[load]])
        times.append(dep[load] + extra + drive[o])
        people.append(persons[load])
    if not times:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(times), np.concatenate(people)
