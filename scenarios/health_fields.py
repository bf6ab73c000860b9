"""Field types and the time distribution shared by the health schema.

Every health model derives from the schema's base model
(:class:`musterpoint.scenarios._base.SchemaModel`): frozen, unknown keys rejected,
strings stripped. The annotated types range-check ids, coordinates, shares and hours of
the day; :class:`Dist` is a service or delay time distribution in minutes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from musterpoint.scenarios._base import Id, SchemaModel

__all__ = [
    "Dist",
    "HourOfDay",
    "Id",
    "Lat",
    "Lon",
    "NonNeg",
    "Pos",
    "Share",
]

Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
HourOfDay = Annotated[float, Field(ge=0, le=24)]


class Dist(SchemaModel):
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

