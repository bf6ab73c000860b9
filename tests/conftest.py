"""Shared fixtures: small scenarios written to temporary folders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scenario_factory import make_scenario


@pytest.fixture
def grid_scenario(tmp_path: Path) -> Path:
    """Path of a freshly written grid scenario."""
    return make_scenario(tmp_path / "grid")


@pytest.fixture(scope="session")
def grid_world(tmp_path_factory: pytest.TempPathFactory):
    """A loaded scenario and its World, shared by read-only tests."""
    from musterpoint.scenarios.loader import load_scenario
    from musterpoint.sim.world import build_world

    path = make_scenario(tmp_path_factory.mktemp("gridw") / "grid")
    loaded = load_scenario(path)
    return loaded, build_world(loaded)


@pytest.fixture(autouse=True)
def _private_catalog(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's results catalog out of the working tree."""
    monkeypatch.setenv("MUSTER_CATALOG",
                       str(tmp_path_factory.mktemp("catalog") / "catalog.sqlite"))
