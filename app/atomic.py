"""Write an output folder all at once, and replace an old one atomically.

:func:`atomic_folder` hands out a hidden temporary folder beside the output folder
(``.NAME.muster-tmp-XXXXXXXX``) and, once everything is written, puts it in place:

* no old folder: one ``rename``;
* an old folder (``--force``): on Linux one ``renameat2(RENAME_EXCHANGE)`` swaps the two
  folders in a single step, then the old one (now under the temporary name) is deleted;
  where the system cannot swap, the old folder is renamed aside
  (``.NAME.muster-old-XXXXXXXX``), the new one renamed in, then the old one deleted.

A process killed at any moment leaves the output folder either the complete old result
or the complete new one (with the two-rename fallback there is an instant with neither;
the next run puts the old one back). Hidden folders a killed run left behind are cleaned
up by the next run that writes into the same parent folder: each is locked (``flock``)
by the process that made it for as long as it lives, so a folder still in use by a
concurrent run is never touched. Folders get the normal permissions for the user's umask.

Fault injection (debugging only): with ``MUSTER_DEBUG_PAUSE_BEFORE_STEP=N`` in the
environment, replacing a folder logs a warning and sleeps :data:`DEBUG_PAUSE_S` seconds
before its N-th step (1: the swap; then each file and folder of the old result deleted),
so that a test or a person can kill the process at that exact point. It changes nothing
else.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from musterpoint.scenarios.errors import InputError

__all__ = ["DEBUG_PAUSE_ENV", "DEBUG_PAUSE_S", "atomic_folder", "clean_leftovers",
           "folders_being_written"]

logger = logging.getLogger(__name__)

#: Environment variable naming the replace step to pause before (debugging only).
DEBUG_PAUSE_ENV = "MUSTER_DEBUG_PAUSE_BEFORE_STEP"
#: How long that pause lasts (s).
DEBUG_PAUSE_S = 120.0
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.muster-(?P<kind>tmp|old)-[0-9a-f]{8}$")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class _Steps:
    """Counts the steps of one replacement (for the debug pause and the debug log)."""

    def __init__(self) -> None:
        self.n = 0
        raw = os.environ.get(DEBUG_PAUSE_ENV, "")
        self.pause_at = int(raw) if raw.strip().isdigit() else 0

    def __call__(self, what: str) -> None:
        self.n += 1
        logger.debug("replace step %d: %s", self.n, what)
        if self.n == self.pause_at:
            logger.warning("%s=%d: pausing %.0f s before replace step %d (%s)",
                           DEBUG_PAUSE_ENV, self.n, DEBUG_PAUSE_S, self.n, what)
            time.sleep(DEBUG_PAUSE_S)


def _lock(path: Path) -> int | None:
    """Open ``path`` (a folder) and lock it for this process; None when another process
    holds the lock (or the system has no ``flock``)."""
    if sys.platform == "win32":
        return None
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the lock


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _no_step(what: str) -> None:
    """A step of cleaning up (not of a replacement: never paused)."""


def _remove_tree(root: Path, step: Callable[[str], None]) -> None:
    """Delete a folder, one entry at a time (each a step); warn instead of failing."""
    try:
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            here = Path(dirpath)
            for name in filenames:
                step(f"delete old {(here / name).relative_to(root)}")
                os.unlink(here / name)
            for name in dirnames:
                step(f"delete old {(here / name).relative_to(root)}/")
                if (here / name).is_symlink():
                    os.unlink(here / name)
                else:
                    os.rmdir(here / name)
        step("delete the old folder")
        os.rmdir(root)
    except OSError as exc:
        shutil.rmtree(root, ignore_errors=True)
        if root.exists():
            logger.warning("could not delete the old result in %s (%s); delete it by hand",
                           root, exc)


def clean_leftovers(parent: Path) -> list[Path]:
    """Delete the hidden folders that killed runs left in ``parent``.

    A leftover ``.NAME.muster-old-*`` whose ``NAME`` folder is missing (a run killed
    between the two renames of the fallback) is moved back to ``NAME`` instead. Folders
    locked by a live process are left alone.

    Parameters
    ----------
    parent : Path
        The folder holding output folders.

    Returns
    -------
    list of Path
        The leftovers deleted or moved back.
    """
    done: list[Path] = []
    if not parent.is_dir():
        return done
    for entry in sorted(parent.iterdir()):
        m = _LEFTOVER.match(entry.name)
        if m is None or entry.is_symlink() or not entry.is_dir():
            continue
        fd = _lock(entry)
        if fd is None:
            continue
        try:
            home = parent / m["name"]
            if m["kind"] == "old" and not home.exists():
                os.replace(entry, home)
                logger.warning("put back %s, which a killed run had moved aside", home)
            else:
                _remove_tree(entry, _no_step)
                logger.info("deleted %s, left behind by a killed run", entry)
            done.append(entry)
        finally:
            _unlock(fd)
    return done


def _tmp_prefix(out: Path) -> str:
    """The name of :func:`atomic_folder`'s hidden folders for ``out``, up to the random part."""
    return f".{out.name}.muster-tmp-"


def folders_being_written(out: Path) -> list[Path]:
    """The hidden folders :func:`atomic_folder` is writing for ``out`` now (or that a
    killed run left), in name order.

    Parameters
    ----------
    out : Path
        The result folder.
    """
    if not out.parent.is_dir():
        return []
    prefix = _tmp_prefix(out)
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix))


def _make_tmp(out: Path) -> Path:
    for _ in range(100):
        tmp = out.parent / f"{_tmp_prefix(out)}{secrets.token_hex(4)}"
        try:
            tmp.mkdir(mode=0o777)  # the umask decides, as for any folder the user makes
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {out}")


def _replace(tmp: Path, out: Path, step: _Steps) -> None:
    """Put the finished ``tmp`` in place of ``out``; then delete the old result."""
    if not out.exists() and not out.is_symlink():
        step("move the new result in")
        os.replace(tmp, out)
        return
    old_fd = _lock(out)  # so that no concurrent clean-up takes the old one for a leftover
    try:
        step("swap the new result in")
        if _exchange(tmp, out):
            old = tmp
        else:
            old = out.parent / f".{out.name}.muster-old-{secrets.token_hex(4)}"
            os.replace(out, old)
            step("move the new result in")
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)
                raise
        _remove_tree(old, step)
    finally:
        _unlock(old_fd)


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``out``; on success it replaces ``out``.

    On any error the temporary folder is removed and ``out`` is left as it was, so a
    failed command never leaves half-written results; a killed one leaves either the
    old or the new complete folder (see the module's docstring).

    Parameters
    ----------
    out : Path
        The output folder (replaced when it exists).

    Raises
    ------
    InputError
        When ``out`` is a file, or its parent folder cannot be made or written to.
    """
    if out.exists() and not out.is_dir():
        raise InputError.single(str(out), "--out", "this is a file, not a folder; choose "
                                "a folder for the results")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(out.parent)
        tmp = _make_tmp(out)
    except OSError as exc:
        raise InputError.single(str(out), "--out", f"cannot write beside it ({exc}); "
                                "choose another folder") from exc
    fd = _lock(tmp)
    try:
        yield tmp
        _replace(tmp, out, _Steps())
    except BaseException:
        with suppress(OSError):
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _unlock(fd)
