"""Geometry for the map pages: WKT to GeoJSON, rounded coordinates, the packed road network.

Shared by the run map, the difference map and the drill console, which all draw the same
road network and zones. The road network is sent to the browser as packed integer
polylines (:func:`pack_road_lines`) and drawn by :data:`ROADS_JS` on a canvas below every
other layer, so a map shows streets even where no base tiles load (offline, or with no
``--tiles``).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

__all__ = [
    "PACK_SCALE",
    "ROADS_JS",
    "ROAD_COLOUR",
    "ROAD_STYLE",
    "hazard_shapes",
    "js_list",
    "link_key",
    "link_keys",
    "pack_road_lines",
    "road_lines_from_wkt",
    "round_array",
    "round_coords",
    "wkt_geometries",
    "wkt_geometry",
]

logger = logging.getLogger(__name__)

#: Packed coordinates are integers in units of 1e-5 degrees (about 1 m).
PACK_SCALE = 100_000
#: How the road network is drawn under the data (the drill console uses the same colours).
ROAD_COLOUR = "#78909c"
ROAD_STYLE = {"color": ROAD_COLOUR, "weight": 1.5, "opacity": 0.55, "smoothFactor": 2}

_Feature = dict[str, Any]


#: A character ``int()`` never accepts in text (it takes digits, signs, ``_``, spaces).
_NOT_INT = re.compile(r"[^\s\d+\-_]")


def link_key(value: Any) -> str:
    """A link id as text, so that ``1``, ``1.0`` and ``"1"`` match."""
    if type(value) is str and _NOT_INT.search(value):  # "way:from-to": int() would fail
        return value
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


#: An ASCII character that ``_NOT_INT`` always finds (not a space, a digit, ``+``, ``-`` or
#: ``_``), in a pattern pandas' string methods search in C. Text with one of these is its
#: own key; other text (digits, and any non-ASCII text, whose spaces and digits Python's
#: ``re`` judges by Unicode) goes through :func:`link_key`.
_SURELY_TEXT = r"[!-*,./:-@A-Z\[-\^`a-z{-~]"
#: pandas' text type of tables read from Parquet (NaN for missing): ``Series.map`` gives
#: back this type, so a copy of such a column is what mapping its ids to themselves gives.
_ARROW_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def link_keys(ids: pd.Series) -> pd.Series:
    """:func:`link_key` of every id (each distinct id converted once).

    Text ids that are surely not numbers (``"way:from-to"``, as OpenStreetMap links are
    named) are found in one vectorised search and kept as they are, as :func:`link_key`
    keeps them; only the others are converted one distinct id at a time.
    """
    if ids.dtype == _ARROW_STR:
        sure = ids.str.contains(_SURELY_TEXT, regex=True, na=False).to_numpy(dtype=bool)
        if sure.all():
            return ids.copy()
        if sure.any():
            out = ids.copy()
            rest = ids[~sure]
            out[~sure] = rest.map({v: link_key(v) for v in pd.unique(rest)})
            return out
    lookup = {v: link_key(v) for v in pd.unique(ids)}
    return ids.map(lookup)


def js_list(values: Sequence[Any]) -> str:
    """A JSON list that is safe inside an inline ``<script>`` (no ``<`` or ``>``)."""
    text = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def round_coords(obj: Any, digits: int = 5) -> Any:
    """Nested coordinates rounded to ``digits`` decimals (5: about 1 m), as lists.

    Parameters
    ----------
    obj : Any
        A number, or (nested) lists or tuples of numbers; anything else is returned as is.
    digits : int
        Decimals to keep.

    Returns
    -------
    Any
        The same nesting with rounded floats.
    """
    kind = type(obj)
    if kind is list or kind is tuple:  # the common case first: plain floats inside
        return [round(v, digits) if type(v) is float else round_coords(v, digits)
                for v in obj]
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int | float):
        return round(float(obj), digits)
    if isinstance(obj, list | tuple):
        return [round_coords(v, digits) for v in obj]
    return obj


def round_array(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(v, digits)`` of each float, vectorised, to the same bits.

    Python rounds the exact binary value correctly (half to even) to a decimal and takes
    the nearest float; ``rint(v * 10**digits) / 10**digits`` gives that same float
    except where the product is a hair from a half (its own rounding may cross it) or too
    large for exact integers: those few values are rounded by Python.

    Parameters
    ----------
    values : numpy.ndarray
        Floats (any shape).
    digits : int
        Decimals to keep (0 to 15).

    Returns
    -------
    numpy.ndarray
        The rounded floats, same shape.
    """
    scale = 10.0 ** digits
    scaled = np.asarray(values, dtype=np.float64) * scale
    out = np.rint(scaled) / scale
    with np.errstate(invalid="ignore"):
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
        risky = near_half | (np.abs(scaled) >= 2.0 ** 50)
    if risky.any():
        out[risky] = [round(v, digits) for v in np.asarray(values, dtype=np.float64)[risky]
                      .tolist()]
    return out


def hazard_shapes(text: Any) -> list[_Feature] | None:
    """The geometries of one hazard frame (GeoJSON text or object: a geometry, Feature or
    FeatureCollection), coordinates rounded to 5 decimals; None for invalid JSON.

    Parameters
    ----------
    text : Any
        GeoJSON text, or the object it stands for.

    Returns
    -------
    list of dict or None
        ``{"type": ..., "coordinates": ...}`` of each geometry with coordinates (none
        for anything but a JSON object), or None when ``text`` is not JSON.
    """
    try:
        obj = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return []
    if obj.get("type") == "FeatureCollection":
        geoms = [f.get("geometry") for f in obj.get("features", [])]
    else:
        geoms = [obj.get("geometry") if obj.get("type") == "Feature" else obj]
    return [{"type": geom["type"], "coordinates": round_coords(geom["coordinates"])}
            for geom in geoms if isinstance(geom, dict) and "coordinates" in geom]


def wkt_geometry(text: Any) -> _Feature | None:
    """A GeoJSON geometry (coordinates rounded to 5 decimals) for one WKT string.

    Parameters
    ----------
    text : Any
        WKT text; anything else, empty text or an empty geometry gives None.

    Returns
    -------
    dict or None
        ``{"type": ..., "coordinates": ...}``, or None (invalid WKT is logged).
    """
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.ShapelyError:
        logger.warning("Skipping invalid WKT %.60r", text)
        return None
    if geom is None or geom.is_empty:
        return None
    gj = dict(mapping(geom))
    return {"type": gj["type"], "coordinates": round_coords(gj["coordinates"])}


def wkt_geometries(wkt: Iterable[Any]) -> list[_Feature | None]:
    """:func:`wkt_geometry` of each WKT string (None where missing or invalid).

    Plain (2-D, non-empty) line strings, a road network's links, are parsed and rounded
    in one vectorised pass (a third of the time); the rest go one by one through
    :func:`wkt_geometry`. The result is the same.
    """
    texts = list(wkt)
    out: list[_Feature | None] = [None] * len(texts)
    if not texts:
        return out
    given = np.asarray([t if isinstance(t, str) and t.strip() else None for t in texts],
                       dtype=object)
    geoms = shapely.from_wkt(given, on_invalid="ignore")
    fast = ((shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING)
            & ~shapely.is_empty(geoms) & ~shapely.has_z(geoms))
    rows = np.flatnonzero(fast)
    if len(rows):
        coords = shapely.get_coordinates(geoms[rows])
        ends = np.cumsum(shapely.get_num_coordinates(geoms[rows])).tolist()
        flat = round_array(coords.ravel(), 5).tolist()
        pairs = [[flat[k], flat[k + 1]] for k in range(0, len(flat), 2)]
        start = 0
        for row, end in zip(rows.tolist(), ends, strict=True):
            out[row] = {"type": "LineString", "coordinates": pairs[start:end]}
            start = end
    for row in np.flatnonzero(~fast & (given != None)).tolist():  # noqa: E711 (elementwise)
        out[row] = wkt_geometry(texts[row])
    return out


def _line_coords(geom: _Feature | None) -> list[Sequence[Sequence[float]]]:
    if geom is None:
        return []
    if geom["type"] == "LineString":
        return [geom["coordinates"]]
    if geom["type"] == "MultiLineString":
        return list(geom["coordinates"])
    return []


def _pack(lines: Iterable[Sequence[Sequence[int]]]) -> list[list[int]]:
    """Integer polylines to ``[x0, y0, dx1, dy1, ...]``, each line (either way) once."""
    seen: set[tuple[int, ...]] = set()
    out: list[list[int]] = []
    for pts in lines:
        if len(pts) < 2:
            continue
        flat = tuple(v for p in pts for v in p)
        back = tuple(v for p in reversed(pts) for v in p)
        if flat in seen or back in seen:
            continue
        seen.add(flat)
        packed = [pts[0][0], pts[0][1]]
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            packed += [x1 - x0, y1 - y0]
        out.append(packed)
    return out


def pack_road_lines(lines: Iterable[Sequence[Sequence[float]]]) -> list[list[int]]:
    """Road polylines packed for the page: integers, first point absolute, then steps.

    Each line ``[(lon, lat), ...]`` becomes ``[x0, y0, dx1, dy1, ...]`` in units of
    1 / :data:`PACK_SCALE` degree. A line drawn twice (the two directions of a two-way
    street, or a duplicate) is kept once, which halves a typical city's network.

    Parameters
    ----------
    lines : iterable of sequences of (lon, lat)
        Polylines in WGS84 degrees; lines with fewer than two points are skipped.

    Returns
    -------
    list of list of int
        The packed lines, in input order.
    """
    return _pack([(round(float(p[0]) * PACK_SCALE), round(float(p[1]) * PACK_SCALE))
                  for p in line] for line in lines)


def road_lines_from_wkt(wkt: Iterable[Any]) -> list[list[int]]:
    """:func:`pack_road_lines` of the (multi)line strings among WKT texts (vectorised:
    about 0.3 s for a city's 31,000 links)."""
    texts = np.asarray([t if isinstance(t, str) and t.strip() else None for t in wkt],
                       dtype=object)
    geoms = shapely.from_wkt(texts, on_invalid="ignore")
    parts = shapely.get_parts(geoms[~shapely.is_missing(geoms)])
    parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING]
    coords, index = shapely.get_coordinates(parts, return_index=True)
    ints = np.rint(coords * PACK_SCALE).astype(np.int64)
    cuts = np.flatnonzero(np.diff(index)) + 1
    if not len(ints):
        return []
    return _pack(line.tolist() for line in np.split(ints, cuts))


#: JS: ``musterRoads(map, packed, scale, style, pane)`` draws packed lines as one canvas
#: polyline in its own pane below the overlays and returns the layer.
ROADS_JS = """
function musterRoads(map, packed, scale, style, pane) {
  if (!map.getPane(pane)) { map.createPane(pane).style.zIndex = 350; }
  var lines = packed.map(function (p) {
    var x = p[0], y = p[1], out = [[y / scale, x / scale]];
    for (var i = 2; i < p.length; i += 2) { x += p[i]; y += p[i + 1];
      out.push([y / scale, x / scale]); }
    return out;
  });
  var opts = Object.assign({renderer: L.canvas({pane: pane, padding: 0.3}),
                            interactive: false}, style);
  return L.polyline(lines, opts);
}
"""
