"""Build small, fast, self-contained scenarios on disk for tests.

A grid of two-way streets (CSV network), population points in the west, shelters in
the east, and an elevation raster that rises from west to east so that a flood comes in
from the west.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

LON0, LAT0 = -51.20, -30.00
STEP_DEG = 0.002  # about 190 m north-south, 190 m east-west at this latitude


def write_grid(folder: Path, n: int = 6, capacity: float = 600.0) -> None:
    """nodes.csv and links.csv of an n x n two-way grid."""
    rows = ["id,x,y"]
    for i in range(n):
        for j in range(n):
            rows.append(f"{i * n + j + 1},{LON0 + j * STEP_DEG:.6f},{LAT0 + i * STEP_DEG:.6f}")
    (folder / "nodes.csv").write_text("\n".join(rows) + "\n")
    links = ["id,from,to,length_m,lanes,speed_mps,capacity_vph"]
    k = 0
    for i in range(n):
        for j in range(n):
            a = i * n + j + 1
            for di, dj in ((0, 1), (1, 0)):
                if i + di < n and j + dj < n:
                    b = (i + di) * n + (j + dj) + 1
                    length = 193.0 if dj else 222.0
                    for u, v in ((a, b), (b, a)):
                        k += 1
                        links.append(f"L{k},{u},{v},{length},1,13.9,{capacity}")
    (folder / "links.csv").write_text("\n".join(links) + "\n")


def write_population(folder: Path, n: int = 6, persons: int = 60) -> None:
    """Population points in the western half of the grid."""
    rows = ["id,lon,lat,population"]
    for i in range(n):
        for j in range(n // 2):
            rows.append(f"p{i}{j},{LON0 + j * STEP_DEG + 0.0003:.6f},"
                        f"{LAT0 + i * STEP_DEG + 0.0003:.6f},{persons}")
    (folder / "population.csv").write_text("\n".join(rows) + "\n")


def write_elevation(folder: Path, n: int = 6) -> None:
    """A GeoTIFF in EPSG:4326 rising 2 m per grid column from 0 m in the west."""
    import rasterio
    from rasterio.transform import from_origin

    res = STEP_DEG / 4
    width = height = n * 4 + 8
    west = LON0 - 4 * res
    north = LAT0 + (n - 1) * STEP_DEG + 4 * res
    cols = (west + (np.arange(width) + 0.5) * res - LON0) / STEP_DEG
    data = np.tile(np.clip(cols * 2.0, 0, None), (height, 1)).astype(np.float32)
    with rasterio.open(folder / "elevation.tif", "w", driver="GTiff", height=height,
                       width=width, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(west, north, res, res)) as dst:
        dst.write(data, 1)


def base_scenario(n: int = 6) -> dict[str, Any]:
    east = LON0 + (n - 1) * STEP_DEG
    return {
        "name": "grid-test",
        "title": {"en": "Grid test", "zh": "网格测试"},
        "start": "2024-05-03T06:00:00",
        "timezone": "America/Sao_Paulo",
        "duration_h": 3,
        "network": {"nodes": "nodes.csv", "links": "links.csv", "crs": "EPSG:4326"},
        "population": {"file": "population.csv", "zone_cell_m": 400},
        "households": {"mean_size": 2.5, "car_share": 0.7},
        "hazard": {"flood": {"elevation": "elevation.tif", "datum": "test datum",
                             "stage": [[0, 0.0], [1, 3.0], [3, 3.0]]}},
        "shelters": [
            {"id": "north", "name": "North school", "lon": east, "lat": LAT0 + (n - 1) * STEP_DEG,
             "capacity": 600},
            {"id": "south", "name": "South gym", "lon": east, "lat": LAT0, "capacity": 600},
        ],
        "shelter_access_m": 0,
        "plans": ["plan-now.yaml", "plan-late.yaml"],
        "default_plan": "now",
    }


def plans() -> dict[str, dict[str, Any]]:
    return {
        "plan-now.yaml": {"name": "now", "title": {"en": "Now"},
                          "departure": {"curve": "rayleigh", "sigma_min": 10}},
        "plan-late.yaml": {"name": "late", "title": {"en": "Late"}, "order_time_h": 0.5,
                           "departure": {"curve": "rayleigh", "sigma_min": 20}},
    }


def make_scenario(folder: Path, n: int = 6, **overrides: Any) -> Path:
    """Write a grid scenario into ``folder``; ``overrides`` replace top-level keys."""
    folder.mkdir(parents=True, exist_ok=True)
    write_grid(folder, n)
    write_population(folder, n)
    write_elevation(folder, n)
    sc = base_scenario(n)
    sc.update(overrides)
    for name, plan in plans().items():
        (folder / name).write_text(yaml.safe_dump(plan, allow_unicode=True))
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    return path
