"""One evacuation run: the run that owns a run's state (SimPy environment, traffic,
shelters, agents, records), its processes (departures, hazard closures, levers, rerouting,
monitoring), the drill commands it accepts, its tables and KPIs, and the interface of the
services that share its roads (:class:`RunExtension`, among them the buses).
"""

from musterpoint.sim.evacuation.agents import zone_order_times as zone_order_times
from musterpoint.sim.evacuation.buses import BusService as BusService
from musterpoint.sim.evacuation.buses import bus_service as bus_service
from musterpoint.sim.evacuation.commands import ENGINE_COMMANDS as ENGINE_COMMANDS
from musterpoint.sim.evacuation.extension import ExtensionFactory as ExtensionFactory
from musterpoint.sim.evacuation.extension import RunExtension as RunExtension
from musterpoint.sim.evacuation.run import EvacuationRun as EvacuationRun

__all__ = [
    "ENGINE_COMMANDS",
    "BusService",
    "EvacuationRun",
    "ExtensionFactory",
    "RunExtension",
    "bus_service",
    "zone_order_times",
]
