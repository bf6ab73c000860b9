"""Response levels (应急响应分级): gauges and forecasts the plan watches, and a run
extension that enters and leaves the plan's levels by their conditions and takes their
actions (orders, shelters, any run command)."""

from musterpoint.sim.levels.watcher import LEVEL_TABLE_SCHEMAS as LEVEL_TABLE_SCHEMAS
from musterpoint.sim.levels.watcher import LevelWatcher as LevelWatcher
from musterpoint.sim.levels.watcher import levels_extension as levels_extension

__all__ = ["LEVEL_TABLE_SCHEMAS", "LevelWatcher", "levels_extension"]
