"""Write a run's map, with what it draws of the road network cached per network.

Every run of a scenario draws the same roads and street names; parsing and packing them
from the ``links`` table takes about 1 s on the default scenario. They are kept in the
cache (:func:`musterpoint.derived_cache.remember`) under the content of the columns they
come from and the source of the code that makes them, so the map is the same page.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING

from musterpoint import __version__

if TYPE_CHECKING:
    from musterpoint.maps.run_map_explain import Streets
    from musterpoint.sim.result import RunResult

__all__ = ["write_map"]

#: The ``links`` columns the roads and street names are made from.
STREET_COLUMNS = ("link_id", "wkt", "name")


def _code_digest() -> str:
    """sha256 of the modules that turn links into roads and street names."""
    from musterpoint.display import html
    from musterpoint.maps import geometry, run_map_explain

    h = hashlib.sha256(__version__.encode())
    for module in (geometry, run_map_explain, html):
        try:
            h.update(inspect.getsource(module).encode())
        except (OSError, TypeError):  # no source (a frozen install): its name and version
            h.update(module.__name__.encode())
    return h.hexdigest()


def cached_streets(result: RunResult, *, cache: bool) -> Streets | None:
    """The run's :class:`~musterpoint.maps.run_map_explain.Streets`, from the cache when
    an earlier run made them from the same links (None when the run has no links)."""
    from musterpoint.derived_cache import frame_digest, remember
    from musterpoint.maps.run_map_explain import streets_of

    links = result.tables.get("links")
    if links is None or links.empty:
        return None
    part = links[[c for c in STREET_COLUMNS if c in links]]
    key = {"links": frame_digest(part), "code": _code_digest()} if cache else {}
    return remember("streets", key, lambda: streets_of(part), enabled=cache)


def write_map(result: RunResult, path: Path, tiles: str | None,
              tiles_attribution: str | None, *, cache: bool) -> Path:
    """:func:`~musterpoint.maps.write_run_map` with :func:`cached_streets`."""
    from musterpoint.maps import write_run_map

    return write_run_map(result, path, tiles, tiles_attribution,
                         streets=cached_streets(result, cache=cache))
