"""One evacuation run: the run that owns a run's state (SimPy environment, traffic,
shelters, agents, records), its processes (departures, hazard closures, levers, rerouting,
monitoring), the drill commands it accepts, its tables and KPIs, and the interface of the
services that share its roads: they see a narrow :class:`RunContext` (clock, roads,
shelters, records, random streams), never the run (:class:`RunExtension`, among them the
buses). Drivers such as the drill step and watch a run through :class:`LiveRun`.
"""

from musterpoint.sim.evacuation.agents import zone_order_times as zone_order_times
from musterpoint.sim.evacuation.buses import BusService as BusService
from musterpoint.sim.evacuation.buses import bus_service as bus_service
from musterpoint.sim.evacuation.commands import ENGINE_COMMAND_SPECS as ENGINE_COMMAND_SPECS
from musterpoint.sim.evacuation.commands import ENGINE_COMMANDS as ENGINE_COMMANDS
from musterpoint.sim.evacuation.context import RunContext as RunContext
from musterpoint.sim.evacuation.extension import ExtensionFactory as ExtensionFactory
from musterpoint.sim.evacuation.extension import RunExtension as RunExtension
from musterpoint.sim.evacuation.live import LiveRun as LiveRun
from musterpoint.sim.evacuation.run import EvacuationRun as EvacuationRun

__all__ = [
    "ENGINE_COMMANDS",
    "ENGINE_COMMAND_SPECS",
    "BusService",
    "EvacuationRun",
    "ExtensionFactory",
    "LiveRun",
    "RunContext",
    "RunExtension",
    "bus_service",
    "zone_order_times",
]
