"""Schema of relief-supply inputs (depots, commodities, demand points, fleet, dispatch).

The scenario's ``relief:`` section describes the world: the commodities and what one
person needs of each per day, the truck types that exist, the depots (place, opening
time, loading bays and times, stock on hand) and the demand points (shelters, whose
demand follows their simulated occupancy; communities sheltering in place or cut off;
commodity points of distribution, C-PODs, where people queue to collect). The plan's
``relief:`` section holds the decisions: the fleet and where it is based, stock
prepositioned at depots or demand points, and the dispatch policy (fixed routes,
periodic order-up-to replenishment, or need-driven dispatch).

Default commodities follow the Sphere Handbook (2018): water 15 litres per person per
day (WASH standard 2.1), food 2,100 kcal per person per day as one ration pack (food
security standard 6.1), and medical kits as the basic unit of the WHO Interagency
Emergency Health Kit 2017 (one unit serves 1,000 people for about three months). Weights
and volumes are planning figures; every value can be overridden in the scenario.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from musterpoint.scenarios._base import Id, SchemaModel, check_unique

__all__ = [
    "DEFAULT_COMMODITIES",
    "DEFAULT_TRUCK_TYPES",
    "POD_PERSONS_PER_DAY",
    "Commodity",
    "DemandPoint",
    "Depot",
    "FixedRoute",
    "FleetEntry",
    "NeedDrivenPolicy",
    "PeriodicPolicy",
    "ReferenceSettings",
    "ReliefPlan",
    "ReliefWorld",
    "RouteStop",
    "TruckType",
]

NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]

#: People served per day by each FEMA commodity point of distribution type.
POD_PERSONS_PER_DAY = {"I": 20_000, "II": 10_000, "III": 5_000}


def _check_stock(stock: dict[str, float], what: str) -> dict[str, float]:
    """Stock must be finite and not negative: say which commodity is wrong."""
    for c, v in stock.items():
        if not v >= 0 or v != v or v == float("inf"):
            raise ValueError(f"stock of {c!r} is {v}; {what} stock must be a number of "
                             "units >= 0 (write 0 for none)")
    return stock


class Commodity(SchemaModel):
    """A relief commodity and what one person needs of it per day."""

    id: Id
    name: str = ""
    unit: str = Field(..., min_length=1, description="what one unit is: L, ration, kit")
    per_person_day: Pos = Field(..., description="units one person needs per day")
    kg_per_unit: Pos
    m3_per_unit: Pos
    source: str = Field("", description="where the figures come from")


#: Sphere defaults (documented in the module docstring and in the scenario README).
DEFAULT_COMMODITIES: tuple[Commodity, ...] = (
    Commodity(id="water", name="Drinking and hygiene water", unit="L", per_person_day=15.0,
              kg_per_unit=1.0, m3_per_unit=0.0012,
              source="Sphere 2018, WASH standard 2.1: 15 L per person per day; bottled, "
                     "1 kg and 1.2 dm3 per litre with packaging"),
    Commodity(id="food", name="Food ration pack (2,100 kcal)", unit="ration",
              per_person_day=1.0, kg_per_unit=0.6, m3_per_unit=0.0015,
              source="Sphere 2018, food security standard 6.1: 2,100 kcal per person per "
                     "day; one pack is one person-day, about 0.6 kg"),
    Commodity(id="medical", name="Medical kit (IEHK 2017 basic unit)", unit="kit",
              per_person_day=1.0 / 90_000.0, kg_per_unit=45.0, m3_per_unit=0.2,
              source="WHO IEHK 2017: one basic unit for 1,000 people for about 3 months "
                     "(90,000 person-days); about 45 kg and 0.2 m3 (planning figure)"),
)


class TruckType(SchemaModel):
    """A kind of truck: payload by weight and volume, road space, unloading time."""

    id: Id
    name: str = ""
    capacity_kg: float = Field(..., description="payload (kg), > 0")
    capacity_m3: float = Field(..., description="load volume (m3), > 0")
    pcu: Pos = Field(2.0, description="passenger-car units it takes on the road")
    unload_min_fixed: NonNeg = Field(10.0, description="minutes at each stop besides handling")
    unload_min_per_tonne: NonNeg = Field(5.0, description="minutes to unload one tonne")

    @field_validator("capacity_kg", "capacity_m3")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not v > 0 or v == float("inf"):
            raise ValueError(f"a truck needs a capacity > 0 (got {v}); give its payload in "
                             "kg and its load volume in m3")
        return v


#: Typical trucks (planning figures; heavy vehicles count 2-3 PCU in capacity manuals).
DEFAULT_TRUCK_TYPES: tuple[TruckType, ...] = (
    TruckType(id="van", name="Light van (3.5 t GVW)", capacity_kg=1_200.0, capacity_m3=12.0,
              pcu=1.0, unload_min_fixed=5.0, unload_min_per_tonne=5.0),
    TruckType(id="rigid", name="Medium rigid truck (16 t GVW)", capacity_kg=8_000.0,
              capacity_m3=40.0, pcu=2.0),
    TruckType(id="artic", name="Articulated truck (40 t GVW)", capacity_kg=24_000.0,
              capacity_m3=80.0, pcu=3.0, unload_min_fixed=15.0),
)


class Depot(SchemaModel):
    """A relief depot: a real place with stock, loading bays and an opening time."""

    id: Id
    name: str = ""
    lon: Lon
    lat: Lat
    open_h: NonNeg = Field(0.0, description="hours after the start when loading can begin")
    stock: dict[str, float] = Field(default_factory=dict, description="commodity -> units")
    bays: Annotated[int, Field(ge=1, le=1000)] = Field(1, description="parallel loading bays")
    load_min_per_tonne: NonNeg = Field(5.0, description="minutes to load one tonne")
    load_min_fixed: NonNeg = Field(10.0, description="minutes per truck besides handling")

    @field_validator("stock")
    @classmethod
    def _stock(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_stock(v, "depot")


class DemandPoint(SchemaModel):
    """A place whose people consume relief supplies.

    ``shelter``: a shelter of the scenario; its population is its simulated occupancy.
    ``community``: people sheltering in place (or cut off), ``population`` from ``from_h``.
    ``pod``: a commodity point of distribution: ``population`` people in its catchment
    come to collect one day's supply each per day; it serves ``pod_type`` I / II / III
    (20,000 / 10,000 / 5,000 people per day, FEMA) or ``persons_per_day``; the rest queue.
    """

    id: Id
    name: str = ""
    kind: Literal["shelter", "community", "pod"]
    shelter: str | None = Field(None, description="shelter id (kind shelter; default: id)")
    lon: Lon | None = None
    lat: Lat | None = None
    population: Annotated[int, Field(ge=0)] | None = None
    from_h: NonNeg = Field(0.0, description="when its people start to need relief")
    pod_type: Literal["I", "II", "III"] | None = None
    persons_per_day: Pos | None = Field(None, description="C-POD throughput (overrides type)")
    vulnerable_share: Annotated[float, Field(ge=0, le=1)] | None = None
    commodities: list[str] | None = Field(None, description="what it needs (default: all)")
    stock: dict[str, float] = Field(default_factory=dict, description="units on hand at 0")

    @field_validator("stock")
    @classmethod
    def _stock(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_stock(v, "a demand point's")

    @model_validator(mode="after")
    def _kind(self) -> DemandPoint:
        if self.kind == "shelter":
            if self.lon is not None or self.lat is not None or self.population is not None:
                raise ValueError(f"point {self.id!r}: a shelter point takes its place and "
                                 "population from the shelter; remove lon, lat, population")
        else:
            if self.lon is None or self.lat is None or self.population is None:
                raise ValueError(f"point {self.id!r}: a {self.kind} needs lon, lat and "
                                 "population")
        if self.kind == "pod" and self.pod_type is None and self.persons_per_day is None:
            raise ValueError(f"point {self.id!r}: a pod needs pod_type (I, II or III) or "
                             "persons_per_day")
        return self

    @property
    def shelter_id(self) -> str:
        """The shelter this point stands for (kind shelter)."""
        return self.shelter or self.id

    @property
    def throughput_per_day(self) -> float:
        """People a C-POD serves per day."""
        if self.persons_per_day is not None:
            return float(self.persons_per_day)
        return float(POD_PERSONS_PER_DAY[self.pod_type or "III"])


class ReliefWorld(SchemaModel):
    """Relief-supply world of a scenario: commodities, trucks, depots, demand points."""

    commodities: list[Commodity] = Field(default_factory=lambda: list(DEFAULT_COMMODITIES),
                                         min_length=1)
    truck_types: list[TruckType] = Field(default_factory=lambda: list(DEFAULT_TRUCK_TYPES),
                                         min_length=1)
    depots: list[Depot] = Field(..., min_length=1)
    points: list[DemandPoint] = Field(default_factory=list)
    all_shelters: bool = Field(True, description="every shelter is a demand point")
    vulnerable_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.2, description="default share of vulnerable people at a point")
    day_h: Pos = Field(24.0, description="planning day of the routing reference (hours)")
    record_min: Pos = Field(5.0, description="interval of the stock time series (minutes)")

    @model_validator(mode="after")
    def _references(self) -> ReliefWorld:
        known = [c.id for c in self.commodities]
        names = ", ".join(known)

        check_unique(known, "commodity")
        refs = [p.shelter_id for p in self.points if p.kind == "shelter"]
        twice = sorted({r for r in refs if refs.count(r) > 1})
        if twice:
            raise ValueError(f"shelter {twice[0]!r} is named by more than one demand point; "
                             "keep one point per shelter")
        check_unique([t.id for t in self.truck_types], "truck type")
        check_unique([d.id for d in self.depots] + [p.id for p in self.points], "depot and point")
        for i, d in enumerate(self.depots):
            for c in d.stock:
                if c not in known:
                    raise ValueError(f"depots[{i}] ({d.id}): stock of unknown commodity "
                                     f"{c!r}; known commodities: {names}")
        for i, p in enumerate(self.points):
            for c in list(p.stock) + list(p.commodities or []):
                if c not in known:
                    raise ValueError(f"points[{i}] ({p.id}): demand for unknown commodity "
                                     f"{c!r}; known commodities: {names} (add it to "
                                     "relief.commodities or fix the spelling)")
        return self


class FleetEntry(SchemaModel):
    """``count`` trucks of a type based at a depot."""

    depot: str
    type: str
    count: Annotated[int, Field(ge=1, le=10_000)] = 1


class RouteStop(SchemaModel):
    """One stop of a fixed route: a demand point and what to unload there."""

    point: str
    load: dict[str, Annotated[int, Field(ge=0)]] = Field(..., min_length=1)


class FixedRoute(SchemaModel):
    """A route written in the plan: a truck of a depot leaves at set times."""

    id: Id
    depot: str
    truck_type: str | None = Field(None, description="only trucks of this type (default any)")
    depart_h: list[NonNeg] = Field(default_factory=list, description="departure times")
    every_h: Pos | None = Field(None, description="or: a departure every N hours ...")
    start_h: NonNeg = Field(0.0, description="... from this time ...")
    until_h: NonNeg | None = Field(None, description="... until this time (default: the end)")
    stops: list[RouteStop] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _times(self) -> FixedRoute:
        if not self.depart_h and self.every_h is None:
            raise ValueError(f"route {self.id!r}: give depart_h (a list of hours) or every_h")
        if any(b < a for a, b in pairwise(self.depart_h)):
            raise ValueError(f"route {self.id!r}: depart_h must be in ascending order")
        return self


class PeriodicPolicy(SchemaModel):
    """Periodic review, order-up-to: every ``review_h`` each point orders up to
    ``up_to_days`` of its current daily need, from its depot (``serve``) or the nearest
    depot with stock."""

    review_h: Pos = 2.0
    first_review_h: NonNeg = 0.0
    up_to_days: Pos = 0.5
    serve: dict[str, str] = Field(default_factory=dict, description="point id -> depot id")


class NeedDrivenPolicy(SchemaModel):
    """Need-driven: the point with the largest projected deficit over ``projection_h``
    (weighted up for vulnerable people) is served from the nearest depot with stock and an
    idle truck, whenever a truck is free and every ``review_min``."""

    review_min: Pos = 15.0
    projection_h: Pos = 6.0
    vulnerable_weight: Annotated[float, Field(ge=1, le=100)] = Field(
        2.0, description="how much more one vulnerable person's deficit counts")
    min_load_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.25, description="smallest load worth a trip (share of capacity) unless the point "
        "is already out of stock")


class ReferenceSettings(SchemaModel):
    """The optimised reference: each planning day's deliveries as a CVRP (PyVRP)."""

    enabled: bool = True
    iterations: Annotated[int, Field(ge=1, le=1_000_000)] = 2000
    seed: Annotated[int, Field(ge=0)] = 1


class ReliefPlan(SchemaModel):
    """Relief-supply decisions of a plan: fleet, prepositioned stock, dispatch policy."""

    policy: Literal["fixed", "periodic", "need_driven"]
    fleet: list[FleetEntry] = Field(..., min_length=1)
    stock: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="prepositioning: depot or point id -> commodity -> units (replaces the "
        "scenario's figure for that commodity there)")
    routes: list[FixedRoute] = Field(default_factory=list)
    periodic: PeriodicPolicy = PeriodicPolicy()
    need_driven: NeedDrivenPolicy = NeedDrivenPolicy()
    reference: ReferenceSettings = ReferenceSettings()

    @field_validator("stock")
    @classmethod
    def _stock(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for site, s in v.items():
            _check_stock(s, f"{site!r}")
        return v

    @model_validator(mode="after")
    def _policy(self) -> ReliefPlan:
        if self.policy == "fixed" and not self.routes:
            raise ValueError("policy 'fixed' needs routes (each with depot, times and stops)")
        check_unique([r.id for r in self.routes], "route")
        return self
