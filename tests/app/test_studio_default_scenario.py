"""(a) of the studio's issue, on the bundled default scenario, in headless Chromium.

A fresh studio opens the default scenario (Porto Alegre); an evacuation area is drawn
with Leaflet-Geoman over a 2 x 2 block of its 1 km zones; Run saves and runs it; the
clearance time the page shows equals that of ``muster run`` on the saved folder with the
same seed, and only those four zones are ordered out; and the plume form of the Helsinki
scenario edits and saves its release. Slow (the world of the default
scenario is built from its files, then simulated twice).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from musterpoint.cli import main as muster
from musterpoint.studio import StudioServer, Workspace
from tests.app.test_studio_browser import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _block_of_four(features: list[dict[str, Any]]) -> tuple[list[str], list[float]]:
    """Ids of four zones forming a 2 x 2 block, each with evacuees, and its bounding box."""
    cells = {}
    for f in features:
        m = re.fullmatch(r"Z(\d+)-(\d+)", f["properties"]["id"])
        if m and f["properties"]["evacuees"] > 0:
            xs = [p[0] for p in f["geometry"]["coordinates"][0]]
            ys = [p[1] for p in f["geometry"]["coordinates"][0]]
            cells[(int(m[1]), int(m[2]))] = (f["properties"]["id"],
                                             [min(xs), min(ys), max(xs), max(ys)])
    for (a, b) in sorted(cells, key=lambda k: -sum(
            1 for d in ((0, 1), (1, 0), (1, 1)) if (k[0] + d[0], k[1] + d[1]) in cells)):
        block = [(a, b), (a, b + 1), (a + 1, b), (a + 1, b + 1)]
        if all(k in cells for k in block):
            boxes = [cells[k][1] for k in block]
            return [cells[k][0] for k in block], [
                min(x[0] for x in boxes), min(x[1] for x in boxes),
                max(x[2] for x in boxes), max(x[3] for x in boxes)]
    raise AssertionError("no 2 x 2 block of zones with evacuees")


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[tuple[StudioServer, str]]:
    srv = StudioServer(Workspace(tmp_path / "ws"), "127.0.0.1", 0)
    srv.start()
    yield srv, f"http://127.0.0.1:{srv.port}/"
    srv.shutdown()


def test_a_draw_an_area_over_four_zones_and_run(browser: Any, studio: Any,
                                                tmp_path: Path) -> None:
    srv, url = studio
    p = Page(browser, url)
    assert p.page.evaluate("window.studio.sid") == "porto-alegre-flood"
    zones, (w, s, e, n) = _block_of_four(p.page.evaluate("window.studio.layers.zones.features"))
    p.page.evaluate("([s, w, n, e]) => window.studio.map.fitBounds([[s, w], [n, e]], "
                    "{padding: [80, 80]})", [s, w, n, e])
    p.page.wait_for_timeout(500)
    p.page.click('#tools button[data-tool="area"]')
    dx, dy = (e - w) * 0.05, (n - s) * 0.05
    corners = [(w + dx, s + dy), (e - dx, s + dy), (e - dx, n - dy), (w + dx, n - dy)]
    for lon, lat in [*corners, corners[0]]:
        p.click_lonlat(lon, lat)
        p.page.wait_for_timeout(150)
    p.page.wait_for_function("() => window.studio.area && window.studio.area.type === 'Polygon'")
    p.run_and_wait(timeout_ms=600000)
    shown = float(p.page.get_attribute("#fig-ete50_s", "data-seconds") or "nan")
    job = p.page.evaluate("window.studio.job")
    folder = srv.workspace.folder("porto-alegre-flood")
    assert (folder / "data" / "studio-area.geojson").is_file()
    assert muster(["run", str(folder), "--seed", "1", "--out", str(tmp_path / "cli"),
                   "--no-progress", "--no-catalog"]) == 0
    cli = json.loads((tmp_path / "cli" / "kpis.json").read_text())["evacuation"]
    assert shown == cli["ete50_s"]
    assert job["result"]["evacuation"]["ete90_s"] == cli["ete90_s"]
    ordered = {z["zone"] for z in job["result"]["by_zone"] if z["evacuees"]}
    assert ordered == set(zones)
    p.clean()


def test_plume_form_of_the_helsinki_scenario(browser: Any, studio: Any) -> None:
    srv, url = studio
    p = Page(browser, url)
    p.page.select_option("#scenario-select", "helsinki-ammonia")
    p.page.wait_for_function("() => window.studio.sid === 'helsinki-ammonia' && "
                             "window.studio.ready", timeout=300000)
    assert p.page.locator("#wind-table tr").count() >= 1
    p.page.fill("#plume-release", "1234")
    p.page.dispatch_event("#plume-release", "change")
    p.page.wait_for_function("() => window.studio.raw.scenario.hazard.plume.release_g_s "
                             "=== 1234")
    p.page.click("#btn-save")
    p.page.wait_for_function("() => !window.studio.dirty")
    import yaml

    saved = yaml.safe_load((srv.workspace.folder("helsinki-ammonia") / "scenario.yaml")
                           .read_text(encoding="utf-8"))
    assert saved["hazard"]["plume"]["release_g_s"] == 1234
    p.clean()


def test_bus_form_of_a_bus_plan(browser: Any, studio: Any) -> None:
    srv, url = studio
    p = Page(browser, url)
    p.page.select_option("#plan-select", "evacuate-all-now-buses")
    p.page.click('#tabs button[data-tab="plan"]')
    p.page.fill("#bus-count", "7")
    p.page.dispatch_event("#bus-count", "change")
    p.page.click("#btn-save")
    p.page.wait_for_function("() => !window.studio.dirty")
    import yaml

    folder = srv.workspace.folder("porto-alegre-flood")
    plan = yaml.safe_load((folder / "plans" / "evacuate-all-now-buses.yaml")
                          .read_text(encoding="utf-8"))
    assert plan["buses"]["buses"] == 7
    p.clean()


def test_standards_table_edits_a_threshold(browser: Any, studio: Any) -> None:
    srv, url = studio
    p = Page(browser, url)
    p.page.click('#tabs button[data-tab="plan"]')
    box = p.page.locator('input.threshold[data-id="half-out-in-90min"]')
    assert box.input_value() == "5400"
    box.fill("3600")
    box.dispatch_event("change")
    p.page.click("#btn-save")
    p.page.wait_for_function("() => !window.studio.dirty")
    import yaml

    saved = yaml.safe_load((srv.workspace.folder("porto-alegre-flood") / "scenario.yaml")
                           .read_text(encoding="utf-8"))
    assert saved["standards"][0]["threshold"] == 3600
    p.clean()
