"""Crash logs: the traceback of an internal error, kept where the user can find it.

``muster`` prints one line for an internal error and writes the traceback to
``<cache>/musterpoint/crash-logs/muster-crash-<UTC time>-<random>.txt``, where
``<cache>`` is ``$XDG_CACHE_HOME`` or ``~/.cache`` (``~/Library/Caches`` on macOS,
``%LOCALAPPDATA%`` on Windows); when that cannot be written, the system's temporary
folder. Only the :data:`KEEP` newest logs are kept in either place.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["KEEP", "crash_log_dir", "user_cache_dir", "write_crash_log"]

logger = logging.getLogger(__name__)

#: How many crash logs are kept (the newest).
KEEP = 20
_PREFIX = "muster-crash-"


def user_cache_dir() -> Path:
    """The user's cache folder for musterpoint (``<cache>/musterpoint``, not created)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "musterpoint"


def crash_log_dir() -> Path:
    """The folder crash logs go to: the user's cache folder for musterpoint."""
    return user_cache_dir() / "crash-logs"


def _prune(folder: Path) -> None:
    logs = sorted(folder.glob(f"{_PREFIX}*.txt"), key=lambda p: (p.stat().st_mtime, p.name))
    for old in logs[:-KEEP]:
        try:
            old.unlink()
        except OSError as exc:
            logger.debug("could not delete the old crash log %s: %s", old, exc)


def write_crash_log(text: str) -> Path | None:
    """Write ``text`` (a traceback) to a new crash log; prune the old ones.

    Parameters
    ----------
    text : str
        What to keep.

    Returns
    -------
    Path or None
        The log written, or None when no folder could be written to.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for folder in (crash_log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"{_PREFIX}{stamp}-", suffix=".txt",
                                        dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            _prune(folder)
            return Path(name)
        except OSError as exc:
            logger.debug("cannot write a crash log in %s: %s", folder, exc)
    return None
