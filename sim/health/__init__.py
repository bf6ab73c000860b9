"""Public-health emergencies: an SEIR epidemic between compounds (deterministic or
stochastic, with vaccination), testing and vaccination sites as queueing networks, lockdown
supply through compound gates, hospital surge with ambulances on the roads.

The names below are imported when first used, so that a module that only needs the
output schemas (:mod:`musterpoint.sim.health.tables`) does not import the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from musterpoint.sim.lazy import lazy_names

if TYPE_CHECKING:
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

__getattr__ = lazy_names(__name__, {
    "HealthExtension": "extension", "health_extension": "extension",
    "simulate_deterministic": "seir", "simulate_stochastic": "seir",
})
