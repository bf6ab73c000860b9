"""Read a road network from a pair of CSV files (nodes and links).

``nodes.csv`` has the columns ``id, x, y`` with coordinates in a stated CRS; they are
reprojected to EPSG:4326. ``links.csv`` has the columns ``id, from, to, length_m, lanes,
speed_mps, capacity_vph`` (capacity of the whole link in PCU/h) and optionally
``highway`` and ``name``. Every value is checked and all problems are reported at once.

:func:`to_wgs84` (CRS parsing, reprojection and the check that coordinates fit the CRS)
is shared with the GIS line-layer reader.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.sim.network.graph import Network, NetworkReport, largest_strong_component
from musterpoint.sim.network.read_osm import haversine_m

if TYPE_CHECKING:  # pyproj is imported where a CRS is read: a cached World needs none
    from pyproj import CRS

__all__ = [
    "CRS_MARGIN_DEG",
    "LINK_COLUMNS",
    "NODE_COLUMNS",
    "parse_crs",
    "read_csv_network",
    "to_wgs84",
]

logger = logging.getLogger(__name__)

#: Required columns of the nodes file.
NODE_COLUMNS: tuple[str, ...] = ("id", "x", "y")
#: Required columns of the links file.
LINK_COLUMNS: tuple[str, ...] = (
    "id", "from", "to", "length_m", "lanes", "speed_mps", "capacity_vph"
)
#: How far (degrees) points may lie outside a CRS's area of use before it is rejected.
CRS_MARGIN_DEG = 1.0
_MAX_ROWS_LISTED = 5
_UNITS = {
    "length_m": "a length in metres > 0",
    "lanes": "a number of lanes >= 1",
    "speed_mps": "a free-flow speed in m/s > 0",
    "capacity_vph": "a capacity of the whole link in PCU per hour > 0",
    "x": "a finite coordinate",
    "y": "a finite coordinate",
}


def parse_crs(file: str, crs: str | CRS | None) -> CRS:
    """Parse a CRS given as ``"EPSG:32722"``, WKT, PROJ string or :class:`pyproj.CRS`.

    Raises
    ------
    InputError
        Naming ``file`` and the field ``crs`` when the CRS is missing or unknown.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if crs is None:
        raise InputError.single(
            file, "crs", "no coordinate reference system given; state the CRS of the "
            "coordinates, for example 'EPSG:4326' for longitude/latitude or the UTM zone"
        )
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise InputError.single(
            file, "crs", f"unknown CRS {str(crs)!r} ({exc}); use a code such as 'EPSG:4326'"
        ) from exc


def to_wgs84(
    file: str, x: np.ndarray, y: np.ndarray, crs: str | CRS | None
) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinates to EPSG:4326 and check that they fit the CRS.

    Parameters
    ----------
    file : str
        File name for error messages.
    x, y : ndarray
        Coordinates in ``crs`` (for a geographic CRS: longitude and latitude).
    crs : str or CRS
        The CRS the coordinates are in.

    Returns
    -------
    lon, lat : ndarray
        Coordinates in EPSG:4326.

    Raises
    ------
    InputError
        On the field ``crs`` when the points fall outside the CRS's valid area (by more
        than :data:`CRS_MARGIN_DEG`), which almost always means the CRS is wrong.
    """
    from pyproj import Transformer

    src = parse_crs(file, crs)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return x.copy(), y.copy()
    with np.errstate(all="ignore"):
        lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(x, y)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    area = src.area_of_use
    if area is not None and not bad.all():
        m = CRS_MARGIN_DEG
        in_lat = (lat >= area.south - m) & (lat <= area.north + m)
        if area.west <= area.east:
            in_lon = (lon >= area.west - m) & (lon <= area.east + m)
        else:  # area crosses the antimeridian
            in_lon = (lon >= area.west - m) | (lon <= area.east + m)
        bad |= ~(in_lat & in_lon)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f" (valid area: {area.name}, bounds {area.bounds})" if area is not None else ""
        raise InputError.single(
            file, "crs", f"{int(bad.sum())} of {x.size} points lie outside the valid area of "
            f"{src.to_string()}{where}, for example ({x[i]:g}, {y[i]:g}); the CRS is probably "
            "wrong (metres given as degrees, or x and y swapped) - state the CRS the "
            "coordinates are really in"
        )
    return lon, lat


def _read_table(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """Read a CSV as text, with stripped lower-case column names; check the columns."""
    file = str(path)
    if not path.is_file():
        raise InputError.single(
            file, "", f"the {what} file does not exist; check the path (expected columns: "
            + ", ".join(required) + ")"
        )
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise InputError.single(
            file, "", f"the {what} file is empty; it needs a header row with "
            + ", ".join(required)
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError.single(
            file, "", f"could not read the {what} file as CSV ({exc})"
        ) from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            [
                Problem(file, c, f"missing column {c!r}; the {what} file needs the columns "
                        + ", ".join(required) + f" (found: {', '.join(df.columns)})")
                for c in missing
            ]
        )
    out: pd.DataFrame = df.apply(lambda s: s.astype(str).str.strip())
    return out


def _rows(df: pd.DataFrame, mask: np.ndarray, kind: str) -> str:
    """Describe the first rows where ``mask`` holds: ``line 3 (link 'a'), ...``."""
    idx = np.flatnonzero(mask)
    parts = [f"line {i + 2} ({kind} {df['id'].iloc[i]!r})" for i in idx[:_MAX_ROWS_LISTED]]
    more = f" and {idx.size - _MAX_ROWS_LISTED} more" if idx.size > _MAX_ROWS_LISTED else ""
    return ", ".join(parts) + more


def _numbers(
    df: pd.DataFrame, column: str, file: str, kind: str, problems: list[Problem],
    at_least: float | None,
) -> np.ndarray:
    """Parse a numeric column; add problems for text and for values that are not positive.

    ``at_least`` ``None`` accepts any finite number; otherwise values must be positive
    and at least ``at_least``.
    """
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    text = ~np.isfinite(values)
    if text.any():
        first = raw.iloc[int(np.flatnonzero(text)[0])]
        problems.append(Problem(
            file, column, f"{_rows(df, text, kind)}: not a number (e.g. {first!r}); "
            f"give {_UNITS[column]}"
        ))
    if at_least is None:
        return values
    checks = [(values < 0, "negative"), (values == 0, "zero")]
    if at_least > 0:
        checks.append(((values > 0) & (values < at_least), f"below {at_least:g}"))
    for cond, word in checks:
        if cond.any():
            problems.append(Problem(
                file, column, f"{_rows(df, cond, kind)}: {column} is {word} "
                f"({values[int(np.flatnonzero(cond)[0])]:g}); give {_UNITS[column]}"
            ))
    return values


def _int_ids(
    df: pd.DataFrame, column: str, file: str, kind: str, problems: list[Problem]
) -> np.ndarray:
    """Parse a column of integer node ids."""
    raw = df[column]
    ok = raw.str.fullmatch(r"[+-]?\d{1,18}").to_numpy(dtype=bool)
    if not ok.all():
        problems.append(Problem(
            file, column, f"{_rows(df, ~ok, kind)}: node ids must be whole numbers "
            f"(e.g. {raw.iloc[int(np.flatnonzero(~ok)[0])]!r} is not)"
        ))
    return np.asarray([int(v) if good else -1 for v, good in zip(raw, ok, strict=True)],
                      dtype=np.int64)


def _duplicates(df: pd.DataFrame, ids: pd.Series, file: str, kind: str,
                problems: list[Problem]) -> None:
    """Add a problem when ids repeat."""
    dup = ids.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        problems.append(Problem(
            file, "id", f"{_rows(df, dup, kind)}: duplicate {kind} id; every {kind} needs "
            "a unique id"
        ))


def read_csv_network(
    nodes_csv: str | Path,
    links_csv: str | Path,
    crs: str,
    *,
    keep_largest_component: bool = True,
) -> Network:
    """Read a network from ``nodes.csv`` and ``links.csv``.

    Parameters
    ----------
    nodes_csv : str or Path
        Columns ``id`` (whole number), ``x``, ``y`` in ``crs``.
    links_csv : str or Path
        Columns ``id, from, to, length_m, lanes, speed_mps, capacity_vph``; optional
        ``highway`` and ``name``. ``from``/``to`` are node ids.
    crs : str
        CRS of ``x``/``y``, e.g. ``"EPSG:4326"`` (x = longitude) or ``"EPSG:32722"``.
    keep_largest_component : bool, optional
        Keep only the largest strongly connected component (default). Switch off for
        small hand-made verification networks that are meant to be used as written.

    Returns
    -------
    Network
        Links without geometry (straight lines).

    Raises
    ------
    InputError
        For missing files or columns, values that are not numbers or not positive,
        duplicate ids, links that name unknown nodes or join a node to itself, a CRS
        that does not fit the coordinates, or an empty network. All problems are listed.
    """
    npath, lpath = Path(nodes_csv), Path(links_csv)
    nfile, lfile = str(npath), str(lpath)
    nodes = _read_table(npath, NODE_COLUMNS, "nodes")
    links = _read_table(lpath, LINK_COLUMNS, "links")
    problems: list[Problem] = []
    if len(links) == 0:
        problems.append(Problem(lfile, "", "the links file has no rows; a network needs links"))
    if len(nodes) == 0:
        problems.append(Problem(nfile, "", "the nodes file has no rows; a network needs nodes"))
    if problems:
        raise InputError(problems)

    node_id = _int_ids(nodes, "id", nfile, "node", problems)
    x = _numbers(nodes, "x", nfile, "node", problems, None)
    y = _numbers(nodes, "y", nfile, "node", problems, None)
    _duplicates(nodes, nodes["id"], nfile, "node", problems)
    l_from = _int_ids(links, "from", lfile, "link", problems)
    l_to = _int_ids(links, "to", lfile, "link", problems)
    length = _numbers(links, "length_m", lfile, "link", problems, 0.0)
    lanes = _numbers(links, "lanes", lfile, "link", problems, 1.0)
    speed = _numbers(links, "speed_mps", lfile, "link", problems, 0.0)
    capacity = _numbers(links, "capacity_vph", lfile, "link", problems, 0.0)
    _duplicates(links, links["id"], lfile, "link", problems)
    empty_id = (links["id"] == "").to_numpy(dtype=bool)
    if empty_id.any():
        problems.append(Problem(lfile, "id", f"{_rows(links, empty_id, 'link')}: empty link id"))
    if problems:
        raise InputError(problems)

    index = pd.Index(node_id)
    src = index.get_indexer(l_from)
    dst = index.get_indexer(l_to)
    for col, ix in (("from", src), ("to", dst)):
        unknown = ix < 0
        if unknown.any():
            problems.append(Problem(
                lfile, col, f"{_rows(links, unknown, 'link')}: node id not in {nfile}; add "
                "the node or fix the id"
            ))
    loop = (src == dst) & (src >= 0)
    if loop.any():
        problems.append(Problem(
            lfile, "to", f"{_rows(links, loop, 'link')}: link starts and ends at the same node"
        ))
    if problems:
        raise InputError(problems)

    lon, lat = to_wgs84(nfile, x, y, crs)
    notes = [f"coordinates reprojected from {crs} to EPSG:4326"]
    crow = haversine_m(
        np.column_stack([lon[src], lon[dst]]).ravel(), np.column_stack([lat[src], lat[dst]]).ravel()
    )[::2]
    far = crow > 1.0
    if far.any() and float(np.median(length[far] / crow[far])) < 0.5:
        msg = ("length_m is less than half the straight-line distance between the nodes on "
               f"most links; check the CRS ({crs}) and that length_m is in metres")
        logger.warning("%s: %s", lfile, msg)
        notes.append(msg)

    def text(col: str, default: str) -> np.ndarray:
        if col in links.columns:
            return links[col].replace("", default).to_numpy(dtype=object)
        return np.full(len(links), default, dtype=object)

    report = NetworkReport(
        source=lfile,
        nodes_read=len(nodes),
        links_read=len(links),
        nodes_kept=len(nodes),
        links_kept=len(links),
        notes=tuple(notes),
    )
    net = Network(
        node_id=node_id,
        lon=lon,
        lat=lat,
        link_id=links["id"].to_numpy(dtype=object),
        link_from=src.astype(np.int64),
        link_to=dst.astype(np.int64),
        length_m=length,
        lanes=lanes,
        speed_mps=speed,
        capacity_vph=capacity,
        highway=text("highway", "unknown"),
        name=text("name", ""),
        report=report,
    )
    logger.info("%s: read %d nodes and %d links", lfile, net.n_nodes, net.n_links)
    return largest_strong_component(net) if keep_largest_component else net
