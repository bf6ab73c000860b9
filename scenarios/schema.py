"""The schema of scenario and plan files (YAML), as frozen pydantic models.

Unknown keys are errors, every number is range-checked, and the models validate their own
cross-field rules. Paths are kept as written; the loader resolves them against the folder
of the file that names them.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from musterpoint.scenarios._base import Id, Name, SchemaModel, check_unique
from musterpoint.scenarios.evacuation_schema import Retry, SpecialFacility, Walking
from musterpoint.scenarios.health_schema import HealthPlan, HealthWorld
from musterpoint.scenarios.levels_schema import Level, Monitoring, Role
from musterpoint.scenarios.msel_schema import Inject
from musterpoint.scenarios.relief_schema import ReliefPlan, ReliefWorld
from musterpoint.scenarios.standards import Standard

__all__ = [
    "BusPlan",
    "Closure",
    "Contraflow",
    "ControlPoint",
    "DepartureCurve",
    "Exit",
    "FloodHazard",
    "Hazard",
    "Households",
    "Label",
    "NetworkSource",
    "OrderStage",
    "Place",
    "Plan",
    "PlumeHazard",
    "PolygonHazard",
    "PopulationSource",
    "Scenario",
    "Shelter",
    "WindPeriod",
]

NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]


class Label(SchemaModel):
    """A text in English and, optionally, Chinese."""

    en: str
    zh: str | None = None


class NetworkSource(SchemaModel):
    """Where the road network comes from (one of ``osm``, ``layer``, ``nodes``, ``sumo``)."""

    osm: str | None = Field(None, description="OSM extract: .osm.pbf, .osm or .osm.gz")
    sumo: str | None = Field(None, description="SUMO network: .net.xml (read with sumolib)")
    layer: str | None = Field(None, description="line layer: GeoJSON, GeoPackage")
    layer_name: str | None = None
    nodes: str | None = Field(None, description="nodes.csv (id,x,y)")
    links: str | None = Field(None, description="links.csv (id,from,to,length_m,...)")
    crs: str | None = Field(None, description="CRS of nodes.csv coordinates")

    @model_validator(mode="after")
    def _one_source(self) -> NetworkSource:
        given = [k for k in ("osm", "layer", "nodes", "sumo") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'osm', 'layer', 'sumo' or 'nodes' (with "
                             "'links')")
        if self.nodes and not (self.links and self.crs):
            raise ValueError("a CSV network needs 'nodes', 'links' and 'crs'")
        return self


class PopulationSource(SchemaModel):
    """Population points (or polygons) with a population column, aggregated into zones."""

    file: str
    population_column: str = "population"
    x_column: str = "lon"
    y_column: str = "lat"
    crs: str = "EPSG:4326"
    id_column: str | None = None
    zone_cell_m: Pos = Field(1000.0, description="side of the square zone grid (m)")
    max_elevation_m: float | None = Field(
        None, description="only places at or below this ground elevation are ordered out"
    )
    area: str | None = Field(None, description="polygon layer: only places inside are ordered out")
    zones: str | None = Field(
        None, description="polygon layer whose polygons are the zones (社区, wards); "
        "default: square cells of zone_cell_m")
    zone_id_column: str = Field("name", description="column of the zone layer with zone ids")


class Households(SchemaModel):
    """How people become households and vehicles."""

    mean_size: Annotated[float, Field(ge=1.0, le=10.0)] = 2.6
    car_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.55
    seats_per_car: Annotated[int, Field(ge=1, le=9)] = 5
    carless_ride_share: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    pcu_per_car: Pos = 1.0
    origin_nodes_per_place: Annotated[int, Field(ge=1, le=20)] = 4


class FloodHazard(SchemaModel):
    """A flood as water level over time (stage hydrograph) over an elevation raster."""

    elevation: str
    stage: list[tuple[NonNeg, float]] = Field(
        ..., description="(hours after start, water level in metres) points, time ascending"
    )
    datum: str = Field(..., description="what the levels and the raster heights refer to")

    @field_validator("stage")
    @classmethod
    def _ascending(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if len(v) < 1:
            raise ValueError("give at least one (hour, level) point")
        times = [t for t, _ in v]
        if any(b <= a for a, b in pairwise(times)):
            raise ValueError("stage times must be strictly ascending")
        return v


class Closure(SchemaModel):
    """Links closed from a time until an optional reopening time."""

    links: list[str] = Field(..., min_length=1)
    from_h: NonNeg
    until_h: NonNeg | None = None
    reason: str = "closure"


class PolygonHazard(SchemaModel):
    """A series of hazard polygons over time (fire perimeters, dam-break extents)."""

    file: str = Field(..., description="layer whose features have from_h (and until_h)")
    crs: str = Field("EPSG:4326", description="CRS of the layer's coordinates")
    mode: Literal["replace", "accumulate"] = "replace"
    kind: str = Field("fire", description="what the polygons are, for maps and reports")


class WindPeriod(SchemaModel):
    """Wind from a time on (until the next period)."""

    time_h: NonNeg
    speed_mps: Annotated[float, Field(gt=0, le=60)]
    from_deg: Annotated[float, Field(ge=0, le=360, description="direction the wind blows from")]
    stability: Literal["A", "B", "C", "D", "E", "F"]


class PlumeHazard(SchemaModel):
    """A continuous chemical release dispersing as a Gaussian plume."""

    substance: str
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    release_g_s: Pos
    height_m: NonNeg = 0.0
    start_h: NonNeg = 0.0
    end_h: Pos | None = None
    wind: list[WindPeriod] = Field(..., min_length=1)
    threshold_mg_m3: Pos = Field(..., description="danger-zone concentration (mg/m^3)")
    threshold_name: str = ""

    @field_validator("wind")
    @classmethod
    def _wind_ascending(cls, v: list[WindPeriod]) -> list[WindPeriod]:
        if any(b.time_h <= a.time_h for a, b in pairwise(v)):
            raise ValueError("wind periods must be in strictly ascending time_h")
        return v


class Hazard(SchemaModel):
    """The hazards of a scenario."""

    flood: FloodHazard | None = None
    polygons: list[PolygonHazard] = Field(default_factory=list)
    plume: PlumeHazard | None = None
    closures: list[Closure] = Field(default_factory=list)
    step_min: Pos = Field(1.0, description="how often hazard closures are applied (minutes)")


class Shelter(SchemaModel):
    """A shelter or safe destination at a real place, with a capacity in persons."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    capacity: Annotated[int, Field(ge=0)]
    access_radius_m: NonNeg | None = Field(
        None, description="road nodes within this distance count as arrival (parking area)"
    )


class Exit(SchemaModel):
    """A place outside the study area where traffic leaving the area goes."""

    id: Id
    name: str = ""
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class Scenario(SchemaModel):
    """The world: network, people, hazard, places of safety; and the plans that go with it."""

    name: Name
    title: Label
    description: str = ""
    start: datetime
    timezone: str = "UTC"
    duration_h: Annotated[float, Field(gt=0, le=24 * 14)]
    network: NetworkSource
    population: PopulationSource | None = None
    trips: str | None = Field(None, description="trips CSV: id,origin,destination,depart_s; "
                              "or a SUMO .rou.xml (vehicles and their routes)")
    routes: str | None = Field(
        None, description="fixed routes of the trips: routes.csv (id,links; link ids in "
        "driving order, separated by spaces) or a SUMO .rou.xml; a routed vehicle leaves "
        "its route only if a link ahead closes")
    households: Households = Households()
    hazard: Hazard = Field(default_factory=lambda: Hazard())
    shelters: list[Shelter] = Field(
        default_factory=list, description="places of safety; needed by plans that evacuate"
    )
    exits: list[Exit] = Field(default_factory=list, description="for shadow and background traffic")
    special_facilities: list[SpecialFacility] = Field(
        default_factory=list, description="schools, hospitals, care homes and their vehicles")
    max_snap_m: Pos = Field(500.0, description="farthest a place may be from the network")
    shelter_access_m: NonNeg = Field(
        250.0, description="default access radius of shelters: arriving at any road node "
        "within it is arriving at the shelter (evacuees park and walk)"
    )
    plans: list[str] = Field(..., min_length=1)
    default_plan: str | None = None
    attribution: list[str] = Field(default_factory=list)
    standards: list[Standard] = Field(
        default_factory=list, description="service standards every plan is checked against"
    )
    relief: ReliefWorld | None = None
    health: HealthWorld | None = None
    injects: list[Inject] = Field(default_factory=list, description="exercise script (MSEL)")
    monitoring: Monitoring | None = Field(None, description="gauges and forecasts levels read")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}; use an IANA name such as "
                             "'America/Sao_Paulo' or 'Asia/Shanghai'") from exc
        return v

    @model_validator(mode="after")
    def _demand(self) -> Scenario:
        if (self.population is None) == (self.trips is None):
            raise ValueError("give exactly one of 'population' or 'trips'")
        if self.routes is not None and self.trips is None:
            raise ValueError("'routes' gives the routes of the trips: it needs 'trips'")
        check_unique([s.id for s in self.shelters], "shelter")
        check_unique([f.id for f in self.special_facilities], "special facility")
        return self


class DepartureCurve(SchemaModel):
    """Mobilisation: the delay between an evacuation order and a household leaving.

    ``all_at_once``: no delay. ``rayleigh``: ``F(t) = 1 - exp(-t^2 / (2 sigma^2))``.
    ``logistic``: ``F(t) = 1 / (1 + exp(-(t - median) / scale))``, truncated at 0.
    ``normal``: mean and standard deviation, truncated at 0. ``lognormal``: median and
    sigma of the log. Parameters in minutes.
    """

    curve: Literal["all_at_once", "rayleigh", "logistic", "normal", "lognormal"] = "rayleigh"
    sigma_min: Pos | None = None
    median_min: Pos | None = None
    scale_min: Pos | None = None
    mean_min: NonNeg | None = None
    sd_min: Pos | None = None
    log_sigma: Pos | None = None

    @model_validator(mode="after")
    def _params(self) -> DepartureCurve:
        need = {
            "all_at_once": (),
            "rayleigh": ("sigma_min",),
            "logistic": ("median_min", "scale_min"),
            "normal": ("mean_min", "sd_min"),
            "lognormal": ("median_min", "log_sigma"),
        }[self.curve]
        missing = [p for p in need if getattr(self, p) is None]
        if missing:
            raise ValueError(f"curve {self.curve!r} needs {', '.join(missing)}")
        return self


class OrderStage(SchemaModel):
    """Order zones out at a time: those with ground at or below an elevation, or listed."""

    time_h: NonNeg
    max_elevation_m: float | None = None
    zones: list[str] | None = None

    @model_validator(mode="after")
    def _which(self) -> OrderStage:
        if self.max_elevation_m is None and self.zones is None:
            raise ValueError("a stage names 'zones' or a 'max_elevation_m'")
        return self


class Contraflow(SchemaModel):
    """Reverse the opposite lanes of a corridor for outbound traffic from a time.

    The corridor is ``links`` (ids, in the outbound direction) or a ``road`` name with the
    place its outbound traffic heads ``towards``; the opposite lanes of each link are its
    reversed twin or, on a divided road, the opposite carriageway alongside it
    (:mod:`musterpoint.sim.network.carriageways`).
    """

    links: list[str] = Field(default_factory=list, description="ids of the outbound links")
    road: str | None = Field(None, min_length=1, description="a road name (OSM name)")
    towards: tuple[Annotated[float, Field(ge=-180, le=180)],
                   Annotated[float, Field(ge=-90, le=90)]] | None = Field(
        None, description="with road: [lon, lat] of where its outbound traffic heads")
    max_gap_m: Pos = Field(50.0, description="largest distance between carriageways (m)")
    max_angle_deg: Annotated[float, Field(gt=0, le=90)] = Field(
        30.0, description="largest angle between a link and its opposite reversed (deg)")
    from_h: NonNeg = 0.0
    until_h: NonNeg | None = None

    @model_validator(mode="after")
    def _corridor(self) -> Contraflow:
        if bool(self.links) == (self.road is not None):
            raise ValueError("a contraflow names either 'links' or a 'road'")
        if self.road is not None and self.towards is None:
            raise ValueError("a contraflow on a 'road' needs 'towards: [lon, lat]', the "
                             "place its outbound traffic heads for")
        return self


class ControlPoint(SchemaModel):
    """A traffic control point: a link's or a junction's capacity times a factor."""

    links: list[str] = Field(default_factory=list)
    node: int | None = Field(None, description="a junction: every link entering it")
    capacity_factor: Annotated[float, Field(gt=0, le=5)]
    from_h: NonNeg = 0.0
    until_h: NonNeg | None = None

    @model_validator(mode="after")
    def _target(self) -> ControlPoint:
        if not self.links and self.node is None:
            raise ValueError("a control point names 'links' or a 'node'")
        return self


class Place(SchemaModel):
    """A named point."""

    id: Id
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class BusPlan(SchemaModel):
    """Buses for households without transport: depot -> pickup points -> shelters."""

    depot: Place
    buses: Annotated[int, Field(ge=1, le=10_000)]
    seats: Annotated[int, Field(ge=1, le=200)] = 50
    pcu: Pos = 2.0
    mobilisation_min: tuple[NonNeg, NonNeg] = (90.0, 180.0)
    boarding_s_per_person: NonNeg = 2.0
    pickups: list[Place] = Field(..., min_length=1)

    @field_validator("mobilisation_min")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[1] < v[0]:
            raise ValueError("give [earliest, latest] minutes, earliest first")
        return v


class Plan(SchemaModel):
    """The decisions: when each zone is ordered out, how people leave, where they go."""

    name: Name
    title: Label
    description: str = ""
    evacuate: bool = Field(
        True, description="false: nobody is ordered out (public-health or relief-only plans)"
    )
    order_time_h: NonNeg = Field(0.0, description="order time of zones no stage names")
    stages: list[OrderStage] = Field(default_factory=list)
    departure: DepartureCurve = DepartureCurve(curve="rayleigh", sigma_min=45.0)
    shelter_choice: Literal["nearest_with_room", "zone_map", "capacity_balanced"] = (
        "nearest_with_room"
    )
    zone_shelters: dict[str, str] = Field(
        default_factory=dict, description="zone id -> shelter id (shelter_choice: zone_map)"
    )
    shelter_open_h: dict[str, NonNeg] = Field(
        default_factory=dict, description="shelter id -> opening time (hours); others open"
    )
    contraflow: list[Contraflow] = Field(default_factory=list)
    control_points: list[ControlPoint] = Field(default_factory=list)
    buses: BusPlan | None = None
    shadow_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.0, description="share of households outside the ordered zones who leave anyway"
    )
    background_vph: NonNeg = Field(0.0, description="background vehicles per hour")
    reroute_interval_min: NonNeg = Field(
        0.0, description="re-plan routes on current queues every N minutes (0: off)"
    )
    stuck_time_s: Pos = 600.0
    retry: Retry = Field(default_factory=lambda: Retry(),
                         description="waiting and retrying when every road out is closed")
    walking: Walking | None = Field(None, description="households near a shelter walk")
    standards: list[Standard] = Field(
        default_factory=list, description="extra standards this plan sets for itself"
    )
    relief: ReliefPlan | None = None
    health: HealthPlan | None = None
    levels: list[Level] = Field(
        default_factory=list, description="response levels with activation conditions; "
        "zones no stage names are ordered only by a level")
    check_every_min: Annotated[float, Field(gt=0, le=60)] = Field(
        1.0, description="how often the levels' conditions are checked (minutes)")
    roles: list[Role] = Field(default_factory=list, description="responsible bodies")

    @model_validator(mode="after")
    def _levels(self) -> Plan:
        check_unique([lv.id for lv in self.levels], "level")
        check_unique([r.id for r in self.roles], "role")
        roles = {r.id for r in self.roles}
        for lv in self.levels:
            for a in lv.actions:
                if a.role and a.role not in roles:
                    raise ValueError(f"level {lv.id!r}: role {a.role!r} is not in 'roles' "
                                     f"(have {sorted(roles)})")
        return self
