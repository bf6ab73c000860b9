"""The engine's notes and warnings in the reader's language.

The engine (:mod:`musterpoint.sim`) sits below the catalog and writes its notes (how the
road network was read) and warnings in English, with figures and names filled in. Each
known sentence is listed here as a msgid whose ``{fields}`` stand for those figures;
:func:`translate_engine_text` recognises a sentence by its msgid and returns the
translation with the same figures. A sentence not listed stays as the engine wrote it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from musterpoint.display.i18n import N_, language_code, tr

__all__ = ["ENGINE_TEXTS", "translate_engine_text"]

#: The engine's sentences (English msgids; ``{name}`` = a figure or a name).
ENGINE_TEXTS: tuple[str, ...] = (
    # sim/network/read_csv.py
    N_("coordinates reprojected from {crs} to EPSG:4326"),
    N_("length_m is less than half the straight-line distance between the nodes on most "
       "links; check the CRS ({crs}) and that length_m is in metres"),
    # sim/network/read_layer.py
    N_("{n} features read, {k} road lines kept"),
    N_("{n} features without geometry skipped"),
    N_("{n} lines of non-drivable classes (footway, ...) dropped"),
    N_("default speed used on {n} lines, default lanes on {k}"),
    N_("layer has no CRS; assumed {crs}"),
    N_("{n} links shorter than {m} m were set to that length"),
    # sim/network/read_osm.py
    N_("{n} highway ways read, {k} drivable ways kept"),
    N_("ways dropped: {list}"),
    N_("default speed of the road class used on {n} of {k} ways"),
    N_("default lanes of the road class used on {n} of {k} ways"),
    N_("maxspeed values without a number (class default used): {list}"),
    N_("{n} way nodes missing from the extract; ways cut there"),
    # sim/kpis/statistics.py (replications)
    N_("{kpi} ({plan}): half-width {hw} > {target}; needs about {n} replications"),
    N_("{n} replication gives no interval and no estimate of the spread; run at least 2 (10 "
       "or more is usual)"),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for msgid in ENGINE_TEXTS:
        parts = re.split(r"\{(\w+)\}", msgid)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        out.append((re.compile(f"^{regex}$", re.DOTALL), msgid))
    return tuple(out)


def translate_engine_text(lang: Any, text: str) -> str:
    """``text`` (an engine note or warning) in language ``lang``, figures kept."""
    if language_code(lang) == "en":
        return text
    for pattern, msgid in _patterns():
        match = pattern.match(text)
        if match:
            return tr(lang, msgid).format(**match.groupdict())
    return text
