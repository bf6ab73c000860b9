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

__all__ = ["SUFFIXES", "build_from_uploads"]

logger = logging.getLogger(__name__)

#: Suffixes accepted per upload (what the district builder's readers take).
SUFFIXES = {
    "roads": (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".geojson", ".gpkg"),
    "population": (".csv", ".xlsx", ".tif", ".tiff", ".geojson", ".gpkg"),
    "shelters": (".csv", ".xlsx", ".geojson", ".gpkg"),
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


def build_from_uploads(files: Any, uploads: Path, out: Path) -> Path:
    """Build scenario folder ``out`` from uploaded roads, population and shelters.

    Parameters
    ----------
    files : dict
        ``roads`` and ``population`` (required), ``shelters`` (optional): each
        ``{name, base64}``.
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
    folder = uploads / secrets.token_hex(8)
    folder.mkdir(parents=True)
    try:
        roads = _decode("roads", files.get("roads"), folder)
        population = _decode("population", files.get("population"), folder)
        shelters = _decode("shelters", files.get("shelters"), folder)
        missing = [k for k, v in (("roads", roads), ("population", population)) if v is None]
        if missing:
            raise InputError([Problem("upload", k, "give this file") for k in missing])
        spec_data: dict[str, Any] = {"name": out.name, "title_en": out.name,
                                     "roads": {"file": roads},
                                     "population": {"file": population}}
        if shelters is not None:
            spec_data["places"] = [{"kind": "shelter", "file": shelters}]
        try:
            spec = DistrictSpec.model_validate(spec_data)
        except ValidationError as exc:
            raise InputError([Problem("upload", ".".join(map(str, e["loc"])), str(e["msg"]))
                              for e in exc.errors()]) from None
        build(spec, out)
        logger.info("built scenario %s from uploads", out)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)
