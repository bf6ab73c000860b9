"""The bad-input corpus of the reliability review (section 1), rebuilt and table-driven.

Every case is a small grid scenario (tests/helpers/scenario_factory.py), a grid scenario
with a trips file, or a copy of the bundled porto-alegre-flood scenario (shortened to 4 h),
mutated as the review describes. Each goes through ``muster validate`` and ``muster run``:

* ``Err(file, field)``: both exit 2 with one message naming the file and the field;
* ``Ok()`` / ``Ok(warn)``: both exit 0 (``run`` prints the warning where the input is
  implausible but legal);
* ``Cli(field)``: a command-line option is wrong; ``validate`` (which has no such option)
  says OK and ``run`` exits 2 naming the option, before simulating.

Never exit 1. The corpus is marked slow except for a fast subset (:data:`FAST`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from musterpoint.cli import main
from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, make_scenario

RUN = ["--no-bound", "--no-map", "--no-report", "--no-catalog", "--no-progress"]


@dataclass(frozen=True)
class Err:
    file: str
    field: str


@dataclass(frozen=True)
class Ok:
    warn: str = ""


@dataclass(frozen=True)
class Cli:
    field: str


@dataclass(frozen=True)
class Case:
    name: str
    base: str  # grid | trips | pa
    mutate: Callable[[Path], list[str] | None]
    expect: Err | Ok | Cli


# ---------------------------------------------------------------------- helpers
def edit(path: Path, fn: Callable[[dict[str, Any]], Any]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def sc_edit(fn: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    return lambda sc: edit(sc, fn)


def plan_edit(name: str, fn: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    return lambda sc: edit(sc.parent / name, fn)


def csv_cell(file: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        path = sc.parent / file
        rows = [r.split(",") for r in path.read_text().splitlines()]
        rows[line - 1][rows[0].index(column)] = value
        path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    return go


def csv_column(file: str, column: str, fn: Callable[[str], str]) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        path = sc.parent / file
        rows = [r.split(",") for r in path.read_text().splitlines()]
        k = rows[0].index(column)
        for r in rows[1:]:
            r[k] = fn(r[k])
        path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    return go


def drop_column(file: str, column: str) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        path = sc.parent / file
        rows = [r.split(",") for r in path.read_text().splitlines()]
        k = rows[0].index(column)
        path.write_text("\n".join(",".join(r[:k] + r[k + 1:]) for r in rows) + "\n")
    return go


def header_only(file: str) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        path = sc.parent / file
        path.write_text(path.read_text().splitlines()[0] + "\n")
    return go


def write(file: str, data: bytes) -> Callable[[Path], None]:
    return lambda sc: (sc.parent / file).write_bytes(data)


def add_line(file: str, line: str) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        path = sc.parent / file
        path.write_text(path.read_text() + line + "\n")
    return go


def both(*fns: Callable[[Path], Any]) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        for f in fns:
            f(sc)
    return go


def cli(*args: str) -> Callable[[Path], list[str]]:
    return lambda sc: [a.replace("{dir}", str(sc.parent)) for a in args]


def elevation_elsewhere(file: str, lon: float, lat: float) -> Callable[[Path], None]:
    def go(sc: Path) -> None:
        import rasterio
        from rasterio.transform import from_origin

        data = np.full((20, 20), 1.0, dtype=np.float32)
        with rasterio.open(sc.parent / file, "w", driver="GTiff", height=20, width=20,
                           count=1, dtype="float32", crs="EPSG:4326",
                           transform=from_origin(lon, lat, 0.001, 0.001)) as dst:
            dst.write(data, 1)
    return go


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines)


def yaml_bomb_under(key_path: str) -> Callable[[Path], None]:
    """Billion laughs: anchors defined in a helper key, the last alias under key_path."""
    def go(sc: Path) -> None:
        text = sc.read_text(encoding="utf-8")
        sc.write_text(f"x-bomb:\n  {bomb().replace(chr(10), chr(10) + '  ')}\n{text}"
                      f"{key_path}: *a8\n", encoding="utf-8")
    return go


def deep_nesting(sc: Path) -> None:
    text = sc.read_text(encoding="utf-8")
    sc.write_text(text + "description: " + "[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")


def trips_base(sc: Path) -> None:
    rows = ["id,origin,destination,depart_s,persons"]
    for k in range(12):
        rows.append(f"t{k},{1 + 6 * (k % 6)},{6 + 6 * (k % 6)},{60 * k},2")
    (sc.parent / "trips.csv").write_text("\n".join(rows) + "\n")
    edit(sc, lambda d: (d.pop("population"), d.update(trips="trips.csv")))


def island_shelters(sc: Path) -> None:
    # two nodes far east, joined both ways, not connected to the grid
    east = LON0 + 8 * STEP_DEG
    add_line("nodes.csv", f"901,{east:.6f},{LAT0:.6f}")(sc)
    add_line("nodes.csv", f"902,{east:.6f},{LAT0 + 5 * STEP_DEG:.6f}")(sc)
    add_line("links.csv", "LI1,901,902,1110,1,13.9,600")(sc)
    add_line("links.csv", "LI2,902,901,1110,1,13.9,600")(sc)
    edit(sc, lambda d: [s.update(lon=east) for s in d["shelters"]])


def one_way_west(sc: Path) -> None:
    path = sc.parent / "links.csv"
    nodes = {r.split(",")[0]: float(r.split(",")[1])
             for r in (sc.parent / "nodes.csv").read_text().splitlines()[1:]}
    rows = path.read_text().splitlines()
    keep = [rows[0]] + [r for r in rows[1:] if nodes[r.split(",")[2]] <= nodes[r.split(",")[1]]]
    path.write_text("\n".join(keep) + "\n")


def population_points(value: str) -> Callable[[Path], None]:
    return csv_column("population.csv", "population", lambda _: value)


def pa_links(sc: Path) -> list[str]:
    from musterpoint.sim.network.read import read_network

    net = read_network(sc.parent / "data" / "poa_osm.pbf")
    return [str(x) for x in net.link_id[:1]]


def unknown_kpi(sc: Path) -> None:
    edit(sc, lambda d: d["standards"][0].update(kpi="evacuation.no_such_kpi"))


def long_name(sc: Path) -> list[str]:
    edit(sc, lambda d: d.update(name="a" * 300))
    return ["--out-default"]


def out_is_file(sc: Path) -> list[str]:
    f = sc.parent / "outfile"
    f.write_text("keep me")
    return ["--out", str(f)]


def no_plans_key(sc: Path) -> None:
    edit(sc, lambda d: (d.pop("plans"), d.pop("default_plan")))


def shelter_on(lon: float, lat: float) -> Callable[[Path], None]:
    return sc_edit(lambda d: d["shelters"][0].update(lon=lon, lat=lat))


def pa_population_cell(value: str, row: int = 3) -> Callable[[Path], None]:
    return csv_cell("data/poa_hexgrid.csv", row, "population", value)


def pa_all(col: str, fn: Callable[[str], str]) -> Callable[[Path], None]:
    return csv_column("data/poa_hexgrid.csv", col, fn)


G, T, P = "grid", "trips", "pa"
SC, PN = "scenario.yaml", "plan-now.yaml"
LINKS, NODES, POP, TRIPS = "links.csv", "nodes.csv", "population.csv", "trips.csv"
PSC, PPLAN, PPOP = "scenario.yaml", "evacuate-all-now.yaml", "poa_hexgrid.csv"
PELEV, POSM = "poa_elevation.tif", "poa_osm.pbf"

CASES = [
    # --- controls and legal edge input
    Case("grid-valid-baseline", G, lambda sc: None, Ok()),
    Case("grid-trips-valid", T, lambda sc: None, Ok()),
    Case("grid-shelters-capacity-zero", G,
         sc_edit(lambda d: [s.update(capacity=0) for s in d["shelters"]]), Ok("capacity 0")),
    Case("grid-shelter-full", G, sc_edit(lambda d: [s.update(capacity=10)
                                                    for s in d["shelters"]]), Ok("every shelter")),
    Case("grid-trips-persons-many", T, csv_cell(TRIPS, 2, "persons", "500"), Ok("500 persons")),
    Case("grid-unicode-long-names", G, sc_edit(lambda d: (
        d["title"].update(en="🌊" * 2000 + "مرحبا" + "中文" * 500),
        d["shelters"][0].update(name="<script>alert(1)</script>" * 50))), Ok()),
    Case("pa-valid-baseline", P, lambda sc: None, Ok()),
    Case("pa-shelters-capacity-zero", P,
         sc_edit(lambda d: [s.update(capacity=0) for s in d["shelters"]]), Ok("capacity 0")),
    # --- network CSV
    Case("grid-crs-mismatch", G, sc_edit(lambda d: d["network"].update(crs="EPSG:32722")),
         Err(NODES, "crs")),
    Case("grid-crs-unknown", G, sc_edit(lambda d: d["network"].update(crs="EPSG:999999")),
         Err(NODES, "crs")),
    Case("grid-links-header-only", G, header_only(LINKS), Err(LINKS, "links")),
    Case("grid-links-inf-capacity", G, csv_column(LINKS, "capacity_vph", lambda _: "inf"),
         Err(LINKS, "capacity_vph")),
    Case("grid-links-missing-column", G, drop_column(LINKS, "capacity_vph"),
         Err(LINKS, "capacity_vph")),
    Case("grid-links-self-loop", G, add_line(LINKS, "LSELF,1,1,10,1,13.9,600"), Err(LINKS, "to")),
    Case("grid-nodes-empty-file", G, write(NODES, b""), Err(NODES, "")),
    Case("grid-nodes-missing-column", G, drop_column(NODES, "y"), Err(NODES, "y")),
    Case("grid-network-file-missing", G, lambda sc: (sc.parent / LINKS).unlink(),
         Err(LINKS, "")),
    # --- connectivity (U2: the real cause is named)
    Case("grid-no-path-to-shelter", G, island_shelters, Err(SC, "dropped")),
    Case("grid-one-way-away", G, one_way_west, Err(SC, "dropped")),
    Case("grid-everything-closed", G, lambda sc: edit(sc, lambda d: d["hazard"].update(
        closures=[{"links": [r.split(",")[0] for r in
                             (sc.parent / LINKS).read_text().splitlines()[1:]],
                   "from_h": 0}])), Err(SC, "zone")),
    Case("grid-closure-unknown-link", G, sc_edit(lambda d: d["hazard"].update(
        closures=[{"links": ["nope"], "from_h": 1}])), Err(SC, "hazard.closures[0].links")),
    # --- population
    Case("grid-population-1e12", G, population_points("1e12"), Err(POP, "population")),
    Case("grid-population-header-only", G, header_only(POP), Err(POP, "population.file")),
    Case("grid-population-zero-everywhere", G, population_points("0"), Err(SC, "population")),
    Case("grid-population-crs-mismatch", G, sc_edit(lambda d: d["population"].update(
        crs="EPSG:32722")), Err(POP, "population.crs")),
    Case("grid-population-swapped-xy", G, sc_edit(lambda d: d["population"].update(
        x_column="lat", y_column="lon")), Err(POP, "x_column")),
    Case("grid-population-missing-column", G, drop_column(POP, "population"),
         Err(POP, "population")),
    Case("grid-population-empty", G, write(POP, b""), Err(POP, "population.file")),
    # --- trips
    Case("grid-trips-missing-column", T, drop_column(TRIPS, "depart_s"), Err(TRIPS, "depart_s")),
    Case("grid-trips-negative-persons", T, both(csv_cell(TRIPS, 2, "persons", "-5"),
                                                csv_cell(TRIPS, 3, "persons", "0")),
         Err(TRIPS, "persons")),
    Case("grid-trips-unknown-nodes", T, both(csv_cell(TRIPS, 2, "origin", "999"),
                                             csv_cell(TRIPS, 3, "destination", "888")),
         Err(TRIPS, "origin")),
    Case("grid-trips-header-only", T, header_only(TRIPS), Err(TRIPS, "trips")),
    # --- hazard
    Case("grid-elevation-wrong-area", G, elevation_elsewhere("elevation.tif", 0.0, 0.0),
         Err("elevation.tif", "hazard.flood.elevation")),
    Case("grid-elevation-garbage", G, write("elevation.tif", b"not a raster\n" * 50),
         Err("elevation.tif", "hazard.flood.elevation")),
    Case("grid-stage-not-increasing", G, sc_edit(lambda d: d["hazard"]["flood"].update(
        stage=[[0, 0.0], [2, 1.0], [1, 2.0]])), Err(SC, "hazard.flood.stage")),
    Case("grid-stage-empty", G, sc_edit(lambda d: d["hazard"]["flood"].update(stage=[])),
         Err(SC, "hazard.flood.stage")),
    Case("grid-stage-negative-time", G, sc_edit(lambda d: d["hazard"]["flood"].update(
        stage=[[-1, 0.0], [1, 2.0]])), Err(SC, "hazard.flood.stage[0][0]")),
    # --- scenario YAML
    Case("grid-yaml-deep-nesting", G, deep_nesting, Err(SC, "nested")),
    Case("grid-yaml-bomb-attribution", G, yaml_bomb_under("attribution"), Err(SC, "aliases")),
    Case("grid-yaml-empty-file", G, write(SC, b""), Err(SC, "empty")),
    Case("grid-yaml-scalar", G, write(SC, b"just a string\n"), Err(SC, "mapping")),
    Case("grid-yaml-not-utf8", G, lambda sc: sc.write_bytes(
        sc.read_text().replace("Grid test", "Gr\u00e9d").encode("latin-1", "replace")),
         Err(SC, "UTF-8")),
    Case("grid-yaml-unclosed", G, write(SC, b"name: [unclosed\n"), Err(SC, "line 2")),
    Case("grid-yaml-tab-indent", G, lambda sc: sc.write_text(
        sc.read_text().replace("  mean_size", "\tmean_size")), Err(SC, "line")),
    Case("grid-extra-key", G, sc_edit(lambda d: d.update(shelterz=[])), Err(SC, "shelterz")),
    Case("grid-missing-network", G, sc_edit(lambda d: d.pop("network")), Err(SC, "network")),
    Case("grid-missing-plans", G, no_plans_key, Err(SC, "plans")),
    Case("grid-bad-start", G, sc_edit(lambda d: d.update(start="yesterday")),
         Err(SC, "2024-05-03T06:00:00")),
    Case("grid-bad-timezone", G, sc_edit(lambda d: d.update(timezone="Mars/Olympus_Mons")),
         Err(SC, "timezone")),
    Case("grid-type-duration-text", G, sc_edit(lambda d: d.update(duration_h="twelve")),
         Err(SC, "duration_h")),
    Case("grid-type-shelters-string", G, sc_edit(lambda d: d.update(shelters="many")),
         Err(SC, "shelters")),
    Case("grid-type-capacity-text", G, sc_edit(lambda d: d["shelters"][0].update(
        capacity="8k")), Err(SC, "shelters[0].capacity")),
    Case("grid-shelter-negative-capacity", G, sc_edit(lambda d: d["shelters"][1].update(
        capacity=-100)), Err(SC, "shelters[1].capacity")),
    Case("grid-shelter-duplicate-id", G, sc_edit(lambda d: d["shelters"][1].update(
        id="north")), Err(SC, "shelter ids must be unique")),
    Case("grid-shelter-unicode-id", G, sc_edit(lambda d: d["shelters"][0].update(
        id="abrigo ção")), Err(SC, "shelters[0].id")),
    Case("grid-shelter-in-ocean", G, shelter_on(-40.0, -30.0), Err(SC, "shelters[0]")),
    Case("grid-no-shelters", G, sc_edit(lambda d: d.update(shelters=[])), Err(SC, "shelters")),
    Case("grid-default-plan-unknown", G, sc_edit(lambda d: d.update(default_plan="nope")),
         Err(SC, "default_plan")),
    Case("grid-data-path-missing", G, sc_edit(lambda d: d["population"].update(
        file="nope.csv")), Err(SC, "population.file")),
    Case("grid-path-dev-zero", G, sc_edit(lambda d: d["population"].update(
        file="/dev/zero")), Err("/dev/zero", "population.file")),
    Case("grid-path-traversal-osm", G, sc_edit(lambda d: d.update(
        network={"osm": "../../../../../../../../etc/passwd"})), Err("passwd", "")),
    # --- plans
    Case("grid-plan-bad-values", G, plan_edit(PN, lambda d: d.update(
        order_time_h=-1, departure={"curve": "teleport", "sigma_min": -5})),
         Err(PN, "order_time_h")),
    Case("grid-plan-file-empty", G, write(PN, b""), Err(SC, "plans[0]")),
    Case("grid-plan-file-missing", G, sc_edit(lambda d: d["plans"].append("missing.yaml")),
         Err(SC, "plans[2]")),
    Case("grid-plan-is-folder", G, lambda sc: (
        (sc.parent / "adir.yaml").mkdir(),
        edit(sc, lambda d: d["plans"].append("adir.yaml"))), Err(SC, "plans[2]")),
    Case("grid-plan-unknown-key", G, plan_edit(PN, lambda d: d.update(departure_curve="x")),
         Err(PN, "departure_curve")),
    Case("grid-plan-shelter-open-unknown", G, plan_edit(PN, lambda d: d.update(
        shelter_open_h={"nowhere": 1})), Err(PN, "shelter_open_h")),
    Case("grid-plan-zone-map-unknown", G, plan_edit(PN, lambda d: d.update(
        shelter_choice="zone_map", zone_shelters={"no-zone": "north"})),
         Err(PN, "zone_shelters")),
    Case("grid-plan-stage-before-start", G, plan_edit(PN, lambda d: d.update(
        stages=[{"time_h": -1, "max_elevation_m": 3}])), Err(PN, "stages[0].time_h")),
    Case("grid-plan-bus-depot-off-network", G, plan_edit(PN, lambda d: d.update(buses={
        "depot": {"id": "d", "lon": LON0 + 0.5, "lat": LAT0}, "buses": 2,
        "pickups": [{"id": "p", "lon": LON0, "lat": LAT0}]})), Err(PN, "buses.depot")),
    Case("grid-plan-outside-yaml-echo", G, lambda sc: (
        (sc.parent.parent / "secret.yaml").write_text("name: x\napi_key: [SECRET-TOKEN-123\n"),
        edit(sc, lambda d: d["plans"].append(str(sc.parent.parent / "secret.yaml")))),
         Err("secret.yaml", "line")),
    # --- standards and command line (U4)
    Case("grid-standard-unknown-kpi", G, sc_edit(lambda d: d.update(standards=[{
        "id": "s", "kpi": "evacuation.no_such_kpi", "op": "<=", "threshold": 1,
        "label": {"en": "x"}}])), Err(SC, "standards[0].kpi")),
    Case("grid-out-is-file", G, out_is_file, Cli("--out")),
    Case("grid-out-unwritable", G, cli("--out", "/proc/musterprobe/out"), Cli("--out")),
    Case("grid-long-scenario-name", G, long_name, Cli("--out")),
    Case("grid-negative-seed", G, cli("--seed", "-1"), Cli("--seed")),
    Case("grid-unknown-plan-cli", G, cli("--plan", "no-such-plan"), Cli("plans")),
    # --- the bundled scenario (porto-alegre-flood)
    Case("pa-closure-unknown-link", P, sc_edit(lambda d: d["hazard"].update(
        closures=[{"links": ["no-such-link"], "from_h": 0}])), Err(PSC, "hazard.closures")),
    Case("pa-elevation-empty", P, write("data/poa_elevation.tif", b""),
         Err(PELEV, "hazard.flood.elevation")),
    Case("pa-elevation-wrong-area", P, elevation_elsewhere("data/poa_elevation.tif", 24.9, 60.2),
         Err(PELEV, "hazard.flood.elevation")),
    Case("pa-inject-unknown-link", P, sc_edit(lambda d: d["injects"][1]["effect"]["args"].update(
        links=["no-such-link"])), Err(PSC, "injects[1].effect.args.links")),
    Case("pa-yaml-bomb-inject-args", P, lambda sc: (sc.write_text(
        "x-bomb:\n  " + bomb().replace("\n", "\n  ") + "\n" + sc.read_text(encoding="utf-8")
        .replace('reason: "structural damage"', "reason: *a8"), encoding="utf-8")),
         Err(PSC, "aliases")),
    Case("pa-osm-empty", P, write("data/poa_osm.pbf", b""), Err(POSM, "network.osm")),
    Case("pa-osm-garbage", P, write("data/poa_osm.pbf", bytes(range(256)) * 256),
         Err(POSM, "network.osm")),
    Case("pa-osm-truncated", P, lambda sc: (sc.parent / "data/poa_osm.pbf").write_bytes(
        (sc.parent / "data/poa_osm.pbf").read_bytes()[:360_000]), Err(POSM, "network.osm")),
    Case("pa-population-1e12", P, pa_population_cell("1000000000000"), Err(PPOP, "population")),
    Case("pa-population-1e12-all", P, pa_all("population", lambda _: "1e12"),
         Err(PPOP, "population")),
    Case("pa-population-crs-mismatch", P, sc_edit(lambda d: d["population"].update(
        crs="EPSG:32722")), Err(PPOP, "population.crs")),
    Case("pa-population-header-only", P, header_only("data/poa_hexgrid.csv"),
         Err(PPOP, "population.file")),
    Case("pa-population-nan", P, pa_population_cell("", 10), Err(PPOP, "population")),
    Case("pa-population-nonnumeric-lat", P, csv_cell("data/poa_hexgrid.csv", 4, "lat", "north"),
         Err(PPOP, "lat")),
    Case("pa-population-swapped-xy", P, sc_edit(lambda d: d["population"].update(
        x_column="lat", y_column="lon")), Err(PPOP, "x_column")),
    Case("pa-standard-unknown-kpi", P, unknown_kpi, Err(PSC, "standards[0].kpi")),
    Case("pa-shelter-in-ocean", P, shelter_on(-45.0, -32.0), Err(PSC, "shelters[0]")),
    Case("pa-no-shelters", P, sc_edit(lambda d: d.update(shelters=[])), Err(PSC, "shelters")),
    Case("pa-plan-shelter-open-unknown", P, plan_edit("plans/evacuate-all-now.yaml", lambda d:
         d.update(shelter_open_h={"nowhere": 1})), Err(PPLAN, "shelter_open_h")),
    Case("pa-long-scenario-name", P, long_name, Cli("--out")),
]

#: One cell of a CSV file changed: (case, base, file, line, column, value); the message
#: must name the file and the column.
CELLS = [
    ("grid-links-duplicate-ids", G, LINKS, 5, "id", "L1"),
    ("grid-links-nan-speed", G, LINKS, 6, "speed_mps", "NaN"),
    ("grid-links-negative-length", G, LINKS, 6, "length_m", "-193"),
    ("grid-links-nonnumeric", G, LINKS, 6, "length_m", "long"),
    ("grid-links-unknown-node", G, LINKS, 5, "to", "999"),
    ("grid-links-zero-capacity", G, LINKS, 6, "capacity_vph", "0"),
    ("grid-links-negative-capacity", G, LINKS, 6, "capacity_vph", "-600"),
    ("grid-links-zero-lanes", G, LINKS, 6, "lanes", "0"),
    ("grid-links-zero-speed", G, LINKS, 6, "speed_mps", "0"),
    ("grid-links-negative-speed", G, LINKS, 6, "speed_mps", "-5"),
    ("grid-links-zero-length", G, LINKS, 6, "length_m", "0"),
    ("grid-nodes-duplicate-ids", G, NODES, 4, "id", "2"),
    ("grid-nodes-nonnumeric-x", G, NODES, 5, "x", "west"),
    ("grid-nodes-inf-y", G, NODES, 5, "y", "inf"),
    ("grid-population-nonnumeric-lat", G, POP, 3, "lat", "north"),
    ("grid-population-empty-lon", G, POP, 3, "lon", ""),
    ("grid-population-negative", G, POP, 3, "population", "-500"),
    ("grid-population-nonnumeric", G, POP, 5, "population", "many"),
    ("grid-population-inf", G, POP, 5, "population", "inf"),
    ("grid-trips-nan-origin", T, TRIPS, 3, "origin", ""),
    ("grid-trips-negative-departure", T, TRIPS, 3, "depart_s", "-300"),
    ("grid-trips-nonnumeric-origin", T, TRIPS, 3, "origin", "home"),
    ("grid-trips-persons-1e12", T, TRIPS, 3, "persons", "1e12"),
    ("grid-trips-persons-fraction", T, TRIPS, 3, "persons", "2.5"),
    ("grid-trips-inf-departure", T, TRIPS, 3, "depart_s", "inf"),
]

CASES += [Case(n, b, csv_cell(f, line, col, v), Err(f, col)) for n, b, f, line, col, v in CELLS]

#: Cases run in the default (not slow) test selection: one of each kind, grid only.
FAST = {"grid-valid-baseline", "grid-trips-valid", "grid-shelters-capacity-zero",
        "grid-links-nan-speed", "grid-trips-nonnumeric-origin", "grid-population-1e12",
        "grid-population-header-only", "grid-population-nonnumeric-lat",
        "grid-trips-negative-persons", "grid-yaml-deep-nesting", "grid-yaml-bomb-attribution",
        "grid-no-path-to-shelter", "grid-elevation-wrong-area", "grid-missing-plans",
        "grid-standard-unknown-kpi", "grid-out-is-file", "grid-plan-file-empty"}


def _make(case: Case, tmp: Path) -> Path:
    if case.base == P:
        from musterpoint.scenarios.loader import resolve_scenario

        src = resolve_scenario("porto-alegre-flood").parent
        dst = tmp / "sc"
        shutil.copytree(src, dst)
        sc = dst / "scenario.yaml"
        edit(sc, lambda d: d.update(duration_h=4))
        return sc
    sc = make_scenario(tmp / "sc")
    if case.base == T:
        trips_base(sc)
    return sc


def _params() -> list[Any]:
    out = []
    for c in CASES:
        marks = [] if c.name in FAST else [pytest.mark.slow]
        out.append(pytest.param(c, id=c.name, marks=marks))
    return out


def test_the_corpus_is_large_enough():
    """The review's corpus has 102 cases; this table rebuilds at least 80 of them."""
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    assert FAST <= {c.name for c in CASES}


@pytest.mark.parametrize("case", _params())
def test_bad_input_corpus(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _make(case, tmp_path)
    res = case.mutate(sc)
    extra = res if isinstance(res, list) else []
    monkeypatch.chdir(tmp_path)
    v_code = main(["validate", str(sc)])
    v = capsys.readouterr()
    out = tmp_path / "out"
    if extra == ["--out-default"]:
        args = ["run", str(sc), *RUN]
    elif "--out" in extra:
        args = ["run", str(sc), *RUN, *extra]
    else:
        args = ["run", str(sc), *RUN, "--out", str(out), *extra]
    r_code = main(args)
    r = capsys.readouterr()
    report = json.dumps({"validate": [v_code, v.out, v.err], "run": [r_code, r.out, r.err]},
                        indent=1)
    assert 1 not in (v_code, r_code), report
    assert "internal error" not in v.err + r.err and "Traceback" not in v.err + r.err, report
    exp = case.expect
    if isinstance(exp, Err):
        assert (v_code, r_code) == (2, 2), report
        for err in (v.err, r.err):
            assert exp.file in err and exp.field in err, report
            assert "Value error," not in err and "should match pattern" not in err, report
        assert [ln.startswith("error: ") for ln in r.err.splitlines()].count(True) == 1, report
        assert not out.exists(), report
    elif isinstance(exp, Cli):
        assert (v_code, r_code) == (0, 2), report
        assert exp.field in r.err, report
        assert "simulating" not in r.out and "wall time" not in r.out, report
    else:
        assert (v_code, r_code) == (0, 0), report
        if exp.warn:
            assert exp.warn in v.out, report
            assert exp.warn in r.err, report
    if case.name == "grid-plan-outside-yaml-echo":
        assert "SECRET-TOKEN" not in v.err + r.err, report
