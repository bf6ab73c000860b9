"""The studio's workspace: the scenario folders it may read and write, and nothing else.

A bundled scenario is copied into ``WORKSPACE/scenarios/NAME`` when first opened, so the
installed package is never written; a folder given on the command line is edited in
place. Every file the studio writes goes through :meth:`Workspace.safe_path`, which
refuses a path leaving its scenario's folder (``..``, absolute paths, links out).

Saving writes the same YAML the command line reads. A file whose parsed content did not
change is not rewritten (so loading and saving without edits leaves identical files);
before a file is replaced, its old version is kept under
``.studio-history/FILE-STEM/NNNN.yaml`` beside the scenario, newest highest.
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import (
    BUNDLED_DIR,
    LoadedScenario,
    bundled_scenarios,
    load_scenario,
    read_yaml_mapping,
    validate_mapping,
)

__all__ = ["HISTORY_DIR", "SavedFile", "Workspace", "dump_yaml"]

logger = logging.getLogger(__name__)

#: Folder (inside a scenario's folder) keeping the earlier versions of its files.
HISTORY_DIR = ".studio-history"
_SAFE_NAME = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff.\-]{0,99}$")


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text of a scenario or plan, keys in their given order, Chinese as is."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _bundled_names() -> dict[str, Path]:
    """:func:`bundled_scenarios`, with the package's own files read by libyaml when it is
    there (a tenth of the time; they are trusted package data)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return bundled_scenarios()
    out: dict[str, Path] = {}
    for f in sorted(BUNDLED_DIR.glob("*/scenario.yaml")):
        try:
            name = yaml.load(f.read_text(encoding="utf-8"), Loader=loader)["name"]
        except Exception:  # a broken bundled file is still listed by folder
            name = f.parent.name
        out[str(name)] = f
    return out


def _signature(path: Path, loaded: LoadedScenario) -> tuple[Any, ...]:
    """What tells whether a loaded scenario's files changed (file, time and size of each)."""
    out: list[Any] = []
    for p in (path, *loaded.plan_paths.values()):
        try:
            st = p.stat()
            out.append((str(p), st.st_ino, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None))
    return tuple(out)


@dataclass(frozen=True)
class SavedFile:
    """What saving one file did: its path, whether it changed, and the version kept."""

    path: Path
    changed: bool
    kept: Path | None


class Workspace:
    """The folders the studio reads and writes.

    Parameters
    ----------
    root : Path
        The workspace folder (made when missing): copies of bundled scenarios, scenarios
        created from uploads, and run results.
    folders : sequence of Path
        Scenario folders (or scenario files) opened from the command line, edited in place.

    Raises
    ------
    InputError
        For a given folder without a ``scenario.yaml``.
    """

    def __init__(self, root: Path, folders: list[Path] | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        (self.root / "scenarios").mkdir(exist_ok=True)
        (self.root / "runs").mkdir(exist_ok=True)
        self._given: dict[str, Path] = {}
        self._copying = threading.Lock()
        self._memo = threading.Lock()
        self._bundled: dict[str, Path] | None = None
        self._loaded: dict[str, tuple[tuple[Any, ...], LoadedScenario]] = {}
        self._raw: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}
        self._loading: dict[str, threading.Lock] = {}
        for f in folders or []:
            folder = f.parent if f.is_file() else f
            if not (folder / "scenario.yaml").is_file():
                raise InputError.single(str(f), "", "no scenario.yaml in this folder; give a "
                                        "scenario folder or a bundled scenario's name")
            key = self._free_key(folder.resolve().name)
            self._given[key] = folder.resolve()

    # ------------------------------------------------------------------ finding
    def _free_key(self, name: str) -> str:
        base = re.sub(r"[^\w.\-]", "-", name) or "scenario"
        key, k = base, 1
        while key in self._given:
            k += 1
            key = f"{base}-{k}"
        return key

    @property
    def runs(self) -> Path:
        """Folder of the run results."""
        return self.root / "runs"

    def catalogue(self) -> list[dict[str, Any]]:
        """Every scenario the studio can open: given folders, workspace copies, bundled."""
        out = [{"id": k, "source": "folder", "path": str(p)} for k, p in self._given.items()]
        mine = sorted(p.parent for p in (self.root / "scenarios").glob("*/scenario.yaml"))
        out += [{"id": p.name, "source": "workspace", "path": str(p)} for p in mine
                if p.name not in self._given]
        have = {o["id"] for o in out}
        out += [{"id": name, "source": "bundled", "path": str(path.parent)}
                for name, path in self.bundled().items() if name not in have]
        return out

    def folder(self, sid: str) -> Path:
        """The folder of scenario ``sid``; a bundled one is copied into the workspace first.

        Raises
        ------
        InputError
            When no scenario has that id.
        """
        if sid in self._given:
            return self._given[sid]
        if not _SAFE_NAME.match(sid):
            raise InputError.single("studio", "scenario", f"no scenario {sid!r}")
        mine = self.root / "scenarios" / sid
        if (mine / "scenario.yaml").is_file():
            return mine
        bundled = self.bundled()
        if sid in bundled:
            src = bundled[sid].parent
            if BUNDLED_DIR.resolve() not in src.resolve().parents:
                raise InputError.single("studio", "scenario", f"no scenario {sid!r}")
            with self._copying:  # the page asks for a scenario's files and map at once
                if not (mine / "scenario.yaml").is_file():
                    tmp = mine.with_name(f".{sid}.copying")
                    shutil.rmtree(tmp, ignore_errors=True)
                    shutil.copytree(src, tmp, ignore=shutil.ignore_patterns("__pycache__"))
                    tmp.rename(mine)
                    logger.info("copied bundled scenario %s into %s", sid, mine)
            return mine
        raise InputError.single("studio", "scenario", f"no scenario {sid!r}; open one of "
                                f"{', '.join(o['id'] for o in self.catalogue())}")

    def bundled(self) -> dict[str, Path]:
        """The bundled scenarios (name -> scenario file), read once: they do not change."""
        with self._memo:
            if self._bundled is None:
                self._bundled = _bundled_names()
            return self._bundled

    def load(self, sid: str) -> LoadedScenario:
        """Scenario ``sid`` with its plans, as the command line loads it.

        Kept while its scenario and plan files are unchanged (the same file, time and
        size), so the page's requests do not read and validate the same YAML again; treat
        it as read-only.
        """
        return self.load_file(self.folder(sid) / "scenario.yaml")

    def load_file(self, path: Path) -> LoadedScenario:
        """The scenario of a ``scenario.yaml`` (kept as :meth:`load` says)."""
        key = str(path)
        with self._memo:
            one = self._loading.setdefault(key, threading.Lock())
        with one:  # the page asks for a scenario and its map at once: read it once
            with self._memo:
                hit = self._loaded.get(key)
            if hit is not None and hit[0] == _signature(path, hit[1]):
                return hit[1]
            loaded = load_scenario(path)
            with self._memo:
                self._loaded[key] = (_signature(path, loaded), loaded)
            return loaded

    def new_folder(self, name: str) -> Path:
        """A new, empty scenario folder in the workspace (for a scenario built from files).

        Raises
        ------
        InputError
            For a name that is not plain or is taken.
        """
        if not _SAFE_NAME.match(name):
            raise InputError.single("studio", "name", "use letters, digits, '_', '.' and "
                                    "'-' (no spaces or slashes)")
        out = self.root / "scenarios" / name
        if out.exists() or name in self._given:
            raise InputError.single("studio", "name", f"a scenario {name!r} exists; choose "
                                    "another name")
        return out

    def safe_path(self, sid: str, rel: str) -> Path:
        """``rel`` inside scenario ``sid``'s folder; refused when it would leave it.

        Raises
        ------
        InputError
            For an absolute path, ``..``, a hidden part or a path that leaves the folder.
        """
        base = self.folder(sid).resolve()
        parts = Path(rel).parts
        if (not rel or Path(rel).is_absolute() or "\\" in rel or "\x00" in rel
                or any(p in ("..", "") or p.startswith(".") for p in parts)):
            raise InputError.single("studio", "path", f"{rel!r} is not a plain path inside "
                                    "the scenario folder")
        target = (base / rel).resolve()
        if base not in target.parents:
            raise InputError.single("studio", "path", f"{rel!r} leaves the scenario folder")
        return target

    # ------------------------------------------------------------------ reading
    def raw(self, sid: str) -> dict[str, Any]:
        """The scenario file and every plan file of ``sid`` as parsed YAML.

        Returns
        -------
        dict
            ``scenario`` (mapping) and ``plans`` (name -> {``file``, ``data``}).
        """
        loaded = self.load(sid)
        signature = _signature(loaded.path, loaded)
        with self._memo:
            hit = self._raw.get(sid)
        if hit is not None and hit[0] == signature:
            return copy.deepcopy(hit[1])
        base = self.folder(sid).resolve()
        plans = {}
        for name, path in loaded.plan_paths.items():
            rel = str(path.resolve().relative_to(base)) if base in path.resolve().parents \
                else str(path)
            plans[name] = {"file": rel, "data": read_yaml_mapping(path)}
        out = {"scenario": read_yaml_mapping(loaded.path), "plans": plans}
        with self._memo:
            self._raw[sid] = (signature, copy.deepcopy(out))
        return out

    # ------------------------------------------------------------------ writing
    def check(self, kind: str, data: Any, rel: str) -> list[Problem]:
        """Schema problems of an edited scenario or plan, by field (nothing written)."""
        if not isinstance(data, dict):
            return [Problem(rel, "(file)", "give a mapping")]
        return validate_mapping(kind, data, Path(rel))

    def save(self, sid: str, rel: str, kind: str, data: dict[str, Any]) -> SavedFile:
        """Write a scenario or plan file of ``sid`` (validated first), keeping the old one.

        Raises
        ------
        InputError
            When the content is not a valid scenario or plan (nothing is written).
        """
        path = self.safe_path(sid, rel)
        problems = self.check(kind, data, rel)
        if problems:
            raise InputError(problems)
        if path.is_file():
            try:
                old = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError:
                old = None
            if old == data:
                return SavedFile(path, False, None)
        kept = self._keep(sid, path) if path.is_file() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.studio-tmp")
        tmp.write_text(dump_yaml(data), encoding="utf-8")
        tmp.replace(path)
        logger.info("saved %s", path)
        return SavedFile(path, True, kept)

    def _keep(self, sid: str, path: Path) -> Path:
        hist = self.folder(sid) / HISTORY_DIR / path.stem
        hist.mkdir(parents=True, exist_ok=True)
        n = 1 + max((int(p.stem) for p in hist.glob("*.yaml") if p.stem.isdigit()), default=0)
        kept = hist / f"{n:04d}.yaml"
        shutil.copy2(path, kept)
        return kept

    def history(self, sid: str, rel: str) -> list[str]:
        """Earlier versions kept of one file of ``sid`` (relative paths, oldest first)."""
        path = self.safe_path(sid, rel)
        hist = self.folder(sid) / HISTORY_DIR / path.stem
        base = self.folder(sid)
        return [str(p.relative_to(base)) for p in sorted(hist.glob("*.yaml"))]

    def write_data(self, sid: str, name: str, content: bytes) -> str:
        """Write a data file (a drawn area, an uploaded table) into ``sid``'s ``data/``.

        Returns
        -------
        str
            Its path relative to the scenario folder (as the scenario file names it).
        """
        if not _SAFE_NAME.match(name):
            raise InputError.single("studio", "file", f"{name!r} is not a plain file name")
        rel = f"data/{name}"
        path = self.safe_path(sid, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return rel
