"""A scenario from uploaded files: decode, keep inside the workspace, build, clean up.

Uploads arrive as JSON (``{name, base64}``, so the CSRF rules of every state-changing
request hold for them too), bounded by the server's body limit. Each is written under a
fresh private folder of the workspace with a plain name of its own (the uploaded name
only gives the suffix, which must be one the project's readers take); the folder is
removed once :func:`musterpoint.district.build.build` has read them.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import shutil
from pathlib import Path
from typing import Any

from musterpoint.scenarios.errors import InputError, Problem

__all__ = ["CRS_CHOICES", "OPTION_FIELDS", "SUFFIXES", "build_from_uploads", "spec_parts"]

logger = logging.getLogger(__name__)

#: Suffixes accepted per upload (what the district builder's readers take).
SUFFIXES = {
    "roads": (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".geojson", ".gpkg"),
    "population": (".csv", ".xlsx", ".tif", ".tiff", ".geojson", ".gpkg"),
    "shelters": (".csv", ".xlsx", ".geojson", ".gpkg"),
    "zones": (".geojson", ".gpkg"),
}
#: Coordinate systems a table may be declared in (the form's choices): WGS 84, the
#: Chinese web-map systems and CGCS2000 (see :mod:`musterpoint.district.coords`).
CRS_CHOICES = ("EPSG:4326", "GCJ-02", "BD-09", "EPSG:4490")
#: The create form's options -> (part of the builder's spec, its field there).
OPTION_FIELDS: dict[str, tuple[str, str]] = {
    "zones_kind": ("zones", "kind"), "cell_m": ("zones", "cell_m"),
    "zone_name_col": ("zones", "name_col"),
    "population_kind": ("population", "kind"), "population_col": ("population", "column"),
    "population_total": ("population", "total"), "crs": ("both", "crs"),
    "name_col": ("places", "name_col"), "id_col": ("places", "id_col"),
    "capacity_col": ("places", "capacity_col"), "lon_col": ("places", "lon_col"),
    "lat_col": ("places", "lat_col"), "sheet": ("places", "sheet"),
}


def _suffix(kind: str, name: str) -> str:
    low = name.lower()
    for s in sorted(SUFFIXES[kind], key=len, reverse=True):
        if low.endswith(s):
            return s
    raise InputError.single("upload", kind, f"{name!r}: give a file ending in "
                            f"{', '.join(SUFFIXES[kind])}")


def _decode(kind: str, item: Any, folder: Path) -> Path | None:
    if item is None:
        return None
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
            or not isinstance(item.get("base64"), str):
        raise InputError.single("upload", kind, "give {name, base64}")
    suffix = _suffix(kind, item["name"])
    try:
        data = base64.b64decode(item["base64"], validate=True)
    except (binascii.Error, ValueError):
        raise InputError.single("upload", kind, "the file's content is not base64") from None
    path = folder / f"{kind}{suffix}"
    path.write_bytes(data)
    return path


def spec_parts(options: Any, lang: str) -> dict[str, dict[str, Any]]:
    """The builder's settings chosen in the create form, by part of its spec.

    Parameters
    ----------
    options : dict or None
        Keys of :data:`OPTION_FIELDS`; blank values mean the builder's default.
    lang : str
        Language of the problems.

    Returns
    -------
    dict
        ``zones``, ``population`` and ``places`` (each a mapping of spec fields).

    Raises
    ------
    InputError
        For an unknown option or a coordinate system not in :data:`CRS_CHOICES`.
    """
    from musterpoint.display.i18n import tr
    from musterpoint.studio.validation import ERROR_TEXTS

    parts: dict[str, dict[str, Any]] = {"zones": {}, "population": {}, "places": {}}
    if options is None:
        return parts
    if not isinstance(options, dict):
        raise InputError.single("upload", "options", tr(lang, ERROR_TEXTS["dict_type"]))
    for key, value in options.items():
        if key not in OPTION_FIELDS:
            raise InputError.single("upload", key, tr(lang, ERROR_TEXTS["extra_forbidden"]))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        part, name = OPTION_FIELDS[key]
        if key == "crs" and value not in CRS_CHOICES:
            raise InputError.single("upload", "crs", tr(lang, ERROR_TEXTS["literal_error"])
                                    .format(expected=", ".join(CRS_CHOICES)))
        for target in ("population", "places") if part == "both" else (part,):
            parts[target][name] = value.strip() if isinstance(value, str) else value
    return parts


def _spec_problems(exc: Any, lang: str) -> InputError:
    from musterpoint.scenarios.loader import _loc as field_path
    from musterpoint.studio.validation import problem_text

    problems = []
    for err in exc.errors():
        reason, detail = problem_text(err, lang)
        problems.append(Problem("upload", field_path(err["loc"]),
                                f"{reason} ({detail})" if detail else reason))
    return InputError(problems)


def build_from_uploads(files: Any, uploads: Path, out: Path, options: Any = None,
                       lang: str = "en") -> Path:
    """Build scenario folder ``out`` from uploaded roads, population and shelters.

    Parameters
    ----------
    files : dict
        ``roads`` and ``population`` (required), ``shelters`` and ``zones`` (optional;
        ``zones``: administrative areas, for zones by polygons): each ``{name, base64}``.
    options : dict, optional
        The builder's settings from the create form (:func:`spec_parts`).
    lang : str
        Language of the problems found in the settings.
    uploads : Path
        The workspace's upload folder (a private folder is made inside it).
    out : Path
        The new scenario folder (must not exist).

    Returns
    -------
    Path
        ``out``, written.

    Raises
    ------
    InputError
        For a missing or unreadable file (named by field), or what the builder refuses.
    """
    from pydantic import ValidationError

    from musterpoint.district.build import build
    from musterpoint.district.spec import DistrictSpec

    if not isinstance(files, dict):
        raise InputError.single("upload", "files", "give roads, population and shelters")
    parts = spec_parts(options, lang)
    folder = uploads / secrets.token_hex(8)
    folder.mkdir(parents=True)
    try:
        roads = _decode("roads", files.get("roads"), folder)
        population = _decode("population", files.get("population"), folder)
        shelters = _decode("shelters", files.get("shelters"), folder)
        zones = _decode("zones", files.get("zones"), folder)
        missing = [k for k, v in (("roads", roads), ("population", population)) if v is None]
        if missing:
            raise InputError([Problem("upload", k, "give this file") for k in missing])
        spec_data: dict[str, Any] = {
            "name": out.name, "title_en": out.name, "roads": {"file": roads},
            "population": {"file": population, **parts["population"]},
            "zones": {**parts["zones"], **({"file": zones} if zones is not None else {})}}
        if shelters is not None:
            spec_data["places"] = [{"kind": "shelter", "file": shelters, **parts["places"]}]
        try:
            spec = DistrictSpec.model_validate(spec_data)
        except ValidationError as exc:
            raise _spec_problems(exc, lang) from None
        build(spec, out)
        logger.info("built scenario %s from uploads", out)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)
