"""Convert mosstool's RoadNet GeoJSON (net.geojson) into a plain road line layer.

Run from this folder: ``python make_roads.py path/to/net.geojson`` writes
``optics_valley_roads.geojson``. What it does (and nothing else):

* keeps the 205 directed ``LineString`` ways and drops the 105 ``MultiPoint`` junctions;
* marks every way ``oneway: yes`` (each mosstool way is one direction of a road);
* ``speed_kph = max_speed * 3.6`` (mosstool gives m/s); keeps ``lanes``, ``highway``,
  ``name`` (Chinese street names) and the mosstool way id as ``id`` (``w<id>``);
* joins the ways at each junction: a way that ends at a junction (its ``in_ways``) gets
  the junction's centre appended as its last vertex, a way that starts there (``out_ways``)
  gets it prepended, so that every turn through the junction is possible (mosstool keeps
  the turning lanes inside junctions, which this file does not have);
* drops the z coordinate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(src: str, out: str = "optics_valley_roads.geojson") -> None:
    data = json.loads(Path(src).read_text(encoding="utf-8"))
    feats = data["features"]
    centre: dict[int, list[float]] = {}
    ends: dict[int, int] = {}
    starts: dict[int, int] = {}
    for f in feats:
        if f["geometry"]["type"] != "MultiPoint":
            continue
        pts = f["geometry"]["coordinates"]
        jid = int(f["properties"]["id"])
        centre[jid] = [round(sum(p[0] for p in pts) / len(pts), 7),
                       round(sum(p[1] for p in pts) / len(pts), 7)]
        for w in f["properties"]["in_ways"]:
            ends[int(w)] = jid
        for w in f["properties"]["out_ways"]:
            starts[int(w)] = jid
    roads = []
    for f in feats:
        if f["geometry"]["type"] != "LineString":
            continue
        p = f["properties"]
        wid = int(p["id"])
        coords = [[c[0], c[1]] for c in f["geometry"]["coordinates"]]
        if wid in starts and coords[0] != centre[starts[wid]]:
            coords.insert(0, centre[starts[wid]])
        if wid in ends and coords[-1] != centre[ends[wid]]:
            coords.append(centre[ends[wid]])
        roads.append({
            "type": "Feature",
            "properties": {"id": f"w{wid}", "highway": p["highway"], "oneway": "yes",
                           "lanes": int(p["lanes"]),
                           "speed_kph": round(float(p["max_speed"]) * 3.6, 1),
                           "name": p.get("name") or ""},
            "geometry": {"type": "LineString", "coordinates": coords},
        })
    fc = {"type": "FeatureCollection", "name": "optics_valley_roads",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
          "features": roads}
    Path(out).write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n",
                         encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
