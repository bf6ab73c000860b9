"""Schema of public-health inputs (epidemic, dispensing sites, compounds, hospitals).

The scenario's ``health:`` section describes the world: the disease and its starting
point (:class:`Epidemic`), the residential compounds with their gates
(:class:`Compound`), the candidate dispensing sites (:class:`SiteLocation`), the
hospitals (:class:`Hospital`) and the supply depots (:class:`Depot`). The plan's
``health:`` section holds the decisions: lockdowns (:class:`Lockdown`), the dispensing
campaign with its sites, stations and staffing (:class:`Campaign`), the lockdown supply
(:class:`SupplyPlan`) and the ambulances (:class:`AmbulancePlan`).

Every model is frozen and rejects unknown keys; numbers are range-checked and the models
check their own cross-field rules (an open site with zero staff at a station, a gate id
used twice, ...). Rules that need both files (a plan naming a compound the scenario does
not have) are checked by :func:`check_health_plan`. Values that are legal but unusual (a
basic reproduction number above 10) give warnings through :func:`health_warnings`.
Names shown to people have an optional Chinese form (``name_zh``).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "R0_MAX",
    "R0_PLAUSIBLE",
    "AmbulancePlan",
    "Campaign",
    "Compound",
    "Depot",
    "Dist",
    "Epidemic",
    "Gate",
    "HealthPlan",
    "HealthWorld",
    "Hospital",
    "Lockdown",
    "PickupPoint",
    "Shift",
    "SiteLocation",
    "SitePlan",
    "StationSpec",
    "SupplyPlan",
    "SurgeBeds",
    "check_health_plan",
    "health_warnings",
]

Id = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
HourOfDay = Annotated[float, Field(ge=0, le=24)]

#: A basic reproduction number outside (0, R0_MAX] is an error (measles, the most
#: transmissible human pathogen known, has estimates of 12-18).
R0_MAX = 25.0
#: A basic reproduction number outside this range is legal but gives a warning.
R0_PLAUSIBLE = (1.0, 10.0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _unique(ids: list[str], what: str) -> None:
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"{what} ids must be unique; repeated: {', '.join(dup)}")


class Dist(_Model):
    """A service or delay time distribution, in minutes.

    ``exponential`` (mean), ``deterministic`` (mean), ``lognormal`` (mean and sd),
    ``gamma`` (mean and sd), ``uniform`` (low and high), ``triangular`` (low, mode, high).
    """

    kind: Literal["exponential", "deterministic", "lognormal", "gamma", "uniform",
                  "triangular"] = "exponential"
    mean_min: Pos | None = None
    sd_min: Pos | None = None
    low_min: NonNeg | None = None
    mode_min: NonNeg | None = None
    high_min: Pos | None = None

    @model_validator(mode="after")
    def _params(self) -> Dist:
        need = {"exponential": ("mean_min",), "deterministic": ("mean_min",),
                "lognormal": ("mean_min", "sd_min"), "gamma": ("mean_min", "sd_min"),
                "uniform": ("low_min", "high_min"),
                "triangular": ("low_min", "mode_min", "high_min")}[self.kind]
        missing = [p for p in need if getattr(self, p) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if self.kind in ("uniform", "triangular"):
            lo, hi = float(self.low_min or 0.0), float(self.high_min or 0.0)
            mode = lo if self.mode_min is None else float(self.mode_min)
            if not lo <= mode <= hi or lo >= hi:
                raise ValueError("give low_min <= mode_min <= high_min with low_min < high_min")
        return self

    @property
    def mean(self) -> float:
        """Mean in minutes."""
        if self.kind in ("uniform",):
            return (float(self.low_min or 0) + float(self.high_min or 0)) / 2.0
        if self.kind == "triangular":
            return (float(self.low_min or 0) + float(self.mode_min or 0)
                    + float(self.high_min or 0)) / 3.0
        return float(self.mean_min or 0.0)


# ---------------------------------------------------------------------------- world
class Epidemic(_Model):
    """The disease, how people mix, and the state at the start of the scenario.

    Compartments: susceptible S, exposed E (infected, not yet infectious), infectious I,
    removed R (recovered, isolated, or a severe case under care) and vaccinated V. A
    vaccinated person is infected at ``1 - vaccine_efficacy`` times the rate of a
    susceptible one (a leaky vaccine). The force of infection on compound c is
    ``beta * (1 - cut_c(t)) * sum_d M[c, d] * I_d / N_d`` with ``beta = r0 / infectious_days``
    and ``M = w * Id + (1 - w) * P`` (``w`` is ``within_compound_share``, ``P[c, d] = N_d /
    N``: the rest of the contacts spread over the district in proportion to population).
    """

    r0: Annotated[float, Field(gt=0, le=R0_MAX, description="basic reproduction number")]
    latent_days: Annotated[float, Field(gt=0, le=60)] = 4.0
    infectious_days: Annotated[float, Field(gt=0, le=60)] = 5.0
    within_compound_share: Share = 0.5
    severe_share: Share = Field(0.05, description="share of new cases needing a hospital bed")
    icu_share: Share = Field(0.2, description="share of severe cases needing an ICU bed")
    onset_to_call: Dist = Dist(kind="gamma", mean_min=4 * 1440.0, sd_min=2 * 1440.0)
    ward_stay: Dist = Dist(kind="gamma", mean_min=8 * 1440.0, sd_min=4 * 1440.0)
    icu_stay: Dist = Dist(kind="gamma", mean_min=12 * 1440.0, sd_min=5 * 1440.0)
    vaccine_efficacy: Share = 0.7
    test_sensitivity: Share = Field(0.9, description="chance a test finds an infectious person")
    initial_exposed: NonNeg = 0.0
    initial_infectious: NonNeg = 10.0
    initial_recovered_share: Share = 0.0
    initial_vaccinated_share: Share = 0.0
    model: Literal["deterministic", "stochastic"] = Field(
        "stochastic", description="ODE (expected values) or seeded binomial chain"
    )
    step_h: Annotated[float, Field(gt=0, le=24)] = Field(
        1.0, description="epidemic time step inside the simulation (hours)"
    )

    @model_validator(mode="after")
    def _start(self) -> Epidemic:
        if self.initial_recovered_share + self.initial_vaccinated_share > 1:
            raise ValueError("initial_recovered_share + initial_vaccinated_share exceeds 1")
        if self.initial_exposed + self.initial_infectious <= 0:
            raise ValueError("give initial_exposed or initial_infectious > 0 (no infection "
                             "means no epidemic)")
        return self


class Gate(_Model):
    """A gate of a compound, where deliveries are handed over."""

    id: Id
    lon: Lon
    lat: Lat


class Compound(_Model):
    """A residential compound (小区): the unit of the epidemic, of lockdown and of supply."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Lon
    lat: Lat
    population: Annotated[int, Field(ge=1, le=200_000)]
    households: Annotated[int, Field(ge=1)] | None = Field(
        None, description="households (default: population / 2.6)"
    )
    gates: list[Gate] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Compound:
        _unique([g.id for g in self.gates], f"compound {self.id}: gate")
        if self.households is not None and self.households > self.population:
            raise ValueError(f"compound {self.id}: more households than residents")
        return self

    @property
    def n_households(self) -> int:
        """Households (given, or population / 2.6)."""
        return int(self.households or max(1, round(self.population / 2.6)))


class SiteLocation(_Model):
    """A candidate place for a testing or vaccination site (a school, a square, ...)."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Lon
    lat: Lat


class Hospital(_Model):
    """A hospital with ward and ICU beds (beds for this district's patients)."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Lon
    lat: Lat
    ward_beds: Annotated[int, Field(ge=0, description="ward beds free for the epidemic")]
    icu_beds: Annotated[int, Field(ge=0, description="ICU beds free for the epidemic")]
    ward_occupied: Annotated[int, Field(ge=0)] = 0
    icu_occupied: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _beds(self) -> Hospital:
        if self.ward_beds + self.icu_beds == 0:
            raise ValueError(f"hospital {self.id} has no beds; give ward_beds or icu_beds")
        if self.ward_occupied > self.ward_beds or self.icu_occupied > self.icu_beds:
            raise ValueError(f"hospital {self.id}: more beds occupied than it has")
        return self


class Depot(_Model):
    """A supply depot (a supermarket distribution centre) that trucks load at."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Lon
    lat: Lat


class HealthWorld(_Model):
    """Public-health world of a scenario."""

    epidemic: Epidemic
    compounds: list[Compound] = Field(..., min_length=1)
    sites: list[SiteLocation] = Field(default_factory=list)
    hospitals: list[Hospital] = Field(default_factory=list)
    depots: list[Depot] = Field(default_factory=list)
    walk_speed_mps: Annotated[float, Field(gt=0.2, le=3)] = 1.2

    @model_validator(mode="after")
    def _check(self) -> HealthWorld:
        _unique([c.id for c in self.compounds], "compound")
        _unique([s.id for s in self.sites], "site")
        _unique([h.id for h in self.hospitals], "hospital")
        _unique([d.id for d in self.depots], "depot")
        total = sum(c.population for c in self.compounds)
        ep = self.epidemic
        if ep.initial_exposed + ep.initial_infectious > total:
            raise ValueError(f"epidemic: {ep.initial_exposed + ep.initial_infectious:,.0f} "
                             f"initial cases but only {total:,} residents")
        return self


# ---------------------------------------------------------------------------- plan
class Lockdown(_Model):
    """From ``from_h`` (until ``until_h``), contacts in the compounds fall by ``contact_cut``."""

    from_h: NonNeg
    until_h: NonNeg | None = None
    contact_cut: Share
    compounds: list[str] | None = Field(None, description="default: every compound")

    @model_validator(mode="after")
    def _times(self) -> Lockdown:
        if self.until_h is not None and self.until_h <= self.from_h:
            raise ValueError("until_h must be after from_h")
        return self


class StationSpec(_Model):
    """A station of a dispensing site: registration, screening, dispensing, observation."""

    id: Id
    name: str = ""
    name_zh: str | None = None
    service: Dist
    servers_per_staff: Annotated[int, Field(ge=1, le=100)] = Field(
        1, description="places one staff member runs (observation chairs per nurse)"
    )


class Shift(_Model):
    """Staff on duty from ``from_h`` to ``to_h`` (hours of the day), per station id."""

    from_h: HourOfDay
    to_h: HourOfDay
    staff: dict[str, Annotated[int, Field(ge=0, le=1000)]]

    @model_validator(mode="after")
    def _times(self) -> Shift:
        if self.to_h <= self.from_h:
            raise ValueError("a shift ends after it starts (to_h > from_h, same day)")
        return self


class SitePlan(_Model):
    """A site that opens in this plan: where (a candidate site id), when, with whom."""

    site: Id
    open_h: tuple[HourOfDay, HourOfDay] = (8.0, 20.0)
    shifts: list[Shift] = Field(..., min_length=1)
    compounds: list[str] | None = Field(
        None, description="compounds assigned to the site (default: nearest open site)"
    )

    @model_validator(mode="after")
    def _staffed(self) -> SitePlan:
        lo, hi = self.open_h
        if hi <= lo:
            raise ValueError(f"site {self.site}: open_h must be [opening, closing] hours")
        shifts = sorted(self.shifts, key=lambda s: s.from_h)
        if any(b.from_h < a.to_h for a, b in pairwise(shifts)):
            raise ValueError(f"site {self.site}: shifts overlap")
        t = lo
        for s in shifts:
            if s.to_h <= t:
                continue
            if s.from_h > t + 1e-9:
                break
            t = s.to_h
        if t < hi - 1e-9:
            raise ValueError(f"site {self.site}: open {lo:g}-{hi:g} h but no shift covers "
                             f"{t:g} h; every open hour needs a shift")
        for s in shifts:
            if s.to_h <= lo or s.from_h >= hi:
                continue
            zero = sorted(k for k, v in s.staff.items() if v == 0)
            if zero:
                raise ValueError(f"site {self.site} is open but has zero staff at "
                                 f"{', '.join(zero)} in the {s.from_h:g}-{s.to_h:g} h "
                                 "shift; staff every station while the site is open")
        return self


class Campaign(_Model):
    """A mass testing or vaccination campaign: sites, stations, staffing and demand."""

    kind: Literal["testing", "vaccination"]
    start_h: NonNeg = 0.0
    deadline_h: Pos = Field(..., description="target: the population served by then")
    target_share: Share = Field(1.0, description="share of residents who are to come")
    arrivals: Literal["appointment", "walk_in"] = "appointment"
    access: Literal["walk", "drive"] = "walk"
    slot_min: Pos = Field(15.0, description="appointment slot length")
    booking_load: Annotated[float, Field(gt=0, le=2)] = Field(
        0.9, description="appointments booked per slot as a share of the site's capacity"
    )
    punctuality_sd_min: NonNeg = 5.0
    no_show_share: Share = 0.0
    walk_in_profile: list[NonNeg] | None = Field(
        None, description="relative arrival rate per opening hour (walk-in)"
    )
    walk_in_days: Pos | None = Field(
        None, description="walk-ins come over this many days (default: to the deadline)"
    )
    stations: list[StationSpec] = Field(..., min_length=1)
    sites: list[SitePlan] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Campaign:
        if self.deadline_h <= self.start_h:
            raise ValueError("deadline_h must be after start_h")
        _unique([s.id for s in self.stations], "station")
        _unique([s.site for s in self.sites], "site")
        ids = {s.id for s in self.stations}
        for site in self.sites:
            for sh in site.shifts:
                unknown = sorted(set(sh.staff) - ids)
                if unknown:
                    raise ValueError(f"site {site.site}: no station {unknown[0]!r} "
                                     f"(stations: {', '.join(sorted(ids))})")
                lo, hi = site.open_h
                if sh.to_h > lo and sh.from_h < hi:
                    missing = sorted(ids - set(sh.staff))
                    if missing:
                        raise ValueError(
                            f"site {site.site} is open but has zero staff at "
                            f"{', '.join(missing)} in the {sh.from_h:g}-{sh.to_h:g} h "
                            "shift; staff every station while the site is open")
        if self.walk_in_profile is not None and not any(self.walk_in_profile):
            raise ValueError("walk_in_profile needs at least one positive weight")
        return self


class PickupPoint(_Model):
    """A central pick-up point: trucks drop there, volunteers carry on to the gates."""

    id: Id
    name: str = ""
    name_zh: str | None = None
    lon: Lon
    lat: Lat
    compounds: list[str] = Field(..., min_length=1)
    volunteers: Annotated[int, Field(ge=1, le=1000)] = 4
    orders_per_run: Annotated[int, Field(ge=1, le=500)] = 20
    cart_speed_mps: Annotated[float, Field(gt=0.1, le=10)] = 1.0
    load_min: NonNeg = 5.0


class SupplyPlan(_Model):
    """Lockdown supply: households order, trucks bring orders, volunteers carry them home.

    ``mode: gate``: trucks deliver to each compound's gates. ``mode: pickup``: trucks
    deliver to central pick-up points; volunteers there take the orders to the gates on
    carts (a queue of cart runs). At every gate the last stretch, gate to door, is a queue
    served by the gate's volunteers.
    """

    mode: Literal["gate", "pickup"] = "gate"
    depot: Id
    start_h: NonNeg = 0.0
    order_interval_h: Pos = Field(72.0, description="each household orders this often")
    order_hours: tuple[HourOfDay, HourOfDay] = (7.0, 22.0)
    trucks: Annotated[int, Field(ge=1, le=1000)]
    truck_orders: Annotated[int, Field(ge=1, le=5000)] = Field(
        120, description="orders one truck carries"
    )
    truck_pcu: Pos = 2.0
    dispatch_every_h: Pos = Field(2.0, description="the depot sends out trucks this often")
    depot_load_min: NonNeg = 30.0
    unload_min_per_order: NonNeg = 0.2
    volunteers_per_gate: Annotated[int, Field(ge=1, le=1000)] = 2
    volunteer_hours: tuple[HourOfDay, HourOfDay] = (8.0, 21.0)
    door_service: Dist = Dist(kind="triangular", low_min=4.0, mode_min=8.0, high_min=20.0)
    orders_per_door_run: Annotated[int, Field(ge=1, le=50)] = 3
    pickup_points: list[PickupPoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> SupplyPlan:
        if self.mode == "pickup" and not self.pickup_points:
            raise ValueError("mode 'pickup' needs pickup_points")
        if self.order_hours[1] <= self.order_hours[0]:
            raise ValueError("order_hours must be [first, last] hour of the day")
        if self.volunteer_hours[1] <= self.volunteer_hours[0]:
            raise ValueError("volunteer_hours must be [start, end] hour of the day")
        _unique([p.id for p in self.pickup_points], "pickup point")
        return self


class SurgeBeds(_Model):
    """Extra beds a hospital opens at a time (a surge plan)."""

    hospital: Id
    from_h: NonNeg
    ward_beds: Annotated[int, Field(ge=0)] = 0
    icu_beds: Annotated[int, Field(ge=0)] = 0


class AmbulancePlan(_Model):
    """Ambulances: how many, where they wait, and their times on scene and at hospital."""

    ambulances: Annotated[int, Field(ge=1, le=1000)]
    bases: list[Id] = Field(..., min_length=1, description="hospital ids; spread in turn")
    pcu: Pos = 1.5
    dispatch_min: NonNeg = 2.0
    on_scene: Dist = Dist(kind="triangular", low_min=10.0, mode_min=15.0, high_min=30.0)
    handover: Dist = Dist(kind="triangular", low_min=10.0, mode_min=15.0, high_min=40.0)
    max_wait_h: Pos = Field(24.0, description="a patient without a bed after this many hours "
                            "is counted as not admitted")
    surge: list[SurgeBeds] = Field(default_factory=list)


class HealthPlan(_Model):
    """Public-health decisions of a plan."""

    lockdowns: list[Lockdown] = Field(default_factory=list)
    campaign: Campaign | None = None
    supply: SupplyPlan | None = None
    ambulances: AmbulancePlan | None = None


# ---------------------------------------------------------------------------- checks
def check_health_plan(world: HealthWorld, plan: HealthPlan) -> list[tuple[str, str]]:
    """Cross-file problems of a plan's health section: ``(field, reason)`` pairs."""
    out: list[tuple[str, str]] = []
    compounds = {c.id for c in world.compounds}
    sites = {s.id for s in world.sites}
    hospitals = {h.id for h in world.hospitals}
    depots = {d.id for d in world.depots}

    def known(ids: list[str] | None, field: str) -> None:
        for c in ids or []:
            if c not in compounds:
                out.append((field, f"no compound {c!r} in the scenario's health.compounds"))

    for i, lk in enumerate(plan.lockdowns):
        known(lk.compounds, f"health.lockdowns[{i}].compounds")
    cp = plan.campaign
    if cp is not None:
        for i, s in enumerate(cp.sites):
            if s.site not in sites:
                out.append((f"health.campaign.sites[{i}].site",
                            f"no site {s.site!r} in the scenario's health.sites"))
            known(s.compounds, f"health.campaign.sites[{i}].compounds")
    sp = plan.supply
    if sp is not None:
        if sp.depot not in depots:
            out.append(("health.supply.depot", f"no depot {sp.depot!r} in health.depots"))
        for i, p in enumerate(sp.pickup_points):
            known(p.compounds, f"health.supply.pickup_points[{i}].compounds")
        if sp.mode == "pickup":
            served = {c for p in sp.pickup_points for c in p.compounds}
            left = sorted(compounds - served)
            if left:
                out.append(("health.supply.pickup_points",
                            f"compounds {', '.join(left)} have no pick-up point"))
    amb = plan.ambulances
    if amb is not None:
        if not world.hospitals:
            out.append(("health.ambulances", "ambulances need hospitals in the scenario"))
        for i, b in enumerate(amb.bases):
            if b not in hospitals:
                out.append((f"health.ambulances.bases[{i}]", f"no hospital {b!r}"))
        for i, sb in enumerate(amb.surge):
            if sb.hospital not in hospitals:
                out.append((f"health.ambulances.surge[{i}].hospital",
                            f"no hospital {sb.hospital!r}"))
    return out


def health_warnings(world: HealthWorld, plan: HealthPlan | None = None) -> list[str]:
    """Legal but implausible inputs, one sentence each."""
    ep = world.epidemic
    out: list[str] = []
    lo, hi = R0_PLAUSIBLE
    if ep.r0 < lo:
        out.append(f"health.epidemic.r0 = {ep.r0:g} is below 1: the epidemic dies out by "
                   "itself; check the value")
    elif ep.r0 > hi:
        out.append(f"health.epidemic.r0 = {ep.r0:g} is above {hi:g}: only measles-like "
                   "diseases spread that fast; check the value")
    if ep.latent_days + ep.infectious_days > 40:
        out.append("health.epidemic: latent plus infectious period over 40 days is unusual")
    if not world.hospitals and ep.severe_share > 0:
        out.append("health: severe cases but no hospitals; every severe case will be "
                   "counted as not admitted")
    if plan is not None and plan.campaign is not None:
        for s in plan.campaign.sites:
            if s.open_h[1] - s.open_h[0] > 20:
                out.append(f"health.campaign site {s.site} is open "
                           f"{s.open_h[1] - s.open_h[0]:g} h a day; check the staffing")
    return out
