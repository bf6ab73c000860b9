"""What a run derives from its World and plan, cached beside the World.

A second ``muster run`` of a scenario loads its World from the cache
(:mod:`musterpoint.world_cache`) but used to recompute, every time, things that depend
only on the World, the plan and the code: whether the plan's standards name known KPIs
(a short probe run, about 1.2 s on the default scenario) and the flow-over-time bound of
the run's departures (about 5 s). :func:`remember` keeps such a value in the same cache
folder, under a key that holds the World's key (:func:`~musterpoint.world_cache.world_key`,
which covers the code of ``musterpoint.sim``, the library versions and every input
file's content) and whatever else the value depends on.

Files are ``<name>-<sha256 of the key>.derived``: a pickle written and checked as World
entries are (:mod:`musterpoint.cache_files`), counted and pruned with them. Any failure
to read one logs a warning and the value is computed; any failure to write one is
logged and the command goes on. A value read back is the value computed, so results do
not change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from musterpoint.cache_files import read_checked, usable_folder, write_checked

if TYPE_CHECKING:
    import pandas as pd

    from musterpoint.scenarios.loader import LoadedScenario
    from musterpoint.scenarios.schema import Plan

__all__ = ["SUFFIX", "frame_digest", "remember", "run_key"]

logger = logging.getLogger("musterpoint.world_cache")

T = TypeVar("T")

#: Suffix of a derived value's file (pruned with the World entries).
SUFFIX = ".derived"


def frame_digest(df: pd.DataFrame) -> str:
    """sha256 of a table: its columns, their types and every value, in row order."""
    import pandas as pd

    h = hashlib.sha256(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()


def run_key(loaded: LoadedScenario, plan: Plan, world: str | None = None) -> dict[str, Any]:
    """The key part of a value derived from the scenario's World and one of its plans
    (``world``: the World's key, :func:`~musterpoint.world_cache.world_key`, when the
    caller has it already)."""
    from musterpoint.world_cache import world_key

    return {"world": world or world_key(loaded), "plan": plan.model_dump(mode="json"),
            "plan_file": str(loaded.plan_paths.get(plan.name, ""))}


def remember(name: str, key: Mapping[str, Any], compute: Callable[[], T], *,
             enabled: bool = True) -> T:
    """``compute()``, or the value an earlier call with the same ``name`` and ``key`` saved.

    Parameters
    ----------
    name : str
        What the value is (a file name part: letters, digits, ``-``).
    key : mapping
        Everything the value depends on, JSON-like (the World's key among them).
    compute : callable
        Computes the value; it must be picklable to be cached.
    enabled : bool
        False computes without reading or writing the cache (``--no-cache``).

    Returns
    -------
    object
        The value.
    """
    folder = usable_folder(create=True) if enabled else None
    if folder is None:
        return compute()
    digest = hashlib.sha256(json.dumps({"name": name, **key}, sort_keys=True,
                                       default=str).encode()).hexdigest()
    path = folder / f"{name}-{digest}{SUFFIX}"
    try:
        raw: bytes | None = path.read_bytes()
    except OSError:
        raw = None
    if raw is not None:
        try:
            data = pickle.loads(read_checked(raw, path))
            if not isinstance(data, dict) or data.get("key") != digest:
                raise ValueError("it holds another value")
            os.utime(path)  # most recently used: pruned last
            logger.info("%s from the cache (%s)", name, path)
            value: T = data["value"]
            return value
        except Exception as exc:  # any failure means: compute it again
            logger.warning("cached %s %s could not be loaded (%s: %s); computing it", name,
                           path, type(exc).__name__, exc)
            path.unlink(missing_ok=True)
    value = compute()
    try:
        payload = pickle.dumps({"key": digest, "value": value},
                               protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # not picklable: computed every time
        logger.info("%s is not cached (%s: %s)", name, type(exc).__name__, exc)
        return value
    if write_checked(path, payload) is not None:
        from musterpoint.world_cache import prune_to_limit

        prune_to_limit(folder, keep=path)
    return value
