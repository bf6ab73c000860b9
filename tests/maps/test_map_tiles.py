"""Base maps: no tiles unless asked for (``--tiles URL --tiles-attribution TEXT``), roads from
the network instead; the packed road lines decode to the network's coordinates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from musterpoint.cli import main
from musterpoint.maps import write_run_map
from musterpoint.maps.difference_map import write_difference_map
from musterpoint.maps.geometry import PACK_SCALE, pack_road_lines, road_lines_from_wkt
from musterpoint.tiles_args import check_tiles
from tests.helpers.run_fixture import make_run_result

TILES = "https://tiles.example.org/{z}/{x}/{y}.png"


def _unpack(packed: list[int]) -> list[tuple[float, float]]:
    x, y = packed[0], packed[1]
    out = [(x / PACK_SCALE, y / PACK_SCALE)]
    for dx, dy in zip(packed[2::2], packed[3::2], strict=True):
        x, y = x + dx, y + dy
        out.append((x / PACK_SCALE, y / PACK_SCALE))
    return out


def test_packed_lines_round_trip_and_two_way_streets_are_drawn_once() -> None:
    a = [(-51.22, -30.03), (-51.21512, -30.02999), (-51.21, -30.025)]
    packed = pack_road_lines([a, list(reversed(a)), [(-51.2, -30.0)], a])
    assert len(packed) == 1  # the reverse and the duplicate are dropped, the 1-point skipped
    assert [c for p in _unpack(packed[0]) for c in p] == pytest.approx(
        [c for p in a for c in p], abs=1e-9)
    assert packed[0][:2] == [-5122000, -3003000] and packed[0][2:4] == [488, 1]
    lines = road_lines_from_wkt(["LINESTRING (1 2, 3 4)", "MULTILINESTRING ((0 0, 1 1), "
                                 "(2 2, 3 3))", "POINT (1 1)", "", None, "junk"])
    assert [_unpack(p) for p in lines] == [[(1, 2), (3, 4)], [(0, 0), (1, 1)], [(2, 2), (3, 3)]]


def test_default_map_has_roads_and_no_tiles(tmp_path: Path) -> None:
    result = make_run_result()
    text = write_run_map(result, tmp_path / "map.html").read_text(encoding="utf-8")
    assert "L.tileLayer(" not in text and "openstreetmap.org/{z}" not in text
    match = re.search(r"var (road_layer_\w+) = musterRoads\(map_\w+, (\[\[.*?\]\]), 100000,",
                      text)
    assert match is not None
    assert len(json.loads(match.group(2))) == len(result.tables["links"])  # one-way grid
    assert f"{match.group(1)}.addTo(map_" in text  # shown when the page opens


def test_tiles_url_and_credit_are_used(tmp_path: Path) -> None:
    text = write_run_map(make_run_result(), tmp_path / "map.html", TILES,
                         "© Example <Tiles>").read_text(encoding="utf-8")
    assert f'L.tileLayer(\n                "{TILES}"' in text or f'"{TILES}"' in text
    assert "© Example &lt;Tiles&gt;" in text  # escaped credit, in the footer and on the map
    assert "<Tiles>" not in text
    roads = re.search(r"var (road_layer_\w+) = musterRoads", text)
    assert roads is not None and f"{roads.group(1)}.addTo(" not in text  # off under tiles


@pytest.mark.parametrize(("url", "credit", "message"), [
    (None, None, None),
    (TILES, "© Example", None),
    ("tiles.example.org/{z}/{x}/{y}.png", "x", "must start with http"),
    ("https://tiles.example.org/{z}/{x}.png", "x", "hold {z}, {x} and {y}"),
    (TILES, None, "give --tiles-attribution"),
    (TILES, "  ", "give --tiles-attribution"),
    (None, "© Example", "needs --tiles URL"),
])
def test_check_tiles(url: str | None, credit: str | None, message: str | None) -> None:
    problem = check_tiles(url, credit)
    assert problem is None if message is None else message in (problem or "")


def test_cli_refuses_bad_tiles_before_simulating(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", "--tiles", TILES, "--out", str(out), "--no-catalog"]) == 2
    assert "error: --tiles: tile providers require a credit" in capsys.readouterr().err
    assert not out.exists()
    assert main(["compare", "--tiles", "ftp://x/{z}/{x}/{y}", "--tiles-attribution", "x",
                 "--out", str(out), "--no-catalog"]) == 2
    assert "must start with http" in capsys.readouterr().err


def test_difference_map_has_title_legend_and_roads(tmp_path: Path) -> None:
    comparison = {"plans": [{"name": "now"}, {"name": "late"}], "baseline": "now",
                  "replications": 4, "zones": {}, "links": {"changed": {}}}
    zones = pd.DataFrame({"zone": ["Z1"], "lon": [-51.2], "lat": [-30.0],
                          "wkt": ["POLYGON ((-51.21 -30.01, -51.19 -30.01, -51.19 -29.99, "
                                  "-51.21 -30.01))"]})
    roads = pack_road_lines([[(-51.21, -30.0), (-51.19, -30.0)]])
    path = write_difference_map(comparison, zones, pd.DataFrame(columns=["link_id", "wkt"]),
                                tmp_path / "diff.html", roads=roads, lang="zh")
    text = path.read_text(encoding="utf-8")
    assert '<header id="musterpoint-title"><h1>late 与 now 比较</h1>' in text
    assert "4次配对重复" in text and "区域：变化（方案 − 基准）" in text
    assert "musterRoads(" in text and "L.tileLayer(" not in text
    assert '"collapsed": true' in text
