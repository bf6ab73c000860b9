"""Schema of the evacuation behaviour an ETE study expects (NUREG/CR-7002): waiting and
retrying when a road reopens, walking, and special facilities (schools, hospitals, care
homes) whose residents need buses or ambulances.

``Retry`` and ``Walking`` are plan options (``plan.retry``, ``plan.walking``);
``SpecialFacility`` entries are part of the world (``scenario.special_facilities``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from musterpoint.scenarios._base import SchemaModel

__all__ = ["FACILITY_KINDS", "Retry", "SpecialFacility", "Walking"]

#: Kinds of special facility, as NUREG/CR-7002 lists them.
FACILITY_KINDS = ("school", "hospital", "care_home", "prison", "other")


class Retry(SchemaModel):
    """What a household (or vehicle) does when every road out is closed.

    It waits where it is (at home, or parked at the node it reached) and tries again at
    every multiple of ``interval_min`` minutes (of the clock) once the roads have changed;
    after ``give_up_h`` hours of waiting (``null``: never) it gives up and is stranded
    there. ``enabled: false`` strands
    it at once, as before this option existed.
    """

    enabled: bool = True
    interval_min: Annotated[float, Field(gt=0, le=24 * 60)] = Field(
        5.0, description="minutes between two attempts (after the roads changed)")
    give_up_h: Annotated[float, Field(gt=0)] | None = Field(
        None, description="hours of waiting after which it gives up (null: never)")


class Walking(SchemaModel):
    """Households close to a shelter walk to it instead of driving or waiting for a bus.

    The walk follows the road network in either direction (footways and the walkable
    roads; motorways and their ramps are not walked), avoids links closed by the hazard
    at departure, and takes ``distance / speed_mps``.
    """

    max_distance_m: Annotated[float, Field(gt=0, le=20_000)] = Field(
        1000.0, description="households whose walk to a shelter is at most this walk")
    speed_mps: Annotated[float, Field(gt=0.1, le=3.0)] = Field(
        1.2, description="walking speed (m/s); 1.2 m/s is the HCM 2010 design speed")
    speed_source: str = Field(
        "HCM 2010 (TRB), pedestrian walking speed 1.2 m/s (4 ft/s) for design",
        description="where the speed comes from")
    who: Literal["carless", "everyone"] = Field(
        "carless", description="carless: only households without transport walk; "
        "everyone: car households near a shelter leave the car too")


class SpecialFacility(SchemaModel):
    """A school, hospital or care home: residents who leave in vehicles the facility
    sends for (buses, ambulances, wheelchair vans), counted as a group of their own."""

    id: Annotated[str, Field(min_length=1, pattern=r"^[^\s/\\]+$")]
    name: str
    kind: Literal["school", "hospital", "care_home", "prison", "other"]
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    persons: Annotated[int, Field(ge=1, le=100_000)]
    vehicle: Literal["bus", "ambulance", "wheelchair_van"] = "bus"
    vehicles: Annotated[int, Field(ge=1, le=1000)] = Field(
        ..., description="vehicles available to the facility")
    seats: Annotated[int, Field(ge=1, le=100)] = Field(
        ..., description="residents one vehicle carries per trip")
    pcu: Annotated[float, Field(gt=0, le=5)] = 2.0
    mobilisation_min: Annotated[float, Field(ge=0, le=24 * 60)] = Field(
        ..., description="minutes after the facility's order until its vehicles are "
        "there, staff ready")
    loading_min: Annotated[float, Field(ge=0, le=600)] = Field(
        10.0, description="minutes to load one vehicle")
    illustrative: bool = Field(
        False, description="true: an assumed facility, not a surveyed one (say so in the "
        "scenario's README)")

    @model_validator(mode="after")
    def _seats(self) -> SpecialFacility:
        if self.vehicle == "ambulance" and self.seats > 4:
            raise ValueError("an ambulance carries at most 4 patients; lower 'seats'")
        return self
