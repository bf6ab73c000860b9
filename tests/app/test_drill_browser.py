"""The drill console end to end in headless Chromium (Debian's, driven by Playwright).

Open the console, start the clock, pause it, inject a road closure and see that road
drawn closed on the map, apply a decision, fetch the after-action report; the browser
console must stay free of errors, and a shelter named ``<script>alert(1)</script>``
must show as text. The base-map tiles are answered with a blank image (no network).
Skips without ``/usr/bin/chromium`` or the ``playwright`` package.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from musterpoint.console import DrillServer
from musterpoint.maps.drill_console import OSM_TILES
from musterpoint.sim.drill import DrillSession
from tests.helpers.scenario_factory import base_scenario, make_scenario

EVIL = "<script>alert(1)</script>"
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

pytestmark = pytest.mark.browser




@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[DrillServer, str]]:
    shelters = base_scenario()["shelters"]
    shelters[0] = {**shelters[0], "name": EVIL}
    script = [{"id": "levee", "time_h": 2.5, "title": {"en": EVIL, "zh": "堤防决口"},
               "description": {"en": "Water on the western roads."},
               "expected_action": {"en": "Order the western zones out."}}]
    scenario = make_scenario(tmp_path / "grid", injects=script, shelters=shelters)
    session = DrillSession.create(tmp_path / "drill.sqlite", scenario, "late", 3)
    srv = DrillServer(session, "127.0.0.1", 0, tiles=OSM_TILES, tick_s=0.1)
    srv.start()
    yield srv, f"http://127.0.0.1:{srv.port}/"
    srv.shutdown()


def test_console_end_to_end(browser: Any, console: tuple[DrillServer, str],
                            tmp_path: Path) -> None:
    srv, url = console
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    foreign: list[str] = []

    def route(r: Any) -> None:
        u = r.request.url
        if u.startswith(url):
            r.continue_()
        elif "tile.openstreetmap.org" in u:
            r.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        else:
            foreign.append(u)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.drillConsole && window.drillConsole.ready")
    assert page.evaluate("L.version") == "1.9.4"
    assert page.locator("#title").inner_text() == "Grid test"

    # start the clock, see it move, pause it
    page.select_option("#speed", "300")
    page.click("#btn-start")
    page.wait_for_function("() => window.drillConsole.clock().running === true")
    page.wait_for_function("() => window.drillConsole.clock().now_s >= 300")
    page.click("#btn-pause")
    page.wait_for_function("() => window.drillConsole.clock().running === false")
    assert page.locator("#clock-status").inner_text() == "paused"
    t_paused = page.evaluate("window.drillConsole.clock().now_s")
    page.wait_for_timeout(400)
    assert page.evaluate("window.drillConsole.clock().now_s") == t_paused

    # inject a road closure on the spot: the road is drawn closed on the map
    form = page.locator("#inject-form")
    form.locator("select[name=kind]").select_option("close_links")
    form.locator("input[name='arg:links']").fill("L5")
    form.locator("input[name=title]").fill("Bridge X collapsed")
    form.locator("textarea[name=rationale]").fill("police report")
    form.locator("button[type=submit]").click()
    page.wait_for_selector('path.closed-link.manual[data-link="L5"]', state="attached")
    assert page.evaluate("window.drillConsole.closedManual()") == ["L5"]
    assert page.locator("#timeline li.type-inject").first.inner_text().endswith(
        "police report")

    # apply a decision
    form = page.locator("#decision-form")
    form.locator("select[name=kind]").select_option("open_shelter")
    form.locator("select[name='arg:shelter']").select_option("south")
    form.locator("input[name=actor]").fill("EOC")
    form.locator("textarea[name=rationale]").fill("the north road is cut")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#timeline li.role-participant")
    decided = srv.session.records()[-1]
    assert (decided.type, decided.role, decided.kind, decided.rationale) == (
        "decision", "participant", "open_shelter", "the north road is cut")

    # the scheduled inject fires at its time: its (hostile) title shows as text
    page.fill("#run-to", "2:40")
    page.click("#btn-run-to")
    page.wait_for_function(
        "(t) => document.querySelector('#banner-title').textContent === t", arg=EVIL)
    assert page.locator("#banner-title").inner_text() == EVIL
    assert page.locator("#banner").is_visible()
    assert page.locator("#inject-list li.fired").count() == 1

    # the shelter with a hostile name shows it as text and runs nothing
    marker = page.locator("path.shelter-marker").first
    marker.dispatch_event("click")
    names = page.locator(".leaflet-popup-content .shelter-name").all_inner_texts()
    assert EVIL in names, names
    assert page.evaluate("document.querySelectorAll('.leaflet-popup-content script').length") \
        == 0

    # the after-action report opens from the console
    with page.expect_popup() as pop:
        page.click("#report-html")
    report = pop.value
    report.wait_for_load_state()
    text = report.locator("body").inner_text()
    for heading in ("After-action report", "Timeline of injects and decisions",
                    "KPIs at the end", "Capability targets", "Critical tasks",
                    "Improvement plan", "演练执行情况", "改进建议"):
        assert heading in text, heading
    assert "Opening shelter South gym at" in text
    assert EVIL in text  # the inject title, as text
    report.close()
    pdf = page.request.get(url + "report.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    shot = os.environ.get("MUSTERPOINT_DRILL_SCREENSHOT")
    page.screenshot(path=shot or str(tmp_path / "console.png"))
    assert errors == [], errors
    assert dialogs == []
    assert foreign == []
    page.close()
