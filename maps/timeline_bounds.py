"""A folium ``Timeline`` whose data bounds are computed with numpy, one ring at a time.

``folium.Map.get_bounds`` (which places the map's first view) walks every position of
every layer in Python, updating four minima and maxima per point: on the default run's
flood polygons that was a third of writing ``map.html``. :func:`geojson_bounds` gives
the same bounds (minima and maxima are exact, so the same floats) from one numpy array
per list of positions; :class:`BoundedTimeline` uses it.

Its GeoJSON goes into a page written by :func:`musterpoint.maps.offline.write_offline_page`
after rendering (:func:`~musterpoint.maps.offline.defer_text`): the same text, without
branca compiling it as a template.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from folium.plugins import Timeline
from folium.utilities import get_bounds
from jinja2.utils import htmlsafe_json_dumps

from musterpoint.maps.offline import defer_text

__all__ = ["BoundedTimeline", "geojson_bounds"]

Bounds = list[list[float | None]]


def _blocks(coords: Any, out: list[np.ndarray]) -> bool:
    """Append ``coords``' positions as (n, 2) arrays; False if its nesting is irregular."""
    if not isinstance(coords, list | tuple) or not coords:
        return not isinstance(coords, dict)
    first = coords[0]
    if isinstance(first, float | int):  # one position
        if len(coords) < 2 or not all(isinstance(v, float | int) for v in coords):
            return False
        out.append(np.array([coords[:2]], dtype=np.float64))
        return True
    if isinstance(first, list | tuple) and first and isinstance(first[0], float | int):
        try:  # a list of positions
            arr = np.array(coords, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        if arr.ndim != 2 or arr.shape[1] < 2:
            return False
        out.append(arr[:, :2])
        return True
    return all(_blocks(c, out) for c in coords)


def geojson_bounds(data: Any) -> Bounds:
    """``folium.utilities.get_bounds(data, lonlat=True)`` of a GeoJSON FeatureCollection:
    ``[[lat_min, lon_min], [lat_max, lon_max]]`` (Nones without positions).

    Anything but a FeatureCollection of plain coordinates, or positions with NaN, is
    left to folium."""
    out: list[np.ndarray] = []
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list) or not all(
            isinstance(f, dict) and isinstance(f.get("geometry"), dict | None) for f in feats):
        return get_bounds(data, lonlat=True)
    for f in feats:
        g = f["geometry"]
        if g and not _blocks(g.get("coordinates"), out):
            return get_bounds(data, lonlat=True)
    if not out:
        return [[None, None], [None, None]]
    xy = np.concatenate(out)
    if np.isnan(xy).any():
        return get_bounds(data, lonlat=True)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return [[float(lo[1]), float(lo[0])], [float(hi[1]), float(hi[0])]]


class BoundedTimeline(Timeline):  # type: ignore[misc]
    """:class:`folium.plugins.Timeline` with its bounds from :func:`geojson_bounds`."""

    def _get_self_bounds(self) -> Bounds:
        return geojson_bounds(self.data)

    def render(self, **kwargs: Any) -> Any:
        """Render as folium does; the data as its template's ``tojson`` writes it, put in
        after rendering when the page allows (:func:`~musterpoint.maps.offline.defer_text`)."""
        data: Any = self.data
        token = None
        if not (self.style or self.highlight):  # folium's style mapping reads the data
            env = self._template.environment
            token = defer_text(self, lambda: str(htmlsafe_json_dumps(
                data, dumps=env.policies["json.dumps_function"],
                **env.policies["json.dumps_kwargs"])), quoted=True)
        if token is not None:
            self.data = cast(Any, token)
        try:
            return super().render(**kwargs)  # type: ignore[no-untyped-call]
        finally:
            self.data = data
