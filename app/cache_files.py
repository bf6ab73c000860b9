"""The files of the user's cache folder: where it is, whether it is safe, and files
written atomically with a checksum.

The world cache (:mod:`musterpoint.world_cache`) and the cache of what runs derive from
a World (:mod:`musterpoint.derived_cache`) keep their files here. Pickles run code when
loaded, so a file is only read from a folder that is the user's own and writable by
nobody else (:func:`usable_folder`), and only when its checksum matches
(:func:`read_checked`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

from musterpoint.crash_log import user_cache_dir

__all__ = ["CACHE_ENV", "cache_dir", "private", "read_checked", "usable_folder",
           "write_checked"]

logger = logging.getLogger("musterpoint.world_cache")

#: Environment variable naming the cache folder (overrides the user's cache folder).
CACHE_ENV = "MUSTER_CACHE_DIR"
_MAGIC = b"musterpoint-world\n"


def cache_dir() -> Path:
    """The folder of cached Worlds (``$MUSTER_CACHE_DIR``, else the user's cache folder).

    Returns
    -------
    Path
        The folder (not created here).
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return user_cache_dir() / "worlds"


def private(folder: Path) -> bool:
    """Whether ``folder`` is the user's own and nobody else may write to it."""
    if not hasattr(os, "getuid"):  # Windows: the per-user profile folder is private
        return True
    st = folder.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def usable_folder(create: bool) -> Path | None:
    folder = cache_dir()
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif not folder.is_dir():
            return None
        if not private(folder):
            logger.warning("world cache %s is not private to this user (owned by another "
                           "user, or writable by others); not using it (make it yours with "
                           "chmod 700, or set %s)", folder, CACHE_ENV)
            return None
    except OSError as exc:
        logger.warning("world cache %s cannot be used (%s); building the world", folder,
                       exc.strerror or exc)
        return None
    return folder


def write_checked(final: Path, payload: bytes) -> Path | None:
    """Write a cache file atomically: a magic line, the payload's sha256, the payload.

    Written to a hidden temporary file beside ``final``, flushed to disk and renamed into
    place (mode 0600), so that a killed write leaves no file that reads back. None, and a
    warning, when it cannot be written.

    Parameters
    ----------
    final : Path
        The file, in a private cache folder.
    payload : bytes
        What :func:`read_checked` gives back.

    Returns
    -------
    Path or None
        ``final`` once written.
    """
    folder = final.parent
    tmp = folder / f".{final.stem}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_MAGIC)
            fh.write(hashlib.sha256(payload).digest())
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        _sync_folder(folder)
    except OSError as exc:
        logger.warning("could not write the cache file %s (%s); the run goes on",
                       final, exc.strerror or exc)
        tmp.unlink(missing_ok=True)
        return None
    return final


def read_checked(raw: bytes, path: Path) -> memoryview:
    """The payload of a file written by :func:`write_checked`, once checked.

    Raises
    ------
    ValueError
        When it is not such a file, is cut short or damaged, or is not the user's own.
    """
    head = len(_MAGIC) + 32
    if raw[:len(_MAGIC)] != _MAGIC or len(raw) <= head:
        raise ValueError("not a world cache entry, or cut short")
    body = memoryview(raw)[head:]
    if hashlib.sha256(body).digest() != raw[len(_MAGIC):head]:
        raise ValueError("its checksum does not match (cut short or damaged)")
    if private(path) is False:
        raise ValueError("it is not the user's own file")
    return body


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows it."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
