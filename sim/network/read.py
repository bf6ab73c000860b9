"""Pick the right road-network reader for a file.

- ``*.osm.pbf``, ``*.pbf``, ``*.osm``, ``*.osm.gz``, ``*.osm.bz2``:
  :func:`~musterpoint.sim.network.read_osm.read_osm`.
- ``*.geojson``, ``*.json``, ``*.gpkg``, ``*.shp``, ``*.fgb``, ``*.gml``:
  :func:`~musterpoint.sim.network.read_layer.read_line_layer`.
- ``*.net.xml``, ``*.net.xml.gz`` (SUMO): :func:`~musterpoint.sim.network.read_sumo.read_sumo_net`.
- A folder with ``nodes.csv`` and ``links.csv``, or a ``*nodes*.csv`` file (its partner is
  the same name with ``links``): :func:`~musterpoint.sim.network.read_csv.read_csv_network`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.network.graph import Network
from musterpoint.sim.network.read_csv import read_csv_network
from musterpoint.sim.network.read_layer import LAYER_SUFFIXES, read_line_layer
from musterpoint.sim.network.read_osm import OSM_SUFFIXES, read_osm
from musterpoint.sim.network.read_sumo import SUMO_SUFFIXES, read_sumo_net

__all__ = ["read_network"]

logger = logging.getLogger(__name__)

_SUPPORTED = (
    "an OSM extract (.osm.pbf, .osm, .osm.gz), a line layer (.geojson, .gpkg, .shp), "
    "a SUMO network (.net.xml) or a folder with nodes.csv and links.csv"
)


def _links_for(nodes_csv: Path) -> Path:
    """The links file that goes with a nodes file: ``nodes.csv`` -> ``links.csv``."""
    name = nodes_csv.name
    if "nodes" in name:
        return nodes_csv.with_name(name.replace("nodes", "links"))
    if "NODES" in name:
        return nodes_csv.with_name(name.replace("NODES", "LINKS"))
    return nodes_csv.with_name("links.csv")


def read_network(
    path: str | Path,
    *,
    crs: str | None = None,
    links_csv: str | Path | None = None,
    layer: str | None = None,
) -> Network:
    """Read a road network, choosing the reader from the file name.

    Parameters
    ----------
    path : str or Path
        OSM extract, GIS line layer, CSV folder or nodes CSV (see the module table).
    crs : str, optional
        CRS of CSV coordinates (required for CSV), the CRS to assume for a line
        layer that declares none, or of a SUMO network's x/y when it has no projection.
        Ignored for OSM (always EPSG:4326).
    links_csv : str or Path, optional
        Links file when ``path`` is a nodes CSV whose partner is not named alike.
    layer : str, optional
        Layer name inside a multi-layer file (GeoPackage).

    Returns
    -------
    Network
        Reprojected to EPSG:4326 and reduced to the largest strongly connected component.

    Raises
    ------
    InputError
        When the file does not exist, its type is not supported, or the reader rejects it.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputError.single(
            file, "", f"the road network file does not exist; check the path. Give {_SUPPORTED}"
        )
    name = path.name.lower()
    if path.is_dir():
        nodes = path / "nodes.csv"
        links = Path(links_csv) if links_csv is not None else path / "links.csv"
        if not nodes.is_file():
            raise InputError.single(
                str(nodes), "", "the network folder has no nodes.csv; add it (columns id, x, "
                f"y) or give {_SUPPORTED}"
            )
        return read_csv_network(nodes, links, _csv_crs(str(nodes), crs))
    if name.endswith(OSM_SUFFIXES):
        logger.debug("%s: reading as OSM", file)
        return read_osm(path)
    if name.endswith(SUMO_SUFFIXES):
        logger.debug("%s: reading as a SUMO network", file)
        return read_sumo_net(path, crs=crs)
    if name.endswith(LAYER_SUFFIXES):
        logger.debug("%s: reading as a line layer", file)
        return read_line_layer(path, layer=layer, crs=crs)
    if name.endswith(".csv"):
        links = Path(links_csv) if links_csv is not None else _links_for(path)
        return read_csv_network(path, links, _csv_crs(file, crs))
    raise InputError.single(
        file, "", f"unsupported road network file type {path.suffix!r}; give {_SUPPORTED}"
    )


def _csv_crs(file: str, crs: str | None) -> str:
    """The CRS for a CSV network, which must be stated."""
    if crs is None:
        raise InputError.single(
            file, "crs", "CSV networks need the CRS of the x/y columns; state it, for "
            "example 'EPSG:4326' (x = longitude, y = latitude) or a UTM zone such as "
            "'EPSG:32722'"
        )
    return crs
