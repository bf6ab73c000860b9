"""The World cached on disk, so that a second run or a second plan skips building it.

Building a :class:`~musterpoint.sim.world.World` reads the road network, the population,
the elevation raster and the hazard files and computes every link's hazard intervals;
none of it depends on the plan or the seed. :func:`world_for` keeps the built World in
the user's cache folder and loads it again when nothing it was built from has changed.

Where
    ``$MUSTER_CACHE_DIR`` if set, else ``<cache>/musterpoint/worlds`` where ``<cache>`` is
    ``$XDG_CACHE_HOME`` or ``~/.cache`` (``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%``
    on Windows). The folder is created private to the user (mode 0700).

Key (see :func:`world_key`)
    The cache format, the musterpoint version, the Python version and the versions of the
    libraries that read the inputs; the *code version*: a sha256 of the source of every
    module of ``musterpoint.sim`` and ``musterpoint.scenarios`` (the World is built and
    defined there); the scenario as validated (its JSON form, which includes any change
    made in code, such as a shortened duration), the scenario file's bytes, its path as
    given and resolved; whether any plan orders an evacuation (the one thing of the plans
    the World checks); and the **content** (sha256) of every data file the scenario names,
    with the files beside it that share its name stem (a shapefile's ``.dbf`` and
    ``.prj``, a raster's ``.aux.xml``). Contents, not size and modification time: a
    checkout or a copy resets times, and an edit can keep both; hashing the default
    scenario's 1.1 MB of data takes a few milliseconds.

Entries
    One file ``<key>.world``: a magic line, the sha256 of the payload, the payload (a
    pickle of the World's fields other than the scenario, which is attached again on
    load). Written to a hidden temporary file in the same folder, flushed to disk and
    renamed into place, so a killed write leaves no entry that loads (only a temporary
    file, removed by a later prune); an entry whose digest does not match is discarded.

Safety
    Pickle runs code when loaded, so entries are only read from a folder owned by the
    user and writable by nobody else; otherwise the cache is not used (with a warning).
    Any failure to load an entry logs a warning and the World is rebuilt; any failure to
    write one logs a warning and the run goes on. Loading never changes a result: the
    World loaded is the World that was built, field for field.

Size
    After each write the least recently used entries are deleted until the folder holds
    at most ``$MUSTER_CACHE_MAX_MB`` megabytes (default :data:`DEFAULT_MAX_MB`), the
    values runs derive from a World (``*.derived``, :mod:`musterpoint.derived_cache`)
    counted with them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import pickle
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint import __version__
from musterpoint.cache_files import (
    CACHE_ENV,
    cache_dir,
    read_checked,
    usable_folder,
    write_checked,
)
from musterpoint.derived_cache import SUFFIX as DERIVED_SUFFIX

if TYPE_CHECKING:
    from musterpoint.scenarios.loader import LoadedScenario
    from musterpoint.sim.world import World

__all__ = [
    "CACHE_ENV",
    "DEFAULT_MAX_MB",
    "FORMAT",
    "MAX_MB_ENV",
    "cache_dir",
    "load_entry",
    "prune",
    "prune_to_limit",
    "save_entry",
    "world_for",
    "world_key",
]

logger = logging.getLogger(__name__)

#: Environment variable giving the cache's size limit in megabytes.
MAX_MB_ENV = "MUSTER_CACHE_MAX_MB"
#: Size limit of the cache folder when :data:`MAX_MB_ENV` is not set (megabytes).
DEFAULT_MAX_MB = 1024
#: Version of the entry format; part of every key.
FORMAT = 1
#: Libraries whose version may change what is read from the inputs or how it unpickles.
LIBRARIES = ("numpy", "scipy", "pandas", "pyarrow", "shapely", "pyproj", "rasterio",
             "osmium", "geopandas", "pyogrio", "pydantic")
#: Scenario fields naming plans, whose files are not part of the key.
_PLAN_FIELDS = ("plans", "default_plan")
SUFFIX = ".world"
#: Suffixes of the cache's files that prune counts and deletes (Worlds, and what runs
#: derive from them: :mod:`musterpoint.derived_cache`).
SUFFIXES = (SUFFIX, DERIVED_SUFFIX)
#: Temporary files older than this (seconds) belong to killed writes and are deleted.
_STALE_TMP_S = 3600.0
#: The World's warnings are logged by the module that builds it, on a load as on a build.
_WORLD_LOGGER = "musterpoint.sim.world"


def _max_bytes() -> int:
    raw = os.environ.get(MAX_MB_ENV, "")
    try:
        mb = float(raw) if raw else float(DEFAULT_MAX_MB)
    except ValueError:
        logger.warning("%s=%r is not a number of megabytes; using %d", MAX_MB_ENV, raw,
                       DEFAULT_MAX_MB)
        mb = float(DEFAULT_MAX_MB)
    return max(0, int(mb * 1024 * 1024))


def _code_version() -> str:
    """sha256 of the source of every module the World is built and defined by."""
    import musterpoint.scenarios
    import musterpoint.sim

    h = hashlib.sha256()
    for pkg in (musterpoint.sim, musterpoint.scenarios):
        root = Path(pkg.__file__ or "").parent
        for py in sorted(root.rglob("*.py")):
            if "bundled" in py.relative_to(root).parts:
                continue
            h.update(py.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(py.read_bytes()).digest())
    return h.hexdigest()


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _named_files(loaded: LoadedScenario, dump: dict[str, Any]) -> list[Path]:
    """Data files the scenario names, with the files beside each that share its stem.

    Plan files are left out: the World does not depend on them (see :func:`world_key`).
    """
    found: set[Path] = set()
    data = {k: v for k, v in dump.items() if k not in _PLAN_FIELDS}
    for s in _strings(data):
        if not s or len(s) > 4096 or "\n" in s or "\x00" in s:
            continue
        try:
            p = loaded.file(s)
            if p.is_file():
                found.update(q for q in p.parent.glob(f"{_glob_escape(p.stem)}.*")
                             if q.is_file())
                found.add(p)
            elif p.is_dir() and p.suffix:  # a folder format such as a FileGDB (x.gdb)
                found.update(q for q in p.rglob("*") if q.is_file())
        except (OSError, ValueError):
            continue
    return sorted(found)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def world_key(loaded: LoadedScenario) -> str:
    """The cache key of a scenario's World: a sha256 of everything that determines it.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario, as validated (possibly changed in code).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    dump = loaded.scenario.model_dump(mode="json")
    try:
        scenario_bytes = hashlib.sha256(loaded.path.read_bytes()).hexdigest()
    except OSError:
        scenario_bytes = "unreadable"
    files = {str(p): _file_digest(p) for p in _named_files(loaded, dump)}
    parts = {
        "format": FORMAT,
        "musterpoint": __version__,
        "python": sys.version,
        "libraries": _library_versions(),
        "code": _code_version(),
        "scenario": dump,
        "scenario_file": scenario_bytes,
        "path": str(loaded.path),
        "resolved": str(loaded.path.resolve()),
        "evacuating": any(p.evacuate for p in loaded.plans.values()),
        "files": files,
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _fields(world: World) -> dict[str, Any]:
    return {f.name: getattr(world, f.name) for f in dataclasses.fields(world)
            if f.name != "loaded"}


def save_entry(folder: Path, key: str, world: World) -> Path | None:
    """Write ``world`` as the entry ``key`` atomically; None (and a warning) on failure.

    Parameters
    ----------
    folder : Path
        The cache folder (existing, private).
    key : str
        The entry's key (:func:`world_key`).
    world : World
        The World just built (before any run used it).

    Returns
    -------
    Path or None
        The entry written.
    """
    final = folder / f"{key}{SUFFIX}"
    try:
        payload = pickle.dumps({"key": key, "fields": _fields(world)},
                               protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an object of a reader that cannot be pickled: no entry
        logger.warning("could not cache the world (%s: %s); the run goes on",
                       type(exc).__name__, exc)
        return None
    if write_checked(final, payload) is None:
        return None
    logger.info("world cached in %s (%.1f MB)", final, len(payload) / 1e6)
    return final


def load_entry(folder: Path, key: str, loaded: LoadedScenario) -> World | None:
    """The World of entry ``key``, or None when there is none or it cannot be loaded.

    A damaged or unreadable entry is deleted, with a warning. The World's warnings are
    logged again, as a build logs them.

    Parameters
    ----------
    folder, key : Path, str
        As for :func:`save_entry`.
    loaded : LoadedScenario
        The scenario to attach to the World (the one the key was computed from).

    Returns
    -------
    World or None
        The World, as it was built.
    """
    from musterpoint.sim.world import World

    path = folder / f"{key}{SUFFIX}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("world cache entry %s cannot be read (%s); building the world", path,
                       exc.strerror or exc)
        return None
    try:
        data = pickle.loads(read_checked(raw, path))
        if not isinstance(data, dict) or data.get("key") != key:
            raise ValueError("it holds another world")
        world = World(loaded=loaded, **data["fields"])
    except Exception as exc:  # any failure means: rebuild, never a wrong or failed run
        logger.warning("world cache entry %s could not be loaded (%s: %s); rebuilding the "
                       "world", path, type(exc).__name__, exc)
        path.unlink(missing_ok=True)
        return None
    try:
        os.utime(path)  # most recently used: pruned last
    except OSError:
        pass
    world_log = logging.getLogger(_WORLD_LOGGER)
    for msg in world.warnings:
        world_log.warning(msg)
    logger.info("world loaded from the cache (%s)", path)
    return world


def prune(folder: Path, max_bytes: int, keep: Path | None = None) -> list[Path]:
    """Delete the least recently used entries until ``folder`` holds at most ``max_bytes``.

    Temporary files of killed writes (older than an hour) are deleted too. ``keep`` (the
    entry just written) is never deleted.

    Parameters
    ----------
    folder : Path
        The cache folder.
    max_bytes : int
        Size limit of the entries together.
    keep : Path, optional
        An entry to keep whatever its size.

    Returns
    -------
    list of Path
        The files deleted.
    """
    deleted: list[Path] = []
    now = time.time()
    entries: list[tuple[float, str, int, Path]] = []
    for p in folder.iterdir():
        try:
            st = p.stat()
        except OSError:
            continue
        if p.name.startswith(".") and p.name.endswith(".tmp"):
            if now - st.st_mtime > _STALE_TMP_S:
                p.unlink(missing_ok=True)
                deleted.append(p)
        elif p.suffix in SUFFIXES and p.is_file():
            entries.append((st.st_mtime, p.name, st.st_size, p))
    total = sum(e[2] for e in entries)
    for _, _, size, p in sorted(entries):
        if total <= max_bytes:
            break
        if keep is not None and p == keep:
            continue
        try:
            p.unlink()
        except OSError as exc:
            logger.debug("could not delete the old world cache entry %s: %s", p, exc)
            continue
        total -= size
        deleted.append(p)
    if deleted:
        logger.info("world cache pruned: %d files deleted", len(deleted))
    return deleted


def world_for(loaded: LoadedScenario, *, cache: bool = True, key: str | None = None) -> World:
    """The scenario's World: from the cache when it holds it, else built (and cached).

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario.
    cache : bool
        False builds the World without reading or writing the cache (``--no-cache``).
    key : str, optional
        :func:`world_key` of ``loaded``, when the caller has it already (it reads and
        hashes every input file and the engine's code); default: computed here.

    Returns
    -------
    World
        The World, identical to :func:`musterpoint.sim.world.build_world`'s.

    Raises
    ------
    InputError
        Whatever :func:`~musterpoint.sim.world.build_world` raises (never cached).
    """
    from musterpoint.sim.world import build_world, hazard_frames

    if not cache:
        return build_world(loaded)
    folder = usable_folder(create=True)
    if folder is None:
        return build_world(loaded)
    t0 = time.perf_counter()
    key = key or world_key(loaded)
    world = load_entry(folder, key, loaded)
    if world is not None:
        logger.info("world from the cache in %.2f s", time.perf_counter() - t0)
        return world
    world = build_world(loaded)
    # the hazard's map frames and the links' WKT are made by every run: make them once,
    # into the entry
    hazard_frames(world, world.duration_s)
    world.network.link_wkt()
    prune_to_limit(folder, keep=save_entry(folder, key, world))
    return world


def prune_to_limit(folder: Path, keep: Path | None) -> None:
    """:func:`prune` to ``$MUSTER_CACHE_MAX_MB`` after a write of ``keep`` (a warning if
    the folder cannot be pruned)."""
    try:
        prune(folder, _max_bytes(), keep=keep)
    except OSError as exc:
        logger.warning("could not prune the world cache %s (%s)", folder, exc.strerror or exc)
