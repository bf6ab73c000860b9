"""The comparison report's per-zone ETE table shows what comparison.json holds."""

from __future__ import annotations

import json
import re
from pathlib import Path

from musterpoint.cli import main
from musterpoint.reports.comparison_report import format_value
from tests.helpers.scenario_factory import make_scenario

SHARES = (50, 90, 100)


def _table_rows(page: str) -> dict[str, list[str]]:
    """``{zone: [cell text, ...]}`` of the ``#zone-etes`` table body."""
    section = re.search(r'<section id="zone-etes">(.*?)</section>', page, re.S)
    assert section is not None, "the report has no per-zone ETE section"
    body = re.search(r"<tbody>(.*?)</tbody>", section.group(1), re.S)
    assert body is not None
    rows: dict[str, list[str]] = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_every_zone_cell_equals_the_mean_and_count_in_comparison_json(tmp_path: Path) -> None:
    """Each cell is the plan's mean ETE for that zone and share with its n, as in the JSON.

    The bug this guards against looked the values up under ``ete50_s`` instead of
    ``evacuation.ete50_s`` and printed "— (0/n)" in every cell.
    """
    scenario = make_scenario(tmp_path / "grid")
    out = tmp_path / "cmp"
    assert main(["compare", str(scenario), "--out", str(out), "--no-progress", "--no-map",
                 "--catalog", str(tmp_path / "catalog.sqlite"), "--plans", "now", "late",
                 "-n", "2", "--workers", "1"]) == 0
    comp = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    rows = _table_rows((out / "comparison_report.html").read_text(encoding="utf-8"))

    assert set(rows) == set(comp["zones"])
    plans = [p["name"] for p in comp["plans"]]
    reached = 0
    for zone, cells in rows.items():
        expected = []
        for plan in plans:
            got = comp["zones"][zone]["plans"][plan]
            for share in SHARES:
                iv = got[f"evacuation.ete{share}_s"]
                text = "—" if iv["mean"] is None else format_value("evacuation.ete50_s",
                                                                     iv["mean"])
                expected.append(f"{text} ({iv['n']}/{comp['replications']})")
                reached += iv["n"]
        assert cells == expected, zone
    # the grid's "now" plan gets every populated zone half out on both seeds
    assert reached > 0
    assert any(c.endswith("(2/2)") and not c.startswith("—")
               for cells in rows.values() for c in cells)
