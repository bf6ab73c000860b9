"""Tests of the road-network readers: OSM, CSV pair, GIS line layer and the dispatcher."""

from __future__ import annotations

import gzip
import math
import time
from pathlib import Path

import numpy as np
import pytest

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.network.graph import Network
from musterpoint.sim.network.highway_defaults import (
    HIGHWAY_DEFAULTS,
    parse_lanes,
    parse_maxspeed_kph,
    parse_oneway,
    road_attributes,
)
from musterpoint.sim.network.read import read_network
from musterpoint.sim.network.read_csv import read_csv_network
from musterpoint.sim.network.read_layer import read_line_layer
from musterpoint.sim.network.read_osm import read_osm

ROOT = Path(__file__).resolve().parents[3]
POA_PBF = ROOT / "scenarios" / "bundled" / "porto_alegre_flood" / "data" / "poa_osm.pbf"

#: 0.001 degree of a great circle on the mean-radius sphere (6,371,008.8 m), in metres.
MILLI_DEG_M = 111.19508
TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="musterpoint-tests">
  <node id="1" version="1" lat="0.0" lon="0.0"/>
  <node id="2" version="1" lat="0.001" lon="0.0"/>
  <node id="3" version="1" lat="0.002" lon="0.0"/>
  <node id="4" version="1" lat="0.002" lon="0.001"/>
  <node id="5" version="1" lat="0.001" lon="0.001"/>
  <node id="6" version="1" lat="0.001" lon="-0.001"/>
  <node id="7" version="1" lat="0.0" lon="-0.001"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="lanes" v="2"/>
    <tag k="maxspeed" v="BR:urban"/><tag k="name" v="Rua A"/></way>
  <way id="11" version="1"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="5"/><nd ref="1"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="yes"/><tag k="lanes" v="2"/>
    <tag k="maxspeed" v="30 mph"/></way>
  <way id="13" version="1"><nd ref="1"/><nd ref="6"/><nd ref="3"/>
    <tag k="highway" v="secondary"/><tag k="oneway" v="-1"/></way>
  <way id="14" version="1"><nd ref="2"/><nd ref="6"/><tag k="highway" v="footway"/></way>
  <way id="15" version="1"><nd ref="1"/><nd ref="7"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
"""


def _check_invariants(net: Network) -> None:
    assert net.n_links > 0
    assert np.all(net.length_m > 0)
    assert np.all(net.speed_mps > 0)
    assert np.all(net.capacity_vph > 0)
    assert np.all(net.lanes >= 1)
    assert np.all(net.storage_pcu >= 1)
    assert len(set(net.link_id.tolist())) == net.n_links
    assert net.link_from.max() < net.n_nodes and net.link_to.max() < net.n_nodes
    assert np.all(net.link_from != net.link_to)
    assert np.all(np.abs(net.lon) <= 180) and np.all(np.abs(net.lat) <= 90)


# --------------------------------------------------------------------------- defaults


def test_default_table_covers_the_classes() -> None:
    for hw in ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
               "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
               "residential", "living_street", "service", "road"):
        row = HIGHWAY_DEFAULTS[hw]
        assert row.lanes >= 1 and row.speed_kph > 0 and row.capacity_per_lane_vph > 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("50", 50.0), ("50 mph", 50 * 1.609344), ("30mph", 30 * 1.609344), ("60 km/h", 60.0),
     ("BR:urban", None), ("none", None), ("signals", None), (None, None), ("DE:zone30", 30.0),
     ("60;40", 40.0), ("walk", 7.0), ("0", None)],
)
def test_parse_maxspeed(value: str | None, expected: float | None) -> None:
    got = parse_maxspeed_kph(value)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_parse_lanes_and_oneway() -> None:
    assert parse_lanes("3") == 3
    assert parse_lanes("2;3") == 2
    assert parse_lanes("0") is None and parse_lanes("many") is None and parse_lanes(None) is None
    assert parse_oneway("yes") == 1 and parse_oneway("true") == 1 and parse_oneway("1") == 1
    assert parse_oneway("-1") == -1
    assert parse_oneway("no") == 0 and parse_oneway(None) == 0
    assert parse_oneway(None, "motorway") == 1
    assert parse_oneway(None, "residential", "roundabout") == 1
    assert parse_oneway("no", "motorway") == 0


def test_road_attributes_lanes_split() -> None:
    a = road_attributes({"highway": "primary", "lanes": "4"})
    assert a is not None and (a.lanes_forward, a.lanes_backward) == (2, 2)
    a = road_attributes({"highway": "primary", "lanes": "3", "lanes:forward": "2"})
    assert a is not None and (a.lanes_forward, a.lanes_backward) == (2, 1)
    a = road_attributes({"highway": "primary", "lanes": "1"})
    assert a is not None and (a.lanes_forward, a.lanes_backward) == (1, 1)
    a = road_attributes({"highway": "primary", "oneway": "-1", "lanes": "3"})
    assert a is not None and (a.lanes_forward, a.lanes_backward) == (0, 3)
    assert road_attributes({"highway": "footway"}) is None


# --------------------------------------------------------------------------- OSM


def test_porto_alegre_pbf_loads_fast_and_plausibly() -> None:
    t0 = time.perf_counter()
    net = read_osm(POA_PBF)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10.0  # about 0.5 s here; generous for slow CI machines
    _check_invariants(net)
    r = net.report
    # osmium unsimplified: 21,380 nodes; pyrosm driving largest SCC: 7,722 nodes
    assert 7_000 <= r.nodes_kept <= 21_380
    assert 15_000 <= r.links_kept <= 45_000
    assert r.nodes_kept <= r.nodes_read and r.links_kept <= r.links_read
    assert r.nodes_dropped < 0.1 * r.nodes_read
    assert net.n_nodes == r.nodes_kept and net.n_links == r.links_kept
    west, south, east, north = net.bounds()
    assert -51.27 < west < east < -51.13 and -30.12 < south < north < -29.98
    assert not {"footway", "cycleway", "path", "steps", "track"} & set(net.highway.tolist())
    assert any("default speed" in n for n in r.notes)
    assert net.geometry is not None and len(net.geometry) == net.n_links
    for i in range(0, net.n_links, 997):
        g = net.link_coords(i)
        assert g[0, 0] == net.lon[net.link_from[i]] and g[-1, 1] == net.lat[net.link_to[i]]
    assert 1_500 < net.length_m.sum() / 1000 < 6_000  # km of directed road


@pytest.mark.parametrize("compress", [False, True])
def test_tiny_osm_xml(tmp_path: Path, compress: bool) -> None:
    if compress:
        path = tmp_path / "tiny.osm.gz"
        path.write_bytes(gzip.compress(TINY_OSM.encode()))
    else:
        path = tmp_path / "tiny.osm"
        path.write_text(TINY_OSM)
    net = read_osm(path)
    _check_invariants(net)
    r = net.report
    # nodes 1 and 3 are the only junctions; 2, 5, 6 are shape points; 4 only on the
    # dead-end oneway, which the strong component drops
    assert (r.nodes_read, r.links_read) == (3, 5)
    assert (r.nodes_kept, r.links_kept) == (2, 4)
    assert sorted(net.node_id.tolist()) == [1, 3]
    links = {lid: i for i, lid in enumerate(net.link_id.tolist())}
    assert set(links) == {"10:1-3", "10:3-1", "12:3-1", "13:3-1"}
    ids = net.node_id

    def ends(lid: str) -> tuple[int, int]:
        i = links[lid]
        return int(ids[net.link_from[i]]), int(ids[net.link_to[i]])

    assert ends("10:1-3") == (1, 3) and ends("10:3-1") == (3, 1)
    assert ends("12:3-1") == (3, 1)
    assert ends("13:3-1") == (3, 1)  # oneway=-1 runs against the way 1-6-3
    # haversine known answers: 0.002 degrees of a meridian; twice a 0.001/0.001 diagonal
    for lid in ("10:1-3", "10:3-1"):
        assert net.length_m[links[lid]] == pytest.approx(2 * MILLI_DEG_M, abs=0.5)
    diag = 2 * math.sqrt(2) * MILLI_DEG_M
    assert net.length_m[links["12:3-1"]] == pytest.approx(diag, abs=0.5)
    assert net.length_m[links["13:3-1"]] == pytest.approx(diag, abs=0.5)
    # lanes: two-way lanes=2 -> 1 per direction; oneway lanes=2 -> 2; defaults otherwise
    assert net.lanes[links["10:1-3"]] == 1 and net.lanes[links["10:3-1"]] == 1
    assert net.lanes[links["12:3-1"]] == 2 and net.lanes[links["13:3-1"]] == 1
    tertiary = HIGHWAY_DEFAULTS["tertiary"]
    assert net.capacity_vph[links["12:3-1"]] == 2 * tertiary.capacity_per_lane_vph
    assert net.speed_mps[links["12:3-1"]] * 3.6 == pytest.approx(30 * 1.609344)
    assert net.speed_mps[links["10:1-3"]] * 3.6 == pytest.approx(30.0)  # BR:urban -> default
    assert net.name[links["10:1-3"]] == "Rua A"
    # geometry keeps shape points, reversed for the backward direction
    assert net.geometry is not None
    np.testing.assert_allclose(net.link_coords(links["10:3-1"]),
                               np.array([[0, 0.002], [0, 0.001], [0, 0]]))
    np.testing.assert_allclose(net.link_coords(links["13:3-1"]),
                               np.array([[0, 0.002], [-0.001, 0.001], [0, 0]]))
    # the footway and the private service road are gone
    assert "footway" not in net.highway.tolist() and "service" not in net.highway.tolist()
    assert any("footway 1" in n for n in r.notes)


def test_osm_missing_and_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.osm\.pbf"):
        read_osm(tmp_path / "nowhere.osm.pbf")
    path = tmp_path / "paths.osm"
    path.write_text(TINY_OSM.replace('v="residential"', 'v="footway"')
                    .replace('v="primary"', 'v="path"').replace('v="tertiary"', 'v="steps"')
                    .replace('v="secondary"', 'v="cycleway"'))
    with pytest.raises(InputError, match="no drivable roads") as err:
        read_osm(path)
    assert "paths.osm" in str(err.value)


# --------------------------------------------------------------------------- CSV

NODES = "id,x,y\n1,-51.20,-30.05\n2,-51.19,-30.05\n3,-51.19,-30.04\n"
LINKS = (
    "id,from,to,length_m,lanes,speed_mps,capacity_vph,highway,name\n"
    "a,1,2,965,1,13.9,900,primary,Av. X\n"
    "b,2,1,965,1,13.9,900,primary,Av. X\n"
    "c,2,3,1112,2,8.3,1200,,\n"
    "d,3,2,1112,2,8.3,1200,,\n"
)


def _write_csv(tmp_path: Path, nodes: str = NODES, links: str = LINKS) -> tuple[Path, Path]:
    n, lk = tmp_path / "nodes.csv", tmp_path / "links.csv"
    n.write_text(nodes)
    lk.write_text(links)
    return n, lk


def test_csv_reads(tmp_path: Path) -> None:
    n, lk = _write_csv(tmp_path)
    net = read_csv_network(n, lk, "EPSG:4326")
    _check_invariants(net)
    assert net.n_nodes == 3 and net.n_links == 4
    assert net.link_id.tolist() == ["a", "b", "c", "d"]
    assert net.highway.tolist() == ["primary", "primary", "unknown", "unknown"]
    assert net.name[0] == "Av. X" and net.name[2] == ""
    np.testing.assert_allclose(net.lon, [-51.20, -51.19, -51.19])
    assert net.geometry is None


def test_csv_round_trip_of_osm_network(tmp_path: Path) -> None:
    osm = tmp_path / "tiny.osm"
    osm.write_text(TINY_OSM)
    net = read_osm(osm)
    rows = ["id,x,y"] + [
        f"{i},{float(x)!r},{float(y)!r}"
        for i, x, y in zip(net.node_id, net.lon, net.lat, strict=True)
    ]
    links = ["id,from,to,length_m,lanes,speed_mps,capacity_vph,highway,name"] + [
        f"{net.link_id[i]},{net.node_id[net.link_from[i]]},{net.node_id[net.link_to[i]]},"
        + ",".join(repr(float(a[i])) for a in (net.length_m, net.lanes, net.speed_mps,
                                               net.capacity_vph))
        + f",{net.highway[i]},{net.name[i]}"
        for i in range(net.n_links)
    ]
    n, lk = _write_csv(tmp_path, "\n".join(rows) + "\n", "\n".join(links) + "\n")
    back = read_csv_network(n, lk, "EPSG:4326", keep_largest_component=False)
    for f in ("node_id", "lon", "lat", "link_id", "link_from", "link_to", "length_m",
              "lanes", "speed_mps", "capacity_vph", "highway", "name"):
        np.testing.assert_array_equal(getattr(back, f), getattr(net, f), err_msg=f)


def test_csv_reprojects_utm(tmp_path: Path) -> None:
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32722", always_xy=True)
    lon = np.array([-51.0, -51.01, -51.01])
    lat = np.array([-30.0, -30.0, -29.99])
    x, y = to_utm.transform(lon, lat)
    assert x[0] == pytest.approx(500_000.0)  # central meridian of UTM zone 22
    nodes = "id,x,y\n" + "".join(f"{i + 1},{x[i]:.3f},{y[i]:.3f}\n" for i in range(3))
    n, lk = _write_csv(tmp_path, nodes)
    net = read_csv_network(n, lk, "EPSG:32722")
    np.testing.assert_allclose(net.lon, lon, atol=1e-7)
    np.testing.assert_allclose(net.lat, lat, atol=1e-7)


def test_csv_largest_component_switch(tmp_path: Path) -> None:
    links = LINKS + "e,3,4,500,1,10,600,,\n"
    nodes = NODES + "4,-51.18,-30.04\n"
    n, lk = _write_csv(tmp_path, nodes, links)
    assert read_csv_network(n, lk, "EPSG:4326").n_links == 4
    kept = read_csv_network(n, lk, "EPSG:4326", keep_largest_component=False)
    assert kept.n_links == 5 and kept.n_nodes == 4


BAD_LINK_CASES = [
    ("negative capacity", "a,1,2,965,1,13.9,900", "a,1,2,965,1,13.9,-900", "capacity_vph",
     "negative"),
    ("zero length", "a,1,2,965", "a,1,2,0", "length_m", "zero"),
    ("text speed", "13.9,900,primary", "fast,900,primary", "speed_mps", "not a number"),
    ("zero lanes", "c,2,3,1112,2", "c,2,3,1112,0", "lanes", "zero"),
    ("fractional lanes", "c,2,3,1112,2", "c,2,3,1112,0.5", "lanes", "below 1"),
    ("unknown node", "c,2,3,", "c,2,9,", "to", "not in"),
    ("self loop", "c,2,3,", "c,2,2,", "to", "same node"),
    ("duplicate id", "d,3,2,", "c,3,2,", "id", "duplicate"),
    ("missing column", "capacity_vph,", "cap,", "capacity_vph", "missing column"),
]


@pytest.mark.parametrize(("label", "old", "new", "column", "words"), BAD_LINK_CASES,
                         ids=[c[0] for c in BAD_LINK_CASES])
def test_csv_bad_links(tmp_path: Path, label: str, old: str, new: str, column: str,
                       words: str) -> None:
    assert old in LINKS
    n, lk = _write_csv(tmp_path, links=LINKS.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        read_csv_network(n, lk, "EPSG:4326")
    msg = str(err.value)
    assert str(lk) in msg and column in msg and words in msg
    if label == "negative capacity":
        assert "'a'" in msg and "line 2" in msg


@pytest.mark.parametrize(
    ("nodes", "column", "words"),
    [(NODES.replace("-51.19,-30.04", "x,-30.04"), "x", "not a number"),
     (NODES.replace("3,-51.19", "2,-51.19"), "id", "duplicate"),
     (NODES.replace("3,-51.19", "n3,-51.19"), "id", "whole numbers"),
     (NODES.replace("id,x,y", "id,lon,lat"), "x", "missing column")],
)
def test_csv_bad_nodes(tmp_path: Path, nodes: str, column: str, words: str) -> None:
    n, lk = _write_csv(tmp_path, nodes=nodes)
    with pytest.raises(InputError) as err:
        read_csv_network(n, lk, "EPSG:4326")
    msg = str(err.value)
    assert str(n) in msg and column in msg and words in msg


def test_csv_bad_files_and_crs(tmp_path: Path) -> None:
    n, lk = _write_csv(tmp_path)
    with pytest.raises(InputError, match="does not exist") as err:
        read_csv_network(n, tmp_path / "nope.csv", "EPSG:4326")
    assert "nope.csv" in str(err.value)
    empty = tmp_path / "empty_links.csv"
    empty.write_text(LINKS.splitlines()[0] + "\n")
    with pytest.raises(InputError, match="no rows") as err:
        read_csv_network(n, empty, "EPSG:4326")
    assert "empty_links.csv" in str(err.value)
    with pytest.raises(InputError, match="unknown CRS"):
        read_csv_network(n, lk, "EPSG:99999999")
    # UTM metres declared as degrees
    metres = "id,x,y\n1,480000,6675000\n2,481000,6675000\n3,481000,6676000\n"
    n2, lk2 = _write_csv(tmp_path, nodes=metres)
    with pytest.raises(InputError) as err:
        read_csv_network(n2, lk2, "EPSG:4326")
    msg = str(err.value)
    assert "nodes.csv" in msg and "crs" in msg and "probably wrong" in msg
    # degrees declared as UTM zone 22S metres fall outside the zone
    n, lk = _write_csv(tmp_path)
    with pytest.raises(InputError, match="probably wrong"):
        read_csv_network(n, lk, "EPSG:32722")


# --------------------------------------------------------------------------- line layer


def _lines_gdf(crs: str = "EPSG:4326"):  # type: ignore[no-untyped-def]
    import geopandas as gpd
    from shapely.geometry import LineString, MultiLineString, Point

    a, b, c, d = (-51.20, -30.05), (-51.19, -30.05), (-51.19, -30.04), (-51.20, -30.04)
    geoms = [
        LineString([a, (-51.195, -30.0501), b]),  # two-way, 4 lanes
        LineString([b, c]),  # oneway b -> c
        MultiLineString([[c, d], [d, a]]),  # two parts, two-way
        LineString([a, c]),  # footway, dropped
        LineString([b, Point(-51.18, -30.05)]),  # oneway dead end, dropped by the component filter
    ]
    return gpd.GeoDataFrame(
        {
            "id": ["r1", "r2", "r3", "r4", "r5"],
            "highway": ["primary", "secondary", None, "footway", "residential"],
            "oneway": ["no", "yes", None, None, "yes"],
            "lanes": [4, None, None, None, None],
            "speed_kph": [60.0, None, None, None, None],
            "capacity_vph": [None, 1800.0, None, None, None],
            "name": ["Av. A", "Rua B", None, None, None],
        },
        geometry=geoms,
        crs="EPSG:4326",
    ).to_crs(crs)


def test_line_layer_geojson(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    _lines_gdf().to_file(path, driver="GeoJSON")
    net = read_line_layer(path)
    _check_invariants(net)
    assert net.n_nodes == 4
    ids = net.link_id.tolist()
    assert {i.split(":")[0] for i in ids} == {"r1", "r2", "r3.0", "r3.1"}
    assert net.n_links == 2 + 1 + 2 + 2
    i = ids.index(next(x for x in ids if x.startswith("r1")))
    assert net.lanes[i] == 2 and net.speed_mps[i] * 3.6 == pytest.approx(60)
    assert net.capacity_vph[i] == 2 * HIGHWAY_DEFAULTS["primary"].capacity_per_lane_vph
    assert net.link_coords(i).shape == (3, 2)
    j = ids.index(next(x for x in ids if x.startswith("r2")))
    assert net.capacity_vph[j] == 1800.0 and net.name[j] == "Rua B"
    assert net.lon[net.link_from[j]] == pytest.approx(-51.19)
    assert net.lat[net.link_from[j]] == pytest.approx(-30.05)
    k = ids.index(next(x for x in ids if x.startswith("r3.0")))
    assert net.speed_mps[k] * 3.6 == pytest.approx(50.0)  # reader default
    assert net.length_m[k] == pytest.approx(0.01 * MILLI_DEG_M * 1000 * math.cos(
        math.radians(30.04)), rel=1e-3)
    assert "footway" not in net.highway.tolist()


def test_line_layer_epsg3857_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "roads_3857.geojson"
    gdf = _lines_gdf("EPSG:3857")
    assert abs(gdf.total_bounds[0]) > 1e6  # really metres
    gdf.to_file(path, driver="GeoJSON")
    net = read_line_layer(path)
    ref = read_line_layer(_write_4326(tmp_path))
    np.testing.assert_allclose(np.sort(net.lon), np.sort(ref.lon), atol=1e-7)
    np.testing.assert_allclose(np.sort(net.lat), np.sort(ref.lat), atol=1e-7)
    np.testing.assert_allclose(np.sort(net.length_m), np.sort(ref.length_m), rtol=1e-6)


def _write_4326(tmp_path: Path) -> Path:
    path = tmp_path / "roads_4326.gpkg"
    _lines_gdf().to_file(path, layer="roads", driver="GPKG")
    return path


def test_line_layer_gpkg_layer_and_no_crs(tmp_path: Path) -> None:
    path = _write_4326(tmp_path)
    assert read_line_layer(path, layer="roads").n_links == 7
    with pytest.raises(InputError) as err:
        read_line_layer(path, layer="nope")
    assert "roads_4326.gpkg" in str(err.value) and "layer" in str(err.value)
    bare = tmp_path / "bare.gpkg"
    with pytest.warns(UserWarning):
        _lines_gdf().set_crs(None, allow_override=True).to_file(bare, driver="GPKG")
    with pytest.raises(InputError) as err:
        read_line_layer(bare)
    assert "bare.gpkg" in str(err.value) and "crs" in str(err.value)
    assert read_line_layer(bare, crs="EPSG:4326").n_links == 7


def test_line_layer_metres_labelled_as_degrees(tmp_path: Path) -> None:
    path = tmp_path / "mislabelled.geojson"
    gdf = _lines_gdf("EPSG:32722").set_crs("EPSG:4326", allow_override=True)
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(InputError) as err:
        read_line_layer(path)
    msg = str(err.value)
    assert "mislabelled.geojson" in msg and "crs" in msg and "probably" in msg


def test_line_layer_bad_geometry_and_values(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[Point(-51.2, -30.0)], crs="EPSG:4326").to_file(pts)
    with pytest.raises(InputError) as err:
        read_line_layer(pts)
    assert "points.geojson" in str(err.value) and "geometry" in str(err.value)
    neg = tmp_path / "negative.geojson"
    gdf = _lines_gdf()
    gdf.loc[0, "capacity_vph"] = -5.0
    gdf.to_file(neg)
    with pytest.raises(InputError) as err:
        read_line_layer(neg)
    assert "negative.geojson" in str(err.value) and "capacity_vph" in str(err.value)
    assert "negative" in str(err.value)


# --------------------------------------------------------------------------- dispatcher


def test_read_network_dispatch(tmp_path: Path) -> None:
    osm = tmp_path / "tiny.osm"
    osm.write_text(TINY_OSM)
    assert read_network(osm).n_links == 4
    gj = tmp_path / "roads.geojson"
    _lines_gdf().to_file(gj)
    assert read_network(gj).n_links == 7
    n, _ = _write_csv(tmp_path)
    assert read_network(tmp_path, crs="EPSG:4326").n_links == 4
    assert read_network(n, crs="EPSG:4326").n_links == 4
    other = tmp_path / "mylinks.csv"
    other.write_text(LINKS)
    assert read_network(n, crs="EPSG:4326", links_csv=other).n_links == 4
    with pytest.raises(InputError) as err:
        read_network(tmp_path, crs=None)
    assert "crs" in str(err.value)


def test_read_network_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_network(tmp_path / "missing.osm.pbf")
    assert "missing.osm.pbf" in str(err.value) and "does not exist" in str(err.value)
    odd = tmp_path / "roads.xlsx"
    odd.write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        read_network(odd)
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(InputError, match=r"nodes\.csv"):
        read_network(empty_dir, crs="EPSG:4326")
