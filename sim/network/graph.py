"""The road network as the simulation sees it: flat arrays of nodes and directed links.

Every reader (OSM extract, CSV pair, GIS line layer) produces a :class:`Network`.
Coordinates are always WGS 84 longitude/latitude (EPSG:4326); readers reproject.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "EFFECTIVE_CELL_M",
    "Network",
    "NetworkReport",
    "largest_strong_component",
    "storage_capacity_pcu",
    "wkt_line",
]

logger = logging.getLogger(__name__)

#: Space one passenger-car unit takes in a queue (metres), as in MATSim and JDEQSim.
EFFECTIVE_CELL_M = 7.5


def storage_capacity_pcu(
    length_m: np.ndarray, lanes: np.ndarray, speed_mps: np.ndarray, capacity_vph: np.ndarray
) -> np.ndarray:
    """Storage capacity of links in PCU.

    ``length * lanes / 7.5 m``, but never less than the number of vehicles the link
    must hold to sustain its flow capacity at free speed (``L / v * C``) and never less
    than one PCU, so that short links neither throttle flow nor close themselves.
    """
    jam = length_m * lanes / EFFECTIVE_CELL_M
    flow_hold = (length_m / speed_mps) * (capacity_vph / 3600.0)
    return np.asarray(np.maximum(np.maximum(jam, flow_hold), 1.0), dtype=np.float64)


def wkt_line(coords: np.ndarray) -> str:
    """A polyline ``[(lon, lat), ...]`` as WKT with 6 decimals (about 0.1 m)."""
    return "LINESTRING (" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in coords) + ")"


@dataclass(frozen=True)
class NetworkReport:
    """What a reader found and what it dropped.

    Attributes
    ----------
    source : str
        File the network came from.
    nodes_read, links_read : int
        Drivable nodes and directed links before component filtering.
    nodes_kept, links_kept : int
        Nodes and links in the largest strongly connected component.
    notes : list of str
        Human-readable remarks (defaults used, tags ignored, ...).
    """

    source: str
    nodes_read: int
    links_read: int
    nodes_kept: int
    links_kept: int
    notes: tuple[str, ...] = ()

    @property
    def nodes_dropped(self) -> int:
        """Nodes outside the largest strongly connected component."""
        return self.nodes_read - self.nodes_kept

    @property
    def links_dropped(self) -> int:
        """Links outside the largest strongly connected component."""
        return self.links_read - self.links_kept


@dataclass(frozen=True, eq=False)
class Network:
    """A directed road network in flat arrays.

    Attributes
    ----------
    node_id : ndarray of int64
        Original node ids (OSM ids or the CSV ``id``).
    lon, lat : ndarray of float64
        Node coordinates, EPSG:4326.
    link_id : ndarray of str (object)
        Link ids, unique. OSM links are ``"<way>:<from>-<to>"``.
    link_from, link_to : ndarray of int64
        Index (not id) of the start and end node of each link.
    length_m : ndarray of float64
        Link length in metres (> 0).
    lanes : ndarray of float64
        Lanes in the link's direction (>= 1).
    speed_mps : ndarray of float64
        Free-flow speed in m/s (> 0).
    capacity_vph : ndarray of float64
        Flow capacity of the whole link in PCU per hour (> 0).
    highway : ndarray of str (object)
        Road class (OSM ``highway`` value, or ``"unknown"``).
    name : ndarray of str (object)
        Road name, ``""`` when unknown.
    geometry : list of ndarray or None
        Optional per-link polyline, each an ``(n, 2)`` array of lon/lat including the end
        points; ``None`` means straight lines between the end nodes.
    report : NetworkReport
        Provenance of the network and what was dropped.
    """

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    link_id: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    length_m: np.ndarray
    lanes: np.ndarray
    speed_mps: np.ndarray
    capacity_vph: np.ndarray
    highway: np.ndarray
    name: np.ndarray
    report: NetworkReport
    geometry: list[np.ndarray] | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.shape[0])

    @property
    def n_links(self) -> int:
        """Number of directed links."""
        return int(self.link_from.shape[0])

    @property
    def freeflow_s(self) -> np.ndarray:
        """Free-flow travel time of each link in seconds."""
        return np.asarray(self.length_m / self.speed_mps, dtype=np.float64)

    @property
    def storage_pcu(self) -> np.ndarray:
        """Storage capacity of each link in PCU (see :func:`storage_capacity_pcu`)."""
        return storage_capacity_pcu(self.length_m, self.lanes, self.speed_mps, self.capacity_vph)

    def link_coords(self, i: int) -> np.ndarray:
        """Polyline of link ``i`` as an ``(n, 2)`` lon/lat array."""
        if self.geometry is not None:
            return self.geometry[i]
        a, b = int(self.link_from[i]), int(self.link_to[i])
        return np.array([[self.lon[a], self.lat[a]], [self.lon[b], self.lat[b]]])

    def link_wkt(self) -> list[str]:
        """Each link's polyline as WKT (``LINESTRING (lon lat, ...)``, 6 decimals).

        Made once and kept with the network (about 0.3 s for the default scenario's
        links); it is pickled with it, so a World loaded from the cache has it already.
        """
        memo = self.__dict__.get("_link_wkt")
        if memo is None and self.geometry is None:
            # straight links: format each node once, then join its two ends (the same
            # text as wkt_line; 99,224 links: 3.4 s -> 0.3 s)
            ends = [f"{x:.6f} {y:.6f}" for x, y in zip(self.lon.tolist(), self.lat.tolist(),
                                                       strict=True)]
            memo = [f"LINESTRING ({ends[a]}, {ends[b]})" for a, b in
                    zip(self.link_from.tolist(), self.link_to.tolist(), strict=True)]
            self.__dict__["_link_wkt"] = memo
        elif memo is None:
            memo = [wkt_line(self.link_coords(i)) for i in range(self.n_links)]
            self.__dict__["_link_wkt"] = memo
        return list(memo)

    def link_positions(self) -> Mapping[str, int]:
        """Each link's position by its id as text (``str(link_id)``); shared: not to be
        changed.

        Made on first use and kept with the network, so the runs of a World share it (a
        plan's levers, commands and levels, closures and routes name links by id); not
        pickled (a region's million links would weigh on every cached World's load).
        """
        memo = self.__dict__.get("_link_pos")
        if memo is None:
            memo = {str(lid): i for i, lid in enumerate(self.link_id)}
            self.__dict__["_link_pos"] = memo
        return memo

    def __getstate__(self) -> dict[str, object]:
        """Pickle the link polylines as one array and offsets (loads ten times faster)."""
        state = dict(self.__dict__)
        state.pop("_link_pos", None)  # made again on first use
        geom = self.geometry
        if geom and all(g.dtype == np.float64 and g.ndim == 2 and g.shape[1] == 2
                        for g in geom):
            ends = np.cumsum([g.shape[0] for g in geom], dtype=np.int64)
            state["geometry"] = ("packed", np.concatenate(geom), ends)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpack what :meth:`__getstate__` packed (each polyline a view, same values)."""
        geom = state.get("geometry")
        if isinstance(geom, tuple) and geom[0] == "packed":
            flat, ends = geom[1], geom[2].tolist()
            state = {**state, "geometry": [flat[a:b] for a, b in zip([0, *ends[:-1]], ends,
                                                                      strict=True)]}
        self.__dict__.update(state)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the nodes."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def subset_links(self, keep: np.ndarray, report: NetworkReport) -> Network:
        """A network with only the links where ``keep`` is true and the nodes they use."""
        keep = np.asarray(keep, dtype=bool)
        used = np.zeros(self.n_nodes, dtype=bool)
        used[self.link_from[keep]] = True
        used[self.link_to[keep]] = True
        new_index = np.full(self.n_nodes, -1, dtype=np.int64)
        new_index[used] = np.arange(int(used.sum()))
        geometry = None
        if self.geometry is not None:
            geometry = [g for g, k in zip(self.geometry, keep, strict=True) if k]
        return Network(
            node_id=self.node_id[used],
            lon=self.lon[used],
            lat=self.lat[used],
            link_id=self.link_id[keep],
            link_from=new_index[self.link_from[keep]],
            link_to=new_index[self.link_to[keep]],
            length_m=self.length_m[keep],
            lanes=self.lanes[keep],
            speed_mps=self.speed_mps[keep],
            capacity_vph=self.capacity_vph[keep],
            highway=self.highway[keep],
            name=self.name[keep],
            report=report,
            geometry=geometry,
        )


def largest_strong_component(net: Network) -> Network:
    """Keep the largest strongly connected component of ``net`` and record what was dropped.

    Every node of the result can reach every other node, so no evacuee is placed where no
    route leads out. The numbers dropped are logged and kept in ``report``.
    """
    from scipy.sparse import csr_matrix  # scipy only where a network is read
    from scipy.sparse.csgraph import connected_components

    n = net.n_nodes
    if n == 0 or net.n_links == 0:
        return net
    adj = csr_matrix(
        (np.ones(net.n_links), (net.link_from, net.link_to)), shape=(n, n)
    )
    _, labels = connected_components(adj, directed=True, connection="strong")
    biggest = np.bincount(labels).argmax()
    in_big = labels == biggest
    keep = in_big[net.link_from] & in_big[net.link_to]
    old = net.report
    report = NetworkReport(
        source=old.source,
        nodes_read=old.nodes_read,
        links_read=old.links_read,
        nodes_kept=int(in_big.sum()),
        links_kept=int(keep.sum()),
        notes=old.notes,
    )
    logger.info(
        "%s: kept the largest strongly connected component: %d of %d nodes, %d of %d links",
        old.source,
        report.nodes_kept,
        report.nodes_read,
        report.links_kept,
        report.links_read,
    )
    return net.subset_links(keep, report)
