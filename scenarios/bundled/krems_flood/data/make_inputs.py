"""Make the Krems flood-extent and shelter inputs of ``muster new`` from the OSM extract.

Run from this folder: ``python make_inputs.py`` (reads ``krems.osm.gz``; writes
``krems_flood_extent.geojson`` and ``krems_shelters.csv``). Both are schematic planning
assumptions, not hydraulic results; see README.md.

Flood extent: the Danube's water areas in the extract (``natural=water`` / ``waterway=
riverbank`` named Donau, and the riverbank relation) grown by 150 m from hour 1, 350 m
from hour 2.5 and 600 m from hour 4 (UTM 33N), a stand-in for a rising Danube flood over
the low banks of Stein and Mautern; the town on the terraces north of the old town stays
dry. Shelters: the named schools, the university and the town hall of the extract whose
centroid lies at least 200 m outside the largest extent; capacities are assumptions
(600 persons for a school, 1,000 for the university campus, 300 for the town hall).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import osmium
import shapely.wkb

HERE = Path(__file__).resolve().parent
OSM = HERE / "krems.osm.gz"
STEPS = [(1.0, 150.0), (2.5, 350.0), (4.0, 600.0)]
CAPACITY = {"school": 600, "university": 1000, "townhall": 300}


def main() -> None:
    wkb = osmium.geom.WKBFactory()
    water, places = [], []
    for area in osmium.FileProcessor(str(OSM)).with_areas().with_filter(
            osmium.filter.EntityFilter(osmium.osm.AREA)):
        if not isinstance(area, osmium.osm.Area):
            continue
        tags = area.tags
        geom = shapely.wkb.loads(wkb.create_multipolygon(area), hex=True)
        if (tags.get("waterway") == "riverbank" or tags.get("natural") == "water") and \
                "Donau" in (tags.get("name") or "Donau"):
            water.append(geom)
        if tags.get("amenity") in CAPACITY and tags.get("name"):
            places.append((tags["name"], tags["amenity"], geom.centroid))
    river = gpd.GeoSeries(water, crs="EPSG:4326").to_crs("EPSG:32633")
    river = river[river.area > 50_000].union_all()  # the Danube, not ponds
    rows = [{"from_h": h, "name": f"Danube flood +{d:.0f} m",
             "geometry": river.buffer(d).simplify(10)} for h, d in STEPS]
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:32633").to_crs("EPSG:4326")
    gdf.to_file(HERE / "krems_flood_extent.geojson", driver="GeoJSON")
    largest = river.buffer(STEPS[-1][1] + 200)
    with (HERE / "krems_shelters.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "lon", "lat", "capacity"])
        seen = set()
        for name, kind, c in sorted(places, key=lambda p: p[0]):
            p = gpd.GeoSeries([c], crs="EPSG:4326").to_crs("EPSG:32633").iloc[0]
            if largest.contains(p) or name in seen:
                continue
            seen.add(name)
            w.writerow([name, round(c.x, 7), round(c.y, 7), CAPACITY[kind]])


if __name__ == "__main__":
    main()
