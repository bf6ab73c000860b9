"""The run map reads in a minute: a title block, a legend and a collapsed layer control that
cover neither the data nor each other, streets drawn from the network, and the flood, roads
and shelters at the first, middle and last slider step (checked in headless Chromium, on
the page and on its screenshots), in English and in Chinese.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from musterpoint.maps import run_map, write_run_map
from tests.helpers.run_fixture import make_run_result

_BOXES = {
    "title": "#musterpoint-title",
    "legend": "#musterpoint-legend",
    "layers": ".leaflet-control-layers:not(.leaflet-timeline-control)",
    "zoom": ".leaflet-control-zoom",
    "slider": ".leaflet-timeline-control",
}


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def _open(browser: Any, path: Path, width: int = 1280, height: int = 800) -> tuple[Any, list]:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("file:", "data:")) else route.abort())
    page.goto(path.as_uri(), wait_until="load")
    page.locator("input.time-slider").wait_for()
    return page, errors


def _boxes(page: Any) -> dict[str, dict[str, float]]:
    out = {}
    for key, sel in _BOXES.items():
        box = page.locator(sel).first.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, key
        out[key] = box
    return out


def _road_pixels(page: Any) -> int:
    """Painted pixels on the road network's canvas."""
    count: int = page.evaluate(
        """() => { const c = document.querySelector('.leaflet-musterpoint-roads-pane canvas');
            if (!c) return 0;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
            return n; }"""
    )
    return count


def _drawn(page: Any, colour: str) -> int:
    count: int = page.evaluate(
        "(c) => document.querySelectorAll(`path.leaflet-interactive[stroke='${c}']`).length",
        colour)
    return count


def _screenshot_pixels(png: bytes, box: dict[str, float]) -> dict[str, int]:
    """Pixels of the map area that look like the flood (blue), a shelter pin (dark blue)
    and a road (grey-blue on the light background)."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    x0, y0 = int(box["x"]), int(box["y"])
    crop = img[y0:y0 + int(box["height"]), x0:x0 + int(box["width"])]
    r, g, b = crop[..., 0], crop[..., 1], crop[..., 2]
    counts = {
        "flood": int(((b > 170) & (b - r > 50) & (g > r)).sum()),
        "shelter": int(((r < 30) & (g > 45) & (g < 80) & (b > 120)).sum()),
        "road": int(((r > 130) & (r < 200) & (g - r > 5) & (b - g > 3) & (b < 225)).sum()),
    }
    return counts


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "zh"])
def test_title_legend_and_controls_never_overlap(browser: Any, tmp_path: Path,
                                                 language: str) -> None:
    result = make_run_result(language=language)
    path = write_run_map(result, tmp_path / f"map-{language}.html")
    for width, height in ((1280, 800), (1024, 640)):
        page, errors = _open(browser, path, width, height)
        boxes = _boxes(page)
        for a in boxes:
            for b in boxes:
                if a < b:
                    assert not _overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])
        # The title block and the legend sit outside the map: they cover no data.
        map_box = page.locator(".leaflet-container").bounding_box()
        assert map_box is not None
        for key in ("title", "legend", "slider"):
            assert not _overlap(boxes[key], map_box), key
        # At the first view no shelter and no zone lies under a corner control.
        data = page.locator(".leaflet-marker-icon.musterpoint-shelter, "
                            "path.leaflet-interactive[stroke='#424242']")
        assert data.count() == len(result.tables["shelters"]) + len(result.tables["zones"])
        for i in range(data.count()):
            box = data.nth(i).bounding_box()
            assert box is not None and _overlap(box, map_box)
            for key in ("layers", "zoom"):
                assert not _overlap(box, boxes[key]), (key, i, box)
        title = page.locator("#musterpoint-title").inner_text()
        if language == "zh":
            assert "方案" in title and "随机种子 7" in title and "America/Sao_Paulo" in title
            assert "淹没范围" in page.locator("#musterpoint-legend").inner_text()
        else:
            assert "Porto Alegre flood <test>" in title  # shown as text, not markup
            assert "Plan: Baseline plan (baseline)" in title and "seed 7" in title
            assert "start 2024-05-03 06:00 America/Sao_Paulo (UTC-03:00)" in title
            assert "people to evacuate" in title and "did not:" in title
        page.screenshot(path=str(tmp_path / f"layout-{language}-{width}.png"))
        assert errors == []
        page.close()


@pytest.mark.browser
def test_first_middle_and_last_frame_show_flood_roads_and_shelters(
    browser: Any, tmp_path: Path
) -> None:
    result = make_run_result()
    path = write_run_map(result, tmp_path / "map.html")
    page, errors = _open(browser, path)
    slider = page.locator("input.time-slider")
    map_box = page.locator(".leaflet-container").bounding_box()
    assert map_box is not None
    lo, hi = int(slider.get_attribute("min") or 0), int(slider.get_attribute("max") or 0)
    for step in ("first", "middle", "last"):
        if step == "middle":
            page.evaluate("""(v) => { const s = document.querySelector('input.time-slider');
                s.value = v; s.dispatchEvent(new Event('input')); }""", (lo + hi) // 2)
        elif step == "last":
            slider.press("End")
        assert _drawn(page, run_map._FLOOD_COLOUR) >= 1, step
        assert _road_pixels(page) > 1000, step
        assert page.locator(".leaflet-marker-icon.musterpoint-shelter").count() == 2, step
        png = page.screenshot(path=str(tmp_path / f"frame-{step}.png"))
        pixels = _screenshot_pixels(png, map_box)
        assert pixels["flood"] > 500 and pixels["shelter"] > 50 and pixels["road"] > 200, (
            step, pixels)
    assert errors == []
    page.close()
