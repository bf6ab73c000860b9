"""Write the files of a new scenario folder: scenario.yaml, the default plan, README.md.

The README is the folder's provenance: every input file with its size and SHA-256, what
was done to it, and every assumption the builder made (the defaults it filled in).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from musterpoint.district.places import PlaceRecord, place_frame
from musterpoint.district.spec import DistrictSpec
from musterpoint.scenarios._base import safe_slug
from musterpoint.scenarios.schema import DepartureCurve, Households

__all__ = ["write_folder"]


def _sha(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _copy(src: Path, data: Path) -> str:
    for f in sorted(src.parent.glob(src.stem + ".*")) if src.suffix == ".shp" else [src]:
        shutil.copy2(f, data / f.name)
    return f"data/{src.name}"


def _hazard(spec: DistrictSpec, data: Path) -> tuple[dict[str, Any], list[str]]:
    hz = spec.hazard
    if hz.kind == "flood":
        assert hz.dem is not None
        return ({"flood": {"elevation": _copy(hz.dem, data),
                           "stage": [[h, m] for h, m in hz.stage],
                           "datum": hz.datum or "not stated: levels and raster heights are "
                           "taken to refer to the same datum"}},
                [f"hazard: flood over {hz.dem.name}, {len(hz.stage)} stage points"])
    if hz.kind == "polygons":
        assert hz.polygons is not None
        return ({"polygons": [{"file": _copy(hz.polygons, data), "kind": hz.polygons_kind}]},
                [f"hazard: {hz.polygons_kind} polygons over time from {hz.polygons.name}"])
    if hz.kind == "plume":
        return {"plume": dict(hz.plume or {})}, ["hazard: Gaussian plume with the parameters "
                                                 "given"]
    return {}, ["hazard: none (public-health or exercise scenario)"]


def _plan(spec: DistrictSpec, evacuate: bool) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "name": spec.plan_name,
        "title": {"en": "Evacuate every zone now", "zh": "立即疏散所有区域"},
        "description": "Written by muster new: every zone in the evacuation area is ordered "
                       "out at the start and goes to the nearest shelter with room.",
        "evacuate": evacuate,
        "order_time_h": 0,
        "departure": {"curve": "rayleigh", "sigma_min": spec.departure_sigma_min},
        "shelter_choice": "nearest_with_room",
    }
    if spec.background_vph > 0:
        plan["background_vph"] = spec.background_vph
    return plan


def _readme(spec: DistrictSpec, folder: Path, notes: list[str],
            assumptions: list[str]) -> str:
    title = spec.title_en or spec.name
    lines = [f"# {title}" + (f" / {spec.title_zh}" if spec.title_zh else ""), "",
             "Written by `muster new`. Every input is listed below with what was done to it; "
             "edit `scenario.yaml` and the plans as you learn more.", "",
             "## Data files", "", "| file | bytes | sha256 |", "|---|---|---|"]
    for f in sorted((folder / "data").rglob("*")):
        if f.is_file():
            lines.append(f"| `{f.relative_to(folder)}` | {f.stat().st_size:,} | "
                         f"`{_sha(f)[:16]}…` |")
    lines += ["", "## Sources and what was done", ""]
    srcs = [spec.roads.file, spec.population.file, *(p.file for p in spec.places)]
    srcs += [p for p in (spec.zones.file, spec.area.polygon, spec.evacuate_area,
                         spec.hazard.dem, spec.hazard.polygons) if p is not None]
    lines += [f"- source `{p.name}`" for p in srcs]
    lines += [f"- {n}" for n in notes]
    lines += ["", "## Assumptions", ""] + [f"- {a}" for a in assumptions]
    if spec.notes:
        lines += [f"- {n}" for n in spec.notes]
    lines += ["", "## Attribution", ""]
    lines += [f"- {a}" for a in spec.attribution] or ["- (none given: add the licences "
                                                      "of the data here)"]
    lines += ["", "## How it was built", "", "```json",
              json.dumps(spec.model_dump(mode="json", exclude_defaults=True),
                         ensure_ascii=False, indent=1), "```", ""]
    return "\n".join(lines)


def write_folder(folder: Path, spec: DistrictSpec, network: dict[str, Any],
                 population: dict[str, Any], shelters: list[dict[str, Any]],
                 exits: list[dict[str, Any]], other: dict[str, list[PlaceRecord]],
                 notes: list[str]) -> None:
    """Write scenario.yaml, plans/evacuate-all-now.yaml, data/places/*.csv and README.md.

    Parameters
    ----------
    folder : Path
        The scenario folder (``data/`` already filled with the network and population).
    spec : DistrictSpec
        The builder's input.
    network, population : dict
        The scenario's ``network`` and ``population`` sections.
    shelters, exits : list of dict
        The scenario's ``shelters`` and ``exits``.
    other : dict
        Schools, hospitals, care homes, depots, pick-up points by kind: written as
        ``data/places/<kind>.csv`` (WGS 84) for plans and other features to use.
    notes : list of str
        What was done to each input (for the README).
    """
    data = folder / "data"
    hazard, hz_notes = _hazard(spec, data)
    if other:
        (data / "places").mkdir()
        for kind, recs in other.items():
            place_frame(recs).to_csv(data / "places" / f"{kind}.csv", index=False)
            hz_notes.append(f"{kind}: {len(recs)} places written to data/places/{kind}.csv")
    title: dict[str, Any] = {"en": spec.title_en or spec.name}
    if spec.title_zh:
        title["zh"] = spec.title_zh
    scenario: dict[str, Any] = {
        "name": spec.name, "title": title, "description": spec.description,
        "start": spec.start.isoformat(), "timezone": spec.timezone,
        "duration_h": spec.duration_h, "network": network, "population": population,
    }
    if spec.households:
        scenario["households"] = dict(spec.households)
    if hazard:
        scenario["hazard"] = hazard
    scenario["shelters"] = shelters
    if exits:
        scenario["exits"] = exits
    plan_file = f"plans/{safe_slug(spec.plan_name)}.yaml"
    scenario["plans"] = [plan_file]
    scenario["default_plan"] = spec.plan_name
    if spec.attribution:
        scenario["attribution"] = list(spec.attribution)
    dump: dict[str, Any] = {"allow_unicode": True, "sort_keys": False, "width": 100,
                            "default_flow_style": None}
    head = (f"# {spec.title_en or spec.name}: written by muster new; sources and "
            "assumptions are in README.md next to this file.\n")
    (folder / "scenario.yaml").write_text(head + yaml.safe_dump(scenario, **dump),
                                          encoding="utf-8")
    (folder / "plans").mkdir()
    (folder / plan_file).write_text(
        yaml.safe_dump(_plan(spec, bool(shelters)), **dump), encoding="utf-8")
    hh = Households(**spec.households)  # type: ignore[arg-type]
    curve = DepartureCurve(curve="rayleigh", sigma_min=spec.departure_sigma_min)
    assumptions = [
        f"households: mean size {hh.mean_size}, car share {hh.car_share}, "
        f"{hh.seats_per_car} seats per car, carless ride share {hh.carless_ride_share}"
        + ("" if spec.households else " (musterpoint's defaults: replace with local figures)"),
        f"departure after the order: Rayleigh, sigma {curve.sigma_min:g} min",
        "shelter capacities and names are as given in the shelter files",
    ]
    if not shelters:
        assumptions.append("no shelters given: the default plan orders nobody out "
                           "(evacuate: false)")
    (folder / "README.md").write_text(_readme(spec, folder, [*notes, *hz_notes],
                                              assumptions), encoding="utf-8")
