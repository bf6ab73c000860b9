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

from typing import Any

from musterpoint.display.engine_text import ENGINE_TEXTS, translate_known
from musterpoint.display.i18n import N_, current_language, tr
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
    *SCHEMA_MESSAGES.values(),
)

#: Warnings (implausible but legal input) written below the catalog, besides
#: :data:`musterpoint.display.engine_text.ENGINE_TEXTS`.
WARNING_TEXTS: tuple[str, ...] = (
    # scenarios/loader.py (logged)
    N_("{file}: {field} reads {path}, outside the scenario's folder"),
)

#: Field paths that are words rather than names (a YAML syntax error's position).
FIELD_TEXTS: tuple[str, ...] = (N_("line {line}, column {column}"),)

#: Fields of a reason that hold a reason themselves.
_NESTED = frozenset({"reason"})


def problem_text(problem: Problem, lang: Any = None) -> str:
    """One problem as ``file: field: reason`` in language ``lang`` (default: the context's).

    The file and the field path are shown as written (they name what the user typed).
    """
    lang = current_language() if lang is None else lang
    reason = translate_known(lang, problem.reason, INPUT_TEXTS, _NESTED)
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
