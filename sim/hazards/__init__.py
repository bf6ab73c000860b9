"""Hazards that change over time and close roads: a flood (stage hydrograph over an
elevation raster), a chemical release (Gaussian plume under changing wind), a series of
polygons (e.g. a fire front), and the schedule of link closures they produce.
"""

from musterpoint.sim.hazards.closures import ClosureSchedule as ClosureSchedule
from musterpoint.sim.hazards.flood import ElevationRaster as ElevationRaster
from musterpoint.sim.hazards.flood import StageHydrograph as StageHydrograph
from musterpoint.sim.hazards.plume import GaussianPlume as GaussianPlume
from musterpoint.sim.hazards.polygons import PolygonSeries as PolygonSeries
from musterpoint.sim.hazards.polygons import read_polygon_series as read_polygon_series

__all__ = [
    "ClosureSchedule",
    "ElevationRaster",
    "GaussianPlume",
    "PolygonSeries",
    "StageHydrograph",
    "read_polygon_series",
]
