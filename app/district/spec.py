"""What ``muster new`` (and the planner's studio) is given: a district's files and choices.

:class:`DistrictSpec` is a plain pydantic model, so the studio can fill it from a form
(``DistrictSpec.model_validate(json)``) and the command line from its options. Paths
are as the user gave them; :func:`musterpoint.district.build.build` copies what it uses.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AreaSpec",
    "DistrictSpec",
    "HazardSpec",
    "PlaceFileSpec",
    "PopulationSpec",
    "RoadsSpec",
    "ZonesSpec",
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoadsSpec(_Spec):
    """The road network: an OSM extract, a GIS line layer, or a CSV folder / nodes file."""

    file: Path
    layer: str | None = Field(None, description="layer of a GeoPackage")
    crs: str | None = Field(None, description="CRS of CSV coordinates, or of a layer without one")


class AreaSpec(_Spec):
    """The district: roads outside it (and the buffer) are cut off an OSM extract."""

    polygon: Path | None = Field(None, description="polygon layer of the district boundary")
    bbox: tuple[float, float, float, float] | None = Field(
        None, description="west, south, east, north (WGS 84 degrees)")
    buffer_m: Annotated[float, Field(ge=0, le=100_000)] = 1000.0

    @model_validator(mode="after")
    def _one(self) -> AreaSpec:
        if self.polygon is not None and self.bbox is not None:
            raise ValueError("give an area polygon or a bbox, not both")
        if self.bbox is not None:
            w, s, e, n = self.bbox
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                raise ValueError("bbox is west,south,east,north in degrees, west < east, "
                                 "south < north")
        return self


class PopulationSpec(_Spec):
    """Where people live."""

    file: Path
    kind: Literal["auto", "raster", "polygons", "points"] = Field(
        "auto", description="auto: .tif is a raster, a polygon layer is polygons, else points")
    column: str | None = Field(None, description="population column (polygons, points)")
    lon_col: str | None = None
    lat_col: str | None = None
    crs: str = Field("EPSG:4326", description="CRS of a table's coordinates (GCJ-02 too)")
    sheet: str | None = None


class ZonesSpec(_Spec):
    """How places are grouped into zones, the units a plan orders out."""

    kind: Literal["square", "hexagon", "polygons"] = "square"
    cell_m: Annotated[float, Field(gt=0, le=50_000)] = 1000.0
    file: Path | None = Field(None, description="polygons: the administrative areas")
    name_col: str | None = Field(None, description="polygons: the column with zone names")

    @model_validator(mode="after")
    def _file(self) -> ZonesSpec:
        if (self.kind == "polygons") != (self.file is not None):
            raise ValueError("polygon zones need a file (and only they take one)")
        return self


class PlaceFileSpec(_Spec):
    """A file of places of one kind, with its column mapping."""

    kind: Literal["shelter", "exit", "school", "hospital", "care_home", "depot", "pickup"]
    file: Path
    name_col: str | None = None
    id_col: str | None = None
    capacity_col: str | None = None
    lon_col: str | None = None
    lat_col: str | None = None
    crs: str = "EPSG:4326"
    sheet: str | None = None
    layer: str | None = None


class HazardSpec(_Spec):
    """The hazard: a flood, hazard polygons over time, a chemical plume, or none."""

    kind: Literal["none", "flood", "polygons", "plume"] = "none"
    dem: Path | None = Field(None, description="flood: elevation raster")
    stage: list[tuple[float, float]] = Field(
        default_factory=list, description="flood: (hours, water level m) points")
    datum: str = Field("", description="flood: what the levels and heights refer to")
    polygons: Path | None = Field(None, description="polygons: layer with from_h (until_h)")
    polygons_kind: str = "fire"
    plume: dict[str, Any] | None = Field(None, description="plume: the scenario's plume fields")

    @model_validator(mode="after")
    def _parts(self) -> HazardSpec:
        need = {"flood": ("dem", "stage"), "polygons": ("polygons",), "plume": ("plume",),
                "none": ()}[self.kind]
        missing = [k for k in need if not getattr(self, k)]
        if missing:
            raise ValueError(f"a {self.kind} hazard needs {', '.join(missing)}")
        return self


class DistrictSpec(_Spec):
    """Everything ``muster new`` needs to write a scenario folder."""

    name: str = Field(..., description="scenario name (letters of any script, digits, - and _)")
    title_en: str = ""
    title_zh: str | None = None
    description: str = ""
    start: datetime = datetime(2025, 1, 1, 8, 0)
    timezone: str = "UTC"
    duration_h: Annotated[float, Field(gt=0, le=336)] = 6.0
    roads: RoadsSpec
    area: AreaSpec = Field(default_factory=AreaSpec)
    population: PopulationSpec
    zones: ZonesSpec = Field(default_factory=ZonesSpec)
    evacuate_below_m: float | None = Field(
        None, description="order out only places with ground at or below (flood)")
    evacuate_area: Path | None = Field(None, description="order out only places inside")
    places: list[PlaceFileSpec] = Field(default_factory=list)
    hazard: HazardSpec = Field(default_factory=HazardSpec)
    households: dict[str, int | float] = Field(
        default_factory=dict, description="mean_size, car_share, ... (scenario defaults)")
    plan_name: str = Field("evacuate-all-now", description="the default plan's name")
    departure_sigma_min: Annotated[float, Field(gt=0)] = 45.0
    background_vph: Annotated[float, Field(ge=0)] = 0.0
    attribution: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="assumptions, for the README")
