"""Leaflet's own control texts (zoom, layers, time slider, credit) in the page's language.

Leaflet and its time-slider plugin write their buttons' ``title`` and ``aria-label`` in
English; :func:`control_labels` gives the translations, which
:class:`musterpoint.maps.map_layout.PageLayout` sets once the controls exist. English
pages are left as the libraries write them.
"""

from __future__ import annotations

from typing import Any

from musterpoint.display.i18n import N_, labels, language_code

__all__ = ["CONTROLS", "control_labels"]

#: CSS selector of a control -> its label (English msgid).
CONTROLS: dict[str, str] = {
    ".leaflet-control-zoom-in": N_("Zoom in"),
    ".leaflet-control-zoom-out": N_("Zoom out"),
    ".leaflet-control-layers-toggle": N_("Layers"),
    ".leaflet-control-attribution a[href*='leafletjs']": N_(
        "A JavaScript library for interactive maps"),
    ".leaflet-timeline-control select": N_("List of times"),
    ".leaflet-timeline-control input.time-slider": N_("Time slider"),
    ".leaflet-timeline-control button.prev": N_("Previous step"),
    ".leaflet-timeline-control button.play": N_("Play"),
    ".leaflet-timeline-control button.pause": N_("Pause"),
    ".leaflet-timeline-control button.next": N_("Next step"),
}


def control_labels(lang: Any) -> dict[str, str] | None:
    """Selector -> translated label for a page in ``lang``; None for English (unchanged)."""
    if language_code(lang) == "en":
        return None
    return labels(CONTROLS, lang)
