"""The run map's last time-slider step still shows the flood and the roads.

Leaflet.timeline shows a feature while ``start <= time <= end``; the map wrote every
interval as ``[start, end - 1 ms]`` and put the slider's last step at the run's end, so the
last frame of the flood and of every link disappeared exactly where the "end" of the slider
lands. This test runs the small grid scenario, opens its map offline in headless Chromium,
moves the slider to its last step with the keyboard and counts what is drawn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from musterpoint.cli import main
from musterpoint.maps import run_map
from tests.helpers.scenario_factory import make_scenario


def _geometries(text: str) -> int:
    """How many geometries (one SVG path each) a hazard frame's GeoJSON holds."""
    obj = json.loads(text)
    if obj.get("type") == "FeatureCollection":
        return len(obj["features"])
    return 1


def _drawn(page: Any, colours: tuple[str, ...]) -> int:
    """Visible vector paths whose stroke is one of ``colours``."""
    count: int = page.evaluate(
        """(colours) => [...document.querySelectorAll('path.leaflet-interactive')]
            .filter(p => colours.includes(p.getAttribute('stroke'))).length""",
        list(colours),
    )
    return count


@pytest.mark.browser
def test_last_slider_step_draws_the_last_flood_frame_and_every_link(
    browser: Any, tmp_path: Path
) -> None:
    """At the slider's last step the flood polygons and the road lines are on the map."""
    scenario = make_scenario(tmp_path / "grid")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--no-report", "--no-bound",
                 "--no-catalog", "--no-progress"]) == 0
    frames = pd.read_parquet(out / "hazard_frames.parquet").sort_values("time_s")
    states = pd.read_parquet(out / "link_states.parquet")
    last_states = states[states["interval_start_s"] == states["interval_start_s"].max()]
    flood_paths = _geometries(frames["geojson"].iloc[-1])
    assert flood_paths > 0 and len(last_states) > 0  # the grid floods and closes links

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("file:", "data:")) else route.abort())
    page.goto((out / "map.html").as_uri(), wait_until="load")
    slider = page.locator("input.time-slider")
    slider.wait_for()

    slider.press("End")
    assert slider.input_value() == slider.get_attribute("max")
    assert page.locator("output.time-text").inner_text().startswith("2024-05-03 09:00")
    assert _drawn(page, (run_map._FLOOD_COLOUR,)) == flood_paths
    assert _drawn(page, run_map.CONGESTION_COLOURS) == len(last_states)

    slider.press("ArrowLeft")  # one step back: the same frame, still drawn
    assert _drawn(page, (run_map._FLOOD_COLOUR,)) == flood_paths
    assert _drawn(page, run_map.CONGESTION_COLOURS) == len(last_states)
    assert errors == []
    page.close()
