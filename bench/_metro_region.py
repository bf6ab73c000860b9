"""A synthetic metropolitan region for the metropolitan-scale benchmark (issue 18 item 5).

:func:`write_region` writes a complete scenario folder (``scenario.yaml``, one plan, a
nodes/links CSV network, a population CSV) that :func:`musterpoint.sim.world.build_world`
reads like any other scenario, so the benchmark exercises the same readers, demand,
routing, traffic and tables as a real district. Everything in it is synthetic:

* **Roads.** A square grid of ``side x side`` nodes, ``BLOCK_M`` apart, in UTM zone 32N
  (around 9 °E, 45 °N; only the projection is real, there is no map under it). Every
  street is two-way. Every ``ARTERIAL_EVERY``-th row and column is an arterial (2 lanes
  per direction, 60 km/h, 1,800 PCU/h per lane); the others are local streets (1 lane,
  40 km/h, 800 PCU/h). ``side`` is chosen so that the grid has about one directed link
  per ``RESIDENTS_PER_LINK`` residents: 10 million residents give a grid of 500 x 500
  nodes and 998,000 links over a square of 99.8 km.
* **People.** One populated place per ``PLACE_M`` square (at its centre), with a
  density falling off exponentially from the region's centre (scale: a third of the
  region's half-width, a monocentric city) and a log-normal noise of 30 %, scaled so the
  places hold exactly ``residents`` persons. Households as the bundled scenarios make them
  (2.6 persons on average), 80 % own a car and carless households ride with neighbours:
  10 million residents give about 3.1 million vehicles.
* **Shelters.** ``shelters_per_side ** 2`` relief centres on a regular lattice over the
  region, about ``SHELTER_SPACING_KM`` apart (10 million residents: 12 x 12), each with
  room for everyone it is the nearest shelter of (and a 20 % margin) and reached at any
  road node within ``SHELTER_ACCESS_M`` (its car parks, about 20 streets lead in);
  everyone is ordered out at the start and leaves over a Rayleigh curve (sigma 90 min),
  to the nearest shelter with room.
* **Hazard.** None: the benchmark measures the engine's scale, not a hazard model.

The same ``residents`` and ``seed`` always give the same files.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ARTERIAL_EVERY", "BLOCK_M", "PLACE_M", "RESIDENTS_PER_LINK", "Region",
           "grid_side", "write_region"]

logger = logging.getLogger(__name__)

#: Spacing of the street grid (m).
BLOCK_M = 200.0
#: Every this many rows and columns of the grid is an arterial.
ARTERIAL_EVERY = 10
#: Side of the square cell holding one populated place (m).
PLACE_M = 1000.0
#: About this many residents per directed link: 10 million residents, 1 million links.
RESIDENTS_PER_LINK = 10.0
#: Origin of the grid in UTM zone 32N (EPSG:32632), easting and northing (m).
ORIGIN_E, ORIGIN_N = 450_000.0, 4_950_000.0
CRS = "EPSG:32632"
#: About one relief centre per this many km in each direction.
SHELTER_SPACING_KM = 8.0
#: Road nodes within this distance of a relief centre are its access (its car parks):
#: about 20 nodes, so that some 20 streets lead into it.
SHELTER_ACCESS_M = 500.0


@dataclass(frozen=True)
class Region:
    """What :func:`write_region` wrote: the folder and its size."""

    folder: Path
    side: int
    nodes: int
    links: int
    places: int
    residents: int
    shelters: int
    extent_km: float


def grid_side(residents: int) -> int:
    """Nodes per side of the grid so that it has about ``residents / 10`` directed links
    (a grid of ``s x s`` nodes has ``4 s (s - 1)`` directed links); at least 12."""
    return max(12, round(math.sqrt(residents / RESIDENTS_PER_LINK / 4.0)))


def _network(side: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and links tables of the grid (two-way streets, arterials every 10th line)."""
    idx = np.arange(side * side, dtype=np.int64)
    row, col = np.divmod(idx, side)
    nodes = pd.DataFrame({"id": idx + 1, "x": ORIGIN_E + col * BLOCK_M,
                          "y": ORIGIN_N + row * BLOCK_M})
    # horizontal segments (row, col) -> (row, col + 1) and vertical (row, col) -> (row + 1, col)
    h = idx[col < side - 1]
    v = idx[row < side - 1]
    a = np.concatenate([h, h + 1, v, v + side])
    b = np.concatenate([h + 1, h, v + side, v])
    arterial = np.concatenate([
        np.tile(row[h] % ARTERIAL_EVERY == 0, 2), np.tile(col[v] % ARTERIAL_EVERY == 0, 2)])
    lanes = np.where(arterial, 2.0, 1.0)
    links = pd.DataFrame({
        "id": np.arange(1, a.size + 1, dtype=np.int64),
        "from": a + 1, "to": b + 1,
        "length_m": BLOCK_M, "lanes": lanes,
        "speed_mps": np.where(arterial, 60 / 3.6, 40 / 3.6),
        "capacity_vph": np.where(arterial, 1800.0, 800.0) * lanes,
        "highway": np.where(arterial, "primary", "residential"),
    })
    return nodes, links


def _places(side: int, residents: int, seed: int) -> pd.DataFrame:
    """Populated places: one per ``PLACE_M`` cell, exponential density from the centre."""
    extent = (side - 1) * BLOCK_M
    n = max(1, int(extent // PLACE_M))
    centres = (np.arange(n) + 0.5) * (extent / n)
    x, y = np.meshgrid(centres, centres)
    x, y = x.ravel(), y.ravel()
    half = extent / 2.0
    r = np.hypot(x - half, y - half)
    rng = np.random.default_rng(seed)
    weight = np.exp(-r / (half / 3.0)) * rng.lognormal(0.0, 0.3, size=x.size)
    share = weight / weight.sum()
    pop = np.floor(share * residents).astype(np.int64)
    # hand the rounding remainder to the largest shares, so the total is exact
    rest = residents - int(pop.sum())
    pop[np.argsort(-share, kind="stable")[:rest]] += 1
    return pd.DataFrame({"x": ORIGIN_E + x, "y": ORIGIN_N + y, "population": pop})


def _shelters(side: int, places: pd.DataFrame, per_side: int) -> list[dict[str, object]]:
    """Shelters on a lattice; each with room for the people nearest to it plus 20 %."""
    from pyproj import Transformer

    extent = (side - 1) * BLOCK_M
    step = extent / per_side
    # on a grid node, so a shelter stands on a road
    k = np.round(((np.arange(per_side) + 0.5) * step) / BLOCK_M) * BLOCK_M
    sx, sy = np.meshgrid(k, k)
    sx, sy = sx.ravel(), sy.ravel()
    px = places["x"].to_numpy() - ORIGIN_E
    py = places["y"].to_numpy() - ORIGIN_N
    near = np.argmin(np.abs(px[:, None] - sx[None, :]) + np.abs(py[:, None] - sy[None, :]),
                     axis=1)
    load = np.bincount(near, weights=places["population"].to_numpy(), minlength=sx.size)
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(ORIGIN_E + sx, ORIGIN_N + sy)
    return [{"id": f"S{i:03d}", "name": f"Relief centre {i}", "lon": round(float(lon[i]), 6),
             "lat": round(float(lat[i]), 6), "capacity": math.ceil(load[i] * 1.2) + 100,
             "access_radius_m": SHELTER_ACCESS_M}
            for i in range(sx.size)]


def _scenario_yaml(residents: int, hours: float, shelters: list[dict[str, object]]) -> str:
    import yaml

    doc = {
        "name": "metro-region",
        "title": {"en": f"Synthetic metropolitan region ({residents:,} residents)",
                  "zh": f"合成大都市区（{residents:,}名居民）"},
        "description": "Synthetic region for the metropolitan-scale benchmark: see "
                       "docs/metro_scale.md. Nothing in it is a real place.",
        "start": "2026-01-01T06:00:00",
        "timezone": "UTC",
        "duration_h": hours,
        "network": {"nodes": "data/nodes.csv", "links": "data/links.csv", "crs": CRS},
        "population": {"file": "data/population.csv", "population_column": "population",
                       "x_column": "x", "y_column": "y", "crs": CRS, "zone_cell_m": 5000},
        "households": {"mean_size": 2.6, "car_share": 0.8, "seats_per_car": 5,
                       "carless_ride_share": 1.0, "origin_nodes_per_place": 4},
        "max_snap_m": 1000,
        "shelters": shelters,
        "plans": ["plans/evacuate-all.yaml"],
        "default_plan": "evacuate-all",
    }
    return str(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


PLAN_YAML = """name: evacuate-all
title:
  en: "Everyone to the nearest relief centre"
  zh: "全体居民前往最近的救援中心"
description: Every zone is ordered out at the start.
order_time_h: 0
departure:
  curve: rayleigh
  sigma_min: 90
shelter_choice: nearest_with_room
"""


def write_region(folder: Path, residents: int, *, hours: float = 12.0, seed: int = 1,
                 shelters_per_side: int | None = None) -> Region:
    """Write the synthetic region's scenario folder.

    Parameters
    ----------
    folder : Path
        Where to write (created; files in it are replaced).
    residents : int
        Residents of the region (at least 1,000).
    hours : float
        Simulated hours (the scenario's ``duration_h``).
    seed : int
        Seed of the population noise.
    shelters_per_side : int, optional
        Shelters per side of the lattice; default about one per 8 km, at least 2.

    Returns
    -------
    Region
        The folder and the region's size.
    """
    if residents < 1000:
        raise ValueError(f"residents: {residents:,} is too few for a region; give >= 1,000")
    side = grid_side(residents)
    extent_km = (side - 1) * BLOCK_M / 1000.0
    per_side = shelters_per_side or max(2, round(extent_km / SHELTER_SPACING_KM))
    data = folder / "data"
    (folder / "plans").mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    nodes, links = _network(side)
    nodes.to_csv(data / "nodes.csv", index=False)
    links.to_csv(data / "links.csv", index=False, float_format="%.4f")
    places = _places(side, residents, seed)
    places.to_csv(data / "population.csv", index=False, float_format="%.1f")
    shelters = _shelters(side, places, per_side)
    (folder / "scenario.yaml").write_text(_scenario_yaml(residents, hours, shelters),
                                          encoding="utf-8")
    (folder / "plans" / "evacuate-all.yaml").write_text(PLAN_YAML, encoding="utf-8")
    logger.info("metro region: %d x %d nodes, %d links, %d places, %d shelters in %s",
                side, side, len(links), len(places), len(shelters), folder)
    return Region(folder, side, len(nodes), len(links), len(places), residents,
                  len(shelters), extent_km)
