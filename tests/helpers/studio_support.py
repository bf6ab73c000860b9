"""A studio served over a fresh grid scenario, for the studio's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from musterpoint.studio import StudioServer, Workspace
from tests.helpers.scenario_factory import make_scenario


@contextmanager
def grid_studio(tmp_path: Path, token: str | None = None
                ) -> Iterator[tuple[StudioServer, str, Path]]:
    """A started studio over the grid scenario folder: (server, base URL, folder)."""
    folder = make_scenario(tmp_path / "grid").parent
    srv = StudioServer(Workspace(tmp_path / "ws", [folder]), "127.0.0.1", 0, token=token)
    srv.start()
    try:
        yield srv, f"http://127.0.0.1:{srv.port}", folder
    finally:
        srv.shutdown()
