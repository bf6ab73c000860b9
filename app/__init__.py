"""musterpoint: emergency response planning and drill simulator.

The umbrella package. The engine lives in :mod:`musterpoint.sim`, the scenario
schema and loader in :mod:`musterpoint.scenarios`, map and report writers in
:mod:`musterpoint.maps` and :mod:`musterpoint.reports`, and the command line in
:mod:`musterpoint.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("musterpoint")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
