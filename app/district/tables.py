"""Read a district's tables (CSV, XLSX, GeoPackage, Shapefile, GeoJSON) as data frames.

Spreadsheets from district offices come in many shapes: UTF-8 or GBK CSV, Excel sheets,
GIS layers. :func:`read_table` gives one ``pandas.DataFrame`` for all of them, with ``lon``
and ``lat`` columns (WGS 84) added for GIS layers; :func:`pick_column` finds a column by
the names planners use (English or Chinese) or by the name the user gave.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from musterpoint.scenarios.errors import InputError

__all__ = ["LAYER_SUFFIXES", "TABLE_SUFFIXES", "pick_column", "read_table"]

#: Spreadsheet files.
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
#: GIS layers (read with geopandas/pyogrio).
LAYER_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml")


def _read_csv(path: Path) -> pd.DataFrame:
    last: Exception | None = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, encoding=enc, dtype=str, keep_default_na=False)
        except UnicodeDecodeError as exc:
            last = exc
        except Exception as exc:
            raise InputError.single(str(path), "", f"cannot read the CSV: {exc}") from exc
    raise InputError.single(str(path), "", f"the CSV is neither UTF-8 nor GBK text ({last}); "
                            "save it as UTF-8 CSV")


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    try:
        import openpyxl  # noqa: F401  (pandas' engine; a clear message if it is missing)
    except ImportError as exc:  # pragma: no cover - a dependency
        raise InputError.single(str(path), "", "reading .xlsx needs openpyxl; "
                                "pip install openpyxl, or save the sheet as CSV") from exc
    try:
        df = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise InputError.single(str(path), "sheet", f"{exc}; name an existing sheet") from exc
    except Exception as exc:
        raise InputError.single(str(path), "", f"cannot read the workbook: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df.dropna(how="all").fillna("").astype(str).map(str.strip)


def read_table(path: Path, *, sheet: str | None = None, layer: str | None = None,
               geometry: str = "point") -> tuple[pd.DataFrame, bool]:
    """Read a table or a GIS layer; every cell as text for tables.

    Parameters
    ----------
    path : Path
        CSV (UTF-8 or GBK), XLSX, or a GIS layer.
    sheet : str, optional
        Workbook sheet (default: the first).
    layer : str, optional
        Layer of a multi-layer file (GeoPackage).
    geometry : {"point", "polygon"}
        For GIS layers: ``point`` adds ``lon``/``lat`` (a polygon's representative point);
        ``polygon`` keeps the geometry (EPSG:4326) in the ``geometry`` column.

    Returns
    -------
    tuple of (DataFrame, bool)
        The rows, and whether coordinates were already WGS 84 (a GIS layer with a CRS).

    Raises
    ------
    InputError
        If the file is missing, of an unknown kind, unreadable, or a layer without a CRS.
    """
    if not path.exists():
        raise InputError.single(str(path), "", "file not found; check the path")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path), False
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet), False
    if suffix in LAYER_SUFFIXES:
        import geopandas as gpd

        try:
            gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except Exception as exc:
            raise InputError.single(str(path), "", f"cannot read the layer: {exc}") from exc
        if gdf.crs is None:
            raise InputError.single(str(path), "crs", "the layer has no coordinate system; "
                                    "give it one in QGIS (or a .prj file) and try again")
        gdf = gdf[~gdf.geometry.isna()].to_crs("EPSG:4326")
        if geometry == "polygon":
            return pd.DataFrame(gdf), True
        pts = gdf.geometry.representative_point()
        df = pd.DataFrame(gdf.drop(columns="geometry")).astype(object)
        df["lon"], df["lat"] = pts.x.to_numpy(), pts.y.to_numpy()
        return df, True
    raise InputError.single(str(path), "", (
        f"unknown file kind {suffix!r}; give a CSV, an Excel .xlsx, or a GIS layer "
        f"({', '.join(LAYER_SUFFIXES)})"))


def pick_column(df: pd.DataFrame, given: str | None, usual: Sequence[str], file: str,
                what: str, option: str, required: bool = True) -> str | None:
    """The column to use: the one given, else the first usual name present.

    Parameters
    ----------
    df : DataFrame
        The table.
    given : str or None
        The name the user gave (``--name-col 名称``).
    usual : sequence of str
        Names tried in turn when none is given (case-insensitive).
    file : str
        The file, for messages.
    what : str
        What the column holds (``capacity``).
    option : str
        The option that names it (``--capacity-col``).
    required : bool
        Raise when no column is found (else return None).

    Returns
    -------
    str or None

    Raises
    ------
    InputError
        When the given column is missing, or none is found and ``required``.
    """
    cols = [str(c) for c in df.columns]
    have = ", ".join(cols) or "none"
    if given is not None:
        if given in cols:
            return given
        raise InputError.single(file, given, f"no {what} column {given!r} (columns: {have}); "
                                f"give the right name with {option}")
    lower = {c.strip().lower(): c for c in cols}
    for name in usual:
        if name.lower() in lower:
            return lower[name.lower()]
    if required:
        raise InputError.single(file, what, (
            f"no {what} column found (columns: {have}); name it with {option} COLUMN "
            f"(looked for: {', '.join(usual)})"))
    return None
