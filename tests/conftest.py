"""Shared fixtures: small scenarios written to temporary folders."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser_support import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.scenario_factory import make_scenario


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


@pytest.fixture(autouse=True)
def _private_world_cache(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every test its own, empty world cache (never the user's)."""
    monkeypatch.setenv("MUSTER_CACHE_DIR", str(tmp_path_factory.mktemp("worlds")))


@pytest.fixture(autouse=True)
def _outputs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """``muster run`` forks its output process when the machine's load leaves a CPU idle;
    tests do not depend on the load: never here, always in test_output_process.py."""
    monkeypatch.setenv("MUSTER_OUTPUT_PROCESS", "0")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright.

    Where either is missing the browser tests skip, except when ``MUSTER_REQUIRE_BROWSER``
    is set (CI sets it): then they fail, so a missing install step cannot pass unseen.
    """
    missing = None
    if not CHROMIUM.is_file():
        missing = f"no Chromium at {CHROMIUM} (Debian package chromium)"
    elif importlib.util.find_spec("playwright") is None:
        missing = "playwright is not installed"
    if missing:
        if os.environ.get("MUSTER_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests are required here: {missing}")
        pytest.skip(missing)
    from playwright import sync_api
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
