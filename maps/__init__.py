"""Maps of simulation runs (folium/Leaflet HTML pages)."""

from musterpoint.maps.run_map import write_run_map

__all__ = ["write_run_map"]
