"""Schema of monitoring and response levels: what an operations centre watches, and the
levels of a contingency plan (应急响应分级) with their activation conditions (启动条件).

A scenario's ``monitoring:`` names the gauges (a river-stage gauge reads the flood's
water level; a concentration sensor reads the plume at its place) and the forecasts the
plan will see: a forecast of a gauge is the truth shifted late by ``delay_h`` and off by
``bias``, or an explicit curve, and it is re-issued at ``issued_h`` (the forecast seen at
time *t* is the one issued last at or before *t*). A plan's ``levels:`` lists response
levels, each with conditions (any or all must hold, optionally for N minutes, or a
forecast's value a lead time ahead) and actions taken when the level is entered::

    monitoring:
      gauges:
        - {id: cais-maua, name: "Cais Mauá", kind: stage}
      forecasts:
        - {id: sgb, gauge: cais-maua, delay_h: 0.5, issued_h: [0, 1, 2, 3]}
    # in the plan
    levels:
      - id: II
        grade: 2
        name: {en: "Level II", zh: "二级响应"}
        when:
          - {gauge: cais-maua, source: forecast, forecast: sgb, lead_h: 1, op: ">=", value: 4.5}
        actions:
          - {order: {max_elevation_m: 5}, role: civil-defence}
          - {command: {kind: open_shelter, args: {shelter: pucrs}}}
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from musterpoint.scenarios._base import Id, SchemaModel, check_unique

__all__ = [
    "UNSUPPORTED_ACTIONS",
    "Action",
    "Condition",
    "Forecast",
    "Gauge",
    "Level",
    "Monitoring",
    "OrderAction",
    "Role",
]

NonNeg = Annotated[float, Field(ge=0)]

_DISPENSING = ("a dispensing campaign books every resident to the plan's sites when the "
               "run starts (appointments or walk-in days); opening a site later would need "
               "rebooking those not yet served. Use the campaign's start_h, or health_staff "
               "to change a site's staff")
#: Actions the issue asks for that the engine cannot yet take at a level's firing (a
#: level's ``command`` takes every command the engine and the run's extensions know).
UNSUPPORTED_ACTIONS = {"dispensing": _DISPENSING, "open_dispensing": _DISPENSING}


class _Text(SchemaModel):
    en: str
    zh: str | None = None


class Gauge(SchemaModel):
    """A monitored quantity at a named place.

    ``stage``: the flood's water level (m, the hydrograph's datum, plus ``offset_m``).
    ``concentration``: the plume's concentration (mg/m³) at ``lon``/``lat``.
    """

    id: Id
    name: str
    name_zh: str | None = None
    kind: Literal["stage", "concentration"]
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    offset_m: float = Field(0.0, description="gauge reading = water level + offset_m")
    unit: str = ""

    @model_validator(mode="after")
    def _place(self) -> Gauge:
        if self.kind == "concentration" and (self.lon is None or self.lat is None):
            raise ValueError("a concentration gauge needs 'lon' and 'lat'")
        return self


class Forecast(SchemaModel):
    """A forecast of a gauge: the truth late by ``delay_h`` and off by ``bias``, or an
    explicit ``curve`` of (hour, value); re-issued at each of ``issued_h``."""

    id: Id
    gauge: Id
    delay_h: float = Field(0.0, description="the forecast curve lags the truth by this")
    bias: float = Field(0.0, description="added to every forecast value")
    curve: list[tuple[NonNeg, float]] | None = None
    issued_h: list[NonNeg] = Field(default_factory=lambda: [0.0])

    @field_validator("issued_h")
    @classmethod
    def _ascending(cls, v: list[float]) -> list[float]:
        if not v or any(b <= a for a, b in pairwise(v)):
            raise ValueError("give issue times in strictly ascending hours")
        return v

    @field_validator("curve")
    @classmethod
    def _curve(cls, v: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
        if v is not None and (not v or any(b[0] <= a[0] for a, b in pairwise(v))):
            raise ValueError("give (hour, value) points in strictly ascending hours")
        return v


class Monitoring(SchemaModel):
    """What the operations centre watches (a scenario's ``monitoring:``)."""

    gauges: list[Gauge] = Field(default_factory=list)
    forecasts: list[Forecast] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refs(self) -> Monitoring:
        check_unique([g.id for g in self.gauges], "gauge")
        check_unique([f.id for f in self.forecasts], "forecast")
        ids = {g.id for g in self.gauges}
        for f in self.forecasts:
            if f.gauge not in ids:
                raise ValueError(f"forecast {f.id!r} names gauge {f.gauge!r}, which is not "
                                 f"in monitoring.gauges (have {sorted(ids)})")
        return self


class Condition(SchemaModel):
    """One activation condition of a level.

    Exactly one of: ``gauge`` (an observed reading, or with ``source: forecast`` a
    forecast's value ``lead_h`` ahead), ``shelter`` (its occupancy as a share of its
    capacity), ``link`` (closed: value 1, open: 0), ``health`` (``cases``: infections so
    far, or ``infectious``: persons now, in ``compound`` or in all compounds) or
    ``time_h`` (the clock, for a level that keeps a fixed time). The condition holds
    while ``value_now op value`` has held for ``for_min`` minutes.
    """

    gauge: Id | None = None
    source: Literal["observed", "forecast"] = "observed"
    forecast: Id | None = None
    lead_h: NonNeg = 0.0
    shelter: Id | None = None
    link: str | None = None
    health: Literal["cases", "infectious"] | None = None
    compound: Id | None = None
    time_h: NonNeg | None = None
    op: Literal[">=", ">", "<=", "<"] = ">="
    value: float = 0.0
    for_min: NonNeg = 0.0

    @model_validator(mode="after")
    def _one(self) -> Condition:
        given = [k for k in ("gauge", "shelter", "link", "health", "time_h")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a condition names exactly one of 'gauge', 'shelter', 'link', "
                             "'health' or 'time_h'")
        if self.compound is not None and self.health is None:
            raise ValueError("'compound' is for a 'health' condition")
        if self.source == "forecast" and (self.gauge is None or self.forecast is None):
            raise ValueError("source: forecast needs 'gauge' and 'forecast' (a forecast id "
                             "of monitoring.forecasts)")
        if self.lead_h and self.source != "forecast":
            raise ValueError("'lead_h' is for source: forecast")
        return self

    def describe(self) -> str:
        """A short text of the condition (for events and documents)."""
        if self.time_h is not None:
            what = "time (h)"
            return f"{what} >= {self.time_h:g}"
        if self.gauge is not None:
            what = self.gauge if self.source == "observed" else \
                f"{self.gauge} forecast {self.forecast} +{self.lead_h:g} h"
        elif self.shelter is not None:
            what = f"{self.shelter} occupancy share"
        elif self.health is not None:
            what = f"{self.health} in {self.compound or 'all compounds'}"
        else:
            what = f"link {self.link} closed"
        hold = f" for {self.for_min:g} min" if self.for_min else ""
        return f"{what} {self.op} {self.value:g}{hold}"


class OrderAction(SchemaModel):
    """Order zones out: those listed, and/or those with ground at or below a height, or
    every zone (``all: true``)."""

    zones: list[str] | None = None
    max_elevation_m: float | None = None
    all: bool = False

    @model_validator(mode="after")
    def _which(self) -> OrderAction:
        if self.zones is None and self.max_elevation_m is None and not self.all:
            raise ValueError("an order names 'zones', a 'max_elevation_m' or 'all: true'")
        return self


class Action(SchemaModel):
    """What a level does when it is entered: an order, or any run command."""

    order: OrderAction | None = None
    command: dict[str, Any] | None = Field(
        None, description="{kind, args}: an engine or extension command (open_shelter, "
        "close_shelter, shelter_capacity, close_links, link_capacity, contraflow, "
        "deploy_buses, health_lockdown, health_beds, send_truck, ...)")
    role: str = Field("", description="id of the responsible role (plan.roles)")
    text: _Text | None = None

    @model_validator(mode="after")
    def _one(self) -> Action:
        if (self.order is None) == (self.command is None):
            raise ValueError("an action is exactly one of 'order' or 'command'")
        if self.command is not None:
            kind = self.command.get("kind")
            if not isinstance(kind, str) or not kind:
                raise ValueError("a command action needs a 'kind'")
            if kind in UNSUPPORTED_ACTIONS:
                raise ValueError(f"{kind!r} cannot be taken by a level: "
                                 f"{UNSUPPORTED_ACTIONS[kind]}")
            if set(self.command) - {"kind", "args"}:
                raise ValueError("a command action has only 'kind' and 'args'")
        return self


class Level(SchemaModel):
    """A response level: entered when its conditions hold (any or all), left when they
    stop holding for ``clear_min`` minutes; its actions run on entering."""

    id: Id
    grade: Annotated[int, Field(ge=1, le=4, description="1 = 一级 (most severe) .. 4")]
    name: _Text
    when: list[Condition] = Field(..., min_length=1)
    match: Literal["any", "all"] = "any"
    clear_min: NonNeg = Field(0.0, description="conditions off this long: de-escalate")
    actions: list[Action] = Field(default_factory=list)


class Role(SchemaModel):
    """A responsible body of the plan (组织指挥体系): who acts, and how to reach them."""

    id: Id
    name: _Text
    duties: _Text | None = None
    contact: str = Field("", description="phone or duty desk; empty: a placeholder")

