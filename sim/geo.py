"""Small geometry helpers: a local metric projection and nearest-node snapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = ["LocalProjection", "NodeIndex"]

_EARTH_R = 6_371_008.8


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection about a centre: metres east/north, good to ~0.1 % at 20 km.

    Parameters
    ----------
    lon0, lat0 : float
        Centre in degrees.
    """

    lon0: float
    lat0: float

    def forward(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Degrees to local metres."""
        k = np.cos(np.radians(self.lat0))
        x = np.radians(np.asarray(lon, dtype=np.float64) - self.lon0) * _EARTH_R * k
        y = np.radians(np.asarray(lat, dtype=np.float64) - self.lat0) * _EARTH_R
        return x, y

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local metres to degrees."""
        k = np.cos(np.radians(self.lat0))
        lon = self.lon0 + np.degrees(np.asarray(x, dtype=np.float64) / (_EARTH_R * k))
        lat = self.lat0 + np.degrees(np.asarray(y, dtype=np.float64) / _EARTH_R)
        return lon, lat


class NodeIndex:
    """Nearest network nodes to points.

    Parameters
    ----------
    lon, lat : ndarray
        Node coordinates.
    allowed : ndarray of bool, optional
        Only these nodes may be returned (for example nodes with an outgoing link).
    """

    def __init__(self, lon: np.ndarray, lat: np.ndarray, allowed: np.ndarray | None = None):
        self.proj = LocalProjection(float(np.mean(lon)), float(np.mean(lat)))
        idx = np.arange(len(lon)) if allowed is None else np.flatnonzero(allowed)
        self.node = idx
        x, y = self.proj.forward(lon[idx], lat[idx])
        self._xy = np.column_stack([x, y])
        self._tree: cKDTree | None = None

    @property
    def tree(self) -> cKDTree:
        """The k-d tree of the nodes, built on first use (a World read from the cache
        does not import scipy.spatial, about 0.4 s, unless it looks a point up)."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self._xy)
        return self._tree

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the tree (rebuilt from the same points on first use)."""
        return {**self.__dict__, "_tree": None}

    def nearest(
        self, lon: np.ndarray, lat: np.ndarray, k: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the ``k`` nearest nodes and their distances in metres."""
        x, y = self.proj.forward(lon, lat)
        k = min(k, len(self.node))
        d, i = self.tree.query(np.column_stack([x, y]), k=k)
        if k == 1:
            d, i = d[:, None], i[:, None]
        return self.node[i], d

    def within(self, lon: float, lat: float, radius_m: float) -> set[int]:
        """Indices of the nodes within ``radius_m`` of a point."""
        x, y = self.proj.forward(np.array([lon]), np.array([lat]))
        hits = self.tree.query_ball_point([float(x[0]), float(y[0])], r=radius_m)
        return {int(self.node[h]) for h in hits}
