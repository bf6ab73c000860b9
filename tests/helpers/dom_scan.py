"""Scan a page's DOM for English words: what a Chinese page may still show in English.

Every text node outside ``<script>``/``<style>`` and the ``title``, ``alt``,
``placeholder`` and ``aria-label`` attributes are read in the browser; ASCII words of two
letters or more are English unless they are on :data:`ALLOWED` (proper names, ids, units
and formats) or the page's own ids (scenario, plan, zone, shelter, link names) given by
the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["ALLOWED", "english_words", "page_texts"]

#: Words allowed on a Chinese page: units and formats, product and data names, ids.
ALLOWED = frozenset({
    # units, formats and abbreviations used as such in Chinese technical text
    "km", "m", "s", "h", "min", "vph", "pdf", "PDF", "html", "json", "csv", "parquet",
    "gpkg", "geo", "EPSG", "GIS", "UTC", "ETE", "KPI", "ICU", "SEIRV", "R0", "ODE", "p95",
    "p90", "HSEEP", "Gini",
    # names of the software and its libraries, map credits and data sources
    "musterpoint", "muster", "Leaflet", "OpenStreetMap", "OSM", "contributors", "Ipea",
    "HSY", "SRTM", "mosstool", "Esri", "CARTO", "folium", "JavaScript",
    # the language selector names each language in itself
    "English",
})

#: File names (``agents.parquet``, ``kpis.json``): ids, not English.
_FILE = re.compile(r"[\w.-]+\.(?:parquet|json|csv|gpkg|html|pdf|yaml|sqlite|osm\.pbf|pbf|tif)\b")
#: KPI paths (``evacuation.ete50_s``) and commands (``muster run``): ids, not English.
_IDS = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b|\bmuster [a-z-]+")
#: Abbreviations with a number: ETE50, ETE90, ETE100, R0.
_NUMBERED = re.compile(r"^(?:ETE|R|p)\d+$")

_SCRIPT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const tag = n.parentElement ? n.parentElement.tagName.toUpperCase() : '';
    if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'NOSCRIPT') continue;
    const t = n.textContent.trim();
    if (t) out.push(t);
  }
  for (const el of document.querySelectorAll('[title],[alt],[placeholder],[aria-label]')) {
    for (const a of ['title', 'alt', 'placeholder', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  }
  return out;
}"""


def page_texts(page: Any) -> list[str]:
    """Every visible-text string and labelling attribute of a Playwright page."""
    return list(page.evaluate(_SCRIPT))


def english_words(texts: Iterable[str], names: Iterable[str] = (),
                  ids: Iterable[str] = ()) -> dict[str, str]:
    """English word -> the first text it was seen in, for words not allowed.

    ``names``: the page's proper names (scenario, plan, zone, shelter, street names, time
    zone); their words are allowed anywhere. ``ids``: whole texts that are ids (the
    engine's reason codes shown as a cell's tooltip); only a text equal to one is skipped.
    """
    allowed = ALLOWED | {w for a in names for w in re.findall(r"[A-Za-z0-9]+", a)}
    whole = set(ids)
    found: dict[str, str] = {}
    for text in texts:
        if text in whole:
            continue
        text = _IDS.sub("", _FILE.sub("", text))
        for word in re.findall(r"[A-Za-z][A-Za-z0-9]+", text):
            if not (word in allowed or word.lower() in allowed or _NUMBERED.match(word)):
                found.setdefault(word, text[:120])
    return found
