"""``muster run`` writes GIS files QGIS can open: run.gpkg and *.geo.parquet in EPSG:4326."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from musterpoint.cli import main
from musterpoint.gis_export import BOTTLENECK_LAYER, gis_layers
from musterpoint.sim.result import RunResult
from musterpoint.sim.tables import TABLES, Table, geometry_columns, table
from tests.helpers.scenario_factory import make_scenario, write_grid

SPATIAL = ["links", "zones", "shelters", "hazard_frames"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A grid run whose streets are narrow enough for the bound to find a bottleneck."""
    root = tmp_path_factory.mktemp("gis")
    scenario = make_scenario(root / "grid")
    write_grid(root / "grid", capacity=60.0)
    out = root / "run"
    assert main(["run", str(scenario), "--out", str(out), "--no-map", "--no-report",
                 "--no-catalog", "--no-progress"]) == 0
    return out


def test_the_geopackage_has_one_layer_per_spatial_table_with_crs_and_counts(
    run_folder: Path,
) -> None:
    """Every spatial table is a layer in EPSG:4326 with one feature per table row."""
    gpkg = run_folder / "run.gpkg"
    layers = dict(pyogrio.list_layers(gpkg).tolist())
    assert list(layers) == [*SPATIAL, BOTTLENECK_LAYER]
    assert layers["links"] == "LineString" and layers["zones"] == "Polygon"
    assert layers["shelters"] == "Point" and layers["hazard_frames"] == "MultiPolygon"
    for name in SPATIAL:
        source = pd.read_parquet(run_folder / f"{name}.parquet")
        layer = gpd.read_file(gpkg, layer=name, engine="pyogrio")
        assert layer.crs is not None and layer.crs.to_epsg() == 4326, name
        assert len(layer) == len(source), name
        assert "wkt" not in layer.columns and "geojson" not in layer.columns


def test_layer_geometries_and_attributes_equal_the_tables(run_folder: Path) -> None:
    """Links keep their ids and WKT shapes, shelters sit at their lon/lat."""
    links = pd.read_parquet(run_folder / "links.parquet")
    layer = gpd.read_file(run_folder / "run.gpkg", layer="links", engine="pyogrio")
    assert layer["link_id"].tolist() == links["link_id"].tolist()
    assert layer["capacity_vph"].tolist() == links["capacity_vph"].tolist()
    assert all(shapely.equals_exact(layer.geometry.values, shapely.from_wkt(links["wkt"]),
                                    tolerance=1e-9))
    shelters = pd.read_parquet(run_folder / "shelters.parquet")
    points = gpd.read_file(run_folder / "run.gpkg", layer="shelters", engine="pyogrio")
    assert points.geometry.x.tolist() == pytest.approx(shelters["lon"].tolist())
    assert points.geometry.y.tolist() == pytest.approx(shelters["lat"].tolist())
    frames = pd.read_parquet(run_folder / "hazard_frames.parquet")
    flood = gpd.read_file(run_folder / "run.gpkg", layer="hazard_frames", engine="pyogrio")
    assert flood["time_s"].tolist() == frames["time_s"].tolist()
    assert flood.geometry.iloc[-1].area > 0  # the last frame is flooded


def test_the_bottleneck_layer_holds_the_bound_s_cut_links(run_folder: Path) -> None:
    """The bound's bottleneck links from kpis.json are a layer of their own."""
    kpis = json.loads((run_folder / "kpis.json").read_text(encoding="utf-8"))
    cut = kpis["bounds"]["bottleneck_links"]
    assert cut, "the narrow grid should be limited by the network"
    layer = gpd.read_file(run_folder / "run.gpkg", layer=BOTTLENECK_LAYER, engine="pyogrio")
    assert sorted(layer["link_id"]) == sorted(cut)
    assert layer.crs.to_epsg() == 4326


def test_geoparquet_files_carry_the_crs_and_the_run_folder_still_loads(
    run_folder: Path,
) -> None:
    """``*.geo.parquet`` read back as GeoDataFrames; RunResult.load ignores them."""
    for name in [*SPATIAL, BOTTLENECK_LAYER]:
        gdf = gpd.read_parquet(run_folder / f"{name}.geo.parquet")
        assert gdf.crs.to_epsg() == 4326 and len(gdf) > 0, name
    loaded = RunResult.load(run_folder)
    assert not any(n.endswith(".geo") for n in loaded.tables)
    assert set(SPATIAL) <= set(loaded.tables)


def test_spatial_tables_are_found_from_the_schema() -> None:
    """The one rule: a WKT or GeoJSON column, else lon and lat; others are not spatial."""
    assert geometry_columns(TABLES["links"]) == ("wkt",)
    assert geometry_columns(TABLES["zones"]) == ("wkt",)  # the polygon beats its centre
    assert geometry_columns(TABLES["hazard_frames"]) == ("geojson",)
    assert geometry_columns(TABLES["shelters"]) == ("lon", "lat")
    assert geometry_columns(TABLES["agents"]) == ()
    places = table("places", "one place", ("id", "", "id"), ("lon", "°", "x"),
                   ("lat", "°", "y"))
    schemas: dict[str, Table] = {"places": places}
    result = RunResult(meta={}, kpis={}, tables={"places": pd.DataFrame(
        {"id": ["a", "b"], "lon": [10.0, float("nan")], "lat": [60.0, 61.0]})})
    layer = gis_layers(result, schemas)["places"]
    assert layer.crs.to_epsg() == 4326
    assert layer.geometry.iloc[0].equals(shapely.Point(10.0, 60.0))
    assert layer.geometry.iloc[1] is None  # no coordinates: no geometry, the row is kept


def test_the_same_run_writes_the_same_gis_bytes(run_folder: Path, tmp_path: Path) -> None:
    """Like every other file of a run, the GeoPackage does not change with the wall clock."""
    import hashlib

    from musterpoint.gis_export import write_gis

    result = RunResult.load(run_folder)
    digests = []
    for attempt in ("a", "b"):
        folder = tmp_path / attempt
        folder.mkdir()
        write_gis(result, folder)
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(folder.iterdir())})
    assert digests[0] == digests[1]
    assert digests[0]["run.gpkg"] == hashlib.sha256(
        (run_folder / "run.gpkg").read_bytes()).hexdigest()


def test_geos_parsed_polygons_equal_the_python_path_and_leave_the_rest_to_it() -> None:
    """The GEOS fast path gives the very shapes (same WKB) of the Python GeoJSON path for
    a Polygon, a MultiPolygon and a Feature holding one; collections and bad text it
    leaves to the Python path (None)."""
    from musterpoint.gis_export import _geojson_geometry, _polygons_fast

    ring = [[-51.2, -30.0], [-51.1, -30.0], [-51.1, -29.9], [-51.2, -30.0]]
    far = [[[x + 1.0, y] for x, y in ring]]
    texts = [json.dumps({"type": "Polygon", "coordinates": [ring]}),
             json.dumps({"type": "MultiPolygon", "coordinates": [[ring], far]}),
             json.dumps({"type": "Feature", "properties": {},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})]
    for text in texts:
        fast = _polygons_fast(text)
        assert fast is not None
        assert shapely.to_wkb(fast) == shapely.to_wkb(_geojson_geometry(text))
    collection = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}] * 2})
    assert _polygons_fast(collection) is None
    assert _geojson_geometry(collection).geom_type == "MultiPolygon"
    assert _polygons_fast("{not json") is None and _polygons_fast(None) is None
    assert _polygons_fast(json.dumps({"type": "Point", "coordinates": [1.0, 2.0]})) is None


def test_no_gis_skips_only_the_gis_files(run_folder: Path, tmp_path: Path) -> None:
    """``--no-gis`` writes every other file of the run, byte for byte the same, and no
    ``run.gpkg`` or ``*.geo.parquet``."""
    import hashlib

    scenario = make_scenario(tmp_path / "grid")
    write_grid(tmp_path / "grid", capacity=60.0)
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--no-map", "--no-report",
                 "--no-catalog", "--no-progress", "--no-gis"]) == 0

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.iterdir()) if p.name != "run.json"}

    gis = {"run.gpkg", *(f"{layer}.geo.parquet" for layer in [*SPATIAL, BOTTLENECK_LAYER])}
    assert gis <= set(digests(run_folder))
    assert digests(out) == {k: v for k, v in digests(run_folder).items() if k not in gis}
