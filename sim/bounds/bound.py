"""The best any routing could do: a flow-over-time upper bound on persons safe.

Public API: :func:`evacuation_bound` (a World and a run's agents in, a
:class:`BoundResult` out) and :func:`bound_kpis` (the ``bounds`` KPI family). The
computation is in :mod:`~musterpoint.sim.bounds.flow_bound` (from arrays),
:mod:`~musterpoint.sim.bounds.relaxed_network` (relaxed, reduced road graph) and
:mod:`~musterpoint.sim.bounds.time_expanded` (time-expanded network and max-flow solvers).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.bounds.flow_bound import BoundInput, ShelterSpec, flow_bound
from musterpoint.sim.bounds.relaxed_network import closed_windows, reverse_times
from musterpoint.sim.evacuation.earliest import earliest_other_arrivals
from musterpoint.sim.world import World

__all__ = ["BoundResult", "bound_kpis", "ete_from_curve", "evacuation_bound", "link_labels"]

logger = logging.getLogger(__name__)

#: Bottleneck links listed in the KPIs (the result keeps them all).
KPI_BOTTLENECKS = 20


@dataclass(frozen=True)
class BoundResult:
    """An upper bound on the evacuation curve, its ETEs and the cut that binds.

    Attributes
    ----------
    times_s : ndarray
        Horizon grid (scenario seconds), ``step_s`` apart.
    persons_safe : ndarray
        Upper bound on the persons at a shelter at any time in ``[times_s[j],
        times_s[j + 1])`` (the last value holds to ``horizon_s``).
    pcu_safe : ndarray
        The same for vehicles (PCU).
    t0_s : float
        First evacuation order; ETEs count from it.
    evacuees : int
        Persons the ETE shares refer to (with those who have no transport).
    ete50_s, ete90_s, ete100_s : float or None
        Lower bounds on the ETEs (None: that share cannot be safe by ``horizon_s``).
    bottleneck_links : tuple of str
        Links whose exit capacity lies in the minimum cut just before the bound's
        clearance time, largest cut capacity first.
    bottleneck_link_pcu : tuple of float
        Their capacity in that cut (PCU over the bound's time window).
    bottleneck_link_names : tuple of str
        Their street names (``""`` when unknown).
    bottleneck_link_labels : tuple of str
        Name and id of each (``"Av. Ipiranga (123:4-5)"``), or its road class and id.
    bottleneck_shelters : tuple of str
        Shelters whose capacity limits the bound.
    bottleneck_time_s : float or None
        Horizon of that cut.
    step_s, horizon_s : float
        Time step of the time-expanded network; last time considered.
    compute_s : float
        Wall time of the computation.
    stats : dict
        Sizes and counts (vehicles, time-expanded nodes and arcs, max-flow solves, ...).
    safe_by_s, freeflow_s : ndarray
        Per agents row (NaN / inf where not a car): the earliest-arrival flow has
        everyone released at the vehicle's origin up to its departure safe by
        ``safe_by_s``; ``freeflow_s`` is its departure plus the free-flow time to the
        nearest shelter.
    """

    times_s: np.ndarray
    persons_safe: np.ndarray
    pcu_safe: np.ndarray
    t0_s: float
    evacuees: int
    ete50_s: float | None
    ete90_s: float | None
    ete100_s: float | None
    bottleneck_links: tuple[str, ...]
    bottleneck_link_pcu: tuple[float, ...]
    bottleneck_link_names: tuple[str, ...]
    bottleneck_link_labels: tuple[str, ...]
    bottleneck_shelters: tuple[str, ...]
    bottleneck_time_s: float | None
    step_s: float
    horizon_s: float
    compute_s: float
    stats: dict[str, Any] = field(default_factory=dict)
    safe_by_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    freeflow_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def max_persons_safe(self) -> float:
        """The bound's final value: most persons who can be safe by the horizon."""
        return float(self.persons_safe[-1]) if self.persons_safe.size else 0.0

    def persons_at(self, t: np.ndarray) -> np.ndarray:
        """Upper bound on persons safe by times ``t`` (0 before the first horizon)."""
        idx = np.searchsorted(self.times_s, np.asarray(t, dtype=np.float64), side="right") - 1
        return np.where(idx >= 0, self.persons_safe[np.maximum(idx, 0)], 0.0)

    def to_frame(self) -> pd.DataFrame:
        """The curve as a table: ``time_s, persons_safe, pcu_safe``."""
        return pd.DataFrame({"time_s": self.times_s, "persons_safe": self.persons_safe,
                             "pcu_safe": self.pcu_safe})


def ete_from_curve(times_s: np.ndarray, persons: np.ndarray, total: int, share: float,
                   t0_s: float) -> float | None:
    """First time (after ``t0_s``) at which the bound reaches ``share`` of ``total``."""
    if total <= 0:
        return None
    need = math.ceil(share * total - 1e-9)
    hit = np.flatnonzero(np.asarray(persons) >= need - 1e-6)
    if not hit.size:
        return None
    return max(float(times_s[hit[0]]) - t0_s, 0.0)


def evacuation_bound(world: World, agents: pd.DataFrame, *, plan: Plan | None = None,
                     step_s: float = 120.0, horizon_s: float | None = None,
                     release_s: np.ndarray | None = None,
                     max_exact_levels: int = 5) -> BoundResult:
    """Upper bound on the persons safe over time, whatever the routes and the traffic.

    Parameters
    ----------
    world : World
        The scenario.
    agents : DataFrame
        A run's ``agents`` table: ``origin_node`` (node id), ``persons``, ``pcu``,
        ``depart_s``, ``order_s`` (and ``role``, ``mode`` when present). Only evacuees
        count; shadow and background traffic are dropped (fewer vehicles only helps).
    plan : Plan, optional
        The plan of that run, for its levers (contraflow, control points: the largest
        capacities are used), shelter opening times and buses. Without it the plan is
        taken to have none of these.
    step_s : float
        Time step of the time-expanded network (default 120 s).
    horizon_s : float, optional
        Last time of interest (default: the scenario's duration).
    release_s : ndarray, optional
        Per agents row, the time each vehicle can first enter the road; default
        ``depart_s``. ``agents["order_s"]`` gives the bound of "everyone leaves at the
        order", whose cut shows the network's own bottlenecks.
    max_exact_levels : int
        Persons-per-PCU levels solved exactly (see below).

    Returns
    -------
    BoundResult

    Notes
    -----
    **What is bounded.** Flows are in PCU; a vehicle carries its persons. The
    simulator's vehicles enter their first link at their origin no earlier than
    ``depart_s``, take at least the free-flow time ``L / v`` on each link (queues and
    storage limits only add time), leave each link at least ``pcu * 3600 / C`` after the
    previous exit, never enter a link that is closed, and are safe when they reach an
    access node of an open shelter that admits them (persons within its capacity).
    Vehicles without transport never move; bus riders are bounded by the earliest time
    a bus could reach a pickup and drive to a shelter (seats and bus traffic ignored);
    walkers and special facilities' residents by
    :func:`~musterpoint.sim.evacuation.earliest.earliest_other_arrivals`.
    Any such trajectory is a flow over time in the relaxed network (waiting allowed at
    nodes, storage unlimited, routes free, shelters taking anyone), so the largest
    flow that can reach the shelters by ``t`` bounds the simulated arrivals by ``t``,
    for every ``t`` separately (the bound is the pointwise maximum; it need not be
    reachable by one schedule).

    **Discretisation (why it stays a bound).** Let ``e(v)`` be the earliest free-flow
    arrival time at node ``v`` from the releases and map a vehicle at node ``v`` at real
    time ``t`` to layer ``floor((t - e(v)) / step)``. For a link ``u -> v`` traversed from
    ``t_u`` to ``t_v >= t_u + tau``, ``(t_v - e(v)) >= (t_u - e(u)) + (tau + e(u) - e(v))``,
    and ``floor(a + b) >= floor(a) + floor(b)``, so the vehicle's layer at ``v`` is at least
    its layer at ``u`` plus the arc's jump ``floor((tau + e(u) - e(v)) / step)`` (transit
    rounded *down*; exact along the fastest routes, where the jump is 0); the path
    waits at ``u`` (holdover) and takes the arc in the layer that lands on its layer at
    ``v``. A link's exits in one layer lie in a window shorter than ``step``, so their
    PCU are at most ``g * (ceil(C * step / 3600 / g) - 1) + q_max`` (``g`` the PCU
    granularity, ``q_max`` the largest PCU): capacity rounded *up*. Releases are
    mapped to the layer holding ``depart_s`` (rounded down), a link with closures is
    entered through a buffer in any layer in which it is not certainly closed for the
    whole layer (closures relaxed), and an arrival in layer ``k`` at access node ``x``
    counts from the grid time at or before ``max(k * step + e(x), opening)``: arrivals
    are counted *early*. So every simulated run maps to a feasible flow of the
    time-expanded network that delivers each vehicle no later than the simulator does,
    and the max flow by each grid time ``T_j`` bounds the simulated arrivals during
    ``[T_j, T_j + step)``. Two relaxations keep the network small and stay bounds:
    dead ends are dropped and two-neighbour nodes are bypassed (see
    :func:`musterpoint.sim.bounds.relaxed_network.reduce_arcs`); integer units round capacities up.
    Floors take a tolerance of 1e-9 of a step, and the grid starts 1 microsecond early
    so that the simulator's own rounding cannot put an arrival before it. (One known
    exception in the traffic core: after a gridlock forced move, a later wake can let
    the next vehicle leave that link before its free-flow time; see
    ``tests/sim/bounds/test_flow_bound.py``.)

    **Persons.** With ``r_1 > r_2 > ...`` the persons-per-PCU values and ``P_i(t)`` the
    largest PCU flow by ``t`` from vehicles with ratio ``>= r_i``,
    ``persons(t) <= sum_i (r_i - r_{i+1}) P_i(t)`` (the greedy argument on the polymatroid
    of deliverable supplies; exact for the fluid problem). Each ``P_i`` is also at most the
    PCU of its vehicles that could arrive at free flow. When road capacity binds somewhere
    (the all-vehicle flow falls below the free-flow curve), up to ``max_exact_levels``
    levels are solved exactly; the others use ``P_i <= P_(i+1)``.

    **Shelter capacities** (persons) enter as the most PCU of a level that fit
    (fractional knapsack), in max flows through a node per shelter: at the last horizon,
    then where the persons curve crosses 50/90/100 % (bisection forward while the
    crossing moves). On big networks these run on a network with a step that is a
    multiple of ``step_s`` (600 s), still a valid relaxation, so they tighten less.

    **Method.** Max flow at every grid time on nested minimum cuts: a sweep over the
    grid times while the network does not bind, divide and conquer for the rest
    (OR-tools' push-relabel on contracted subproblems; :mod:`musterpoint.sim.bounds.maxflow`),
    with the horizon grown until everyone who can arrive is safe (vehicles that cannot
    reach an open shelter by ``horizon_s`` even alone at free flow are left out first).
    ETEs count from the first order, like the simulator's. The bottleneck links are the
    capacitated arcs of the minimal minimum cut one step before the bound's clearance
    (or at the horizon if not everyone can be safe); none means the departures bind.
    """
    net = world.network
    h = float(world.duration_s if horizon_s is None else horizon_s)
    a = agents
    if "role" in a.columns:
        a = a[a["role"] == "evacuee"]
    rows = a.index.to_numpy()
    evacuees = int(a["persons"].sum())
    order = a["order_s"].to_numpy(float) if "order_s" in a.columns else np.zeros(len(a))
    t0 = float(np.nanmin(order)) if np.isfinite(order).any() else 0.0
    if plan is not None and world.trips is None and world.zones.ids:
        from musterpoint.sim.evacuation.agents import zone_order_times

        zo = zone_order_times(world, plan)  # the run's first order (0: levels order)
        t0 = float(np.min(zo[np.isfinite(zo)])) if np.isfinite(zo).any() else 0.0
    node_of = {int(x): i for i, x in enumerate(net.node_id.tolist())}
    origin = np.array([node_of[int(x)] for x in a["origin_node"].tolist()], dtype=np.int64)
    pcu = a["pcu"].to_numpy(float)
    persons = a["persons"].to_numpy(float)
    dep = (a["depart_s"].to_numpy(float) if release_s is None else
           np.asarray(release_s, dtype=float)[agents.index.get_indexer(a.index)])
    mode = a["mode"].to_numpy(str) if "mode" in a.columns else np.where(pcu > 0, "car",
                                                                          "none")
    car = (pcu > 0) & (mode != "bus") & np.isfinite(dep)
    cap, closed = closed_windows(world, plan)
    open_h = plan.shelter_open_h if plan is not None else {}
    shelters = [ShelterSpec(d.id, tuple(int(x) for x in d.nodes), float(d.capacity),
                            float(open_h.get(d.id, 0.0)) * 3600.0)
                for d in world.destinations]
    pcu_all = agents["pcu"].to_numpy(float)
    extra_t = np.zeros(0)
    extra_p = np.zeros(0)
    if plan is not None and plan.buses is not None:
        pcu_all = np.append(pcu_all, plan.buses.pcu)
        riders = (mode == "bus") & np.isfinite(dep)
        extra_t, extra_p = _bus_riders(world, plan, t0, dep[riders], persons[riders],
                                       shelters)
    other_t, other_p = earliest_other_arrivals(world, plan, a)  # walkers, facilities
    extra_t, extra_p = np.append(extra_t, other_t), np.append(extra_p, other_p)
    inp = BoundInput(
        n_nodes=net.n_nodes, link_from=net.link_from, link_to=net.link_to,
        freeflow_s=net.freeflow_s, capacity_vph=cap, link_ids=net.link_id, closed=closed,
        shelters=shelters, origin=origin[car], release_s=dep[car], pcu=pcu[car],
        persons=persons[car], pcu_all=pcu_all, extra_arrival_s=extra_t,
        extra_persons=extra_p,
    )
    core = flow_bound(inp, step_s=step_s, horizon_s=h, evacuees=evacuees,
                      max_exact_levels=max_exact_levels)
    safe_by = np.full(len(agents), np.nan)
    freeflow = np.full(len(agents), np.inf)
    pos = agents.index.get_indexer(rows[car])
    safe_by[pos] = core.safe_by_s
    freeflow[pos] = core.freeflow_s
    names, labels = link_labels(world, core.bottleneck_links)
    etes = [ete_from_curve(core.times_s, core.persons_safe, evacuees, s, t0)
            for s in (0.5, 0.9, 1.0)]
    return BoundResult(
        times_s=core.times_s, persons_safe=core.persons_safe, pcu_safe=core.pcu_safe,
        t0_s=t0, evacuees=evacuees, ete50_s=etes[0], ete90_s=etes[1], ete100_s=etes[2],
        bottleneck_links=tuple(core.bottleneck_links),
        bottleneck_link_pcu=tuple(core.bottleneck_pcu),
        bottleneck_link_names=tuple(names), bottleneck_link_labels=tuple(labels),
        bottleneck_shelters=tuple(core.bottleneck_shelters),
        bottleneck_time_s=core.bottleneck_time_s, step_s=float(step_s), horizon_s=h,
        compute_s=float(core.stats.get("compute_s", 0.0)), stats=core.stats,
        safe_by_s=safe_by, freeflow_s=freeflow,
    )


def link_labels(world: World, link_ids: list[str]) -> tuple[list[str], list[str]]:
    """Street names of links given by id, and labels for people: ``"name (id)"``, or
    ``"unnamed <road class> (id)"`` when the network has no name for it."""
    if not link_ids:
        return [], []
    net = world.network
    pos = pd.Index(net.link_id.astype(str)).get_indexer(link_ids)
    names, labels = [], []
    for lk, i in zip(link_ids, pos.tolist(), strict=True):
        name = str(net.name[i] or "").strip() if i >= 0 else ""
        kind = str(net.highway[i] or "road") if i >= 0 else "road"
        names.append(name)
        labels.append(f"{name} ({lk})" if name else f"unnamed {kind} ({lk})")
    return names, labels


def _bus_riders(world: World, plan: Plan, t0: float, ready: np.ndarray, persons: np.ndarray,
                shelters: list[ShelterSpec]) -> tuple[np.ndarray, np.ndarray]:
    """Earliest arrival of bus riders: no bus is ready before ``t0 + mobilisation_min[0]``,
    it must drive depot -> some pickup -> some shelter at free flow; seats ignored."""
    assert plan.buses is not None
    net = world.network
    idx = world.node_index
    pts = [plan.buses.depot, *plan.buses.pickups]
    node, _ = idx.nearest(np.array([p.lon for p in pts]), np.array([p.lat for p in pts]))
    depot, pick = int(node[0, 0]), node[1:, 0].astype(np.int64)
    tau = net.freeflow_s
    from_depot = reverse_times(net.n_nodes, net.link_to, net.link_from, tau,
                               np.array([depot]), np.zeros(1))
    acc = np.array([x for s in shelters for x in s.nodes], dtype=np.int64)
    to_shelter = reverse_times(net.n_nodes, net.link_from, net.link_to, tau, acc,
                               np.zeros(acc.size))
    bus_at = t0 + plan.buses.mobilisation_min[0] * 60.0 + float(np.min(from_depot[pick]))
    ride = float(np.min(to_shelter[pick]))
    return np.maximum(ready, bus_at) + ride, persons


def _efficiency(bound: float | None, sim: float | None) -> float | None:
    """Bound ETE over simulated ETE (1: as good as any plan could be), None if either
    is not reached."""
    if bound is None or sim is None:
        return None
    if sim <= 0:
        return 1.0
    return float(bound) / float(sim)


def bound_kpis(bound: BoundResult, sim_kpis: Mapping[str, Any]) -> dict[str, Any]:
    """The ``bounds`` KPI family: the bound's ETEs, the plan's efficiency, bottlenecks.

    Parameters
    ----------
    bound : BoundResult
        From :func:`evacuation_bound` on the run's agents.
    sim_kpis : dict
        The run's KPIs (``kpis.json``), or just their ``evacuation`` family.

    Returns
    -------
    dict
        ``ete50_s``, ``ete90_s``, ``ete100_s`` (bound), ``efficiency50``/``90``/``100``
        (bound ETE / simulated ETE, 1 = as good as any plan could be; None when either
        is not reached), ``bottleneck_links`` (up to 20 ids, largest cut capacity first),
        ``bottleneck_link_pcu``, ``bottleneck_link_names``, ``bottleneck_link_labels``,
        ``bottleneck_streets`` (their distinct street names), ``bottleneck_shelters``,
        ``bottleneck_time_s``,
        ``limited_by`` (``network``, ``shelters``, or ``departures`` when the cut holds
        neither: the departure times and free-flow times set the bound),
        ``max_persons_safe``, ``max_share_safe``, ``step_s``, ``horizon_s``. The
        wall-clock ``compute_s`` is not a KPI (kpis.json is identical for the same seed);
        it goes to run.json. Every key is defined in
        :data:`musterpoint.sim.bounds.kpi_schema.BOUNDS_KPIS`.
    """
    ev = sim_kpis.get("evacuation", sim_kpis)
    out: dict[str, Any] = {}
    for k in ("50", "90", "100"):
        b = getattr(bound, f"ete{k}_s")
        out[f"ete{k}_s"] = b
        out[f"efficiency{k}"] = _efficiency(b, ev.get(f"ete{k}_s"))
    out["bottleneck_links"] = list(bound.bottleneck_links[:KPI_BOTTLENECKS])
    out["bottleneck_link_pcu"] = [round(x, 1) for x in
                                  bound.bottleneck_link_pcu[:KPI_BOTTLENECKS]]
    names = list(bound.bottleneck_link_names[:KPI_BOTTLENECKS])
    out["bottleneck_link_names"] = names
    out["bottleneck_link_labels"] = list(bound.bottleneck_link_labels[:KPI_BOTTLENECKS])
    out["bottleneck_streets"] = list(dict.fromkeys(x for x in names if x))
    out["bottleneck_shelters"] = list(bound.bottleneck_shelters)
    out["limited_by"] = ("network" if bound.bottleneck_links else
                         "shelters" if bound.bottleneck_shelters else "departures")
    out["bottleneck_time_s"] = bound.bottleneck_time_s
    out["max_persons_safe"] = round(bound.max_persons_safe, 1)
    out["max_share_safe"] = (round(bound.max_persons_safe / bound.evacuees, 4)
                             if bound.evacuees else None)
    out["step_s"] = bound.step_s
    out["horizon_s"] = bound.horizon_s
    return out
