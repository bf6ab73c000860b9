"""What the studio's map draws of a scenario: roads, zones, places; and which road a click hit.

The roads go to the browser packed, one integer polyline per link in the network's link
order (``[x0, y0, dx1, dy1, ...]`` in 1e-5 degrees, as :mod:`musterpoint.maps.geometry`
packs them) with a class per link (:func:`road_classes`),
so the page can draw only the main roads at low zoom (a 100,000-link network stays
pannable) and colour a link by its index. A click on the map is resolved here, not in the
browser: :class:`LinkFinder` gives the links nearest a point.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from musterpoint.maps.geometry import PACK_SCALE, wkt_geometry

if TYPE_CHECKING:
    from musterpoint.sim.network.graph import Network
    from musterpoint.sim.world import World

__all__ = ["MAIN_ROADS", "LinkFinder", "packed_links", "road_classes", "scenario_layers"]

logger = logging.getLogger(__name__)

#: Road classes drawn at every zoom (class 0); class 1 from a middle zoom on.
MAIN_ROADS = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "primary",
                        "primary_link"})
_THROUGH_ROADS = frozenset({"secondary", "secondary_link", "tertiary", "tertiary_link"})


def road_classes(net: Network) -> list[int]:
    """Each link's drawing class: 0 main roads, 1 other through roads, 2 local streets.

    From the OSM ``highway`` class; a network without classes (a CSV or line layer) is
    classed by capacity instead (top 10 % class 0, next 40 % class 1), and one whose links
    all have the same capacity is all class 0 (drawn at every zoom).
    """
    by_name = [0 if str(h) in MAIN_ROADS else 1 if str(h) in _THROUGH_ROADS else 2
               for h in net.highway]
    if net.n_links == 0 or min(by_name) < 2:
        return by_name
    cap = np.asarray(net.capacity_vph, dtype=float)
    hi, mid = np.quantile(cap, 0.9), np.quantile(cap, 0.5)
    if hi == cap.min():
        return [0] * net.n_links
    classes: list[int] = np.where(cap >= hi, 0, np.where(cap >= mid, 1, 2)).tolist()
    return classes


def _link_points(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Every link's polyline points, one array, and each link's number of points."""
    geoms = [np.asarray(net.link_coords(i), dtype=float) for i in range(net.n_links)]
    counts = np.fromiter((len(g) for g in geoms), dtype=np.int64, count=len(geoms))
    flat = np.concatenate(geoms) if geoms else np.zeros((0, 2))
    return flat, counts


def packed_links(net: Network) -> list[list[int]]:
    """Each link's polyline packed as integers, in link order (none dropped or merged):
    ``[x0, y0, dx1, dy1, ...]`` (vectorised: about 0.1 s for 30,000 links)."""
    flat, counts = _link_points(net)
    if not len(counts):
        return []
    ints = np.rint(flat * PACK_SCALE).astype(np.int64)
    steps = ints.copy()
    steps[1:] -= ints[:-1]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    steps[starts] = ints[starts]  # each link's first point is absolute
    return [part.tolist() for part in np.split(steps.ravel(), 2 * np.cumsum(counts)[:-1])]


def _names(net: Network) -> tuple[list[str], list[int]]:
    """The distinct street names and each link's index into them (-1: unnamed)."""
    names: list[str] = []
    where: dict[str, int] = {}
    index = []
    for n in net.name:
        text = str(n) if n is not None and str(n) not in ("", "nan", "None") else ""
        if not text:
            index.append(-1)
            continue
        if text not in where:
            where[text] = len(names)
            names.append(text)
        index.append(where[text])
    return names, index


def scenario_layers(world: World) -> dict[str, Any]:
    """The map layers of a scenario's world, for the studio page.

    Parameters
    ----------
    world : World
        The scenario made ready to simulate.

    Returns
    -------
    dict
        ``bounds``, ``scale``, ``roads`` (``ids``, ``packed``, ``cls``, ``name``,
        ``names``), ``zones`` (GeoJSON with ``id``, ``evacuees``, ``population``,
        ``elevation_m``), ``places`` (special facilities and other destinations).
    """
    net = world.network
    names, name_index = _names(net)
    z = world.zones
    features = []
    for k, zid in enumerate(z.ids):
        geom = wkt_geometry(z.wkt[k] if k < len(z.wkt) else "")
        if geom is None:
            continue
        elev = float(z.elevation[k]) if k < len(z.elevation) else math.nan
        features.append({"type": "Feature", "geometry": geom, "properties": {
            "id": zid, "evacuees": int(z.evacuees[k]), "population": int(z.population[k]),
            "elevation_m": round(elev, 1) if math.isfinite(elev) else None}})
    return {
        "bounds": list(net.bounds()),
        "scale": PACK_SCALE,
        "roads": {"ids": [str(i) for i in net.link_id], "packed": packed_links(net),
                  "cls": road_classes(net), "name": name_index,
                  "names": names},
        "zones": {"type": "FeatureCollection", "features": features},
        "destinations": [{"id": d.id, "name": d.name, "lon": d.lon, "lat": d.lat}
                         for d in world.destinations],
    }


@dataclass
class LinkFinder:
    """The links nearest a point, for a click on the map (a spatial index of the links)."""

    net: Network

    def __post_init__(self) -> None:
        self._tree: shapely.STRtree | None = None

    def _index(self) -> shapely.STRtree:
        """The spatial index, built on the first click (about 0.1 s for 30,000 links)."""
        if self._tree is None:
            flat, counts = _link_points(self.net)
            self._lines = shapely.linestrings(flat, indices=np.repeat(
                np.arange(len(counts)), counts))
            self._tree = shapely.STRtree(self._lines)
        return self._tree

    def nearest(self, lon: float, lat: float, max_m: float = 60.0) -> dict[str, Any] | None:
        """The link nearest ``(lon, lat)`` within ``max_m`` metres, with its twin.

        Returns
        -------
        dict or None
            ``index``, ``id``, ``name``, ``highway``, ``links`` (its id and the id of the
            link back between the same two nodes, if any), ``coords``; None when no link
            is that close.
        """
        point = shapely.Point(lon, lat)
        deg = max_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.1))
        hits = self._index().query(point, predicate="dwithin", distance=deg)
        if len(hits) == 0:
            return None
        dists = shapely.distance(self._lines[hits], point)
        i = int(hits[int(np.argmin(dists))])
        net = self.net
        a, b = int(net.link_from[i]), int(net.link_to[i])
        back = np.flatnonzero((net.link_from == b) & (net.link_to == a))
        ids = [str(net.link_id[i]), *(str(net.link_id[j]) for j in back[:1])]
        name = net.name[i]
        return {"index": i, "id": str(net.link_id[i]),
                "name": "" if name is None or str(name) in ("nan", "None") else str(name),
                "highway": str(net.highway[i]), "links": ids,
                "coords": np.asarray(net.link_coords(i)).round(6).tolist()}
