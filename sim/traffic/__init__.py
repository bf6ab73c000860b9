"""The mesoscopic traffic core: a queue model of links with free-flow time, flow capacity
and storage with spillback (the JDEQSim/QSim family), and the plan's network levers
(contraflow, control points, capacity changes) over time.
"""

from musterpoint.sim.traffic.levers import NetworkLevers as NetworkLevers
from musterpoint.sim.traffic.queue_model import LinkCounters as LinkCounters
from musterpoint.sim.traffic.queue_model import TrafficModel as TrafficModel
from musterpoint.sim.traffic.queue_model import VehicleState as VehicleState

__all__ = [
    "LinkCounters",
    "NetworkLevers",
    "TrafficModel",
    "VehicleState",
]
