"""Schema of the plan's ``health:`` section: the public-health decisions.

Lockdowns (:class:`Lockdown`), the dispensing campaign with its sites, stations and
staffing (:class:`Campaign`), the lockdown supply (:class:`SupplyPlan`) and the
ambulances with surge beds (:class:`AmbulancePlan`), gathered in :class:`HealthPlan`.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, model_validator

from musterpoint.scenarios._base import SchemaModel, check_unique
from musterpoint.scenarios.health_fields import (
    Dist,
    HourOfDay,
    Id,
    Lat,
    Lon,
    NonNeg,
    Pos,
    Share,
)

__all__ = [
    "AmbulancePlan",
    "Campaign",
    "HealthPlan",
    "Lockdown",
    "PickupPoint",
    "Shift",
    "SitePlan",
    "StationSpec",
    "SupplyPlan",
    "SurgeBeds",
]


class _Named(SchemaModel):
    """A plan item with an id and an optional display name (and its Chinese form)."""

    id: Id
    name: str = ""
    name_zh: str | None = None


class Lockdown(SchemaModel):
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


class StationSpec(_Named):
    """A station of a dispensing site: registration, screening, dispensing, observation."""

    service: Dist
    servers_per_staff: Annotated[int, Field(ge=1, le=100)] = Field(
        1, description="places one staff member runs (observation chairs per nurse)"
    )


class Shift(SchemaModel):
    """Staff on duty from ``from_h`` to ``to_h`` (hours of the day), per station id."""

    from_h: HourOfDay
    to_h: HourOfDay
    staff: dict[str, Annotated[int, Field(ge=0, le=1000)]]

    @model_validator(mode="after")
    def _times(self) -> Shift:
        if self.to_h <= self.from_h:
            raise ValueError("a shift ends after it starts (to_h > from_h, same day)")
        return self


def _require_staff(site: str, open_h: tuple[float, float], shift: Shift,
                   unstaffed: Iterable[str]) -> None:
    """Raise ValueError if ``shift`` falls in the site's opening hours and leaves the
    stations ``unstaffed`` without staff."""
    lo, hi = open_h
    names = sorted(unstaffed)
    if names and shift.to_h > lo and shift.from_h < hi:
        raise ValueError(f"site {site} is open but has zero staff at {', '.join(names)} in "
                         f"the {shift.from_h:g}-{shift.to_h:g} h shift; staff every station "
                         "while the site is open")


class SitePlan(SchemaModel):
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
            _require_staff(self.site, self.open_h, s, (k for k, v in s.staff.items() if v == 0))
        return self


class Campaign(SchemaModel):
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
        check_unique([s.id for s in self.stations], "station")
        check_unique([s.site for s in self.sites], "site")
        ids = {s.id for s in self.stations}
        for site in self.sites:
            for sh in site.shifts:
                unknown = sorted(set(sh.staff) - ids)
                if unknown:
                    raise ValueError(f"site {site.site}: no station {unknown[0]!r} "
                                     f"(stations: {', '.join(sorted(ids))})")
                _require_staff(site.site, site.open_h, sh, ids - set(sh.staff))
        if self.walk_in_profile is not None and not any(self.walk_in_profile):
            raise ValueError("walk_in_profile needs at least one positive weight")
        return self


class PickupPoint(_Named):
    """A central pick-up point: trucks drop there, volunteers carry on to the gates."""

    lon: Lon
    lat: Lat
    compounds: list[str] = Field(..., min_length=1)
    volunteers: Annotated[int, Field(ge=1, le=1000)] = 4
    orders_per_run: Annotated[int, Field(ge=1, le=500)] = 20
    cart_speed_mps: Annotated[float, Field(gt=0.1, le=10)] = 1.0
    load_min: NonNeg = 5.0


class SupplyPlan(SchemaModel):
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
        check_unique([p.id for p in self.pickup_points], "pickup point")
        return self


class SurgeBeds(SchemaModel):
    """Extra beds a hospital opens at a time (a surge plan)."""

    hospital: Id
    from_h: NonNeg
    ward_beds: Annotated[int, Field(ge=0)] = 0
    icu_beds: Annotated[int, Field(ge=0)] = 0


class AmbulancePlan(SchemaModel):
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


class HealthPlan(SchemaModel):
    """Public-health decisions of a plan."""

    lockdowns: list[Lockdown] = Field(default_factory=list)
    campaign: Campaign | None = None
    supply: SupplyPlan | None = None
    ambulances: AmbulancePlan | None = None
