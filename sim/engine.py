"""The engine with its built-in services: the run every command and experiment uses.

:data:`BUILTIN_EXTENSIONS` is the explicit, ordered list of the services that share the
roads with the evacuees (PyVRP's ``OPERATORS`` list is the model): the public-health
extension, relief supply, buses, then the response-level watcher (last: it has no
destinations, draws no random numbers and gives commands to the others). The order is
part of the result (it fixes router destination numbers and the order in which
processes start), so it is written here once
and never derived from file names. Pass ``extensions=`` to add or leave out a service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from musterpoint.scenarios.schema import Plan
from musterpoint.sim.all_tables import ALL_TABLES
from musterpoint.sim.evacuation.buses import bus_service
from musterpoint.sim.evacuation.extension import ExtensionFactory
from musterpoint.sim.evacuation.facilities import facility_service
from musterpoint.sim.evacuation.run import EvacuationRun
from musterpoint.sim.health.extension import health_extension
from musterpoint.sim.levels.watcher import levels_extension
from musterpoint.sim.relief.service import relief_service
from musterpoint.sim.result import RunResult
from musterpoint.sim.world import World

__all__ = ["ALL_TABLES", "BUILTIN_EXTENSIONS", "new_run", "simulate"]

#: Built-in services, in attachment order.
BUILTIN_EXTENSIONS: tuple[ExtensionFactory, ...] = (
    health_extension,
    relief_service,
    bus_service,
    facility_service,
    levels_extension,
)


def new_run(world: World, plan: Plan, seed: int, *,
            extensions: Sequence[ExtensionFactory] = BUILTIN_EXTENSIONS,
            **kwargs: Any) -> EvacuationRun:
    """A run of ``plan`` on ``world`` with ``seed`` and the built-in services.

    Keyword arguments go to :class:`~musterpoint.sim.evacuation.run.EvacuationRun`.
    """
    return EvacuationRun(world, plan, seed, extensions=extensions, **kwargs)


def simulate(world: World, plan: Plan, seed: int, **kwargs: Any) -> RunResult:
    """Run ``plan`` on ``world`` with ``seed`` to the scenario's end; see :func:`new_run`."""
    return new_run(world, plan, seed, **kwargs).run()
