"""Run extensions: services that live inside an evacuation run and share its roads.

Buses, relief trucks, ambulances and dispensing sites are extensions. An extension names
the places its vehicles drive to (before the routing trees are built), starts its SimPy
processes, is told when one of its vehicles reaches its destination or is stranded, and
at the end contributes tables, a KPI family and a ledger that must balance. New
extensions are listed, in their attachment order, in
:data:`musterpoint.sim.engine.BUILTIN_EXTENSIONS` (or passed to a run as ``extensions=``);
the engine, the CLI, the reports and the drill console pick them up without changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from musterpoint.sim.tables import Table

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["ExtensionFactory", "RunExtension"]


class RunExtension:
    """Base class of run extensions; every hook has a harmless default.

    Attributes
    ----------
    name : str
        The KPI family and table prefix (``transit``, ``relief``, ``health``).
    ctx : RunContext
        What the extension may use of the run it lives in.
    first_dest : int
        Router index of the first destination this extension asked for.
    """

    name = "extension"
    #: Schemas of the tables :meth:`tables` returns (columns, units, meaning); the run
    #: refuses a table whose columns differ from its schema.
    TABLE_SCHEMAS: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.first_dest = -1

    def destinations(self) -> list[list[int]]:
        """Node sets (one per destination) the extension's vehicles drive to."""
        return []

    def dest_label(self, k: int) -> str:
        """Id of this extension's ``k``-th destination, for tables and events."""
        return f"{self.name}-{k}"

    def bind(self, first_dest: int) -> None:
        """Called with the router index of the first of :meth:`destinations`."""
        self.first_dest = first_dest

    def start(self) -> None:
        """Register processes with ``ctx.env``; called once, at time 0."""

    def on_reach(self, tv: int, local: int, node: int, t: float) -> bool:
        """A vehicle of this extension reached its destination node.

        Return True when it leaves the road there (the usual case), or set a new
        destination with ``ctx.roads.traffic.set_destination`` and return False.
        """
        return True

    def on_strand(self, tv: int, local: int, t: float, reason: str) -> None:
        """A vehicle of this extension has no open route left."""

    def finish(self, until: float) -> None:
        """Close the books at the end of the run."""

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables to add to the RunResult (names must not clash with the engine's)."""
        return {}

    def kpis(self) -> dict[str, Any]:
        """The extension's KPI family (``kpis.json[name]``)."""
        return {}

    def ledger(self) -> dict[str, Any] | None:
        """A ledger with a ``balanced`` flag, or None if the extension has none."""
        return None

    def command(self, kind: str, args: dict[str, Any]) -> bool:
        """Handle a drill command; return True if it was this extension's."""
        return False

    def on_order(self, zones: list[int], old_order_s: np.ndarray) -> None:
        """Zones (indices) were just ordered out, earlier than planned (by a level or a
        command); ``old_order_s`` is each zone's order time before (inf: none)."""

    def snapshot(self) -> dict[str, Any]:
        """State for a live map (JSON-serialisable)."""
        return {}

    def measure(self, quantity: str, where: str | None) -> float | None:
        """A quantity this extension tracks now (for response levels), or None if it does
        not know ``quantity`` (the public-health extension: ``cases``, ``infectious``)."""
        return None


#: A factory gets the run's context and returns its extension, or None when the plan has
#: none.
ExtensionFactory = Callable[["RunContext"], "RunExtension | None"]
