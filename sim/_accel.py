"""The compiled traffic core: an accelerator of the pure-Python one, never a second truth.

At install, ``setup.py`` compiles copies of :data:`SOURCES` (the discrete-event helpers
and the traffic core) with mypyc as the modules :func:`compiled_name` (``des`` ->
``musterpoint.sim._des_c``), each with ``BUILT_FROM``, the sha256 of the source file it
was made from. :func:`compiled` hands those modules out only if every one of them
exists and was built from the source files as they are now; otherwise (not built, no C
compiler, a source edited since the build in an editable install, or
``MUSTER_PURE_PYTHON=1``) the pure-Python modules run, with a warning when a build is
stale. So the compiled core never runs code other than the ``.py`` files in the tree.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from functools import cache
from pathlib import Path
from types import ModuleType

__all__ = ["PURE_ENV", "SOURCES", "STAMPS", "compiled", "compiled_name", "source_digest",
           "source_path"]

logger = logging.getLogger(__name__)

#: The modules of :mod:`musterpoint.sim` that are compiled (setup.py has the same list).
SOURCES = ("des", "traffic.vehicles", "traffic.links", "traffic.queue_model",
           "traffic.fixed_routes")

#: The compiled module that holds the sha256 of each source as built (``BUILT_FROM``).
STAMPS = "musterpoint.sim._stamps_c"

#: Set to 1 to run the pure-Python core even where the compiled one is built.
PURE_ENV = "MUSTER_PURE_PYTHON"

_SIM = Path(__file__).resolve().parent


def source_path(name: str) -> Path:
    """The source file of module ``name`` (one of :data:`SOURCES`)."""
    return _SIM.joinpath(*name.split(".")).with_suffix(".py")


def compiled_name(name: str) -> str:
    """The import name of the compiled copy of ``name``: ``traffic.queue_model`` ->
    ``musterpoint.sim.traffic._queue_model_c``."""
    parent, _, leaf = name.rpartition(".")
    return ".".join(p for p in ("musterpoint.sim", parent, f"_{leaf}_c") if p)


def source_digest(name: str) -> str:
    """sha256 (hex) of the source file of module ``name`` (one of :data:`SOURCES`)."""
    return hashlib.sha256(source_path(name).read_bytes()).hexdigest()


@cache
def _fresh() -> bool:
    """Whether the compiled copies may run: not forced off, and every one of them was
    built from its source as it is now (all or none: they import each other)."""
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        logger.debug("%s is set: pure-Python traffic core", PURE_ENV)
        return False
    try:
        # compiled in the same library as the modules, so built in the same build
        stamps: dict[str, str] = getattr(importlib.import_module(STAMPS), "BUILT_FROM", {})
    except ImportError as exc:
        logger.debug("compiled traffic core not built (%s): pure Python", exc)
        return False
    for name in SOURCES:
        if stamps.get(name) != source_digest(name):
            logger.warning(
                "the compiled traffic core was built from another version of %s than "
                "the one in the tree: running the pure-Python core (slower, same results); "
                "reinstall (pip install -e .) to compile it again", source_path(name))
            return False
    return True


@cache
def compiled(name: str) -> ModuleType | None:
    """The compiled copy of module ``name`` (one of :data:`SOURCES`), or None to run
    the pure-Python module (logged).

    Parameters
    ----------
    name : str
        The module under ``musterpoint.sim``, e.g. ``"traffic.queue_model"``.
    """
    if not _fresh():
        return None
    try:
        return importlib.import_module(compiled_name(name))
    except ImportError as exc:
        logger.warning("the compiled %s does not load (%s): pure Python", name, exc)
        return None
