"""Read a SUMO network (``.net.xml``) with sumolib, so SUMO users can bring theirs.

Every normal edge that passenger cars may use becomes a link with the edge's id, its
length, lane count and speed. SUMO edges carry no flow capacity: a link gets the per-lane
capacity of its road class when the edge type is an OSM one (``highway.primary``, as
netconvert writes for OSM imports), else :data:`DEFAULT_LANE_CAPACITY_VPH` per lane.
Junction-internal edges, crossings and walking areas are left out. Coordinates come from
the network's own projection (``location/@projParameter``); a network without one (a
plain x/y network, ``projParameter="!"``) needs the CRS of its original x/y.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.network.graph import Network, NetworkReport, largest_strong_component
from musterpoint.sim.network.highway_defaults import HIGHWAY_DEFAULTS
from musterpoint.sim.network.read_csv import to_wgs84

__all__ = ["DEFAULT_LANE_CAPACITY_VPH", "SUMO_SUFFIXES", "read_sumo_net"]

logger = logging.getLogger(__name__)

#: File names read as SUMO networks.
SUMO_SUFFIXES = (".net.xml", ".net.xml.gz")
#: Flow capacity of one lane of an edge whose type names no OSM road class (PCU/h).
DEFAULT_LANE_CAPACITY_VPH = 1800.0
_SKIP_FUNCTIONS = ("internal", "crossing", "walkingarea")


def _lane_capacity(edge_type: str) -> float:
    """Per-lane capacity (PCU/h) of a SUMO edge type such as ``highway.primary``."""
    cls = edge_type.split("|")[0].removeprefix("highway.")
    d = HIGHWAY_DEFAULTS.get(cls)
    return float(d.capacity_per_lane_vph) if d is not None else DEFAULT_LANE_CAPACITY_VPH


def _node_numbers(ids: list[str]) -> tuple[np.ndarray, str]:
    """Whole-number node ids: SUMO's own if all are whole numbers, else 0, 1, ... in order."""
    try:
        return np.array([int(i) for i in ids], dtype=np.int64), ""
    except ValueError:
        return (np.arange(len(ids), dtype=np.int64),
                "SUMO node ids are not whole numbers: nodes are numbered 0, 1, ... in the "
                "file's order (see links.parquet); links keep the SUMO edge ids")


def _to_lon_lat(net: Any, file: str, x: np.ndarray, y: np.ndarray,
                crs: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Net x/y to WGS 84 with the network's projection, else with ``crs``."""
    if net.hasGeoProj():
        lon, lat = net.convertXY2LonLat(x, y)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if crs is None:
        raise InputError.single(file, "crs", "the SUMO network has no geo-reference "
                                "(location projParameter is '!'); give network.crs, the CRS "
                                "of its original x/y, or build it with netconvert --proj.utm")
    off_x, off_y = net.getLocationOffset()
    return to_wgs84(file, x - off_x, y - off_y, crs)


def read_sumo_net(path: str | Path, crs: str | None = None) -> Network:
    """Read a SUMO ``.net.xml`` road network.

    Parameters
    ----------
    path : str or Path
        The network file (``.net.xml`` or ``.net.xml.gz``).
    crs : str, optional
        CRS of the network's original x/y, needed only when it has no projection.

    Returns
    -------
    Network
        The largest strongly connected part of its car links, in EPSG:4326.

    Raises
    ------
    InputError
        The file cannot be read as a SUMO network, has no car edges, or has no
        geo-reference and no ``crs`` is given.
    """
    import sumolib

    file = str(path)
    try:
        net = sumolib.net.readNet(file, withInternal=False)
    except Exception as exc:  # lxml and sumolib raise many kinds
        raise InputError.single(file, "", f"cannot read the SUMO network: {exc}; give a "
                                ".net.xml written by netconvert") from exc
    edges = [e for e in net.getEdges() if e.getFunction() not in _SKIP_FUNCTIONS
             and e.allows("passenger")]
    if not edges:
        raise InputError.single(file, "", "the SUMO network has no edges that passenger cars "
                                "may use")
    nodes = sorted({n.getID(): n for e in edges
                    for n in (e.getFromNode(), e.getToNode())}.items())
    pos = {nid: i for i, (nid, _) in enumerate(nodes)}
    xy = np.array([n.getCoord()[:2] for _, n in nodes], dtype=np.float64)
    lon, lat = _to_lon_lat(net, file, xy[:, 0], xy[:, 1], crs)
    node_id, note = _node_numbers([nid for nid, _ in nodes])
    shapes = [np.array([p[:2] for p in e.getShape()], dtype=np.float64) for e in edges]
    flat = np.concatenate(shapes)
    slon, slat = _to_lon_lat(net, file, flat[:, 0], flat[:, 1], crs)
    ends = np.cumsum([len(s) for s in shapes])
    geometry = [np.column_stack([slon[a:b], slat[a:b]])
                for a, b in zip([0, *ends[:-1].tolist()], ends.tolist(), strict=True)]
    lanes = np.array([max(e.getLaneNumber(), 1) for e in edges], dtype=np.float64)
    types = [str(e.getType() or "") for e in edges]
    notes = ["read from a SUMO network with sumolib"] + ([note] if note else [])
    if not any(t.startswith("highway.") for t in types):
        notes.append(f"SUMO edges carry no capacity: {DEFAULT_LANE_CAPACITY_VPH:.0f} PCU/h "
                     "per lane assumed")
    report = NetworkReport(source=file, nodes_read=len(nodes), links_read=len(edges),
                           nodes_kept=len(nodes), links_kept=len(edges), notes=tuple(notes))
    out = Network(
        node_id=node_id, lon=lon, lat=lat,
        link_id=np.array([e.getID() for e in edges], dtype=object),
        link_from=np.array([pos[e.getFromNode().getID()] for e in edges], dtype=np.int64),
        link_to=np.array([pos[e.getToNode().getID()] for e in edges], dtype=np.int64),
        length_m=np.array([max(e.getLength(), 0.1) for e in edges], dtype=np.float64),
        lanes=lanes,
        speed_mps=np.array([e.getSpeed() for e in edges], dtype=np.float64),
        capacity_vph=lanes * np.array([_lane_capacity(t) for t in types]),
        highway=np.array([t.split("|")[0].removeprefix("highway.") or "unknown"
                          for t in types], dtype=object),
        name=np.array([str(e.getName() or "") for e in edges], dtype=object),
        report=report, geometry=geometry,
    )
    logger.info("%s: read %d SUMO nodes and %d edges", file, out.n_nodes, out.n_links)
    return largest_strong_component(out)
