"""Tests for the interactive run map (musterpoint.maps.run_map)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from musterpoint.maps import run_map, write_run_map
from musterpoint.sim.result import RunResult
from tests.helpers.run_fixture import EVIL_SHELTER_NAME, make_run_result


def _write(result: RunResult, tmp_path: Path, name: str = "map.html") -> str:
    out: Path = write_run_map(result, tmp_path / "sub" / name)
    assert out == tmp_path / "sub" / name
    assert out.is_file()
    return out.read_text(encoding="utf-8")


def test_map_has_layers_slider_and_credits(tmp_path: Path) -> None:
    text = _write(make_run_result(), tmp_path)
    # One time slider drives both timed layers.
    assert "L.timelineSliderControl(" in text
    assert text.count("L.timeline(") == 2
    assert "addTimelines" in text
    assert "L.control.layers(" in text
    for layer in ("Flooded area", "Congestion over time", "Zones: share evacuated", "Shelters"):
        assert layer in text
    # The data credits from meta (in the footer).
    assert "OpenStreetMap contributors" in text
    assert "Sample data from the r5r package (Pereira et al., Ipea), MIT license" in text
    for zone in ("Z1", "Z2", "Z3"):
        assert f"\\u003ctd\\u003e{zone}\\u003c/td\\u003e" in text


def test_slider_runs_on_scenario_wall_clock(tmp_path: Path) -> None:
    text = _write(make_run_result(), tmp_path)
    # 2024-05-03T06:00 in America/Sao_Paulo (UTC-3) is 09:00 UTC.
    start_ms = 1714726800000
    assert f'"start": {start_ms}' in text
    assert f'"end": {start_ms + 7200 * 1000}' in text
    assert 'timeZone: "America/Sao_Paulo"' in text
    # Every 5-minute link interval starts on the slider grid and ends 1 ms before the next.
    flood, links = _timelines(text)
    assert links and all((f["properties"]["start"] - start_ms) % 300_000 == 0 for f in links)
    assert all((f["properties"]["end"] + 1 - start_ms) % 300_000 == 0 for f in links)
    # Flood frames (every 15 min) follow each other without gaps or overlaps.
    spans = sorted((f["properties"]["start"], f["properties"]["end"]) for f in flood)
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans))


def _covered_intervals(features: list[dict[str, Any]], code: int | None = None) -> int:
    """Number of 5-minute intervals the link features cover (optionally of one class)."""
    spans = [
        (f["properties"]["end"] + 1 - f["properties"]["start"]) // 300_000
        for f in features
        if code is None or f["properties"]["c"] == code
    ]
    assert all(span >= 1 for span in spans)
    return int(sum(spans))


def test_congestion_colours_and_closures(tmp_path: Path) -> None:
    result = make_run_result()
    states = result.tables["link_states"]
    text = _write(result, tmp_path)
    assert json.dumps(list(run_map.CONGESTION_COLOURS)) in text
    links = _timelines(text)[1]
    assert {f["properties"]["c"] for f in links} == {0, 1, 2, 3}
    # Each link-state row is drawn exactly once; runs of one class are merged.
    assert _covered_intervals(links) == len(states)
    assert _covered_intervals(links, code=3) == int(states["closed"].sum())
    assert len(links) < len(states)  # links 0 and 3 stay closed: one feature each
    assert len([f for f in links if f["properties"]["c"] == 3]) == 2


def test_scenario_text_is_escaped(tmp_path: Path) -> None:
    result = make_run_result()
    result.meta["attribution"] = [*result.meta["attribution"], "<img src=x onerror=alert(1)>"]
    text = _write(result, tmp_path)
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert "pwned" in text  # the name is shown, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert EVIL_SHELTER_NAME not in text


def test_zone_popup_shows_ete_and_not_reached(tmp_path: Path) -> None:
    text = _write(make_run_result(), tmp_path)
    assert "ETE100" in text
    assert "not reached" in text
    assert "Population" in text


def test_chinese_labels(tmp_path: Path) -> None:
    text = _write(make_run_result(language="zh"), tmp_path)
    assert json.dumps("避难场所")[1:-1] in text  # layer name (JSON-escaped by folium)
    assert "拥堵" in text  # legend
    assert json.dumps("未达到")[1:-1] in text


def test_large_link_states_are_thinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = make_run_result()
    states = result.tables["link_states"]
    monkeypatch.setattr(run_map, "MAX_LINK_STATE_ROWS", len(states) - 1)
    text = _write(result, tmp_path)
    keep = (states["occupancy"] >= 0.3) | states["closed"]
    assert "≥30 % full or closed" in json.loads(f'"{_layer_name(text)}"')
    links = _timelines(text)[1]
    assert _covered_intervals(links) == int(keep.sum())
    assert 0 not in {f["properties"]["c"] for f in links}


def test_more_than_30000_rows_stay_reasonable(tmp_path: Path) -> None:
    result = make_run_result()
    base = result.tables["link_states"]
    copies = [base.assign(interval_start_s=base["interval_start_s"] + k * 5400) for k in range(140)]
    result.tables["link_states"] = pd.concat(copies, ignore_index=True)
    assert len(result.tables["link_states"]) > run_map.MAX_LINK_STATE_ROWS
    out = write_run_map(result, tmp_path / "big.html")
    assert out.stat().st_size < 15_000_000


def test_missing_tables_still_write_a_map(tmp_path: Path) -> None:
    full = make_run_result()
    result = RunResult(meta={}, kpis={}, tables={"shelters": full.tables["shelters"]})
    text = _write(result, tmp_path)
    assert "L.timelineSliderControl(" not in text
    assert "L.tileLayer(" not in text  # no tiles unless asked for
    assert "<title>musterpoint run map</title>" in text


def test_round_trip_through_run_folder(tmp_path: Path) -> None:
    loaded = RunResult.load(make_run_result().save(tmp_path / "run"))
    text = _write(loaded, tmp_path)
    assert "L.timelineSliderControl(" in text


def test_engine_time_helpers_do_not_import_folium_or_jinja2() -> None:
    code = (
        "import sys, musterpoint.display.timefmt, musterpoint.sim.result; "
        "print(sorted(m for m in ('folium', 'jinja2', 'branca') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _timelines(text: str) -> list[list[dict[str, Any]]]:
    """The feature lists handed to each ``L.timeline(...)`` call, in page order."""
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"L\.timeline\(\s*", text):
        data, _ = decoder.raw_decode(text, match.end())
        out.append(data["features"])
    return out


def _layer_name(text: str) -> str:
    match = re.search(r'"(Congestion over time[^"]*)" : timeline_', text)
    assert match, "congestion layer missing from the layer control"
    return match.group(1)


def test_chinese_map_text_asks_for_a_cjk_font_first(tmp_path: Path) -> None:
    """The legend and Leaflet's controls (layer names, slider time) name Noto Sans CJK SC."""
    from musterpoint.display.html import CJK_FONT_STACK

    text = _write(make_run_result(language="zh"), tmp_path)
    assert CJK_FONT_STACK.startswith("'Noto Sans CJK SC'")
    assert f"font: 12px/1.4 {CJK_FONT_STACK};" in text  # footer: legend, slider time
    assert f"font: 13px/1.35 {CJK_FONT_STACK};" in text  # title block
    assert f".leaflet-container {{ font-family: {CJK_FONT_STACK}; }}" in text
