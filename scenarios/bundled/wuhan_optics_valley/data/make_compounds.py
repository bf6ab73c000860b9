"""Write the assumed residential compounds of the Optics Valley scenario.

Run from this folder after ``make_roads.py``: ``python make_compounds.py`` writes
``compounds.geojson`` (one point per compound with its assumed population: the
scenario's population layer) and prints the ``health.compounds`` block of
``scenario.yaml``. Each compound sits in a block between real streets of the network;
each gate is the point of the named street nearest to the compound's centre (moved 1 m
off the kerb is not needed: gates snap to the nearest road node). Names, centres and
populations are planning assumptions (see ../README.md), not real compounds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from shapely.geometry import LineString, Point
from shapely.ops import nearest_points

# id, English name, Chinese name, lon, lat, population, gate streets
COMPOUNDS = [
    ("C01", "Songtao Garden", "松涛花园", 114.5047, 30.4951, 5200, ["松涛路", "无名路"]),
    ("C02", "Gaoxin West Court", "高新西苑", 114.5040, 30.4930, 6100, ["高新大道", "松涛路"]),
    ("C03", "Liulu Court", "六路小区", 114.5062, 30.4930, 4800, ["光谷六路", "高新大道"]),
    ("C04", "Chenhui Garden", "晨晖花园", 114.5092, 30.4939, 3600, ["晨晖街", "光谷六路"]),
    ("C05", "Xuri South Court", "旭日南苑", 114.5096, 30.4925, 4200, ["晨晖街", "高新大道"]),
    ("C06", "Liri Garden", "丽日花园", 114.5088, 30.4956, 3900, ["光谷六路", "丽日街"]),
    ("C07", "Xuri North Court", "旭日北苑", 114.5110, 30.4962, 3300, ["旭日路", "丽日街"]),
    ("C08", "Jiufeng South Court", "九峰南苑", 114.5125, 30.4926, 3000, ["九峰南路", "晨晖街"]),
    ("C09", "Gaoke Garden", "高科花园", 114.5140, 30.4945, 2800, ["高科园路", "晨晖街"]),
    ("C10", "Hongri Court", "红日小区", 114.5130, 30.4966, 2400, ["红日街", "九峰南路"]),
]


def main() -> None:
    roads = json.loads(Path("optics_valley_roads.geojson").read_text(encoding="utf-8"))
    by_name: dict[str, list[LineString]] = {}
    for f in roads["features"]:
        by_name.setdefault(f["properties"]["name"], []).append(
            LineString(f["geometry"]["coordinates"]))
    feats = []
    lines = ["  compounds:"]
    k = np.cos(np.radians(30.495))
    for cid, en, zh, lon, lat, pop, streets in COMPOUNDS:
        feats.append({"type": "Feature",
                      "properties": {"id": cid, "name": en, "name_zh": zh, "population": pop},
                      "geometry": {"type": "Point", "coordinates": [lon, lat]}})
        gates = []
        for g, street in enumerate(streets, start=1):
            c = Point(lon, lat)
            best = min((nearest_points(c, ln)[1] for ln in by_name[street]),
                       key=lambda p: ((p.x - lon) * k) ** 2 + (p.y - lat) ** 2)
            gates.append(f"{{id: G{g}, lon: {best.x:.6f}, lat: {best.y:.6f}}}")
        hh = round(pop / 2.6)
        lines.append(f"    - {{id: {cid}, name: \"{en}\", name_zh: \"{zh}\", lon: {lon}, "
                     f"lat: {lat}, population: {pop}, households: {hh},")
        lines.append(f"       gates: [{', '.join(gates)}]}}")
    fc = {"type": "FeatureCollection", "name": "compounds",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
          "features": feats}
    Path("compounds.geojson").write_text(json.dumps(fc, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
    # the YAML block for scenario.yaml, next to the GeoJSON
    Path("compounds.scenario.yaml.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
