"""The engine's notes and warnings in the reader's language.

The engine (:mod:`musterpoint.sim`) sits below the catalog and writes its notes (how the
road network was read) and warnings in English, with figures and names filled in. Each
known sentence is listed here as a msgid whose ``{fields}`` stand for those figures;
:func:`translate_engine_text` recognises a sentence by its msgid and returns the
translation with the same figures. A sentence not listed stays as the engine wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from musterpoint.display.i18n import N_, language_code, tr

__all__ = ["ENGINE_TEXTS", "translate_engine_text", "translate_known"]

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
    # sim/world.py
    N_("{file}: {n} populated places are more than {m} m from the road network; their "
       "people start at the nearest road node"),
    N_("{file}: persons: a trip carries {n} persons in one vehicle (more than {m}); check "
       "the column"),
    N_("{file}: shelter {name} stands at {height} m, below the flood's peak level {peak} m: "
       "it will be under water"),
    N_("{file}: shelter {name} has capacity 0; nobody can stay there"),
    N_("{file}: shelters hold {n} persons but {m} are ordered out; some will find every "
       "shelter full"),
    N_("{file}: {n} residents in {m} places have every road out inside the hazard at the "
       "start; unless a road reopens they shelter in place (status sheltering_in_place: they "
       "need rescue)"),
    N_("{file}: hazard.flood.elevation: the raster covers only {share} of the network's "
       "nodes ({area}); roads outside it never flood"),
    # sim/drill/session.py, state.py
    N_("the scenario file {path} changed since the session was created; the replay may "
       "differ from the drill"),
    N_("the plan file of {name} changed since the session was created; the replay may "
       "differ from the drill"),
    N_("the session was recorded with musterpoint {old}, this is {new}; the replay may "
       "differ"),
    N_("inject {name}: its effect could not be applied ({reason}); recorded as "
       "informational"),
    N_("inject {name} not applied in the replay: {reason}"),
)


@cache
def _patterns(msgids: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for msgid in msgids:
        parts = re.split(r"\{(\w+)\}", msgid)
        seen: set[str] = set()
        regex = ""
        for i, part in enumerate(parts):
            if i % 2 == 0:
                regex += re.escape(part)
            elif part in seen:  # the same figure twice: the same text twice
                regex += f"(?P={part})"
            else:  # a field right before another field ({crs}{where}) is one word
                seen.add(part)
                glued = i + 2 < len(parts) and parts[i + 1] == ""
                regex += f"(?P<{part}>\\S+)" if glued else f"(?P<{part}>.*?)"
        out.append((re.compile(f"^{regex}$", re.DOTALL), msgid))
    return tuple(out)


def translate_known(lang: Any, text: str, msgids: tuple[str, ...],
                    nested: frozenset[str] = frozenset(),
                    converters: Mapping[str, Callable[[str], str]] | None = None) -> str:
    """``text`` in language ``lang`` when it is one of ``msgids`` with its ``{fields}``
    filled in (the figures are kept); else ``text`` unchanged.

    Parameters
    ----------
    lang : str
        The language (see :func:`musterpoint.display.i18n.language_code`).
    text : str
        An English sentence written by a layer below the catalog.
    msgids : tuple of str
        The sentences it may be, first match wins.
    nested : frozenset of str
        Fields that hold a sentence of the same kind themselves (``{reason}``), translated
        the same way.
    converters : mapping, optional
        Field -> a function that translates that field's text (a list of rows, say).
    """
    if language_code(lang) == "en":
        return text
    for pattern, msgid in _patterns(msgids):
        match = pattern.match(text)
        if match:
            convert = converters or {}
            fields = {k: convert[k](v) if k in convert else
                      translate_known(lang, v, msgids, nested, converters) if k in nested
                      else v for k, v in match.groupdict().items()}
            return tr(lang, msgid).format(**fields)
    return text


def translate_engine_text(lang: Any, text: str) -> str:
    """``text`` (an engine note or warning) in language ``lang``, figures kept."""
    return translate_known(lang, text, ENGINE_TEXTS)
