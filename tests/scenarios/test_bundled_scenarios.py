"""The bundled scenarios validate, and the small ones run end to end."""

from __future__ import annotations

import pytest

from musterpoint.cli import main
from musterpoint.scenarios.loader import bundled_scenarios, load_scenario


def test_at_least_two_real_scenarios_with_two_plans_each():
    found = bundled_scenarios()
    assert {"porto-alegre-flood", "helsinki-ammonia"} <= set(found)
    for path in found.values():
        loaded = load_scenario(path)
        assert len(loaded.plans) >= 2
        assert (path.parent / "README.md").exists()
        assert (path.parent / "data" / "PROVENANCE.md").exists()


@pytest.mark.parametrize("plan", ["evacuate-all-now", "downwind-first"])
def test_helsinki_ammonia_runs_with_a_plume_and_balanced_ledgers(plan, tmp_path, capsys):
    import json

    import pandas as pd

    out = tmp_path / plan
    assert main(["run", "helsinki-ammonia", "--plan", plan, "--out", str(out),
                 "--no-progress"]) == 0
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["ledger"]["balanced"] is True
    frames = pd.read_parquet(out / "hazard_frames.parquet")
    assert set(frames["kind"]) == {"plume"}
    assert kpis["evacuation"]["exposed_persons"] > 0
    closed = pd.read_parquet(out / "events.parquet").query("type == 'link_closed'")
    assert len(closed) > 0  # roads in the danger zone close
    if plan == "downwind-first":
        assert kpis["transit"]["delivered"] > 0
    assert "map.html" in capsys.readouterr().out


def test_each_bundled_name_is_unique_and_found_from_its_folder_alone(monkeypatch):
    """``resolve_scenario`` of a bundled name reads one file (the folder named after it)
    and gives the file :func:`bundled_scenarios` gives; a path reads none."""
    from pathlib import Path

    from musterpoint.scenarios import loader

    found = bundled_scenarios()
    assert len(found) == len(list(loader.BUNDLED_DIR.glob("*/scenario.yaml")))
    read: list[Path] = []
    real = loader._bundled_name
    monkeypatch.setattr(loader, "_bundled_name", lambda f: read.append(f) or real(f))
    for name, path in found.items():
        read.clear()
        assert loader.resolve_scenario(name) == path
        assert read == [path]
    read.clear()
    given = str(found["krems-flood"])
    assert loader.resolve_scenario(given) == Path(given) and read == []
