"""The map layers of the studio's scenarios, found without building a World when possible.

A World's key (:func:`~musterpoint.world_cache.world_key`) includes the scenario file's
path, and a bundled scenario opened in the studio is a copy inside the workspace: so a
brand-new workspace missed every cache and built the World of the default scenario
before its first paint (3.6 s measured; the World build is most of it). The layers are
now looked up, cheapest first:

1. in memory (per scenario, by World key);
2. the workspace's ``.layers/KEY.json`` (a scenario this workspace drew before);
3. the user's cache (:func:`~musterpoint.derived_cache.remember`, ``studio-layers``),
   under the World key of the scenario they are drawn from. An unedited copy of a
   bundled scenario (every file the same bytes as the bundled original's) is drawn from
   the original: one key for every workspace, and the original's World is the one
   ``muster run`` of the bundled scenario caches;
4. drawn from the World (:func:`~musterpoint.world_cache.world_for`).

The road finder (a click on the map) needs the network: built lazily, from the same
source, and started in the background once the layers are served
(:meth:`LayerCache.warm_finder`), so the first click does not wait for it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from musterpoint.console.messages import json_bytes
from musterpoint.scenarios.loader import LoadedScenario
from musterpoint.studio.layers import LinkFinder, scenario_layers
from musterpoint.studio.workspace import Workspace

__all__ = ["LAYERS_FORMAT", "LayerCache", "same_files"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Version of the layers' JSON (part of the user-cache key, with :mod:`layers`' source).
LAYERS_FORMAT = 1


def _plain_files(root: Path) -> dict[str, Path]:
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                   for part in rel.parts):
            out[rel.as_posix()] = p
    return out


def same_files(a: Path, b: Path) -> bool:
    """Whether two folders hold the same files (hidden ones aside) with the same bytes."""
    fa, fb = _plain_files(a), _plain_files(b)
    if fa.keys() != fb.keys():
        return False
    return all(fa[k].stat().st_size == fb[k].stat().st_size
               and fa[k].read_bytes() == fb[k].read_bytes() for k in fa)


def _layers_code() -> str:
    from musterpoint.studio import layers

    return hashlib.sha256(Path(layers.__file__).read_bytes()).hexdigest()


class LayerCache:
    """Map layers and road finders of a workspace's scenarios (thread-safe).

    Parameters
    ----------
    workspace : Workspace
        Where the scenarios are, and where ``.layers/`` is kept.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.RLock()
        self._layers: dict[str, tuple[str, bytes]] = {}
        self._finders: dict[str, tuple[str, LinkFinder]] = {}
        self._warming: set[str] = set()
        self._drawing: dict[str, threading.Lock] = {}

    def source(self, sid: str) -> LoadedScenario:
        """The scenario to draw ``sid`` from: the bundled original for an unedited copy of
        one, else ``sid`` itself."""
        loaded = self.workspace.load(sid)
        folder = loaded.path.parent
        if folder.parent == self.workspace.root / "scenarios":
            original = self.workspace.bundled().get(sid)
            if original is not None and same_files(folder, original.parent):
                return self.workspace.load_file(original)
        return loaded

    def layers(self, sid: str) -> bytes:
        """The scenario's roads, zones and places as JSON (see :func:`scenario_layers`)."""
        with self._lock:
            one = self._drawing.setdefault(sid, threading.Lock())
        with one:  # one drawing of a scenario at a time; the others wait for it
            return self._layers_of(sid)

    def _current(self, table: Mapping[str, tuple[str, T]], sid: str) -> tuple[str, T | None]:
        """The scenario's World key, and what ``table`` holds for it under that key."""
        from musterpoint.world_cache import world_key

        key = world_key(self.workspace.load(sid))
        with self._lock:
            hit = table.get(sid)
        return key, (hit[1] if hit is not None and hit[0] == key else None)

    def _layers_of(self, sid: str) -> bytes:
        from musterpoint.derived_cache import remember
        from musterpoint.world_cache import world_key

        key, hit = self._current(self._layers, sid)
        if hit is not None:
            return hit
        stored = self.workspace.root / ".layers" / f"{key}.json"
        if stored.is_file():
            data = stored.read_bytes()
        else:
            source = self.source(sid)
            data = remember("studio-layers", {"world": world_key(source),
                                              "format": LAYERS_FORMAT,
                                              "code": _layers_code()},
                            lambda: self._draw(sid, key, source))
            stored.parent.mkdir(exist_ok=True)
            tmp = stored.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(stored)
        with self._lock:
            self._layers[sid] = (key, data)
        return data

    def _draw(self, sid: str, key: str, source: LoadedScenario) -> bytes:
        from musterpoint.world_cache import world_for

        world = world_for(source)
        with self._lock:
            self._finders[sid] = (key, LinkFinder(world.network))
        logger.info("drew the map layers of %s", sid)
        return json_bytes(scenario_layers(world))

    def finder(self, sid: str) -> LinkFinder:
        """The road finder of the scenario's network (its World built or cached once)."""
        from musterpoint.world_cache import world_for

        key, hit = self._current(self._finders, sid)
        if hit is not None:
            return hit
        finder = LinkFinder(world_for(self.source(sid)).network)
        with self._lock:
            self._finders[sid] = (key, finder)
        return finder

    def has_finder(self, sid: str) -> bool:
        """Whether the road finder of ``sid`` is ready (a World was built or loaded)."""
        with self._lock:
            return sid in self._finders

    def warm_finder(self, sid: str) -> threading.Thread | None:
        """Make the road finder in a background thread (None: ready, or being made)."""
        with self._lock:
            if sid in self._finders or sid in self._warming:
                return None
            self._warming.add(sid)

        def work() -> None:
            try:
                self.finder(sid)
            except Exception:  # the click will build it again and say what is wrong
                logger.warning("could not prepare the road finder of %s", sid, exc_info=True)
            finally:
                with self._lock:
                    self._warming.discard(sid)

        thread = threading.Thread(target=work, name=f"studio-finder-{sid}", daemon=True)
        thread.start()
        return thread
