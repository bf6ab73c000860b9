"""The simulation engine: network, demand, hazards, traffic, evacuation, KPIs.

``import musterpoint.sim`` stays light: it never imports folium, jinja2 or a web framework.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("musterpoint")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
