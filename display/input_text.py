"""Input errors and warnings in the reader's language.

The layers below the catalog (:mod:`musterpoint.scenarios`, :mod:`musterpoint.sim`) write
their problems in English with the names and figures filled in. Each known reason is listed
here (or in :data:`musterpoint.scenarios.validation_text.SCHEMA_MESSAGES`, the reworded
pydantic errors) as an English msgid whose ``{fields}`` stand for those names and figures;
:func:`problem_text` and :func:`error_text` recognise a reason by its msgid and show its
translation with the same figures, the file and field path kept as written. A reason not
listed stays as it was written. Warnings are translated the same way (:func:`warning_text`,
with the engine's sentences of :mod:`musterpoint.display.engine_text`).
"""

from __future__ import annotations

import re
from typing import Any

from musterpoint.display.engine_text import ENGINE_TEXTS, translate_known
from musterpoint.display.i18n import N_, P_, current_language, tr
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.validation_text import SCHEMA_MESSAGES

__all__ = ["FIELD_TEXTS", "INPUT_TEXTS", "WARNING_TEXTS", "error_text", "problem_text",
           "warning_text"]

#: Reasons of input errors written below the catalog (English msgids, ``{name}`` = a name or
#: a figure as written). Keep each identical to the code's text.
INPUT_TEXTS: tuple[str, ...] = (
    # scenarios/loader.py
    N_("no plan named {name}; this scenario has: {known}"),
    N_("file not found; check the path"),
    N_("is a folder, not a YAML file"),
    N_("is not a regular file; give a YAML file"),
    N_("cannot read the file ({reason})"),
    N_("larger than {n} MiB; a scenario or plan file is a few kilobytes: put data in the "
       "files it names"),
    N_("the file is empty; it must hold a mapping of keys (key: value lines)"),
    N_("not UTF-8 text; save the file as UTF-8"),
    N_("not valid YAML: {reason}"),
    N_("the file must hold a mapping of keys (key: value lines), not a list"),
    N_("the file must hold a mapping of keys (key: value lines), not a single text"),
    N_("the file must hold a mapping of keys (key: value lines), not a single value"),
    N_("file {name} not found (looked in {folder})"),
    N_("{name} is a device or a pipe, not a data file; give the path of a file"),
    N_("plan file {name}: {reason}"),
    N_("plan name {name} is used twice"),
    N_("no plan named {name} among {known}"),
    N_("no such scenario file or bundled scenario (bundled: {known})"),
    # scenarios/_base.py
    N_("{what} ids must be unique; repeated: {ids}"),
    # scenarios/schema.py (validators)
    N_("give exactly one of 'osm', 'layer' or 'nodes' (with 'links')"),
    N_("a CSV network needs 'nodes', 'links' and 'crs'"),
    N_("give at least one (hour, level) point"),
    N_("stage times must be strictly ascending"),
    N_("wind periods must be in strictly ascending time_h"),
    N_("unknown time zone {name}; use an IANA name such as 'America/Sao_Paulo' or "
       "'Asia/Shanghai'"),
    N_("give exactly one of 'population' or 'trips'"),
    N_("curve {name} needs {keys}"),
    N_("a stage names 'zones' or a 'max_elevation_m'"),
    N_("a contraflow names either 'links' or a 'road'"),
    N_("a contraflow on a 'road' needs 'towards: [lon, lat]', the place its outbound traffic "
       "heads for"),
    N_("a control point names 'links' or a 'node'"),
    N_("give [earliest, latest] minutes, earliest first"),
    N_("level {level}: role {role} is not in 'roles' (have {roles})"),
    # sim/kpis/scoring.py
    N_("weights file not found; check the path"),
    # sim/network/read_csv.py
    N_("no coordinate reference system given; state the CRS of the coordinates, for example "
       "'EPSG:4326' for longitude/latitude or the UTM zone"),
    N_("unknown CRS {crs} ({reason}); use a code such as 'EPSG:4326'"),
    N_("{n} of {m} points lie outside the valid area of {crs}{where}, for example ({x}, {y}); "
       "the CRS is probably wrong (metres given as degrees, or x and y swapped) - state the "
       "CRS the coordinates are really in"),
    N_("the {what} file does not exist; check the path (expected columns: {columns})"),
    N_("the {what} file is empty; it needs a header row with {columns}"),
    N_("could not read the {what} file as CSV ({reason})"),
    N_("missing column {name}; the {what} file needs the columns {columns} (found: {found})"),
    N_("the links file has no rows; a network needs links"),
    N_("the nodes file has no rows; a network needs nodes"),
    N_("{rows}: node id not in {file}; add the node or fix the id"),
    N_("{rows}: link starts and ends at the same node"),
    N_("{rows}: empty link id"),
    N_("{rows}: not a number (e.g. {value}); give {unit}"),
    N_("{rows}: {column} is negative ({value}); give {unit}"),
    N_("{rows}: {column} is zero ({value}); give {unit}"),
    N_("{rows}: {column} is below {least} ({value}); give {unit}"),
    N_("{rows}: node ids must be whole numbers (e.g. {value} is not)"),
    N_("{rows}: duplicate {kind} id; every {kind} needs a unique id"),
    N_("a length in metres > 0"),
    N_("a number of lanes >= 1"),
    N_("a free-flow speed in m/s > 0"),
    N_("a capacity of the whole link in PCU per hour > 0"),
    N_("a finite coordinate"),
    # sim/hazards/polygons.py
    N_("the layer is in {crs} but the scenario declares {declared}; declare the layer's CRS "
       "or reproject it"),
    # sim/world.py, sim/evacuation/run.py, sim/demand/facilities.py
    N_("is {d} m from the nearest road of the network (limit max_snap_m = {limit} m); check "
       "lon/lat (lon first) or move it onto the network{note}"),
    N_("is {d} m from the nearest road (limit {limit} m); move it onto the network or check "
       "lon/lat"),
    N_("zone {zone} ({n} zones in all) has no open route to any shelter at the start (its "
       "roads are closed at hour 0 by hazard.closures, or no shelter is reachable); add a "
       "reachable shelter or change the closures"),
    # reports/plan_doc/run_checks.py (muster plan-doc --run)
    N_("has no {name}; give a folder written by muster run"),
    N_("cannot be read ({reason}); run muster run again"),
    N_("is not a JSON object; run muster run again"),
    N_("is not a folder; give a folder written by muster run"),
    N_("the run is of scenario {value}, not {want}; {reason}"),
    N_("the run is of plan {value}, not {want}; {reason}"),
    N_("has no agents.parquet; {reason}"),
    N_("run muster run {scenario} --plan {plan} --out DIR and give that DIR to --run"),
    # app/district (muster new)
    N_("{d} m from the nearest road: outside the road network's area; fix the coordinates "
       "(lon first), remove the row, or enlarge the area"),
    N_("the extract has no residential building to place people in; give a population file"),
    N_("cannot read the raster: {reason}"),
    N_("the raster has no coordinate system; give it one (gdal_edit.py -a_srs EPSG:4326 or "
       "the raster's projection) and try again"),
    N_("{n} rows have no number of persons >= 0 (first: {value}); give a number"),
    N_("{n} rows have no numeric coordinates"),
    N_("nobody lives inside the area (the clip is empty); check that the population file "
       "covers the district and its CRS"),
    N_("zone name {name} is empty; give every polygon its own name"),
    N_("zone name {name} is used twice; give every polygon its own name"),
    N_("no rows; the {kind} file needs one row per place"),
    N_("the name is empty; give every place a name"),
    N_("{value} is not a number; give decimal degrees (or metres in the declared CRS)"),
    N_("{value} is not a number of persons; give a whole number >= 0"),
    N_("{value} is not a distance in metres >= 0"),
    N_("{name} is used again (first in row {row}); make the names unique or give an id "
       "column with --id-col"),
    N_("no usable rows for {option}"),
    N_("({x}, {y}) is not longitude/latitude in degrees; these look like projected metres: "
       "declare the file's CRS (--crs EPSG:4547 for CGCS2000 Gauss-Kruger CM 114E, for "
       "example)"),
    N_("cannot read the area layer: {reason}"),
    N_("the area layer has no coordinate system; give it one (a .prj file) and try again"),
    N_("the area layer has no polygon"),
    N_("no road of the extract lies inside the area (the clip is empty); check that the area "
       "and the extract cover the same place, and the area's CRS"),
    N_("the line layer has no coordinate system; give it with --roads-crs"),
    N_("no line of the layer lies inside the area (the clip is empty); check the area and "
       "its CRS"),
    N_("file not found; a CSV network is nodes.csv (id,x,y) and links.csv beside it"),
    N_("a CSV network needs the CRS of its x/y columns, e.g. EPSG:4326"),
    N_("unknown road file kind; give an OSM extract (.osm.pbf, .osm, .osm.gz), a line layer "
       "(.geojson, .gpkg, .shp) or a CSV network (nodes.csv + links.csv)"),
    N_("cannot read the CSV: {reason}"),
    N_("the CSV is neither UTF-8 nor GBK text ({reason}); save it as UTF-8 CSV"),
    N_("{reason}; name an existing sheet"),
    N_("cannot read the workbook: {reason}"),
    N_("cannot read the layer: {reason}"),
    N_("the layer has no coordinate system; give it one in QGIS (or a .prj file) and try "
       "again"),
    N_("unknown file kind {suffix}; give a CSV, an Excel .xlsx, or a GIS layer ({kinds})"),
    N_("the folder exists; choose a new one or give --force to replace it"),
    N_("no {what} column {name} (columns: {have}); give the right name with {option}"),
    N_("no {what} column found (columns: {have}); name it with {option} COLUMN (looked for: "
       "{usual})"),
    N_("the coordinates are not degrees (up to {x}, {y}): they look like projected metres "
       "read as {declared}; declare the file's CRS (for example EPSG:4547, CGCS2000 / "
       "3-degree Gauss-Kruger CM 114E, or the UTM zone)"),
    N_("the points lie outside the road network's area, but fit it with longitude and "
       "latitude swapped; check which column is longitude (lon, x, 经度) and which is "
       "latitude (lat, y, 纬度)"),
    N_("{share}% of the points lie outside the road network's area (lon {lon}, lat {lat}); "
       "check the file's coordinate system and that it covers the same district"),
    N_("the points are a median {d} m from the nearest road, but {fixed} m once read as "
       "{name} (web-map coordinates, {maps}); declare the file's CRS as {name2} (--crs "
       "{name3}) instead of {declared}"),
    *SCHEMA_MESSAGES.values(),
)

#: Warnings (implausible but legal input) written below the catalog, besides
#: :data:`musterpoint.display.engine_text.ENGINE_TEXTS`.
WARNING_TEXTS: tuple[str, ...] = (
    # scenarios/loader.py (logged)
    N_("{file}: {field} reads {path}, outside the scenario's folder"),
)

#: Field paths that are words rather than names (a YAML syntax error's position).
FIELD_TEXTS: tuple[str, ...] = (N_("line {line}, column {column}"), N_("row {row}: {column}"),
                                N_("row {row}"), N_("feature {n}: {column}"))

#: Fields of a reason that hold a reason (or a phrase of this table) themselves.
_NESTED = frozenset({"reason", "unit"})

#: One row of a CSV file as the network reader names it: ``line 4 (link 'L3')``.
_ROW = re.compile(r"line (\d+) \((link|node) ('(?:[^'\\]|\\.)*'|\"[^\"]*\")\)")
_ROW_KINDS = {"link": N_("link"), "node": N_("node")}
_MORE = re.compile(r" and (\d+) more$")


def _rows_text(lang: Any, text: str) -> str:
    """``line 4 (link 'L3'), line 9 (link 'L8') and 2 more`` in language ``lang``."""
    more = _MORE.search(text)
    head = text[:more.start()] if more else text
    rows = _ROW.findall(head)
    if not rows or ", ".join(f"line {a} ({b} {c})" for a, b, c in rows) != head:
        return text  # not a list of rows: as written
    shown = tr(lang, P_("list of names", ", ")).join(
        tr(lang, N_("line {line} ({kind} {id})")).format(line=a, kind=tr(lang, _ROW_KINDS[b]),
                                                         id=c) for a, b, c in rows)
    if not more:
        return shown
    return tr(lang, N_("{shown} and {rest} more rows")).format(shown=shown, rest=more.group(1))


def problem_text(problem: Problem, lang: Any = None) -> str:
    """One problem as ``file: field: reason`` in language ``lang`` (default: the context's).

    The file and the field path are shown as written (they name what the user typed).
    """
    lang = current_language() if lang is None else lang
    reason = translate_known(lang, problem.reason, INPUT_TEXTS, _NESTED,
                             {"rows": lambda text: _rows_text(lang, text)})
    if not problem.field:
        return tr(lang, N_("{file}: {reason}")).format(file=problem.file, reason=reason)
    field = (tr(lang, N_("(the whole file)")) if problem.field == "(file)"
             else translate_known(lang, problem.field, FIELD_TEXTS))
    return tr(lang, N_("{file}: {field}: {reason}")).format(file=problem.file, field=field,
                                                            reason=reason)


def error_text(exc: BaseException, lang: Any = None) -> str:
    """The message of an error (every problem of an :class:`InputError`, one a line)."""
    lang = current_language() if lang is None else lang
    if isinstance(exc, InputError):
        return "\n".join(problem_text(p, lang) for p in exc.problems)
    return translate_known(lang, str(exc), INPUT_TEXTS + WARNING_TEXTS + ENGINE_TEXTS,
                           _NESTED)


def warning_text(text: str, lang: Any = None) -> str:
    """A warning of the engine or the loader in language ``lang`` (default: the context's)."""
    lang = current_language() if lang is None else lang
    return translate_known(lang, text, WARNING_TEXTS + ENGINE_TEXTS)
