"""Benchmark: ``muster new`` (:func:`musterpoint.district.build.build`) build times.

1. Each bundled OSM scenario rebuilt from its own files (Porto Alegre, Helsinki, Krems;
   target under 30 s each), with the phases: roads copied or clipped, population, places,
   the world built as ``muster validate`` does (the network read once), the offset checks
   of people and places against the roads.
2. ``--large``: a generated district, a street grid written as a GeoPackage line layer
   of about 250,000 two-way streets (about 500,000 directed links), clipped to a bbox,
   with a 1000 x 1000-cell population raster (1 million cells, Poisson(2) persons per
   50 m cell, in UTM 50N) and square zones; target under 2 minutes and 4 GB.

Prints figures (seconds per phase, peak memory of this process); asserts nothing.

    python bench/bench_new.py [--large] [--grid N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import peak_rss_mb

from musterpoint.district.build import build
from musterpoint.district.spec import (
    AreaSpec,
    DistrictSpec,
    PlaceFileSpec,
    PopulationSpec,
    RoadsSpec,
    ZonesSpec,
)


def _print(title: str, res: object, wall: float) -> None:
    secs = getattr(res, "seconds", {})
    last = 0.0
    print(f"== {title}")
    for k, v in secs.items():
        if k != "total":
            print(f"  {k:<12} {v - last:7.2f} s")
            last = v
    print(f"  {'total':<12} {wall:7.2f} s   ({res.nodes:,} nodes, "  # type: ignore[attr-defined]
          f"{res.links:,} links, {res.persons:,} persons, {res.zones} zones)")  # type: ignore[attr-defined]
    print(f"  peak memory  {peak_rss_mb():7.0f} MB")


def bundled(tmp: Path) -> None:
    """Rebuild the bundled OSM scenarios from their own files."""
    from tests.district.test_round_trip import spec_for

    for name in ("porto-alegre-flood", "helsinki-ammonia"):
        spec = spec_for(name, tmp)
        t0 = time.perf_counter()
        res = build(spec, tmp / name)
        _print(f"{name} rebuilt", res, time.perf_counter() - t0)
    data = Path(__file__).resolve().parents[1] / "scenarios/bundled/krems_flood/data"
    spec = DistrictSpec(
        name="krems", roads=RoadsSpec(file=data / "krems.osm.gz"),
        population=PopulationSpec(file=data / "krems.osm.gz", kind="osm-buildings",
                                  total=12500),
        zones=ZonesSpec(cell_m=500), evacuate_area=data / "krems_flood_extent.geojson",
        places=[PlaceFileSpec(kind="shelter", file=data / "krems_shelters.csv")])
    t0 = time.perf_counter()
    res = build(spec, tmp / "krems")
    _print("krems-flood rebuilt", res, time.perf_counter() - t0)


def large(tmp: Path, n: int) -> None:
    import geopandas as gpd
    import numpy as np
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    t0 = time.perf_counter()
    step = 100.0  # m between streets
    x0, y0 = 500_000.0, 3_370_000.0  # UTM 50N, near Wuhan
    xs = x0 + np.arange(n) * step
    ys = y0 + np.arange(n) * step
    starts, ends = [], []
    for j in range(n):  # horizontal segments along row j, vertical along column j
        starts.append(np.column_stack([xs[:-1], np.full(n - 1, ys[j])]))
        ends.append(np.column_stack([xs[1:], np.full(n - 1, ys[j])]))
        starts.append(np.column_stack([np.full(n - 1, xs[j]), ys[:-1]]))
        ends.append(np.column_stack([np.full(n - 1, xs[j]), ys[1:]]))
    a, b = np.concatenate(starts), np.concatenate(ends)
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    gdf = gpd.GeoDataFrame({"highway": np.full(len(lines), "residential"),
                            "oneway": np.full(len(lines), "no")}, geometry=lines,
                           crs="EPSG:32650")
    roads = tmp / "grid_roads.gpkg"
    gdf.to_file(roads, driver="GPKG")
    cells = 1000
    res_m = (n - 1) * step / cells
    rng = np.random.default_rng(1)
    raster = tmp / "grid_pop.tif"
    with rasterio.open(raster, "w", driver="GTiff", height=cells, width=cells, count=1,
                       dtype="float32", crs="EPSG:32650",
                       transform=from_origin(x0, y0 + (n - 1) * step, res_m, res_m)) as d:
        d.write(rng.poisson(2.0, (cells, cells)).astype("float32"), 1)
    corners = gpd.GeoSeries(gpd.points_from_xy([xs[1], xs[-2]], [ys[1], ys[-2]]),
                            crs="EPSG:32650").to_crs("EPSG:4326")
    shelters = tmp / "shelters.csv"
    shelters.write_text("name,lon,lat,capacity\n" + "".join(
        f"S{i},{p.x:.7f},{p.y:.7f},1000000\n" for i, p in enumerate(corners)))
    bounds = gpd.GeoSeries([shapely.box(xs[0], ys[0], xs[-1], ys[-1])],
                           crs="EPSG:32650").to_crs("EPSG:4326").total_bounds
    made = time.perf_counter() - t0
    print(f"== generated: {len(gdf):,} street lines ({2 * len(gdf):,} directed links), "
          f"{cells * cells:,} raster cells of {res_m:.0f} m, in {made:.1f} s")
    spec = DistrictSpec(
        name="grid", roads=RoadsSpec(file=roads),
        area=AreaSpec(bbox=tuple(float(v) for v in bounds), buffer_m=0),  # type: ignore[arg-type]
        population=PopulationSpec(file=raster), zones=ZonesSpec(cell_m=2000),
        places=[PlaceFileSpec(kind="shelter", file=shelters)])
    t0 = time.perf_counter()
    res = build(spec, tmp / "grid")
    _print("generated district (line layer clipped to a bbox, raster)", res,
           time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--large", action="store_true", help="also the generated large district")
    ap.add_argument("--grid", type=int, default=355, help="streets per side (355: ~250k lines)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundled(Path(tmp))
        if args.large:
            large(Path(tmp), args.grid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
