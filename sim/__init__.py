"""The simulation engine: network, demand, hazards, traffic, evacuation, KPIs.

``import musterpoint.sim`` stays light: it never imports folium, jinja2 or a web framework.
"""

from musterpoint import __version__

__all__ = ["__version__"]
