"""The World's flood frames: a level drawn once per set of flooded cells (issue 18), the
same frames as drawing every level."""

from __future__ import annotations

from pathlib import Path

from musterpoint.scenarios.loader import load_scenario
from musterpoint.sim.world import build_world, hazard_frames
from tests.helpers.scenario_factory import make_scenario


def test_levels_with_the_same_flooded_cells_share_one_drawing(tmp_path: Path) -> None:
    # the raster rises 0.5 m per cell from 0 m; the stage 0.1 m per hour for three hours
    # (levels that flood the same cells), then to 3 m
    flood = {"elevation": "elevation.tif", "datum": "test datum",
             "stage": [[0, 0.0], [3, 0.3], [4, 3.0], [6, 3.0]]}
    world = build_world(load_scenario(make_scenario(tmp_path, duration_h=6,
                                                    hazard={"flood": flood})))
    assert world.raster is not None
    frames = hazard_frames(world, world.duration_s)
    drawn = dict(world.raster._flooded)
    assert len(frames) >= 3
    assert len(drawn) < len(frames)  # some level was not drawn: its area was
    world.raster._flooded.clear()
    every = [(t, kind, level, world.raster._flooded_geojson(level, 0.0002))
             for t, kind, level, _ in frames]
    assert frames == every
    assert len({f[3] for f in frames}) >= 2  # the area does change
