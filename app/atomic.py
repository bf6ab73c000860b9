"""Write an output folder all at once: into a temporary sibling, then moved into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_folder"]


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``out``; on success it replaces ``out``.

    On any error the temporary folder is removed and ``out`` is left as it was, so a
    failed command never leaves half-written results.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
