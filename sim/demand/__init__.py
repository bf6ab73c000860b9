"""Who travels: populated places aggregated into zones, households and their vehicles
(car ownership, ride sharing), explicit trips, mobilisation (departure-delay) curves, and
shadow evacuees and background traffic bound for exits.
"""

from musterpoint.sim.demand.departure import departure_delays_s as departure_delays_s
from musterpoint.sim.demand.extra_traffic import background_vehicles as background_vehicles
from musterpoint.sim.demand.extra_traffic import shadow_vehicles as shadow_vehicles
from musterpoint.sim.demand.population import Places as Places
from musterpoint.sim.demand.population import Vehicles as Vehicles
from musterpoint.sim.demand.population import Zones as Zones
from musterpoint.sim.demand.population import make_vehicles as make_vehicles
from musterpoint.sim.demand.population import read_places as read_places
from musterpoint.sim.demand.population import read_trips as read_trips

__all__ = [
    "Places",
    "Vehicles",
    "Zones",
    "background_vehicles",
    "departure_delays_s",
    "make_vehicles",
    "read_places",
    "read_trips",
    "shadow_vehicles",
]
