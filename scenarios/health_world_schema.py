"""Schema of the scenario's ``health:`` section: the public-health world.

The disease and its starting point (:class:`Epidemic`), the residential compounds with
their gates (:class:`Compound`), the candidate dispensing sites (:class:`SiteLocation`),
the hospitals (:class:`Hospital`) and the supply depots (:class:`Depot`), gathered in
:class:`HealthWorld`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from musterpoint.scenarios._base import SchemaModel, check_unique
from musterpoint.scenarios.health_fields import (
    Dist,
    Id,
    Lat,
    Lon,
    NonNeg,
    Share,
)

__all__ = [
    "R0_MAX",
    "R0_PLAUSIBLE",
    "Compound",
    "Depot",
    "Epidemic",
    "Gate",
    "HealthWorld",
    "Hospital",
    "SiteLocation",
]

#: A basic reproduction number outside (0, R0_MAX] is an error (measles, the most
#: transmissible human pathogen known, has estimates of 12-18).
R0_MAX = 25.0
#: A basic reproduction number outside this range is legal but gives a warning.
R0_PLAUSIBLE = (1.0, 10.0)


class Epidemic(SchemaModel):
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


class Gate(SchemaModel):
    """A gate of a compound, where deliveries are handed over."""

    id: Id
    lon: Lon
    lat: Lat


class Compound(SchemaModel):
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
        check_unique([g.id for g in self.gates], f"compound {self.id}: gate")
        if self.households is not None and self.households > self.population:
            raise ValueError(f"compound {self.id}: more households than residents")
        return self

    @property
    def n_households(self) -> int:
        """Households (given, or population / 2.6)."""
        return int(self.households or max(1, round(self.population / 2.6)))


class SiteLocation(SchemaModel):
    """A candidate place for a testing or vaccination site (a school, a square, ...)."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Lon
    lat: Lat


class Hospital(SchemaModel):
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


class Depot(SchemaModel):
    """A supply depot (a supermarket distribution centre) that trucks load at."""

    id: Id
    name: str
    name_zh: str | None = None
    lon: Lon
    lat: Lat


class HealthWorld(SchemaModel):
    """Public-health world of a scenario."""

    epidemic: Epidemic
    compounds: list[Compound] = Field(..., min_length=1)
    sites: list[SiteLocation] = Field(default_factory=list)
    hospitals: list[Hospital] = Field(default_factory=list)
    depots: list[Depot] = Field(default_factory=list)
    walk_speed_mps: Annotated[float, Field(gt=0.2, le=3)] = 1.2

    @model_validator(mode="after")
    def _check(self) -> HealthWorld:
        check_unique([c.id for c in self.compounds], "compound")
        check_unique([s.id for s in self.sites], "site")
        check_unique([h.id for h in self.hospitals], "hospital")
        check_unique([d.id for d in self.depots], "depot")
        total = sum(c.population for c in self.compounds)
        ep = self.epidemic
        if ep.initial_exposed + ep.initial_infectious > total:
            raise ValueError(f"epidemic: {ep.initial_exposed + ep.initial_infectious:,.0f} "
                             f"initial cases but only {total:,} residents")
        return self
