"""The district's area and its road network: clip an OSM extract or a line layer, copy CSV.

A whole-province OSM extract is cut down to the ways with a ``highway`` tag that have at
least one node inside the area (the district polygon or bbox grown by ``buffer_m``);
ways crossing the edge are kept whole so no road ends short of the boundary. Only those
ways and their nodes are written (``data/roads.osm.pbf``). Without an area the extract is
copied as it is.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musterpoint.district.spec import AreaSpec, RoadsSpec
from musterpoint.scenarios.errors import InputError

__all__ = ["PreparedRoads", "area_geometry", "prepare_roads"]

logger = logging.getLogger(__name__)

_OSM = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")
_LAYERS = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml")


@dataclass
class PreparedRoads:
    """The network section of the scenario and what was done to get it."""

    network: dict[str, Any]
    copied: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def area_geometry(area: AreaSpec) -> Any | None:
    """The area (a shapely geometry in WGS 84, buffered), or None when none is given.

    Parameters
    ----------
    area : AreaSpec
        The polygon file or the bbox, and the buffer in metres.

    Returns
    -------
    shapely geometry or None

    Raises
    ------
    InputError
        If the polygon file cannot be read, has no CRS or no polygon.
    """
    import geopandas as gpd
    from shapely.geometry import box

    if area.polygon is not None:
        file = str(area.polygon)
        try:
            gdf = gpd.read_file(area.polygon)
        except Exception as exc:
            raise InputError.single(file, "", f"cannot read the area layer: {exc}") from exc
        if gdf.crs is None:
            raise InputError.single(file, "crs", "the area layer has no coordinate system; "
                                    "give it one (a .prj file) and try again")
        gdf = gdf[~gdf.geometry.isna()]
        if gdf.empty or not gdf.geom_type.str.contains("Polygon").any():
            raise InputError.single(file, "", "the area layer has no polygon")
        geom = gdf.to_crs("EPSG:4326").geometry.union_all()
    elif area.bbox is not None:
        geom = box(*area.bbox)
    else:
        return None
    if area.buffer_m > 0:
        gs = gpd.GeoSeries([geom], crs="EPSG:4326")
        utm = gs.estimate_utm_crs()
        geom = gs.to_crs(utm).buffer(area.buffer_m).to_crs("EPSG:4326").iloc[0]
    return geom


def _clip_osm(src: Path, dst: Path, geom: Any) -> tuple[int, int]:
    """Write the highway ways of ``src`` with a node inside ``geom``; (ways, nodes)."""
    import osmium
    import shapely

    shapely.prepare(geom)
    keep_ways: set[int] = set()
    keep_nodes: set[int] = set()
    fp = (osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
          .with_locations()
          .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
          .with_filter(osmium.filter.KeyFilter("highway")))
    for way in fp:
        if not isinstance(way, osmium.osm.Way):  # pragma: no cover - filtered out
            continue
        refs = [n for n in way.nodes if n.location.valid()]
        if not refs:
            continue
        xs = np.fromiter((n.lon for n in refs), float, len(refs))
        ys = np.fromiter((n.lat for n in refs), float, len(refs))
        if bool(shapely.contains_xy(geom, xs, ys).any()):
            keep_ways.add(way.id)
            keep_nodes.update(n.ref for n in way.nodes)
    if not keep_ways:
        return 0, 0
    if dst.exists():
        dst.unlink()
    with osmium.SimpleWriter(str(dst)) as writer:
        for obj in osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY):
            if isinstance(obj, osmium.osm.Node):
                if obj.id in keep_nodes:
                    writer.add_node(obj)
            elif obj.id in keep_ways:
                writer.add_way(obj)
    return len(keep_ways), len(keep_nodes)


def _copy_with_sidecars(src: Path, data: Path, stem: str | None = None) -> list[Path]:
    """Copy a file and the files beside it with the same stem (a shapefile's .dbf, .prj)."""
    out = []
    for f in sorted(src.parent.glob(src.stem + ".*")) if src.suffix == ".shp" else [src]:
        dst = data / ((stem + f.suffix) if stem else f.name)
        shutil.copy2(f, dst)
        out.append(dst)
    return out


def prepare_roads(roads: RoadsSpec, geom: Any | None, data: Path) -> PreparedRoads:
    """Copy (or clip) the road network into ``data`` and describe it for the scenario.

    Parameters
    ----------
    roads : RoadsSpec
        The road file.
    geom : shapely geometry or None
        The area (WGS 84) to clip to.
    data : Path
        The scenario's data folder.

    Returns
    -------
    PreparedRoads

    Raises
    ------
    InputError
        If the file is missing or of an unknown kind, or the area holds no road.
    """
    src = roads.file
    file = str(src)
    if not src.exists():
        raise InputError.single(file, "--roads", "file not found; check the path")
    name = src.name.lower()
    if name.endswith(_OSM):
        if geom is None:
            (dst,) = _copy_with_sidecars(src, data)
            return PreparedRoads({"osm": f"data/{dst.name}"}, [dst],
                                 [f"roads: {src.name}, copied whole"])
        dst = data / "roads.osm.pbf"
        ways, nodes = _clip_osm(src, dst, geom)
        if ways == 0:
            raise InputError.single(file, "--area", (
                "no road of the extract lies inside the area (the clip is empty); check "
                "that the area and the extract cover the same place, and the area's CRS"))
        return PreparedRoads({"osm": "data/roads.osm.pbf"}, [dst], [
            f"roads: {src.name} clipped to the area: {ways:,} highway ways with a node "
            f"inside it (kept whole), {nodes:,} nodes"])
    if name.endswith(_LAYERS):
        net: dict[str, Any] = {"layer": ""}
        if roads.layer:
            net["layer_name"] = roads.layer
        if geom is None:
            copied = _copy_with_sidecars(src, data)
            net["layer"] = f"data/{copied[0].name}"
            return PreparedRoads(net, copied, [f"roads: {src.name}, copied whole"])
        import geopandas as gpd

        gdf = gpd.read_file(src, layer=roads.layer) if roads.layer else gpd.read_file(src)
        if gdf.crs is None:
            if roads.crs is None:
                raise InputError.single(file, "crs", "the line layer has no coordinate "
                                        "system; give it with --roads-crs")
            gdf = gdf.set_crs(roads.crs)
        kept = gdf[gdf.to_crs("EPSG:4326").intersects(geom)]
        if kept.empty:
            raise InputError.single(file, "--area", "no line of the layer lies inside the "
                                    "area (the clip is empty); check the area and its CRS")
        dst = data / "roads.gpkg"
        kept.to_file(dst, layer="roads", driver="GPKG")
        return PreparedRoads({"layer": "data/roads.gpkg", "layer_name": "roads"}, [dst],
                             [f"roads: {src.name} clipped to the area: {len(kept):,} of "
                              f"{len(gdf):,} lines"])
    if src.is_dir() or name.endswith(".csv"):
        nodes_f = src / "nodes.csv" if src.is_dir() else src
        links_f = (src / "links.csv" if src.is_dir()
                   else src.with_name(src.name.replace("nodes", "links")))
        for f in (nodes_f, links_f):
            if not f.is_file():
                raise InputError.single(str(f), "--roads", "file not found; a CSV network "
                                        "is nodes.csv (id,x,y) and links.csv beside it")
        if roads.crs is None:
            raise InputError.single(file, "--roads-crs", "a CSV network needs the CRS of "
                                    "its x/y columns, e.g. EPSG:4326")
        shutil.copy2(nodes_f, data / "nodes.csv")
        shutil.copy2(links_f, data / "links.csv")
        return PreparedRoads({"nodes": "data/nodes.csv", "links": "data/links.csv",
                              "crs": roads.crs}, [data / "nodes.csv", data / "links.csv"],
                             ["roads: CSV network copied whole (CSV networks are not clipped)"])
    raise InputError.single(file, "--roads", (
        "unknown road file kind; give an OSM extract (.osm.pbf, .osm, .osm.gz), a line "
        "layer (.geojson, .gpkg, .shp) or a CSV network (nodes.csv + links.csv)"))
