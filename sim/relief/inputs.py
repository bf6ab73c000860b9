"""Relief inputs resolved on a run: commodities as arrays, depots, demand points, trucks.

Checks every cross-reference between the scenario's ``relief:`` section, the plan's
``relief:`` section and the scenario (shelters), and reports all problems at once as an
:class:`~musterpoint.scenarios.errors.InputError` naming the file, the field and what to
do. Places are snapped to the road network with the run's ``snap`` (too far: an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.relief_schema import ReliefPlan, ReliefWorld, TruckType

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["DepotState", "PointSpec", "ReliefInputs", "TruckState", "resolve_inputs"]


@dataclass
class DepotState:
    """A depot during a run (stock in units per commodity)."""

    id: str
    name: str
    lon: float
    lat: float
    node: int
    open_s: float
    initial: np.ndarray
    bays: int
    load_fixed_s: float
    load_s_per_kg: float
    stock: np.ndarray = field(init=False)
    reserved: np.ndarray = field(init=False)
    shipped: np.ndarray = field(init=False)
    stockout_s: np.ndarray = field(init=False)
    resource: Any = None
    dest: int = -1

    def __post_init__(self) -> None:
        self.stock = self.initial.copy()
        self.reserved = np.zeros_like(self.initial)
        self.shipped = np.zeros_like(self.initial)
        self.stockout_s = np.full(self.initial.shape, np.nan)

    @property
    def available(self) -> np.ndarray:
        """Stock not yet promised to a truck."""
        return np.asarray(self.stock - self.reserved)


@dataclass
class PointSpec:
    """A demand point resolved on the network."""

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    shelter: int  # index of the shelter among ctx.shelters.dest, else -1
    population: float
    from_s: float
    vulnerable: float
    pod_rate: float  # persons per second (PODs)
    nodes: list[int]
    dest: int = -1


@dataclass
class TruckState:
    """One truck of the fleet during a run."""

    k: int
    id: str
    type: int
    depot: int
    node: int
    cargo: np.ndarray
    state: str = "idle"
    busy_since: float = 0.0
    busy_s: float = 0.0
    km: float = 0.0
    trips: int = 0
    legs: int = 0
    arrival: Any = None
    reason: str = ""


@dataclass
class ReliefInputs:
    """Everything the relief extension needs, as arrays and records."""

    commodities: list[str]
    units: list[str]
    need: np.ndarray
    kg: np.ndarray
    m3: np.ndarray
    types: list[TruckType]
    depots: list[DepotState]
    points: list[PointSpec]
    mask: np.ndarray
    point_stock: np.ndarray
    trucks: list[TruckState]


def _stock(stock: dict[str, float], ids: list[str]) -> np.ndarray:
    return np.array([float(stock.get(c, 0.0)) for c in ids])


def resolve_inputs(ctx: RunContext, world: ReliefWorld, plan: ReliefPlan) -> ReliefInputs:
    """Resolve the relief sections of a scenario and a plan on a run (or raise)."""
    sc_file = str(ctx.world.loaded.path)
    pf = ctx.plan_file
    problems: list[Problem] = []
    ids = [c.id for c in world.commodities]
    need = np.array([c.per_person_day for c in world.commodities])
    kg = np.array([c.kg_per_unit for c in world.commodities])
    m3 = np.array([c.m3_per_unit for c in world.commodities])
    override = plan.stock
    depot_ids = [d.id for d in world.depots]
    depots = []
    for i, d in enumerate(world.depots):
        node = ctx.snap(d.lon, d.lat, sc_file, f"relief.depots[{i}] ({d.id})")
        stock = dict(d.stock)
        stock.update(override.get(d.id, {}))
        depots.append(DepotState(d.id, d.name or d.id, d.lon, d.lat, node, d.open_h * 3600.0,
                                 _stock(stock, ids), d.bays, d.load_min_fixed * 60.0,
                                 d.load_min_per_tonne * 60.0 / 1000.0))
    shelters = {s.id: k for k, s in enumerate(ctx.shelters.dest[: ctx.shelters.n])}
    explicit = {p.shelter_id for p in world.points if p.kind == "shelter"}
    specs = list(world.points)
    if world.all_shelters:
        from musterpoint.scenarios.relief_schema import DemandPoint

        taken = {p.id for p in specs}
        for s in ctx.world.loaded.scenario.shelters:
            if s.id not in explicit and s.id not in taken:
                specs.append(DemandPoint(id=s.id, name=s.name, kind="shelter"))
    points: list[PointSpec] = []
    mask = np.zeros((len(specs), len(ids)), dtype=bool)
    pstock = np.zeros((len(specs), len(ids)))
    for i, p in enumerate(specs):
        where = f"relief.points[{i}] ({p.id})"
        vul = world.vulnerable_share if p.vulnerable_share is None else p.vulnerable_share
        if p.kind == "shelter":
            k = shelters.get(p.shelter_id, -1)
            if k < 0:
                problems.append(Problem(sc_file, where + ".shelter",
                                        f"no shelter {p.shelter_id!r} in this scenario; "
                                        f"shelters: {', '.join(shelters)}"))
                continue
            dst = ctx.shelters.dest[k]
            points.append(PointSpec(p.id, p.name or dst.name, "shelter", dst.lon, dst.lat, k,
                                    0.0, 0.0, vul, 0.0, list(dst.nodes)))
        else:
            assert p.lon is not None and p.lat is not None and p.population is not None
            node = ctx.snap(p.lon, p.lat, sc_file, where)
            rate = p.throughput_per_day / 86_400.0 if p.kind == "pod" else 0.0
            points.append(PointSpec(p.id, p.name or p.id, p.kind, p.lon, p.lat, -1,
                                    float(p.population), p.from_h * 3600.0, vul, rate, [node]))
        wanted = p.commodities if p.commodities is not None else ids
        mask[i] = [c in wanted for c in ids]
        st = dict(p.stock)
        st.update(override.get(p.id, {}))
        pstock[i] = _stock(st, ids)
    point_ids = [p.id for p in specs]
    for site, site_stock in override.items():
        if site not in depot_ids and site not in point_ids:
            problems.append(Problem(pf, f"relief.stock.{site}", "no depot or demand point "
                                    f"{site!r}; depots: {', '.join(depot_ids)}"))
        for c in site_stock:
            if c not in ids:
                problems.append(Problem(pf, f"relief.stock.{site}.{c}", "unknown commodity; "
                                        f"known: {', '.join(ids)}"))
    types = list(world.truck_types)
    type_ids = [t.id for t in types]
    trucks: list[TruckState] = []
    seen: dict[tuple[str, str], int] = {}
    for j, fe in enumerate(plan.fleet):
        if fe.depot not in depot_ids:
            problems.append(Problem(pf, f"relief.fleet[{j}].depot", f"no depot {fe.depot!r}; "
                                    f"depots: {', '.join(depot_ids)}"))
            continue
        if fe.type not in type_ids:
            problems.append(Problem(pf, f"relief.fleet[{j}].type", f"no truck type "
                                    f"{fe.type!r}; types: {', '.join(type_ids)}"))
            continue
        di = depot_ids.index(fe.depot)
        for _ in range(fe.count):
            n = seen.get((fe.depot, fe.type), 0) + 1
            seen[(fe.depot, fe.type)] = n
            trucks.append(TruckState(len(trucks), f"{fe.depot}-{fe.type}-{n}",
                                     type_ids.index(fe.type), di, depots[di].node,
                                     np.zeros(len(ids))))
    _check_routes(plan, pf, depot_ids, point_ids, ids, type_ids, seen, problems)
    if problems:
        raise InputError(problems)
    return ReliefInputs(ids, [c.unit for c in world.commodities], need, kg, m3, types, depots,
                        points, mask[: len(points)], pstock[: len(points)], trucks)


def _check_routes(plan: ReliefPlan, pf: str, depots: list[str], points: list[str],
                  commodities: list[str], types: list[str], fleet: dict[tuple[str, str], int],
                  problems: list[Problem]) -> None:
    for r, route in enumerate(plan.routes):
        where = f"relief.routes[{r}] ({route.id})"
        if route.depot not in depots:
            problems.append(Problem(pf, where + ".depot", f"no depot {route.depot!r}"))
        elif not any(d == route.depot and (route.truck_type in (None, t))
                     for d, t in fleet):
            problems.append(Problem(pf, where + ".depot", "no truck of the fleet "
                                    f"({route.truck_type or 'any type'}) is based there; add "
                                    "one to relief.fleet"))
        if route.truck_type is not None and route.truck_type not in types:
            problems.append(Problem(pf, where + ".truck_type",
                                    f"no truck type {route.truck_type!r}"))
        for s, stop in enumerate(route.stops):
            if stop.point not in points:
                problems.append(Problem(pf, f"{where}.stops[{s}].point",
                                        f"no demand point {stop.point!r}; points: "
                                        f"{', '.join(points)}"))
            for c in stop.load:
                if c not in commodities:
                    problems.append(Problem(pf, f"{where}.stops[{s}].load.{c}",
                                            "demand for an unknown commodity; known: "
                                            f"{', '.join(commodities)}"))
    for p, d in plan.periodic.serve.items():
        if p not in points:
            problems.append(Problem(pf, f"relief.periodic.serve.{p}", "no such demand point"))
        if d not in depots:
            problems.append(Problem(pf, f"relief.periodic.serve.{p}", f"no depot {d!r}"))
