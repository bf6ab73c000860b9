"""The planner's studio in headless Chromium (Debian's, driven by Playwright).

Each test starts a fresh studio over a fresh grid scenario
(:mod:`tests.helpers.scenario_factory`) and checks, as the issue asks: (b) drag a
shelter, set its capacity to 500, run, see it filled and the redirect count; (c) close a
road by clicking it at 1:00, run, see fewer vehicles enter it after 1:00 than before;
(e) compare two plans with 3 replications and read the ranking; (f) the same pages in
Chinese with no English in the visible text (scenario data apart); (g) no console errors
and no request leaving the studio; (d) create a scenario from uploaded files (an OSM
extract, a population table, a shelter XLSX with Chinese column names), run, save, and
``muster run`` the saved folder with the same result. Skips without
``/usr/bin/chromium`` or Playwright.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from musterpoint.studio import StudioServer
from tests.helpers.studio_support import grid_studio

pytestmark = pytest.mark.browser

#: Visible text of the page that is not scenario data (``.data``) nor the name of the
#: other language on the language switch (``.lang-name``), as the DOM scan sees it.
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || !parent) continue;
    if (parent.closest('.data, .lang-name, select, script, style, .leaflet-pane')) continue;
    if (!parent.checkVisibility()) continue;
    out.push(node.textContent.trim());
  }
  return out;
}"""


class Page:
    """A studio page with its console errors and the requests that left the studio."""

    def __init__(self, opener: Any, url: str) -> None:
        self.page = opener.new_page()  # a browser (new context) or a context
        self.page.set_viewport_size({"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console",
                     lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

        def route(r: Any) -> None:
            if r.request.url.startswith(url):
                r.continue_()
            else:
                self.foreign.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("() => window.studio && window.studio.ready", timeout=60000)

    def run_and_wait(self, timeout_ms: int = 180000) -> None:
        """Press Run and wait for the run's end (its figures may be shown before)."""
        before = self.page.evaluate("window.studio.job && window.studio.job.id")
        self.page.click("#btn-run")
        self.page.wait_for_function(
            "(before) => { const j = window.studio.job; return j && j.id !== before && "
            "j.state === 'done' && j.result; }", arg=before, timeout=timeout_ms)
        self.page.wait_for_selector("#fig-ete50_s", timeout=timeout_ms)

    def click_lonlat(self, lon: float, lat: float) -> None:
        box = self.page.locator("#map").bounding_box()
        pt = self.page.evaluate("([lat, lon]) => { const p = window.studio.map"
                                ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                                [lat, lon])
        self.page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])

    def save_and_read(self, path: Path) -> Any:
        """Press Save, wait until saved, and read a saved YAML file."""
        self.page.click("#btn-save")
        self.page.wait_for_function("() => !window.studio.dirty")
        return yaml.safe_load(path.read_text(encoding="utf-8"))

    def clean(self) -> None:
        assert self.errors == []
        assert self.foreign == []


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[tuple[StudioServer, str, Path]]:
    with grid_studio(tmp_path) as (srv, base, folder):
        yield srv, base + "/", folder


def test_opens_with_roads_and_shelters_and_no_errors(browser: Any, studio: Any) -> None:
    _, url, _ = studio
    p = Page(browser, url)
    assert p.page.evaluate("L.version") == "1.9.4"
    assert p.page.evaluate("typeof L.PM") == "object"  # Leaflet-Geoman
    assert p.page.evaluate("window.studio.layers.roads.ids.length") == 120
    assert p.page.locator(".shelter-icon").count() == 2
    assert p.page.locator("#shelter-table tbody tr").count() == 2
    p.clean()


def test_b_drag_a_shelter_set_capacity_500_run(browser: Any, studio: Any) -> None:
    srv, url, folder = studio
    p = Page(browser, url)
    marker = p.page.locator(".shelter-icon").nth(0)  # north
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    p.page.mouse.move(x, y)
    p.page.mouse.down()
    p.page.mouse.move(x - 30, y + 20, steps=6)
    p.page.mouse.up()
    cap = p.page.locator('input.capacity[data-id="north"]')
    cap.fill("500")
    cap.dispatch_event("change")
    small = p.page.locator('input.capacity[data-id="south"]')  # more people go north
    small.fill("100")
    small.dispatch_event("change")
    p.run_and_wait()
    saved = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    north = next(s for s in saved["shelters"] if s["id"] == "north")
    assert north["capacity"] == 500
    assert north["lon"] < -51.19 and north["lon"] != pytest.approx(-51.19, abs=1e-5)
    occupancy = int(re.sub(r"\D", "", p.page.locator(
        '#shelter-result .occ[data-id="north"]').inner_text()))
    job = p.page.evaluate("window.studio.job")
    res = job["result"]
    shown = next(s for s in res["shelters"] if s["id"] == "north")
    assert occupancy == shown["occupancy_end"] == 500  # filled
    redirects = int(re.sub(r"\D", "", p.page.locator("#redirect-count").inner_text()))
    events = pd.read_parquet(srv.workspace.runs / job["id"] / "events.parquet")
    assert redirects == int((events["type"] == "redirect").sum()) > 0
    p.clean()


def _busiest_link(folder: Path, from_s: float) -> str:
    states = pd.read_parquet(folder / "link_states.parquet")
    before = states[states["interval_start_s"] < from_s].groupby("link_id")["entered"].sum()
    after = states[states["interval_start_s"] >= from_s].groupby("link_id")["entered"].sum()
    both = (before.reindex(after.index).fillna(0) > 0) & (after > 0)
    return str(after[both].idxmax())


def test_c_close_a_road_by_clicking_it_at_1_00(browser: Any, studio: Any) -> None:
    srv, url, folder = studio
    p = Page(browser, url)
    p.page.select_option("#plan-select", "late")
    p.run_and_wait()
    first = p.page.evaluate("window.studio.job.id")
    link = _busiest_link(srv.workspace.runs / first, 3600.0)
    lay = p.page.evaluate("window.studio.layers.roads")
    k = lay["ids"].index(link)
    x0, y0, dx, dy = lay["packed"][k][:4]
    scale = 100_000
    p.page.click('#tabs button[data-tab="scenario"]')
    p.page.click('#tools button[data-tool="close"]')
    p.click_lonlat((x0 + dx / 2) / scale, (y0 + dy / 2) / scale)
    p.page.wait_for_selector("#road-popup")
    assert link in p.page.get_attribute("#road-popup", "data-links").split(",")
    p.page.fill("#close-at", "1:00")
    p.page.click("#close-ok")
    p.page.wait_for_function("() => document.querySelectorAll('#closure-table tr').length == 1")
    p.page.evaluate("document.getElementById('result').replaceChildren()")
    p.run_and_wait()
    rows = p.page.evaluate("window.studio.job.result.closures")
    assert len(rows) == 1 and rows[0]["from_h"] == 1.0 and link in rows[0]["links"]
    assert rows[0]["after"] < rows[0]["before"]
    assert int(p.page.locator("#closure-result .after").inner_text()) == rows[0]["after"]
    saved = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    assert saved["hazard"]["closures"][0]["from_h"] == 1.0
    p.clean()


def test_e_compare_two_plans_with_3_replications(browser: Any, studio: Any) -> None:
    _, url, _ = studio
    p = Page(browser, url)
    p.page.click('#tabs button[data-tab="compare"]')
    p.page.check('#compare-plans input[value="now"]')
    p.page.check('#compare-plans input[value="late"]')
    p.page.fill("#compare-n", "3")
    p.page.click("#btn-compare")
    p.page.wait_for_selector("#ranking-table tr:nth-child(3)", timeout=240000)
    job = p.page.evaluate("window.studio.compareJob")
    assert job["replications"] == 3 and job["state"] == "done"
    ranked = p.page.locator("#ranking-table tr td:nth-child(2)").all_inner_texts()
    assert sorted(ranked) == ["late", "now"]
    p.clean()


def test_f_g_chinese_pages_have_no_english(browser: Any, studio: Any) -> None:
    _, url, _ = studio
    context = browser.new_context()
    p = Page(context, url)
    p.page.click("#btn-lang")
    assert p.page.evaluate("document.documentElement.lang") == "zh-Hans"
    # the status line shown before the switch ("Ready") follows the switch too
    assert p.page.inner_text("#status") == "就绪"
    p.run_and_wait()
    for tab in ("scenario", "plan", "result", "compare", "new"):
        p.page.click(f'#tabs button[data-tab="{tab}"]')
        texts = p.page.evaluate(VISIBLE_TEXT_JS)
        english = [s for s in texts if re.search(r"[A-Za-z]{2,}", s.replace("musterpoint", ""))]
        assert english == [], tab
    # a validation message, next to its field and in the list, is Chinese too
    p.page.click('#tabs button[data-tab="scenario"]')
    p.page.fill('input.capacity[data-id="north"]', "-5")
    p.page.press('input.capacity[data-id="north"]', "Tab")
    p.page.wait_for_selector('input.capacity[data-id="north"] + .field-problem')
    assert p.page.inner_text('input.capacity[data-id="north"] + .field-problem') == \
        "请填写不小于 0 的数"
    texts = p.page.evaluate(VISIBLE_TEXT_JS)
    assert "请填写不小于 0 的数" in texts
    assert [s for s in texts if re.search(r"[A-Za-z]{2,}", s.replace("musterpoint", ""))] == []
    # remembered: a new page opens in Chinese
    again = Page(context, url)
    assert again.page.inner_text("#btn-run") == "运行"
    p.clean()
    again.clean()
    context.close()


KREMS = Path(__file__).resolve().parents[2] / "scenarios" / "bundled" / "krems_flood" / "data"


def _shelter_xlsx(path: Path) -> Path:
    """Krems' shelters as an XLSX with Chinese column names (名称, 经度, 纬度, 容纳人数)."""
    from openpyxl import Workbook

    table = pd.read_csv(KREMS / "krems_shelters.csv")
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "经度", "纬度", "容纳人数"])
    for r in table.itertuples():
        sheet.append([r.name, r.lon, r.lat, int(r.capacity)])
    book.save(path)
    return path


def test_d_create_from_uploaded_files_run_save_and_cli(browser: Any, studio: Any,
                                                       tmp_path: Path) -> None:
    from musterpoint.cli import main as muster

    srv, url, _ = studio
    p = Page(browser, url)
    p.page.click('#tabs button[data-tab="new"]')
    p.page.fill("#new-name", "克雷姆斯")
    p.page.set_input_files("#new-roads", str(KREMS / "krems.osm.gz"))
    people = pd.read_csv(KREMS / "population.csv").head(120)  # a small district: a quick run
    people.to_csv(tmp_path / "人口.csv", index=False)
    p.page.set_input_files("#new-population", str(tmp_path / "人口.csv"))
    p.page.set_input_files("#new-shelters", str(_shelter_xlsx(tmp_path / "避难场所.xlsx")))
    p.page.click("#btn-create")
    p.page.wait_for_function("() => window.studio.sid === '克雷姆斯' && window.studio.ready",
                             timeout=300000)
    folder = srv.workspace.folder("克雷姆斯")
    assert folder.parent == srv.workspace.root / "scenarios"
    assert not any((srv.workspace.root / "uploads").iterdir())  # uploads removed
    assert p.page.locator(".shelter-icon").count() == 9
    p.run_and_wait(timeout_ms=600000)
    p.page.click("#btn-save")
    shown = p.page.evaluate("window.studio.job.result.evacuation")
    assert muster(["run", str(folder), "--seed", "1", "--out", str(tmp_path / "cli"),
                   "--no-progress", "--no-catalog"]) == 0
    import json

    cli = json.loads((tmp_path / "cli" / "kpis.json").read_text())["evacuation"]
    for k in ("evacuees", "arrived", "ete50_s", "ete90_s"):
        assert shown[k] == cli[k]
    p.clean()


def test_create_form_builder_options_shown_by_method_and_checked_in_chinese(
        browser: Any, studio: Any, tmp_path: Path) -> None:
    _, url, _ = studio
    p = Page(browser, url)
    p.page.click("#btn-lang")
    p.page.click('#tabs button[data-tab="new"]')
    assert p.page.is_visible("#new-cell-m") and not p.page.is_visible("#new-zones")
    p.page.select_option("#new-zones-kind", "polygons")
    assert p.page.is_visible("#new-zones") and not p.page.is_visible("#new-cell-m")
    p.page.select_option("#new-population-kind", "osm-buildings")
    assert p.page.is_visible("#new-population-total")
    assert not p.page.is_visible("#new-population-col")
    assert p.page.locator("#new-crs option").all_inner_texts() == [
        "WGS 84（卫星定位）", "GCJ-02（高德、腾讯）", "BD-09（百度）",
        "2000国家大地坐标系（CGCS2000）"]
    p.page.select_option("#new-population-kind", "points")
    p.page.select_option("#new-zones-kind", "hexagon")
    p.page.fill("#new-cell-m", "0")
    p.page.select_option("#new-crs", "GCJ-02")
    p.page.fill("#new-name", "k")
    p.page.set_input_files("#new-roads", str(KREMS / "krems.osm.gz"))
    p.page.set_input_files("#new-population", str(KREMS / "population.csv"))
    p.page.click("#btn-create")
    p.page.wait_for_selector("#new-cell-m + .field-problem")
    assert p.page.inner_text("#new-cell-m + .field-problem") == "请填写大于 0 的数"
    texts = p.page.evaluate(VISIBLE_TEXT_JS)
    assert [s for s in texts if re.search(r"[A-Za-z]{2,}", s.replace("musterpoint", ""))] == []
    # the refusal is a 400 answer, which Chromium logs; nothing else may be logged
    assert [e for e in p.errors if "status of 400" not in e] == []
    p.errors.clear()
    p.clean()


def test_plan_levers_by_clicking_a_road(browser: Any, studio: Any) -> None:
    _, url, folder = studio
    p = Page(browser, url)
    p.page.click('#tools button[data-tool="close"]')
    p.click_lonlat(-51.199, -30.0)  # the first street of the grid (links L1 and L2)
    p.page.wait_for_selector("#road-popup")
    p.page.fill("#close-at", "0:30")
    for bad in ("0", "6", ""):  # outside the schema's range: refused in the popup
        p.page.fill("#control-factor", bad)
        p.page.click("#control-ok")
        assert p.page.inner_text("#control-factor-problem") == \
            "give a number above 0 and up to 5"
        assert "invalid" in (p.page.get_attribute("#control-factor", "class") or "")
    p.page.fill("#control-factor", "0.7")
    p.page.click("#control-ok")
    p.page.wait_for_selector("#road-popup", state="detached")
    p.click_lonlat(-51.199, -30.0)
    p.page.wait_for_selector("#road-popup")
    p.page.fill("#close-at", "0:45")
    p.page.click("#contraflow-ok")
    p.page.wait_for_function("() => document.querySelector('#problem-list li.ok')")
    plan = p.save_and_read(folder / "plan-now.yaml")
    assert plan["control_points"] == [{"links": ["L1"], "from_h": 0.5, "capacity_factor": 0.7}]
    assert plan["contraflow"] == [{"links": ["L1"], "from_h": 0.75}]
    p.clean()


def test_cancel_in_the_page_and_saved_versions(browser: Any, studio: Any) -> None:
    srv, url, _ = studio
    p = Page(browser, url)
    p.page.click('#tabs button[data-tab="plan"]')
    p.page.fill("#plan-order", "0.25")
    p.page.dispatch_event("#plan-order", "change")
    p.page.click("#btn-run")
    p.page.wait_for_function("() => window.studio.job && window.studio.job.id")
    p.page.click("#btn-cancel")
    p.page.wait_for_function("() => window.studio.job.state === 'cancelled'")
    assert p.page.is_enabled("#btn-run") and not p.page.is_enabled("#btn-cancel")
    assert [x.name for x in srv.workspace.runs.iterdir() if "run-" in x.name] == []
    # Run saved the plan first: its earlier version is listed
    p.page.wait_for_selector("#history-list li")
    assert p.page.locator("#history-list li").all_inner_texts() == [
        ".studio-history/plan-now/0001.yaml"]
    p.clean()


def test_the_clearance_time_is_shown_before_the_map_in_english_and_chinese(
        browser: Any, studio: Any, tmp_path: Path) -> None:
    """The run's figures come while its map and report are still written (held here: the
    job's answers after its end are shown as "drawing the map" until released)."""
    _, url, _ = studio
    p = Page(browser, url)
    gate = {"open": False, "held": 0}

    def hold(route: Any) -> None:
        resp = route.fetch()
        job = resp.json()
        if job["state"] == "done" and not gate["open"]:
            gate["held"] += 1
            early = {k: v for k, v in job.items() if k != "result"}
            early.update(state="running", stage="map", fraction=0.0,
                         early_result={**job["result"], "files": []})
            route.fulfill(response=resp, json=early)
        else:
            route.fulfill(response=resp)

    p.page.route("**/api/job/*", hold)
    p.page.click("#btn-run")
    p.page.wait_for_selector("#run-pending", timeout=180000)
    assert gate["held"] > 0 or p.page.evaluate("window.studio.earlyShown") is not None
    assert p.page.is_visible("#fig-ete50_s") and p.page.locator("#run-pages").count() == 0
    assert p.page.is_enabled("#btn-cancel")  # still running: the map is being drawn
    assert "map and the report are being written" in p.page.inner_text("#run-pending")
    p.page.locator("#tab-result").screenshot(path=str(tmp_path / "early-en.png"))
    p.page.click("#btn-lang")
    assert p.page.inner_text("#run-pending") == "以上数字已是最终结果；地图和报告正在生成。"
    texts = p.page.evaluate(VISIBLE_TEXT_JS)
    assert [t for t in texts if re.search(r"[A-Za-z]{2,}", t.replace("musterpoint", ""))] == []
    p.page.locator("#tab-result").screenshot(path=str(tmp_path / "early-zh.png"))
    shown = p.page.get_attribute("#fig-ete50_s", "data-seconds")
    gate["open"] = True
    p.page.wait_for_selector("#run-pages iframe", timeout=60000)
    assert p.page.locator("#run-pending").count() == 0
    assert p.page.get_attribute("#fig-ete50_s", "data-seconds") == shown
    assert p.page.evaluate("window.studio.job.state") == "done"
    p.clean()


def test_draw_a_hazard_extent_from_a_time(browser: Any, studio: Any) -> None:
    import json

    _, url, folder = studio
    p = Page(browser, url)
    p.page.click('#tools button[data-tool="hazard"]')
    p.page.fill("#hazard-from", "0:30")
    corners = [(-51.2005, -30.0005), (-51.1975, -30.0005), (-51.1975, -29.9895),
               (-51.2005, -29.9895)]
    for lon, lat in [*corners, corners[0]]:
        p.click_lonlat(lon, lat)
        p.page.wait_for_timeout(150)
    p.page.wait_for_function("() => window.studio.hazardPolygons.length === 1")
    saved = p.save_and_read(folder / "scenario.yaml")
    assert saved["hazard"]["polygons"] == [{"file": "data/studio-hazard.geojson",
                                            "mode": "accumulate", "kind": "flood"}]
    assert saved["hazard"]["flood"]["stage"] == [[0, 0.0], [1, 3.0], [3, 3.0]]  # kept
    layer = json.loads((folder / "data" / "studio-hazard.geojson").read_text())
    assert [f["properties"]["from_h"] for f in layer["features"]] == [0.5]
    p.run_and_wait()
    p.clean()


def test_drawn_hazard_extents_reopen_edit_save(browser: Any, studio: Any) -> None:
    import json

    _, url, folder = studio
    p = Page(browser, url)
    p.page.click('#tools button[data-tool="hazard"]')
    p.page.fill("#hazard-from", "0:30")
    corners = [(-51.2005, -30.0005), (-51.1975, -30.0005), (-51.1975, -29.9895)]
    for lon, lat in [*corners, corners[0]]:
        p.click_lonlat(lon, lat)
        p.page.wait_for_timeout(150)
    p.page.wait_for_function("() => window.studio.hazardPolygons.length === 1")
    p.save_and_read(folder / "scenario.yaml")
    # reopened: the saved extent is drawn and listed; draw a second one from 2:00, save
    again = Page(browser, url)
    assert again.page.locator("#hazard-table tr").all_inner_texts() == ["0:30\tRemove"]
    again.page.click('#tools button[data-tool="hazard"]')
    again.page.fill("#hazard-from", "2:00")
    for lon, lat in [*corners, corners[0]]:
        again.click_lonlat(lon + 0.001, lat)
        again.page.wait_for_timeout(150)
    again.page.wait_for_function("() => window.studio.hazardPolygons.length === 2")
    saved = again.save_and_read(folder / "scenario.yaml")
    assert len(saved["hazard"]["polygons"]) == 1
    layer = json.loads((folder / "data" / "studio-hazard.geojson").read_text())
    assert [f["properties"]["from_h"] for f in layer["features"]] == [0.5, 2.0]
    # reopened once more: both; remove the first and save
    third = Page(browser, url)
    assert third.page.locator("#hazard-table tr").count() == 2
    third.page.locator("#hazard-table button").first.click()
    third.save_and_read(folder / "scenario.yaml")
    layer = json.loads((folder / "data" / "studio-hazard.geojson").read_text())
    assert [f["properties"]["from_h"] for f in layer["features"]] == [2.0]
    for page in (p, again, third):
        page.clean()


def test_buses_placed_on_the_map_run_and_move_people(browser: Any, studio: Any) -> None:
    srv, url, folder = studio
    p = Page(browser, url)
    p.page.click('#tabs button[data-tab="plan"]')
    p.page.click("#tool-depot")  # the plan has no buses: place the depot, then pick-ups
    p.click_lonlat(-51.193, -29.995)  # on dry ground: the flood covers the west
    p.page.wait_for_selector("#bus-count")
    for lon, lat in [(-51.196, -29.998), (-51.196, -29.992)]:
        p.click_lonlat(lon, lat)
        p.page.wait_for_timeout(150)
    assert p.page.locator("#pickup-table tr").count() == 2
    assert p.page.locator(".pickup-icon").count() == 2
    assert p.page.locator(".depot-icon").count() == 1
    p.page.fill("#bus-count", "3")
    p.page.press("#bus-count", "Tab")
    p.page.fill("#bus-ready-from", "5")
    p.page.press("#bus-ready-from", "Tab")
    p.page.fill("#bus-ready-to", "15")
    p.page.press("#bus-ready-to", "Tab")
    # drag the depot a little: its place follows
    depot = p.page.locator(".depot-icon").bounding_box()
    p.page.mouse.move(depot["x"] + 7, depot["y"] + 7)
    p.page.mouse.down()
    p.page.mouse.move(depot["x"] + 47, depot["y"] + 7, steps=5)
    p.page.mouse.up()
    plan = p.save_and_read(folder / "plan-now.yaml")
    buses = plan["buses"]
    assert buses["buses"] == 3 and buses["mobilisation_min"] == [5, 15]
    assert [q["id"] for q in buses["pickups"]] == ["pickup-1", "pickup-2"]
    assert buses["depot"]["id"] == "depot" and buses["depot"]["lon"] > -51.193
    p.run_and_wait()
    delivered = int(p.page.inner_text("#bus-delivered").replace(",", ""))
    assert delivered > 0
    job = srv.jobs.get(p.page.evaluate("window.studio.job.id"))
    table = pd.read_parquet(job.out / "buses.parquet")
    assert len(table) == 3 and int(table["delivered"].sum()) == delivered
    agents = pd.read_parquet(job.out / "agents.parquet", columns=["mode", "persons"])
    assert agents.loc[agents["mode"] == "bus", "persons"].sum() >= delivered
    p.clean()


def test_zone_order_and_shelter_by_clicking_a_zone(browser: Any, studio: Any) -> None:
    _, url, folder = studio
    p = Page(browser, url)
    zone = p.page.evaluate("window.studio.layers.zones.features.find("
                           "f => f.properties.evacuees > 0)")
    ring = zone["geometry"]["coordinates"][0]
    lon = sum(x for x, _ in ring[:-1]) / (len(ring) - 1)
    lat = sum(y for _, y in ring[:-1]) / (len(ring) - 1)
    p.page.click('#tools button[data-tool="zone"]')
    p.click_lonlat(lon, lat)
    p.page.wait_for_selector("#zone-order-input")
    p.page.fill("#zone-order-input", "0.5")
    p.page.select_option("#zone-shelter", "south")
    p.page.click("#zone-order-ok")
    plan = p.save_and_read(folder / "plan-now.yaml")
    zid = zone["properties"]["id"]
    assert plan["stages"] == [{"time_h": 0.5, "zones": [zid]}]
    assert plan["zone_shelters"] == {zid: "south"} and plan["shelter_choice"] == "zone_map"
    p.run_and_wait()
    # the other zones are ordered out at the start: 06:00 in the scenario's time zone
    assert p.page.inner_text("#first-order").endswith("06:00 (America/Sao_Paulo)")
    p.clean()
