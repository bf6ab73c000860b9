"""The run map works offline (musterpoint.maps.offline), checked in a real browser.

The ``browser`` tests open the page from ``file://`` in headless Chromium with every
non-file request aborted, as on an offline planner's laptop: Leaflet and its plugin must
come from the page itself, and by default the page asks for no tiles at all (the road
network is drawn from the run's links). They need the ``playwright`` Python package and
Debian's ``chromium`` at ``/usr/bin/chromium`` (Playwright's own browser download is not
used) and skip without them. Set ``MUSTERPOINT_MAP_SCREENSHOT`` to a ``.png`` path to
keep a screenshot of the run map. The other tests check the written HTML and need
neither.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Any

import folium
import pytest

from musterpoint.maps import run_map, write_run_map
from musterpoint.maps.offline import VENDOR_DIR, inline_cdn_assets
from tests.helpers.run_fixture import EVIL_SHELTER_NAME, make_run_result

#: ``https://`` URLs a written map may still contain (no tiles unless asked for).
ALLOWED_URLS = {
    "https://leafletjs.com",  # Leaflet's own attribution prefix and licence header
}


def test_written_map_links_no_external_assets(tmp_path: Path) -> None:
    path = write_run_map(make_run_result(), tmp_path / "run" / "map.html")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc=", text)
    assert not re.search(r"<link[^>]*\shref=", text)
    assert set(re.findall(r"https://[^\s\"'<>()\\]*", text)) <= ALLOWED_URLS
    assert "url(images/" not in text  # stylesheet images are inlined as data URIs
    assert text.count("leaflet/leaflet.js: vendored copy") == 1
    assert text.count("leaflet.timeline/leaflet.timeline.js: vendored copy") == 1


def test_unused_assets_are_dropped_and_needed_ones_kept(caplog: pytest.LogCaptureFixture) -> None:
    jquery = '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
    boot = (
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/'
        'dist/css/bootstrap.min.css"/>'
    )
    other = '<script src="https://example.org/plugin.js"></script>'
    page = f"<head>{jquery}{boot}{other}</head><script>var a = 1;</script>"
    with caplog.at_level(logging.WARNING, logger="musterpoint.maps.offline"):
        out = inline_cdn_assets(page)
    assert jquery not in out and boot not in out  # unused: dropped
    assert other in out and "unknown external asset" in caplog.text  # unknown: kept, warned
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="musterpoint.maps.offline"):
        out = inline_cdn_assets(page.replace("var a = 1;", "$(document).ready(f);"))
    assert jquery in out and "not vendored" in caplog.text  # needed but not vendored


def test_vendored_files_match_provenance() -> None:
    table = (VENDOR_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| [^|]+ \| `[^`]+` \| `([0-9a-f]{64})` \|", table, re.M)
    files = {p.relative_to(VENDOR_DIR).as_posix() for p in VENDOR_DIR.rglob("*") if p.is_file()}
    assert {name for name, _ in rows} == files - {"PROVENANCE.md"}
    for name, digest in rows:
        assert hashlib.sha256((VENDOR_DIR / name).read_bytes()).hexdigest() == digest, name
    for folder in {name.split("/")[0] for name, _ in rows}:
        assert (VENDOR_DIR / folder / "LICENSE").is_file()




def _stroke_counts(page: Any) -> dict[str, int]:
    """Visible vector paths per stroke colour (timed layers show only the current time)."""
    counts: dict[str, int] = page.evaluate(
        """() => {
            const out = {};
            for (const p of document.querySelectorAll('path.leaflet-interactive')) {
                const c = p.getAttribute('stroke');
                out[c] = (out[c] || 0) + 1;
            }
            return out;
        }"""
    )
    return counts


def _open_offline(browser: Any, path: Path) -> tuple[Any, list[str], list[str], list[str]]:
    """Open ``path`` with the network cut off: page, page errors, dialogs, blocked URLs."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    dialogs: list[str] = []
    blocked: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def offline(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", offline)
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, dialogs, blocked


@pytest.mark.browser
def test_map_renders_offline(browser: Any, tmp_path: Path) -> None:
    result = make_run_result()
    path = write_run_map(result, tmp_path / "run" / "map.html")
    page, errors, dialogs, blocked = _open_offline(browser, path)
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector("output.time-text")

    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("L.version") == "1.9.4"
    assert page.evaluate("typeof L.timeline") == "function"
    # Nothing was requested from the network: no tiles unless --tiles asks for them.
    assert blocked == []

    # Zones (3 polygons with the zone outline colour) and the 2 shelter markers.
    zones = result.tables["zones"]
    assert page.locator('path.leaflet-interactive[stroke="#424242"]').count() == len(zones)
    shelters = page.locator(".leaflet-marker-icon.musterpoint-shelter")
    assert shelters.count() == len(result.tables["shelters"])
    assert shelters.first.locator("svg").count() == 1

    # The layer control is collapsed; hovering opens it: the roads and four overlays.
    control = page.locator(".leaflet-control-layers:not(.leaflet-timeline-control)")
    assert "leaflet-control-layers-expanded" not in (control.get_attribute("class") or "")
    control.hover()
    assert control.locator(".leaflet-control-layers-base label").count() == 0
    overlays = control.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    for name in ("Roads", "Zones: share evacuated", "Flooded area", "Congestion over time",
                 "Shelters"):
        assert any(name in label for label in overlays), (name, overlays)

    # The slider starts at the scenario's local start time, before any link state: only
    # the first flood frame shows. Moving it to 40 % (0:48 in) brings congestion in.
    label = page.locator("output.time-text")
    assert label.inner_text() == "2024-05-03 06:00 America/Sao_Paulo (first order -0:10)"
    flood = f'path.leaflet-interactive[stroke="{run_map._FLOOD_COLOUR}"]'
    flood_before = page.locator(flood).get_attribute("d")
    before = _stroke_counts(page)
    assert not any(before.get(c) for c in run_map.CONGESTION_COLOURS), before
    slider = page.locator("input.time-slider")
    box = slider.bounding_box()
    assert box is not None
    slider.click(position={"x": box["width"] * 0.4, "y": box["height"] / 2})
    assert re.fullmatch(
        r"2024-05-03 06:[3-5]\d America/Sao_Paulo \(first order \+0:[2-4]\d\)", label.inner_text()
    ), label.inner_text()
    after = _stroke_counts(page)
    assert sum(after.get(c, 0) for c in run_map.CONGESTION_COLOURS) > 0, after
    assert page.locator(flood).count() == 1
    assert page.locator(flood).get_attribute("d") != flood_before  # the flood has grown

    # Shelter popups show the hostile name as plain text and run nothing.
    popups = []
    for i in range(shelters.count()):
        shelters.nth(i).dispatch_event("click")
        popups.append(page.locator(".leaflet-popup-content").last.inner_text())
    assert any(EVIL_SHELTER_NAME in text for text in popups), popups

    # Turning a layer off in the control removes it from the map.
    control.hover()
    control.get_by_text("Shelters").click()
    assert page.locator(".leaflet-marker-icon.musterpoint-shelter").count() == 0
    control.get_by_text("Shelters").click()
    assert page.locator(".leaflet-marker-icon.musterpoint-shelter").count() == len(
        result.tables["shelters"]
    )

    page.mouse.click(5, 790)  # close the popup before the screenshot
    shot = os.environ.get("MUSTERPOINT_MAP_SCREENSHOT")
    page.screenshot(path=shot or str(tmp_path / "map_offline.png"))
    assert errors == []
    assert dialogs == []
    page.close()


@pytest.mark.browser
def test_default_marker_icon_works_offline(browser: Any, tmp_path: Path) -> None:
    fmap = folium.Map(location=(-30.03, -51.22), zoom_start=12, tiles=None)
    folium.Marker((-30.03, -51.22)).add_to(fmap)
    path = tmp_path / "marker.html"
    path.write_text(inline_cdn_assets(fmap.get_root().render()), encoding="utf-8")
    page, errors, _, blocked = _open_offline(browser, path)
    icon = page.locator("img.leaflet-marker-icon")
    icon.wait_for()
    assert (icon.get_attribute("src") or "").startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('img.leaflet-marker-icon').naturalWidth") == 25
    assert errors == [] and blocked == []
    page.close()
