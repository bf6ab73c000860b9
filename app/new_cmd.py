"""``muster new DIR``: write a scenario folder from a district's own files.

Examples::

    muster new guanggu --roads hubei-latest.osm.pbf --area 街道边界.shp --buffer-m 2000 \\
        --population worldpop_chn_2020.tif --zones 社区.shp --zone-name-col 社区名称 \\
        --shelters 避难场所.xlsx --name-col 名称 --capacity-col 容纳人数 --crs GCJ-02
    muster new mytown --spec district.yaml     # everything in one file (the studio's form)

The logic is :func:`musterpoint.district.build.build`; this module only turns options
into a :class:`~musterpoint.district.spec.DistrictSpec`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from musterpoint.progress import add_progress_argument, command_progress
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.validation_text import schema_message

__all__ = ["register"]

Handler = Callable[[argparse.Namespace], int]

#: Place-file options and the kind each gives.
PLACE_OPTIONS = {"shelters": "shelter", "exits": "exit", "schools": "school",
                 "hospitals": "hospital", "care_homes": "care_home", "depots": "depot",
                 "pickups": "pickup"}


def register(subparsers: Any) -> dict[str, Handler]:
    """Add ``new`` to the ``muster`` parser; return its handler."""
    n = subparsers.add_parser(
        "new", help="write a scenario folder from a district's files",
        description="Write a complete scenario folder (scenario.yaml, a default plan, data/ "
        "copies, README with every source and assumption) from an OSM extract or road "
        "layer, a population raster or table, zones, place spreadsheets and a hazard. "
        "See docs/district_from_scratch.md.",
        epilog="example: muster new guanggu --roads hubei.osm.pbf --area 街道.shp "
        "--population pop.tif --zones 社区.shp --shelters 避难场所.xlsx --name-col 名称 "
        "--capacity-col 容纳人数 --crs GCJ-02",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("dir", type=Path, help="the scenario folder to write")
    n.add_argument("--spec", type=Path, help="a YAML/JSON file with every choice (the "
                   "DistrictSpec); options given as well override it")
    n.add_argument("--name", help="scenario name (default: the folder's name)")
    n.add_argument("--title", help="title in English")
    n.add_argument("--title-zh", help="title in Chinese")
    n.add_argument("--start", help="start date and time, e.g. 2025-07-01T08:00")
    n.add_argument("--timezone", help="IANA time zone, e.g. Asia/Shanghai")
    n.add_argument("--duration-h", type=float, help="hours simulated (default 6)")
    n.add_argument("--plan-name", help="the default plan's name (default evacuate-all-now)")
    g = n.add_argument_group("roads and area")
    g.add_argument("--roads", type=Path, help="OSM extract, line layer or CSV network")
    g.add_argument("--roads-crs", help="CRS of a CSV network (or of a layer without one)")
    g.add_argument("--roads-layer", help="layer of a GeoPackage")
    g.add_argument("--area", type=Path, help="district boundary polygon: roads are clipped")
    g.add_argument("--bbox", help="or a box: west,south,east,north (degrees)")
    g.add_argument("--buffer-m", type=float, help="roads kept beyond the area (default 1000)")
    g = n.add_argument_group("people and zones")
    g.add_argument("--population", type=Path,
                   help="population raster (GeoTIFF), polygons or points (CSV/XLSX)")
    g.add_argument("--population-col", help="population column (default: found by name)")
    g.add_argument("--population-crs", help="CRS of a population table (e.g. GCJ-02)")
    g.add_argument("--population-kind", choices=("auto", "raster", "polygons", "points",
                                                 "osm-buildings"),
                   help="osm-buildings: spread --population-total over the residential "
                   "buildings of an OSM extract")
    g.add_argument("--population-total", type=int, help="osm-buildings: persons to place")
    g.add_argument("--zones", help="square (default), hexagon, or a polygon file (社区)")
    g.add_argument("--cell-m", type=float, help="square or hexagon size (default 1000)")
    g.add_argument("--zone-name-col", help="the polygon file's name column")
    g.add_argument("--evacuate-below-m", type=float,
                   help="order out only places with ground at or below (flood)")
    g.add_argument("--evacuate-area", type=Path, help="order out only places inside")
    g = n.add_argument_group("places (repeatable; the column options apply to every file)")
    for opt in PLACE_OPTIONS:
        g.add_argument(f"--{opt.replace('_', '-')}", dest=opt, type=Path, action="append",
                       default=None, metavar="FILE")
    g.add_argument("--name-col", help="name column (default: name, 名称, ...)")
    g.add_argument("--id-col", help="id column (default: the name is the id)")
    g.add_argument("--capacity-col", help="capacity column (default: capacity, 容纳人数, ...)")
    g.add_argument("--lon-col", help="longitude column (default: lon, 经度, ...)")
    g.add_argument("--lat-col", help="latitude column (default: lat, 纬度, ...)")
    g.add_argument("--crs", help="CRS of the place files: EPSG:4326 (default), GCJ-02, "
                   "BD-09, EPSG:4490, EPSG:4547, ...")
    g.add_argument("--sheet", help="the workbook sheet (default: the first)")
    g = n.add_argument_group("hazard")
    g.add_argument("--hazard", choices=("none", "flood", "polygons", "plume"))
    g.add_argument("--dem", type=Path, help="flood: elevation raster")
    g.add_argument("--stage", help="flood: water levels, HOURS:METRES,... e.g. 0:3.0,6:4.7")
    g.add_argument("--datum", help="flood: what levels and heights refer to")
    g.add_argument("--hazard-polygons", type=Path, help="polygons: layer with from_h")
    g.add_argument("--polygons-kind", help="polygons: what they are (flood, fire, ...)")
    g.add_argument("--plume", type=Path, help="plume: YAML file with the plume's fields")
    n.add_argument("--household-size", type=float, help="mean persons per household")
    n.add_argument("--car-share", type=float, help="share of households with a car")
    n.add_argument("--attribution", action="append", help="data credit (repeatable)")
    n.add_argument("--force", action="store_true", help="replace an existing folder")
    add_progress_argument(n)
    n.add_argument("--no-check", action="store_true",
                   help="do not build the world to check the folder")
    return {"new": _cmd_new}


def _stage(text: str) -> list[list[float]]:
    try:
        return [[float(h), float(m)] for h, m in (p.split(":") for p in text.split(","))]
    except ValueError as exc:
        raise InputError.single("--stage", "", "give HOURS:METRES pairs separated by "
                                "commas, e.g. 0:3.0,2:3.6,6:4.7") from exc


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The spec fields the options set (only those given)."""
    from musterpoint.scenarios.loader import read_yaml_mapping

    d: dict[str, Any] = _spec_file(args.spec) if args.spec else {}
    for key, opt in (("name", "name"), ("title_en", "title"), ("title_zh", "title_zh"),
                     ("start", "start"), ("timezone", "timezone"),
                     ("duration_h", "duration_h"), ("evacuate_below_m", "evacuate_below_m"),
                     ("evacuate_area", "evacuate_area"), ("plan_name", "plan_name")):
        if getattr(args, opt) is not None:
            d[key] = getattr(args, opt)
    d.setdefault("name", args.dir.resolve().name)
    if args.roads is not None:
        d["roads"] = {"file": args.roads, "crs": args.roads_crs, "layer": args.roads_layer}
    area = dict(d.get("area") or {})
    if args.area is not None:
        area["polygon"] = args.area
    if args.bbox is not None:
        try:
            area["bbox"] = [float(v) for v in args.bbox.split(",")]
        except ValueError:
            area["bbox"] = []
        if len(area["bbox"]) != 4:
            raise InputError.single("--bbox", args.bbox, "give four numbers: west,south,"
                                    "east,north in degrees, e.g. 114.38,30.47,114.45,30.52")
    if args.buffer_m is not None:
        area["buffer_m"] = args.buffer_m
    d["area"] = area
    if args.population is not None:
        d["population"] = {"file": args.population, "column": args.population_col,
                           "crs": args.population_crs or "EPSG:4326",
                           "kind": args.population_kind or "auto",
                           "total": args.population_total}
    zones = dict(d.get("zones") or {})
    if args.zones is not None:
        if args.zones in ("square", "hexagon"):
            zones["kind"] = args.zones
        elif not Path(args.zones).exists():
            raise InputError.single(args.zones, "--zones", "file not found; give square, "
                                    "hexagon or a polygon file of the zones (社区, wards)")
        else:
            zones.update(kind="polygons", file=args.zones)
    if args.cell_m is not None:
        zones["cell_m"] = args.cell_m
    if args.zone_name_col is not None:
        zones["name_col"] = args.zone_name_col
    d["zones"] = zones
    places = list(d.get("places") or [])
    for opt, kind in PLACE_OPTIONS.items():
        for f in getattr(args, opt) or []:
            places.append({"kind": kind, "file": f, "name_col": args.name_col,
                           "id_col": args.id_col, "capacity_col": args.capacity_col,
                           "lon_col": args.lon_col, "lat_col": args.lat_col,
                           "crs": args.crs or "EPSG:4326", "sheet": args.sheet})
    d["places"] = places
    hz = dict(d.get("hazard") or {})
    if args.hazard is not None:
        hz["kind"] = args.hazard
    for key, val in (("dem", args.dem), ("datum", args.datum),
                     ("polygons", args.hazard_polygons), ("polygons_kind", args.polygons_kind)):
        if val is not None:
            hz[key] = val
    if args.stage is not None:
        hz["stage"] = _stage(args.stage)
    if args.plume is not None:
        hz["plume"] = read_yaml_mapping(args.plume)
    d["hazard"] = hz
    hh = dict(d.get("households") or {})
    for key, val in (("mean_size", args.household_size), ("car_share", args.car_share)):
        if val is not None:
            hh[key] = val
    d["households"] = hh
    if args.attribution:
        d["attribution"] = list(args.attribution)
    return d


def _spec_file(path: Path) -> dict[str, Any]:
    """A spec file, its relative paths taken from the spec file's folder."""
    from musterpoint.scenarios.loader import read_yaml_mapping

    d = read_yaml_mapping(path)
    base = path.parent

    def fix(section: Any, key: str) -> None:
        if isinstance(section, dict) and isinstance(section.get(key), str):
            p = Path(section[key])
            section[key] = str(p if p.is_absolute() else base / p)

    fix(d, "evacuate_area")
    for sec, key in (("roads", "file"), ("area", "polygon"), ("population", "file"),
                     ("zones", "file"), ("hazard", "dem"), ("hazard", "polygons")):
        fix(d.get(sec), key)
    for place in d.get("places") or []:
        fix(place, "file")
    return d


def _cmd_new(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from musterpoint.district.build import build
    from musterpoint.district.spec import DistrictSpec

    out: Path = args.dir
    if out.exists() and not args.force:
        raise InputError.single(str(out), "DIR", "the folder exists; choose a new one or "
                                "give --force to replace it")
    try:
        spec = DistrictSpec.model_validate(_options(args))
    except ValidationError as exc:
        raise InputError([Problem(str(args.spec or "muster new"),
                                  ".".join(str(x) for x in e["loc"]) or "options",
                                  _hint(e)) for e in exc.errors()]) from exc
    with command_progress(args) as progress, progress.step("scenario_folder"):
        res = build(spec, out, check=not args.no_check)
    print(f"wrote {res.folder}: {res.nodes:,} road nodes, {res.links:,} links, "
          f"{res.persons:,} persons" + (f" in {res.zones} zones" if res.zones else "")
          + f", {res.shelters} shelters ({res.seconds['total']:.1f} s)")
    print(f"next: muster validate {res.folder}   then   muster run "
          f"{res.folder}")
    return 0


def _hint(err: Any) -> str:
    loc = tuple(str(x) for x in err["loc"])
    if err["type"] == "missing":
        option = {"roads": "--roads FILE", "population": "--population FILE"}.get(
            loc[0], loc[-1])
        return f"missing: give {option}"
    options = {"hazard": " (options --dem, --stage, --datum, --hazard-polygons, --plume)",
               "zones": " (options --zones, --cell-m, --zone-name-col)",
               "area": " (options --area, --bbox, --buffer-m)"}
    return schema_message(err) + options.get(loc[0] if loc else "", "")
