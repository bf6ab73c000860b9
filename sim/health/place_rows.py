"""Where a resident of the public-health model can be: the rows of the place counters.

A module of its own so that the output schemas (:mod:`musterpoint.sim.health.tables`)
name the places without importing the epidemic model.
"""

from __future__ import annotations

__all__ = ["PLACES", "PLACE_ROW"]

#: Places a resident can be in, in row order of the place counters.
PLACES = ("home", "travelling", "at_site", "ambulance", "hospital")
#: Row of each place in the place counters.
PLACE_ROW = {name: k for k, name in enumerate(PLACES)}
