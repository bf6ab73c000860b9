"""The planner's studio over real sockets: scenario view, saving, runs, Cancel, access rules.

A grid scenario (tests.helpers.scenario_factory) opened from its folder. A run started
from the studio gives the same clearance times as ``muster run`` on the saved files with
the same seed (kpis.json byte for byte), also on the warm spare worker with its
preloaded World, never with a World of files edited since; the figures come before the
map; a spare that died is replaced, a worker crashing in its job is reported, shutdown
ends the spare; Cancel ends the worker within 2 s and leaves no result; loading and saving
without edits leaves the files byte for byte; every route answers 401 without the token
off loopback; another origin can neither start a run nor write a file; paths leaving the
scenario folder are refused.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from musterpoint.cli import main as muster
from musterpoint.scenarios.errors import InputError
from musterpoint.studio import StudioServer, Workspace
from tests.helpers.scenario_factory import make_scenario
from tests.helpers.studio_support import grid_studio

TOKEN = "a-token-of-24-characters"


def _call(base: str, path: str, body: Any = None, headers: dict[str, str] | None = None
          ) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    h = {"Content-Type": "application/json", "Origin": base} if body is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=data, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw[:1] in (b"{", b"[") else raw
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw[:1] == b"{" else raw


def _wait(base: str, job_id: str, timeout_s: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _, j = _call(base, f"/api/job/{job_id}")
        if j["state"] != "running":
            return dict(j)
        time.sleep(0.2)
    raise AssertionError("the job did not end in time")


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[tuple[StudioServer, str, Path]]:
    with grid_studio(tmp_path) as served:
        yield served


def test_scenario_view_has_the_network_zones_and_shelters(studio: Any) -> None:
    _srv, base, folder = studio
    status, cat = _call(base, "/api/scenarios")
    assert status == 200 and cat["scenarios"][0] == {"id": "grid", "source": "folder",
                                                    "path": str(folder.resolve())}
    _, sc = _call(base, "/api/scenario/grid")
    assert sc["meta"]["timezone"] == "America/Sao_Paulo"
    assert sorted(sc["plans"]) == ["late", "now"]
    assert [s["id"] for s in sc["scenario"]["shelters"]] == ["north", "south"]
    _, layers = _call(base, "/api/scenario/grid/layers")
    # 6 x 6 grid: 2 * 6 * 5 streets, each both ways
    assert len(layers["roads"]["ids"]) == len(layers["roads"]["packed"]) == 120
    assert {f["properties"]["id"] for f in layers["zones"]["features"]}
    assert sum(f["properties"]["evacuees"] for f in layers["zones"]["features"]) > 0
    # a click on the first street (between nodes 1 and 2) finds it and its twin
    _, road = _call(base, "/api/scenario/grid/road?lon=-51.199&lat=-30.0")
    assert road["road"]["links"] == ["L1", "L2"]
    _, far = _call(base, "/api/scenario/grid/road?lon=-51.0&lat=-30.0")
    assert far["road"] is None


def test_save_round_trip_and_history(studio: Any) -> None:
    _srv, base, folder = studio
    before = {p.name: p.read_bytes() for p in folder.glob("*.yaml")}
    _, sc = _call(base, "/api/scenario/grid")
    status, saved = _call(base, "/api/scenario/grid/save",
                          {"scenario": sc["scenario"], "plans": sc["plans"]})
    assert status == 200 and not any(s["changed"] for s in saved["saved"])
    assert {p.name: p.read_bytes() for p in folder.glob("*.yaml")} == before
    # an edit: a shelter moved with a capacity of 500; the old file is kept
    sc["scenario"]["shelters"][0].update(capacity=500, lon=-51.191, lat=-29.991)
    status, saved = _call(base, "/api/scenario/grid/save", {"scenario": sc["scenario"]})
    assert status == 200 and saved["saved"][0] == {"file": "scenario.yaml", "changed": True,
                                                   "kept": "0001.yaml"}
    data = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    assert data["shelters"][0]["capacity"] == 500 and data["shelters"][0]["lon"] == -51.191
    kept = folder / ".studio-history" / "scenario" / "0001.yaml"
    assert kept.read_bytes() == before["scenario.yaml"]
    _, hist = _call(base, "/api/scenario/grid/history?file=scenario.yaml")
    assert hist["versions"] == [".studio-history/scenario/0001.yaml"]


def test_edits_are_checked_by_field_and_bad_ones_not_saved(studio: Any) -> None:
    _srv, base, folder = studio
    _, sc = _call(base, "/api/scenario/grid")
    sc["scenario"]["shelters"][1]["capacity"] = -5
    _, checked = _call(base, "/api/check", {"kind": "scenario", "file": "scenario.yaml",
                                            "data": sc["scenario"]})
    assert [p["field"] for p in checked["problems"]] == ["shelters[1].capacity"]
    assert checked["problems"][0]["reason"] == "give a number of 0 or more"
    _, zh = _call(base, "/api/check", {"kind": "scenario", "file": "scenario.yaml",
                                       "data": sc["scenario"], "lang": "zh"})
    assert zh["problems"] == [{"file": "scenario.yaml", "field": "shelters[1].capacity",
                               "reason": "请填写不小于 0 的数"}]
    before = (folder / "scenario.yaml").read_bytes()
    status, answer = _call(base, "/api/scenario/grid/save", {"scenario": sc["scenario"],
                                                              "lang": "zh"})
    assert status == 400 and answer["problems"][0]["field"] == "shelters[1].capacity"
    assert answer["problems"][0]["reason"] == "请填写不小于 0 的数"
    assert (folder / "scenario.yaml").read_bytes() == before


def test_validation_messages_in_chinese_by_error_type() -> None:
    from musterpoint.studio.validation import localized_problems

    plan = {"name": "x", "order_time_h": "soon", "shelter_choice": "random", "bogus": 1,
            "control_points": [{"links": ["a"], "from_h": 0, "capacity_factor": 9}]}
    zh = {p["field"]: p for p in localized_problems("plan", plan, "plan.yaml", "zh")}
    assert zh["order_time_h"]["reason"] == "请填写数字"
    assert zh["shelter_choice"]["reason"].startswith("请从以下选项中选择：nearest_with_room")
    assert zh["bogus"]["reason"] == "未知的键；请删除或检查拼写"
    assert zh["control_points[0].capacity_factor"]["reason"] == "请填写不大于 5 的数"
    en = {p["field"]: p["reason"] for p in localized_problems("plan", plan, "plan.yaml", "en")}
    assert en["control_points[0].capacity_factor"] == "give a number of 5 or less"
    # a model's own sentence, translated by the shared catalog (display.input_text)
    stage = {"name": "x", "title": {"en": "x"}, "stages": [{"time_h": 1}]}
    (own,) = localized_problems("plan", stage, "plan.yaml", "zh")
    assert own["reason"] == "每个疏散阶段须指明 'zones' 或 'max_elevation_m'"
    assert localized_problems("plan", [], "plan.yaml", "zh")[0]["reason"] == "请填写映射（键: 值）"


def test_drawn_hazard_extents_and_area_come_back_when_reopened(studio: Any) -> None:
    _srv, base, _folder = studio
    square = {"type": "Polygon", "coordinates": [[[-51.2, -30.0], [-51.19, -30.0],
                                                  [-51.19, -29.99], [-51.2, -30.0]]]}
    _, sc = _call(base, "/api/scenario/grid")
    assert sc["drawn"] == {"area": None, "hazard_polygons": []}
    status, _ = _call(base, "/api/scenario/grid/save", {
        "scenario": sc["scenario"], "area": square,
        "hazard_polygons": [{"geometry": square, "from_h": 0.5}]})
    assert status == 200
    _, again = _call(base, "/api/scenario/grid")
    assert again["drawn"] == {"area": square,
                              "hazard_polygons": [{"geometry": square, "from_h": 0.5}]}
    # edit: keep the first, add a second; both saved and read back, once in the series
    both = [*again["drawn"]["hazard_polygons"], {"geometry": square, "from_h": 2.0}]
    _call(base, "/api/scenario/grid/save", {"scenario": again["scenario"],
                                             "hazard_polygons": both})
    _, third = _call(base, "/api/scenario/grid")
    assert [h["from_h"] for h in third["drawn"]["hazard_polygons"]] == [0.5, 2.0]
    assert third["scenario"]["hazard"]["polygons"] == [
        {"file": "data/studio-hazard.geojson", "mode": "accumulate", "kind": "flood"}]
    # removing every drawn extent removes the series
    _call(base, "/api/scenario/grid/save", {"scenario": third["scenario"],
                                             "hazard_polygons": []})
    _, last = _call(base, "/api/scenario/grid")
    assert last["drawn"]["hazard_polygons"] == [] and "polygons" not in last["scenario"]["hazard"]
    assert last["scenario"]["hazard"]["flood"]["stage"] == [[0, 0.0], [1, 3.0], [3, 3.0]]


def test_run_from_the_studio_equals_muster_run(studio: Any, tmp_path: Path) -> None:
    _srv, base, folder = studio
    _, sc = _call(base, "/api/scenario/grid")
    assert _srv.jobs.wait_spare(120.0)  # ready with the World of the files before the edit
    sc["scenario"]["shelters"][0]["capacity"] = 500
    _call(base, "/api/scenario/grid/save", {"scenario": sc["scenario"]})
    status, job = _call(base, "/api/scenario/grid/run", {"plan": "now", "seed": 3})
    assert status == 200, job
    done = _wait(base, job["id"])
    assert done["state"] == "done", done
    # on the spare worker, which made the World of the files before the edit: not used
    assert done["worker"]["warm_worker"] is True
    assert done["worker"]["world_preloaded"] is False
    res = done["result"]
    assert muster(["run", str(folder), "--seed", "3", "--out", str(tmp_path / "cli"),
                   "--no-progress", "--no-catalog"]) == 0
    cli = json.loads((tmp_path / "cli" / "kpis.json").read_text())["evacuation"]
    for k in ("ete50_s", "ete90_s", "ete100_s", "arrived", "evacuees"):
        assert res["evacuation"][k] == cli[k]
    assert (_srv.workspace.runs / job["id"] / "kpis.json").read_bytes() == \
        (tmp_path / "cli" / "kpis.json").read_bytes()
    north = next(s for s in res["shelters"] if s["id"] == "north")
    assert north["capacity"] == 500 and 0 < north["occupancy_end"] <= 500
    assert res["redirects"] == sum(s["redirected_to"] for s in res["shelters"])
    assert {"map.html", "report.html", "kpis.json"} <= set(res["files"])
    status, page = _call(base, f"/runs/{job['id']}/map.html")
    assert status == 200 and b"<html" in page[:500].lower()
    status, _ = _call(base, f"/runs/{job['id']}/..%2Fcatalog.sqlite")
    assert status == 404


def test_cancel_stops_the_worker_within_2_s_and_leaves_nothing(studio: Any) -> None:
    srv, base, _folder = studio
    status, job = _call(base, "/api/scenario/grid/run", {"plan": "late", "seed": 1})
    assert status == 200
    time.sleep(1.0)  # the worker is importing or building the world
    t0 = time.monotonic()
    status, cancelled = _call(base, f"/api/job/{job['id']}/cancel", {})
    took = time.monotonic() - t0
    assert status == 200 and cancelled["state"] == "cancelled"
    assert took < 2.0
    proc = srv.jobs.jobs[job["id"]].process
    assert not proc.is_alive()
    runs = srv.workspace.runs
    assert [p.name for p in runs.iterdir() if p.name.startswith(("run-", ".run-"))] == []


def _run_done(base: str, body: dict[str, Any]) -> dict[str, Any]:
    status, job = _call(base, "/api/scenario/grid/run", body)
    assert status == 200, job
    done = _wait(base, job["id"])
    assert done["state"] == "done", done
    return done


@pytest.mark.slow
def test_the_spare_worker_runs_with_its_world_and_never_a_stale_one(
        studio: Any, tmp_path: Path) -> None:
    """A Run is handed to the spare worker; its preloaded World is used while the
    scenario's files are those it was loaded from, not after an edit; each result's
    kpis.json is byte for byte ``muster run``'s; the figures come before the map."""
    srv, base, folder = studio
    assert srv.jobs.wait_spare(120.0)  # the studio opened the scenario: a spare is ready
    first = _run_done(base, {"plan": "now", "seed": 2})  # the World is surely cached now
    assert first["worker"]["warm_worker"] is True
    srv.jobs.warm(None)  # a new spare for the scenario, that finds its World cached
    srv.jobs.warm(srv.workspace.load("grid").path)
    assert srv.jobs.wait_spare(120.0)
    second = _run_done(base, {"plan": "now", "seed": 2})
    assert second["worker"]["warm_worker"] is True
    assert second["worker"]["world_preloaded"] is True
    assert (srv.workspace.runs / second["id"] / "kpis.json").read_bytes() == \
        (srv.workspace.runs / first["id"] / "kpis.json").read_bytes()
    job = srv.jobs.get(second["id"])
    assert job is not None and job.early_result is not None
    assert job.early_result["evacuation"] == second["result"]["evacuation"]
    assert job.early_result["ledger"] == second["result"]["ledger"]
    assert job.early_result["files"] == [] and "map.html" in second["result"]["files"]
    assert second["worker"]["figures_at"] <= second["worker"]["at"]
    # an edit after the next spare loaded its World: that World is not used
    assert srv.jobs.wait_spare(120.0)
    _, sc = _call(base, "/api/scenario/grid")
    sc["scenario"]["shelters"][0]["capacity"] = 300
    _call(base, "/api/scenario/grid/save", {"scenario": sc["scenario"]})
    third = _run_done(base, {"plan": "now", "seed": 2})
    assert third["worker"]["warm_worker"] is True
    assert third["worker"]["world_preloaded"] is False
    north = next(s for s in third["result"]["shelters"] if s["id"] == "north")
    assert north["capacity"] == 300 and 0 < north["occupancy_end"] <= 300
    assert muster(["run", str(folder), "--seed", "2", "--out", str(tmp_path / "cli"),
                   "--no-progress", "--no-catalog"]) == 0
    assert (srv.workspace.runs / third["id"] / "kpis.json").read_bytes() == \
        (tmp_path / "cli" / "kpis.json").read_bytes()


def test_a_dead_spare_is_replaced_a_crash_is_reported_and_shutdown_ends_the_spare(
        tmp_path: Path) -> None:
    import os
    import signal

    with grid_studio(tmp_path) as (srv, base, _folder):
        assert srv.jobs.wait_spare(120.0)
        dead = srv.jobs.spare_process
        os.kill(dead.pid, signal.SIGKILL)
        dead.join(5.0)
        done = _run_done(base, {"plan": "now", "seed": 1})  # a fresh process instead
        assert done["worker"]["warm_worker"] is False
        assert srv.jobs.wait_spare(120.0)  # and a new spare for the next Run
        _, job = _call(base, "/api/scenario/grid/run", {"plan": "now", "seed": 1})
        proc = srv.jobs.jobs[job["id"]].process
        os.kill(proc.pid, signal.SIGKILL)  # the worker crashes during its job
        failed = _wait(base, job["id"], 30.0)
        assert failed["state"] == "failed"
        assert "the worker process ended" in failed["message"]
        spare = srv.jobs.spare_process
        assert spare is not None and spare.is_alive()
    assert not spare.is_alive()  # the studio closed: its spare ended
    assert srv.jobs.spare_process is None


def test_paths_leaving_the_scenario_folder_are_refused(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "grid").parent
    ws = Workspace(tmp_path / "ws", [folder])
    for bad in ("../x.yaml", "/etc/passwd", ".studio-history/x.yaml", "data/../../x",
                "a\\b.yaml"):
        with pytest.raises(InputError):
            ws.safe_path("grid", bad)
    for bad in ("../evil.geojson", ".hidden", "a/b.csv", ""):
        with pytest.raises(InputError):
            ws.write_data("grid", bad, b"{}")
    with pytest.raises(InputError):
        ws.folder("../../etc")
    assert ws.safe_path("grid", "data/a.geojson") == (folder / "data" / "a.geojson").resolve()


def test_access_rules_off_loopback_and_across_origins(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "grid").parent
    srv = StudioServer(Workspace(tmp_path / "ws", [folder]), "127.0.0.1", 0, token=TOKEN)
    srv.start()
    base = f"http://127.0.0.1:{srv.port}"
    try:
        for path in ("/", "/static/studio.js", "/vendor/leaflet/leaflet.js", "/api/scenarios",
                     "/api/scenario/grid", "/api/scenario/grid/layers", "/api/job/x",
                     "/runs/x/map.html"):
            status, _ = _call(base, path)
            assert status == 401, path
        for path in ("/api/scenario/grid/run", "/api/scenario/grid/save", "/api/new"):
            status, _ = _call(base, path, {"plan": "now"})
            assert status == 401, path
            # with the token in the cookie only, another origin is refused
            status, _ = _call(base, path, {"plan": "now"}, {
                "Origin": "http://evil.example", "Cookie": f"muster_token={TOKEN}"})
            assert status == 403, path
        status, _ = _call(base, "/api/scenarios", headers={"X-Muster-Token": TOKEN})
        assert status == 200
        assert srv.jobs.jobs == {}
    finally:
        srv.shutdown()
    # bound off loopback without a token, one is made up
    wild = StudioServer(Workspace(tmp_path / "ws2"), "0.0.0.0", 0)
    try:
        assert wild.token and len(wild.token) >= 16 and f"?token={wild.token}" in wild.url
    finally:
        wild.service.stop()


def test_every_ui_text_comes_from_the_catalog_with_chinese_without_english_words() -> None:
    import re

    from musterpoint.display.i18n import tr
    from musterpoint.studio.texts import TEXTS, texts_json

    both = json.loads(texts_json())
    assert set(both["en"]) == set(both["zh"]) == {*TEXTS, "lang_switch"}
    english = {k: zh for k, zh in both["zh"].items()
               if re.search(r"[A-Za-z]{2,}", zh.replace("musterpoint", ""))}
    # the switch names the other language; coordinate systems keep their names
    assert english == {"lang_switch": "English", "crs_wgs84": "WGS 84（卫星定位）",
                       "crs_gcj02": "GCJ-02（高德、腾讯）", "crs_bd09": "BD-09（百度）",
                       "crs_cgcs2000": "2000国家大地坐标系（CGCS2000）"}
    assert all(both["zh"][k] == tr("zh", msgid) != msgid for k, msgid in TEXTS.items())
    assert both["en"] == {**TEXTS, "lang_switch": "中文"}
    assert both["zh"]["run"] == "运行" and both["en"]["run"] == "Run"
    assert both["zh"]["shelters"] == "避难场所"  # the glossary's term
    assert "<" not in texts_json()


def test_uploads_and_saves_stay_inside_the_workspace(tmp_path: Path) -> None:
    import base64

    from musterpoint.console import ServeLimits

    folder = make_scenario(tmp_path / "grid").parent
    ws = Workspace(tmp_path / "ws", [folder])
    srv = StudioServer(ws, "127.0.0.1", 0, limits=ServeLimits(max_body_bytes=64 * 1024))
    srv.start()
    base = f"http://127.0.0.1:{srv.port}"
    try:
        csv = base64.b64encode(b"lon,lat,population\n1,2,3\n").decode()
        # the uploaded name only gives the suffix: a path in it is never used
        status, answer = _call(base, "/api/new", {"name": "x", "files": {
            "roads": {"name": "../../../etc/roads.exe", "base64": csv},
            "population": {"name": "../p.csv", "base64": csv}}})
        assert status == 400 and answer["problems"][0]["field"] == "roads"
        status, answer = _call(base, "/api/new", {"name": "../escape", "files": {}})
        assert status == 400 and answer["problems"][0]["field"] == "name"
        # bodies over the limit are refused before anything is read into a file
        big = base64.b64encode(b"x" * 100_000).decode()
        status, _ = _call(base, "/api/new", {"name": "y", "files": {
            "roads": {"name": "r.osm", "base64": big}}})
        assert status == 413
        # a plan file outside the scenario folder is refused, nothing written
        _, sc = _call(base, "/api/scenario/grid")
        plan = sc["plans"]["now"]
        status, answer = _call(base, "/api/scenario/grid/save", {"plans": {
            "now": {"file": "../../evil.yaml", "data": plan["data"]}}})
        assert status == 400 and not (tmp_path / "evil.yaml").exists()
        assert sorted(p.name for p in (ws.root / "scenarios").iterdir()) == []
        assert not (ws.root / "uploads").exists() or not any((ws.root / "uploads").iterdir())
    finally:
        srv.shutdown()


def test_muster_studio_prints_its_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    folder = make_scenario(tmp_path / "grid").parent
    proc = subprocess.Popen([sys.executable, "-m", "musterpoint", "studio", str(folder),
                             "--port", "0", "--workspace", str(tmp_path / "ws")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("studio: http://127.0.0.1:")
        base = line.split()[1].rstrip("/")
        status, cat = _call(base, "/api/scenarios")
        assert status == 200 and cat["default"] == "grid"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "terminated (SIGTERM)" in out


def test_a_fresh_studio_draws_a_scenario_from_its_stored_layers(tmp_path: Path) -> None:
    folder = make_scenario(tmp_path / "grid").parent
    first = StudioServer(Workspace(tmp_path / "ws", [folder]), "127.0.0.1", 0)
    data = first.layers_bytes("grid")
    stored = list((tmp_path / "ws" / ".layers").glob("*.json"))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    first.service.stop()
    again = StudioServer(Workspace(tmp_path / "ws", [folder]), "127.0.0.1", 0)
    try:
        assert again.layer_cache.layers("grid") == data
        assert not again.layer_cache.has_finder("grid")  # no world built to draw it
        assert again.layers_bytes("grid") == data  # and the road finder made meanwhile
        assert again.nearest_road("grid", -51.199, -30.0)["road"]["links"] == ["L1", "L2"]
        # an edit of the network's files is another world: its layers are built anew
        links = folder / "links.csv"
        links.write_text(links.read_text().replace(",13.9,", ",12.5,"))
        assert again.layers_bytes("grid") != b"" and len(list(stored[0].parent.glob(
            "*.json"))) == 2
    finally:
        again.service.stop()


def test_a_brand_new_workspace_draws_a_bundled_scenario_without_building_its_world(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from musterpoint.studio import layer_cache

    monkeypatch.setenv("MUSTER_CACHE_DIR", str(tmp_path / "cache"))
    first = StudioServer(Workspace(tmp_path / "ws1"), "127.0.0.1", 0)
    copy = first.workspace.folder("krems-flood")
    # an unedited copy is drawn from the bundled original (one World for every workspace)
    assert first.layer_cache.source("krems-flood").path != copy / "scenario.yaml"
    data = first.layers_bytes("krems-flood")
    first.service.stop()
    built = []
    monkeypatch.setattr(layer_cache.LayerCache, "_draw",
                        lambda self, *a: built.append(a) or b"drawn again")
    fresh = StudioServer(Workspace(tmp_path / "ws2"), "127.0.0.1", 0)
    try:
        assert fresh.layers_bytes("krems-flood") == data and built == []
        assert fresh.nearest_road("krems-flood", 15.6194661, 48.4100251)["road"] is not None
        # an edited copy is its own scenario: drawn from itself
        (fresh.workspace.folder("krems-flood") / "data" / "extra.txt").write_text("x")
        src = fresh.layer_cache.source("krems-flood")
        assert src.path == fresh.workspace.folder("krems-flood") / "scenario.yaml"
    finally:
        fresh.service.stop()


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
def test_compare_runs_on_the_cli_executor_with_progress_and_cancel(studio: Any) -> None:
    import os

    srv, base, _ = studio
    cpus = len(os.sched_getaffinity(0))
    # 2 plans x 4 replications, polled every 0.1 s: a poll lands between two replications
    # even when each takes well under a second (with 2 and 0.3 s a fast machine could
    # finish between two polls and the test failed without a fault)
    _, job = _call(base, "/api/scenario/grid/compare", {"plans": ["now", "late"],
                                                        "replications": 4})
    seen = []
    while job["state"] == "running":
        time.sleep(0.1)
        _, job = _call(base, f"/api/job/{job['id']}")
        seen.append(job["fraction"])
    assert job["state"] == "done" and job["result"]["ranking"][0]["rank"] == 1
    assert 0 < min(f for f in seen if f > 0) < 1 and max(seen) == 1.0  # each replication told
    timing = json.loads((srv.jobs.get(job["id"]).out / "timing.json").read_text())
    assert timing["executor"] == ("local" if cpus > 1 else "serial")
    # the planner may choose the worker count (one: run here, one after another)
    status, _ = _call(base, "/api/scenario/grid/compare", {"plans": ["now", "late"],
                                                           "workers": 0})
    assert status == 400
    _, job = _call(base, "/api/scenario/grid/compare", {"plans": ["now", "late"],
                                                        "replications": 1, "workers": 1})
    while job["state"] == "running":
        time.sleep(0.3)
        _, job = _call(base, f"/api/job/{job['id']}")
    timing = json.loads((srv.jobs.get(job["id"]).out / "timing.json").read_text())
    assert job["state"] == "done" and timing["executor"] == "serial"
    # cancel while the replications run in their own processes: every one ends within 2 s
    _, job = _call(base, "/api/scenario/grid/compare", {"plans": ["now", "late"],
                                                        "replications": 20})
    proc = srv.jobs.get(job["id"]).process
    deadline = time.monotonic() + 60
    while len(_descendants(proc.pid)) < min(cpus, 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    below = _descendants(proc.pid)
    assert cpus == 1 or len(below) >= 2  # the pool's workers (and its resource tracker)
    t0 = time.monotonic()
    _, cancelled = _call(base, f"/api/job/{job['id']}/cancel", {})
    assert cancelled["state"] == "cancelled"
    while {proc.pid, *below} & {int(p.name) for p in Path("/proc").glob("[0-9]*")
                               if _alive(p)} and time.monotonic() - t0 < 5:
        time.sleep(0.05)
    assert time.monotonic() - t0 < 2.0
    assert not srv.jobs.get(job["id"]).out.exists()


def _alive(proc_dir: Path) -> bool:
    try:
        return proc_dir.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


KREMS = Path(__file__).resolve().parents[2] / "scenarios" / "bundled" / "krems_flood" / "data"


def _krems_files(tmp_path: Path, shelters_with: dict[str, str]) -> dict[str, Any]:
    """Krems' roads, 120 places of people and its shelters (columns renamed) as uploads."""
    import base64

    import pandas as pd

    def upload(path: Path) -> dict[str, str]:
        return {"name": path.name, "base64": base64.b64encode(path.read_bytes()).decode()}

    pd.read_csv(KREMS / "population.csv").head(120).to_csv(tmp_path / "p.csv", index=False)
    shelters = pd.read_csv(KREMS / "krems_shelters.csv")[["name", "lon", "lat", "capacity"]]
    shelters.rename(columns=shelters_with).to_excel(tmp_path / "s.xlsx", index=False)
    return {"roads": upload(KREMS / "krems.osm.gz"), "population": upload(tmp_path / "p.csv"),
            "shelters": upload(tmp_path / "s.xlsx")}


def test_create_form_options_are_checked_by_field_in_the_page_language(
        studio: Any, tmp_path: Path) -> None:
    _srv, base, _ = studio
    files = _krems_files(tmp_path, {})

    def create(options: dict[str, Any]) -> tuple[int, Any]:
        return _call(base, "/api/new", {"name": "k", "files": files, "options": options,
                                         "lang": "zh"})

    status, answer = create({"zones_kind": "hexagon", "cell_m": 0})
    assert status == 400 and answer["problems"] == [
        {"file": "upload", "field": "zones.cell_m", "reason": "请填写大于 0 的数"}]
    status, answer = create({"crs": "EPSG:3857"})
    assert status == 400 and answer["problems"][0]["field"] == "crs"
    assert answer["problems"][0]["reason"].startswith("请从以下选项中选择：EPSG:4326, GCJ-02")
    status, answer = create({"population_kind": "osm-buildings"})  # needs the total
    assert status == 400 and answer["problems"][0]["field"] == "population"
    assert answer["problems"][0]["reason"].startswith("此值无效")
    status, answer = create({"zones_kind": "polygons"})  # needs the polygon file
    assert status == 400 and answer["problems"][0]["field"] == "zones"
    status, answer = create({"walls": 3})
    assert status == 400 and answer["problems"][0] == {
        "file": "upload", "field": "walls", "reason": "未知的键；请删除或检查拼写"}
    assert not (_srv.workspace.root / "scenarios" / "k").exists()


@pytest.mark.slow
def test_create_form_options_reach_the_builder(studio: Any, tmp_path: Path) -> None:
    srv, base, _ = studio
    files = _krems_files(tmp_path, {"name": "场所", "lon": "东经", "lat": "北纬",
                                    "capacity": "人数上限"})
    status, answer = _call(base, "/api/new", {"name": "k", "files": files, "options": {
        "zones_kind": "hexagon", "cell_m": 600, "crs": "EPSG:4326", "population_kind": "points",
        "name_col": "场所", "lon_col": "东经", "lat_col": "北纬", "capacity_col": "人数上限"}})
    assert status == 200, answer
    folder = srv.workspace.folder("k")
    assert "hexagons 600 m across" in (folder / "README.md").read_text(encoding="utf-8")
    loaded = srv.workspace.load("k")
    assert len(loaded.scenario.shelters) == 9
    assert loaded.scenario.population.zones is not None  # the hexagons' layer
