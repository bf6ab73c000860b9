"""Read places (shelters, schools, hospitals, care homes, depots, pick-up points) from files.

A district office keeps them in spreadsheets (``名称, 地址, 经度, 纬度, 容纳人数``) or GIS
layers. :func:`read_places` maps the columns (given, or found by their usual English or
Chinese names), converts the coordinates to WGS 84 (GCJ-02, BD-09, CGCS2000 and any EPSG
system), and reports every row it cannot use, all at once, each naming the file, the row
and the column. Names are kept exactly as written; ids are the names unless an id column
is given (any Unicode text: ``第一中学`` is a valid id).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from musterpoint.district.coords import to_wgs84
from musterpoint.district.tables import pick_column, read_table
from musterpoint.scenarios.errors import InputError, Problem

__all__ = ["KINDS", "PlaceColumns", "PlaceRecord", "place_frame", "read_places"]

#: The kinds of place and whether each needs a capacity.
KINDS = {
    "shelter": True, "school": False, "hospital": False, "care_home": False,
    "depot": False, "pickup": False,
}

_NAME = ("name", "名称", "名字", "场所名称", "避难场所名称", "单位名称", "title")
_ID = ("id", "编号", "代码", "code")
_CAP = ("capacity", "容纳人数", "可容纳人数", "容量", "人数", "capacity_persons")
_LON = ("lon", "lng", "long", "longitude", "x", "经度", "东经")
_LAT = ("lat", "latitude", "y", "纬度", "北纬")
_ACCESS = ("access_radius_m", "接驳半径", "停车半径")


@dataclass(frozen=True)
class PlaceColumns:
    """Which columns hold what (None: find by the usual names)."""

    name: str | None = None
    id: str | None = None
    capacity: str | None = None
    lon: str | None = None
    lat: str | None = None
    crs: str = "EPSG:4326"
    sheet: str | None = None
    layer: str | None = None


@dataclass
class PlaceRecord:
    """One usable place."""

    id: str
    name: str
    lon: float
    lat: float
    capacity: int | None
    row: int  # row in the file as a spreadsheet shows it (header = 1)
    access_radius_m: float | None = None


def _number(text: str) -> float | None:
    t = str(text).strip().replace(",", "").replace("，", "")
    if t == "":
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_places(path: Path, kind: str = "shelter",
                columns: PlaceColumns | None = None) -> list[PlaceRecord]:
    """Read one file of places.

    Parameters
    ----------
    path : Path
        CSV (UTF-8 or GBK), XLSX, GeoPackage, Shapefile or GeoJSON.
    kind : str
        One of :data:`KINDS`; shelters need a capacity column.
    columns : PlaceColumns, optional
        Column names and the CRS of spreadsheet coordinates (GIS layers carry their own).

    Returns
    -------
    list of PlaceRecord
        The places in file order, coordinates in WGS 84.

    Raises
    ------
    InputError
        One problem per unusable row or column: a missing column, a missing name, text or a
        negative number in the capacity, a missing or non-numeric coordinate, a repeated id.
    """
    cols = columns or PlaceColumns()
    file = str(path)
    df, georef = read_table(path, sheet=cols.sheet, layer=cols.layer)
    if df.empty:
        raise InputError.single(file, "", f"no rows; the {kind} file needs one row per place")
    need_cap = KINDS.get(kind, False)
    opt = f"--{kind.replace('_', '-')}s" if kind != "care_home" else "--care-homes"
    name_c = pick_column(df, cols.name, _NAME, file, "name", "--name-col")
    id_c = pick_column(df, cols.id, _ID, file, "id", "--id-col", required=False)
    cap_c = pick_column(df, cols.capacity, _CAP, file, "capacity", "--capacity-col",
                        required=need_cap)
    lon_c = pick_column(df, None if georef else cols.lon, _LON, file, "longitude",
                        "--lon-col")
    lat_c = pick_column(df, None if georef else cols.lat, _LAT, file, "latitude",
                        "--lat-col")
    acc_c = pick_column(df, None, _ACCESS, file, "access radius", "", required=False)
    assert name_c is not None and lon_c is not None and lat_c is not None
    problems: list[Problem] = []
    rows: list[tuple[int, str, str, float, float, int | None]] = []
    access: dict[int, float] = {}
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2
        name = str(rec[name_c]).strip()
        pid = str(rec[id_c]).strip() if id_c else name
        x, y = _number(str(rec[lon_c])), _number(str(rec[lat_c]))
        bad = False
        if not name or name.lower() == "nan":
            problems.append(Problem(file, f"row {row}: {name_c}",
                                    "the name is empty; give every place a name"))
            bad = True
        if x is None or y is None:
            which = lon_c if x is None else lat_c
            problems.append(Problem(file, f"row {row}: {which}", (
                f"{str(rec[which])[:40]!r} is not a number; give decimal degrees "
                "(or metres in the declared CRS)")))
            bad = True
        cap: int | None = None
        if cap_c is not None:
            v = _number(str(rec[cap_c]))
            if v is None or v < 0:
                if need_cap or str(rec[cap_c]).strip():
                    problems.append(Problem(file, f"row {row}: {cap_c}", (
                        f"{str(rec[cap_c])[:40]!r} is not a number of persons; give a "
                        "whole number >= 0")))
                    bad = True
            else:
                cap = round(v)
        if acc_c is not None and str(rec[acc_c]).strip():
            a = _number(str(rec[acc_c]))
            if a is None or a < 0:
                problems.append(Problem(file, f"row {row}: {acc_c}", (
                    f"{str(rec[acc_c])[:40]!r} is not a distance in metres >= 0")))
                bad = True
            else:
                access[row] = a
        if not bad:
            rows.append((row, pid, name, float(x or 0.0), float(y or 0.0), cap))
    seen: dict[str, int] = {}
    for row, pid, *_ in rows:
        if pid in seen:
            problems.append(Problem(file, f"row {row}: {id_c or name_c}", (
                f"{pid!r} is used again (first in row {seen[pid]}); make the names unique "
                "or give an id column with --id-col")))
        else:
            seen[pid] = row
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError.single(file, "", f"no usable rows for {opt}")
    xs = np.array([r[3] for r in rows])
    ys = np.array([r[4] for r in rows])
    if not georef:
        try:
            xs, ys = to_wgs84(xs, ys, cols.crs)
        except ValueError as exc:
            raise InputError.single(file, "crs", str(exc)) from exc
    bad_deg = np.flatnonzero((np.abs(xs) > 180) | (np.abs(ys) > 90))
    if bad_deg.size:
        r = rows[int(bad_deg[0])]
        raise InputError.single(file, f"row {r[0]}: {lon_c}", (
            f"({r[3]}, {r[4]}) is not longitude/latitude in degrees; these look like "
            f"projected metres: declare the file's CRS (--crs EPSG:4547 for CGCS2000 "
            "Gauss-Kruger CM 114E, for example)"))
    return [PlaceRecord(pid, name, float(x), float(y), cap, row, access.get(row))
            for (row, pid, name, _x, _y, cap), x, y in zip(rows, xs, ys, strict=True)]


def place_frame(places: list[PlaceRecord]) -> pd.DataFrame:
    """The places as a table (id, name, lon, lat, capacity, row)."""
    return pd.DataFrame([{"id": p.id, "name": p.name, "lon": p.lon, "lat": p.lat,
                          "capacity": p.capacity, "row": p.row} for p in places])
