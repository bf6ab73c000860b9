"""The level watcher's output table: columns, units and meaning (see
:mod:`musterpoint.sim.tables`)."""

from __future__ import annotations

from musterpoint.sim.tables import Table, table

__all__ = ["LEVEL_TABLE_SCHEMAS"]

#: The watcher's output table.
LEVEL_TABLE_SCHEMAS: tuple[Table, ...] = (
    table("level_changes", "one response level entered or left",
          ("time_s", "s", "when (a check time)"),
          ("level", "", "level id"),
          ("grade", "", "1 (一级, most severe) to 4"),
          ("change", "", "on (entered) or off (de-escalated)"),
          ("condition", "", "the condition that fired (on) or the level's conditions (off)"),
          ("value", "", "its reading then (gauge unit, share, 1/0 closed, hours)"),
          ("actions", "", "actions taken (on), as JSON")),
)
