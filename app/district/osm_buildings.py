"""Population from OpenStreetMap buildings, for places without a population layer.

Method: a known total (a census figure, or the town's ``population`` tag) is spread over
the residential building footprints of the extract, in proportion to floor area
(footprint × ``building:levels``, 1 where untagged). Buildings whose type is not
residential (churches, schools, stations, sheds, ...), footprints over
:data:`MAX_FOOTPRINT_M2` (halls, factories and malls tagged ``building=yes``) and buildings
on the grounds of schools, hospitals, universities, town halls and fire stations get
nobody. Each building
becomes a place at its footprint's centroid; persons are whole numbers with the total
kept (largest remainder).

Limits: footprints say nothing of how many people live in a building; OSM coverage of
buildings is uneven (missing buildings put their people elsewhere); commercial buildings
tagged ``building=yes`` receive residents; night-time population only.
"""

from __future__ import annotations

import math

import numpy as np

from musterpoint.scenarios.errors import InputError

__all__ = ["MAX_FOOTPRINT_M2", "NON_RESIDENTIAL", "building_population"]

#: Footprints larger than this (m²) are taken as not residential.
MAX_FOOTPRINT_M2 = 3000.0

#: ``building=*`` values that house nobody at night.
NON_RESIDENTIAL = frozenset({
    "church", "chapel", "cathedral", "mosque", "temple", "synagogue", "school", "university",
    "college", "kindergarten", "hospital", "train_station", "transportation", "roof",
    "indoor_swimming_pool", "sports_hall", "stadium", "garage", "garages", "shed", "hut",
    "carport", "barn", "farm_auxiliary", "greenhouse", "industrial", "warehouse", "retail",
    "commercial", "office", "supermarket", "service", "parking", "public", "civic",
    "government", "fire_station", "ruins", "construction", "bunker", "toilets", "kiosk",
})
_GROUNDS = frozenset({"school", "hospital", "university", "college", "townhall",
                      "fire_station", "kindergarten"})


def _ring_area_centroid(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float, float]:
    """Area (m²) and centroid (lon, lat) of a closed ring, by the shoelace formula."""
    lat0 = float(np.mean(lat))
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_574.0
    x, y = (lon - lon[0]) * kx, (lat - lat[0]) * ky
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    a = 0.5 * float(cross.sum())
    if abs(a) < 1e-9:
        return 0.0, float(np.mean(lon)), lat0
    cx = float(((x[:-1] + x[1:]) * cross).sum()) / (6 * a)
    cy = float(((y[:-1] + y[1:]) * cross).sum()) / (6 * a)
    return abs(a), float(lon[0]) + cx / kx, float(lat[0]) + cy / ky


def building_population(path: str, total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                         dict[str, int]]:
    """Spread ``total`` persons over the residential buildings of an OSM extract.

    Parameters
    ----------
    path : str
        OSM extract (.osm.pbf, .osm, .osm.gz).
    total : int
        Persons to place.

    Returns
    -------
    tuple
        ``(lon, lat, persons, counts)``: one row per residential building with people,
        and counts of buildings read, residential and excluded (for the README).

    Raises
    ------
    InputError
        If the extract has no residential building.
    """
    import osmium
    import shapely
    from shapely.geometry import Polygon

    rows: list[tuple[float, float, float]] = []
    grounds: list[Polygon] = []
    counts = {"buildings": 0, "non_residential": 0, "on_grounds": 0, "large": 0}
    fp = (osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY).with_locations()
          .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY)))
    for way in fp:
        if not isinstance(way, osmium.osm.Way) or not way.is_closed():
            continue
        tags = way.tags
        pts = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(pts) < 4:
            continue
        if tags.get("amenity") in _GROUNDS:
            grounds.append(Polygon(pts))
        b = tags.get("building")
        if b is None:
            continue
        counts["buildings"] += 1
        if b in NON_RESIDENTIAL or tags.get("amenity") is not None:
            counts["non_residential"] += 1
            continue
        xy = np.asarray(pts)
        area, cx, cy = _ring_area_centroid(xy[:, 0], xy[:, 1])
        if area > MAX_FOOTPRINT_M2:
            counts["large"] += 1
            continue
        try:
            levels = max(1.0, float(tags.get("building:levels") or "1"))
        except ValueError:
            levels = 1.0
        rows.append((cx, cy, area * levels))
    if not rows:
        raise InputError.single(path, "--population", "the extract has no residential "
                                "building to place people in; give a population file")
    arr = np.asarray(rows)
    if grounds:
        on = np.zeros(len(arr), dtype=bool)
        for g in grounds:
            on |= shapely.contains_xy(g, arr[:, 0], arr[:, 1])
        counts["on_grounds"] = int(on.sum())
        arr = arr[~on]
    from musterpoint.district.people import integer_persons

    persons = integer_persons(arr[:, 2] / arr[:, 2].sum() * total)
    keep = persons > 0
    return arr[keep, 0], arr[keep, 1], persons[keep], counts
