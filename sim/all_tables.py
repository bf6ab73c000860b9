"""Every output table a run with the built-in services may write, in one place.

:data:`ALL_TABLES` is the engine's tables (:data:`musterpoint.sim.tables.TABLES`) then the
services' (public health, relief, response levels): the one schema the writer, the docs,
the GIS export and the tests use. It is built from the services' table modules only, so
a process that writes outputs from saved tables (the GIS files, in
:mod:`musterpoint.output_process`) has it without importing the engine and its models
(half a second). :mod:`musterpoint.sim.engine` re-exports it.
"""

from __future__ import annotations

from musterpoint.sim.health.tables import HEALTH_TABLE_SCHEMAS
from musterpoint.sim.levels.tables import LEVEL_TABLE_SCHEMAS
from musterpoint.sim.relief.tables import RELIEF_TABLE_SCHEMAS
from musterpoint.sim.tables import TABLES, Table

__all__ = ["ALL_TABLES"]

#: Every output table a run with the built-in services may write: the engine's, then the
#: services' (public health, relief, response levels), by name.
ALL_TABLES: dict[str, Table] = {**TABLES, **{t.name: t for t in (*HEALTH_TABLE_SCHEMAS,
                                                                 *RELIEF_TABLE_SCHEMAS,
                                                                 *LEVEL_TABLE_SCHEMAS)}}
