"""Response levels (应急响应分级): gauges and forecasts the plan watches, and a run
extension that enters and leaves the plan's levels by their conditions and takes their
actions (orders, shelters, any run command).

The names below are imported when first used, so that a module that only needs the
output schema (:mod:`musterpoint.sim.levels.tables`) does not import the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from musterpoint.sim.lazy import lazy_names

if TYPE_CHECKING:
    from musterpoint.sim.levels.tables import LEVEL_TABLE_SCHEMAS as LEVEL_TABLE_SCHEMAS
    from musterpoint.sim.levels.watcher import LevelWatcher as LevelWatcher
    from musterpoint.sim.levels.watcher import levels_extension as levels_extension

__all__ = ["LEVEL_TABLE_SCHEMAS", "LevelWatcher", "levels_extension"]

__getattr__ = lazy_names(__name__, {
    "LEVEL_TABLE_SCHEMAS": "tables", "LevelWatcher": "watcher", "levels_extension": "watcher",
})
