"""Traffic besides the ordered evacuees: shadow evacuation and background traffic.

Shadow evacuees are households outside the ordered zones who leave anyway: a share of
the car-owning households of the places outside the evacuation area, leaving on the same
mobilisation curve from the first order, bound for the nearest exit of the study area.
Background traffic is a Poisson stream of single-occupant trips from random road nodes
to random exits over the whole run. Neither counts as evacuees; both load the roads.
"""

from __future__ import annotations

import numpy as np

from musterpoint.scenarios.schema import Households, Plan
from musterpoint.sim.demand.departure import departure_delays_s
from musterpoint.sim.demand.population import Places, Vehicles, make_vehicles
from musterpoint.sim.geo import NodeIndex
from musterpoint.sim.rng import RandomStreams

__all__ = ["background_vehicles", "shadow_vehicles"]


def shadow_vehicles(places: Places, hh: Households, nodes: NodeIndex, streams: RandomStreams,
                    plan: Plan, first_order_s: float, max_snap_m: float,
                    source: str) -> tuple[Vehicles, np.ndarray]:
    """Households outside the ordered area who leave anyway, and their departure times."""
    outside = ~places.evacuate & (places.population > 0)
    veh = make_vehicles(places, hh, nodes, streams, max_snap_m, source, which=outside,
                        prefix="shadow.")
    go = (veh.pcu > 0) & (streams.stream("shadow.choice").random(veh.zone.size)
                          < plan.shadow_share)
    u = streams.stream("shadow.departure").random(veh.zone.size)
    depart = first_order_s + departure_delays_s(plan.departure, u)
    keep = np.flatnonzero(go)
    sub = Vehicles(zone=np.full(keep.size, -1, dtype=np.int64), place=veh.place[keep],
                   origin=veh.origin[keep], persons=veh.persons[keep], pcu=veh.pcu[keep],
                   destination=np.full(keep.size, -1, dtype=np.int64),
                   depart_s=depart[keep])
    return sub, depart[keep]


def background_vehicles(rate_vph: float, duration_s: float, origins: np.ndarray,
                        n_exits: int, streams: RandomStreams) -> tuple[Vehicles, np.ndarray]:
    """A Poisson stream of trips from random nodes to random exits (exit index in
    ``destination``, counted from 0)."""
    rng = streams.stream("background")
    n = int(rng.poisson(rate_vph * duration_s / 3600.0)) if rate_vph > 0 else 0
    depart = np.sort(rng.uniform(0.0, duration_s, size=n))
    origin = origins[rng.integers(0, origins.size, size=n)] if n else np.zeros(0, np.int64)
    dest = rng.integers(0, max(n_exits, 1), size=n)
    veh = Vehicles(zone=np.full(n, -1, dtype=np.int64), place=np.full(n, -1, dtype=np.int64),
                   origin=origin.astype(np.int64), persons=np.ones(n, dtype=np.int64),
                   pcu=np.ones(n), destination=dest.astype(np.int64), depart_s=depart)
    return veh, depart
