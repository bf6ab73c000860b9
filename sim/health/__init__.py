"""Public-health emergencies: an SEIR epidemic between compounds (deterministic or
stochastic, with vaccination), testing and vaccination sites as queueing networks, lockdown
supply through compound gates, hospital surge with ambulances on the roads.
"""

from musterpoint.sim.health.extension import HealthExtension as HealthExtension
from musterpoint.sim.health.extension import health_extension as health_extension
from musterpoint.sim.health.seir import simulate_deterministic as simulate_deterministic
from musterpoint.sim.health.seir import simulate_stochastic as simulate_stochastic

__all__ = [
    "HealthExtension",
    "health_extension",
    "simulate_deterministic",
    "simulate_stochastic",
]
