"""Read the drivable road network from an OpenStreetMap extract (``.osm.pbf``, ``.osm``,
``.osm.gz``, ``.osm.bz2``) offline with pyosmium.

Ways of the classes in :data:`musterpoint.sim.network.highway_defaults.HIGHWAY_DEFAULTS` are
kept; ways closed to cars (``access=no/private``), areas and other classes are dropped.
Ways are split into links only where roads meet (nodes shared by several ways) and at
their ends; the points in between stay as link geometry. Two-way roads give two directed
links. Finally only the largest strongly connected component is kept.

:func:`build_network` does the splitting for any list of polylines and is shared with
the GIS line-layer reader.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.network.graph import Network, NetworkReport, largest_strong_component
from musterpoint.sim.network.highway_defaults import (
    EXCLUDED_HIGHWAYS,
    HIGHWAY_DEFAULTS,
    RoadAttributes,
    has_no_motor_access,
    road_attributes,
)

__all__ = [
    "EARTH_RADIUS_M",
    "MIN_LINK_LENGTH_M",
    "OSM_SUFFIXES",
    "RoadPiece",
    "build_network",
    "haversine_m",
    "read_osm",
]

logger = logging.getLogger(__name__)

#: Mean Earth radius (IUGG) used for haversine lengths.
EARTH_RADIUS_M = 6_371_008.8
#: Links shorter than this (duplicate points) are lengthened to it.
MIN_LINK_LENGTH_M = 1.0
#: File name endings read as OSM data.
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")

_TAG_KEYS = (
    "highway", "name", "oneway", "junction", "lanes", "lanes:forward", "lanes:backward",
    "maxspeed", "access", "vehicle", "motor_vehicle", "motorcar", "area",
)


def haversine_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances between consecutive points of a polyline, in metres.

    Parameters
    ----------
    lon, lat : ndarray
        Coordinates in degrees, length ``n``.

    Returns
    -------
    ndarray
        ``n - 1`` distances on a sphere of radius :data:`EARTH_RADIUS_M`.
    """
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    dphi = np.diff(phi)
    dlam = np.diff(lam)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(dlam / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


@dataclass(frozen=True)
class RoadPiece:
    """One road polyline before it is split into links.

    Attributes
    ----------
    way_id : str
        Id of the source way or feature; link ids are ``"<way_id>:<from>-<to>"``.
    node_ids : sequence of int
        Node id of every vertex; vertices with the same id are the same graph node.
    lon, lat : sequence of float
        Vertex coordinates (EPSG:4326), same length as ``node_ids``.
    highway, name : str
        Road class and name copied to the links.
    attrs : RoadAttributes
        Direction, lanes, speed and capacity per lane.
    capacity_vph : float or None
        Capacity of each directed link; ``None`` means ``capacity per lane * lanes``.
    """

    way_id: str
    node_ids: Sequence[int]
    lon: Sequence[float]
    lat: Sequence[float]
    highway: str
    name: str
    attrs: RoadAttributes
    capacity_vph: float | None = None


def _segments(nodes: Sequence[int], is_junction: set[int]) -> list[tuple[int, int]]:
    """Index ranges ``(start, end)`` of a piece between junctions; no self-loops."""
    cuts = [0] + [i for i in range(1, len(nodes) - 1) if nodes[i] in is_junction]
    cuts.append(len(nodes) - 1)
    out: list[tuple[int, int]] = []
    for s, e in itertools.pairwise(cuts):
        if nodes[s] == nodes[e]:
            if e - s < 2:
                continue
            m = (s + e) // 2
            out.extend([(s, m), (m, e)])
        else:
            out.append((s, e))
    return out


def build_network(pieces: Sequence[RoadPiece], source: str, notes: Sequence[str]) -> Network:
    """Split road polylines into directed links at junctions and build a :class:`Network`.

    A vertex becomes a node when it ends a piece or is used more than once (by several
    pieces or twice by one). Closed loops are split in the middle so no link starts and
    ends at the same node. Lengths are haversine sums along the polyline.

    Parameters
    ----------
    pieces : sequence of RoadPiece
        The roads; consecutive repeated node ids are ignored.
    source : str
        File name for the report.
    notes : sequence of str
        Remarks for the report; a note about lengthened links may be added.

    Returns
    -------
    Network
        All links, not yet filtered to the largest strongly connected component.

    Raises
    ------
    InputError
        When no link can be built.
    """
    uses: Counter[int] = Counter()
    clean: list[tuple[RoadPiece, list[int], list[int]]] = []
    for p in pieces:
        keep = [0] + [i for i in range(1, len(p.node_ids)) if p.node_ids[i] != p.node_ids[i - 1]]
        ids = [int(p.node_ids[i]) for i in keep]
        if len(ids) < 2:
            continue
        uses.update(ids)
        uses[ids[0]] += 1
        uses[ids[-1]] += 1
        clean.append((p, keep, ids))
    junction = {n for n, c in uses.items() if c > 1}

    offset = 0
    all_lon: list[float] = []
    all_lat: list[float] = []
    node_index: dict[int, int] = {}
    node_lon: list[float] = []
    node_lat: list[float] = []
    starts: list[int] = []
    ends: list[int] = []
    backward: list[bool] = []
    owner: list[int] = []
    for k, (p, keep, ids) in enumerate(clean):
        lon = [float(p.lon[i]) for i in keep]
        lat = [float(p.lat[i]) for i in keep]
        all_lon.extend(lon)
        all_lat.extend(lat)
        for s, e in _segments(ids, junction):
            for j in (s, e):
                if ids[j] not in node_index:
                    node_index[ids[j]] = len(node_lon)
                    node_lon.append(lon[j])
                    node_lat.append(lat[j])
            if p.attrs.lanes_forward > 0:
                starts.append(offset + s)
                ends.append(offset + e)
                backward.append(False)
                owner.append(k)
            if p.attrs.lanes_backward > 0:
                starts.append(offset + e)
                ends.append(offset + s)
                backward.append(True)
                owner.append(k)
        offset += len(ids)

    lon_a = np.asarray(all_lon, dtype=np.float64)
    lat_a = np.asarray(all_lat, dtype=np.float64)
    cum = np.concatenate([[0.0], np.cumsum(haversine_m(lon_a, lat_a))]) if offset else np.zeros(1)
    flat_ids = np.asarray([n for _, _, ids in clean for n in ids], dtype=np.int64)
    s_a = np.asarray(starts, dtype=np.int64)
    e_a = np.asarray(ends, dtype=np.int64)
    length = np.abs(cum[e_a] - cum[s_a])
    short = int((length < MIN_LINK_LENGTH_M).sum())
    length = np.maximum(length, MIN_LINK_LENGTH_M)
    notes = list(notes)
    if short:
        notes.append(f"{short} links shorter than {MIN_LINK_LENGTH_M:g} m were set to that length")

    n_links = len(starts)
    if n_links == 0:
        raise InputError.single(
            source, "", "no road has two distinct points, so no link could be built; check "
            "the road geometries"
        )
    lanes = np.empty(n_links)
    speed = np.empty(n_links)
    capacity = np.empty(n_links)
    link_ids: list[str] = []
    highway: list[str] = []
    name: list[str] = []
    geometry: list[np.ndarray] = []
    seen: set[str] = set()
    xy = np.column_stack([lon_a, lat_a]) if offset else np.zeros((0, 2))
    for i in range(n_links):
        p = clean[owner[i]][0]
        a = p.attrs
        lanes[i] = a.lanes_backward if backward[i] else a.lanes_forward
        speed[i] = a.speed_kph / 3.6
        capacity[i] = p.capacity_vph if p.capacity_vph is not None else (
            a.capacity_per_lane_vph * lanes[i]
        )
        lid = f"{p.way_id}:{flat_ids[s_a[i]]}-{flat_ids[e_a[i]]}"
        if lid in seen:
            lid = f"{lid}#{i}"
        seen.add(lid)
        link_ids.append(lid)
        highway.append(p.highway)
        name.append(p.name)
        lo, hi = (e_a[i], s_a[i]) if backward[i] else (s_a[i], e_a[i])
        g = xy[lo : hi + 1]
        geometry.append(g[::-1].copy() if backward[i] else g)

    n_nodes = len(node_lon)
    node_id = np.fromiter(node_index.keys(), dtype=np.int64, count=n_nodes)
    report = NetworkReport(
        source=source,
        nodes_read=n_nodes,
        links_read=n_links,
        nodes_kept=n_nodes,
        links_kept=n_links,
        notes=tuple(notes),
    )
    return Network(
        node_id=node_id,
        lon=np.asarray(node_lon, dtype=np.float64),
        lat=np.asarray(node_lat, dtype=np.float64),
        link_id=np.asarray(link_ids, dtype=object),
        link_from=np.asarray([node_index[int(flat_ids[j])] for j in starts], dtype=np.int64),
        link_to=np.asarray([node_index[int(flat_ids[j])] for j in ends], dtype=np.int64),
        length_m=length,
        lanes=lanes,
        speed_mps=speed,
        capacity_vph=capacity,
        highway=np.asarray(highway, dtype=object),
        name=np.asarray(name, dtype=object),
        report=report,
        geometry=geometry,
    )


def read_osm(path: str | Path) -> Network:
    """Read the drivable road network of an OSM extract.

    Parameters
    ----------
    path : str or Path
        An ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2`` file; nothing is downloaded.

    Returns
    -------
    Network
        The largest strongly connected component; ``report.notes`` counts the ways
        dropped and the defaults used.

    Raises
    ------
    InputError
        When the file is missing, unreadable, or has no drivable roads.
    """
    import osmium

    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError.single(
            source, "", "the OSM file does not exist; check the path or export the area "
            "from openstreetmap.org / download an extract (.osm.pbf) first"
        )
    if not path.name.lower().endswith(OSM_SUFFIXES):
        raise InputError.single(
            source, "", "an OSM file must end in .osm.pbf, .osm, .osm.gz or .osm.bz2"
        )
    t0 = time.perf_counter()
    dropped: Counter[str] = Counter()
    pieces: list[RoadPiece] = []
    n_ways = speed_default = lanes_default = missing_nodes = 0
    bad_speed: Counter[str] = Counter()
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in fp:
            if not isinstance(way, osmium.osm.Way):  # pragma: no cover - filtered out
                continue
            n_ways += 1
            wt = way.tags
            tags = {k: v for k in _TAG_KEYS if (v := wt.get(k)) is not None}
            hw = tags["highway"]
            if hw not in HIGHWAY_DEFAULTS:
                dropped[hw if hw in EXCLUDED_HIGHWAYS else "other classes"] += 1
                continue
            if tags.get("area", "").lower() == "yes":
                dropped["area=yes"] += 1
                continue
            if has_no_motor_access(tags):
                dropped["access=no/private"] += 1
                continue
            attrs = road_attributes(tags)
            if attrs is None:  # pragma: no cover - class checked above
                continue
            speed_default += attrs.speed_default
            lanes_default += attrs.lanes_default
            if attrs.speed_default and "maxspeed" in tags:
                bad_speed[tags["maxspeed"]] += 1
            ids: list[int] = []
            lons: list[float] = []
            lats: list[float] = []
            runs: list[tuple[list[int], list[float], list[float]]] = []
            for nd in way.nodes:
                loc = nd.location
                if loc.valid():
                    ids.append(nd.ref)
                    lons.append(loc.lon)
                    lats.append(loc.lat)
                else:
                    missing_nodes += 1
                    runs.append((ids, lons, lats))
                    ids, lons, lats = [], [], []
            runs.append((ids, lons, lats))
            for r_ids, r_lon, r_lat in runs:
                if len(r_ids) >= 2:
                    pieces.append(
                        RoadPiece(str(way.id), r_ids, r_lon, r_lat, hw, tags.get("name", ""), attrs)
                    )
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputError.single(
            source, "", f"could not read the OSM file ({exc}); check that it is a valid, "
            "complete OSM extract"
        ) from exc
    t_read = time.perf_counter() - t0
    kept = n_ways - sum(dropped.values())
    if not pieces:
        raise InputError.single(
            source, "highway", f"no drivable roads found among {n_ways} highway ways; use an "
            "extract that contains roads of the classes " + ", ".join(sorted(HIGHWAY_DEFAULTS))
        )
    notes = [f"{n_ways} highway ways read, {kept} drivable ways kept"]
    if dropped:
        notes.append("ways dropped: " + ", ".join(f"{k} {v}" for k, v in dropped.most_common()))
    notes.append(f"default speed of the road class used on {speed_default} of {kept} ways")
    notes.append(f"default lanes of the road class used on {lanes_default} of {kept} ways")
    if bad_speed:
        notes.append(
            "maxspeed values without a number (class default used): "
            + ", ".join(f"{k!r} {v}" for k, v in bad_speed.most_common(10))
        )
    if missing_nodes:
        notes.append(f"{missing_nodes} way nodes missing from the extract; ways cut there")
    net = largest_strong_component(build_network(pieces, source, notes))
    logger.info(
        "%s: read %d ways in %.2f s, network built in %.2f s total",
        source,
        n_ways,
        t_read,
        time.perf_counter() - t0,
    )
    return net
