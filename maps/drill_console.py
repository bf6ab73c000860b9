"""The drill console page and the data it draws (a Leaflet map, served by the drill server).

The page (``drill_static/console.html``) is static: it holds no scenario text at all. Its
script (``drill_static/console.js``) fetches the set-up data once (:func:`setup_payload`:
network, zones, shelters, extension places, hazard frames, the exercise script, the
command kinds) and then the live state (:func:`state_payload`) every second or so, and
puts every piece of scenario text into the page as text (``textContent``), never as
markup. Leaflet comes from ``maps/vendor`` through the server, so the console works
offline (only the base tiles need the internet).

New extensions appear without changes here: their command kinds come from
:meth:`DrillSession.commands`, their places (depots, sites) from their
router destinations, their vehicles from the run, and their live figures from their
``snapshot()``.
"""

from __future__ import annotations

import html
import json
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely import wkt as shapely_wkt
from shapely.geometry import mapping

from musterpoint.display.i18n import N_, tr
from musterpoint.maps.drill_console_text import console_labels, described
from musterpoint.maps.geometry import round_coords
from musterpoint.maps.offline import VENDOR_DIR
from musterpoint.sim.drill import NOTE_SECTIONS
from musterpoint.sim.world import hazard_frames

if TYPE_CHECKING:
    from musterpoint.sim.drill import DrillSession

__all__ = [
    "OSM_TILES",
    "STATIC_DIR",
    "VENDOR_DIR",
    "console_page",
    "setup_payload",
    "state_payload",
    "static_file",
]

logger = logging.getLogger(__name__)

#: Folder of the console's own HTML, JS and CSS.
STATIC_DIR = Path(__file__).with_name("drill_static")
#: Default base map tiles (the only thing the console needs the internet for).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml"}


def console_page(title: str, lang: str = "en") -> str:
    """The console's HTML page, with the scenario title escaped into ``<title>``.

    Parameters
    ----------
    title : str
        Scenario title (any text; it is escaped).
    lang : str
        ``en`` or ``zh``: the initial language of the labels.

    Returns
    -------
    str
        The page.
    """
    page = (STATIC_DIR / "console.html").read_text(encoding="utf-8")
    # every language's labels, from the catalog, as a JSON data block (not a script: the
    # page's CSP runs only its own script files); "<" escaped so no text can close it
    l10n = json.dumps(console_labels(), ensure_ascii=False).replace("<", "\\u003c")
    return (page.replace("{{L10N}}", l10n).replace("{{DRILL}}", tr(lang, N_("drill")))
            .replace("{{LANG}}", "zh-Hans" if lang.startswith("zh") else "en")
            .replace("{{TITLE}}", html.escape(title, quote=True)))


def static_file(kind: str, rel: str) -> tuple[bytes, str] | None:
    """A file the console page loads: ``static`` (console) or ``vendor`` (Leaflet).

    Parameters
    ----------
    kind : str
        ``static`` or ``vendor``.
    rel : str
        Path below that folder, from the URL.

    Returns
    -------
    tuple of (bytes, str) or None
        Content and content type; None when there is no such file (or the path leaves
        the folder).
    """
    base = {"static": STATIC_DIR, "vendor": VENDOR_DIR}.get(kind)
    if base is None or not rel or "\\" in rel or "\x00" in rel or rel.startswith("/"):
        return None
    root = base.resolve()
    target = (root / rel).resolve()
    if root not in target.parents or not target.is_file():
        return None
    if target.suffix not in _TYPES:
        return None
    return target.read_bytes(), _TYPES[target.suffix]


def _frames(session: DrillSession) -> list[dict[str, Any]]:
    """Hazard frames of the session's world (computed once per world)."""
    key = id(session.world)
    if key not in _FRAMES:
        frames = []
        for t, kind, level, gj in hazard_frames(session.world, session.duration_s):
            frames.append({"time_s": t, "kind": kind,
                           "level_m": level if math.isfinite(level) else None,
                           "geojson": json.loads(gj)})
        _FRAMES.clear()  # one world at a time is plenty
        _FRAMES[key] = (session.world, frames)
    return _FRAMES[key][1]


_FRAMES: dict[int, tuple[object, list[dict[str, Any]]]] = {}


def setup_payload(session: DrillSession) -> dict[str, Any]:
    """What the console needs once: the map's fixed layers and the exercise script.

    Parameters
    ----------
    session : DrillSession
        The drill.

    Returns
    -------
    dict
        ``meta``, ``bounds``, ``links`` (``ids`` and ``coords``), ``zones`` (GeoJSON),
        ``shelters``, ``places`` (extension destinations), ``hazard`` (frames),
        ``injects``, ``commands``, ``note_sections``.
    """
    world, run = session.world, session.run
    net = world.network
    sc = session.loaded.scenario
    links = {"ids": [str(i) for i in net.link_id],
             "coords": [round_coords(net.link_coords(i).tolist(), 6) for i in range(net.n_links)]}
    features = []
    for k, zid in enumerate(world.zones.ids):
        w = world.zones.wkt[k] if k < len(world.zones.wkt) else ""
        if not w:
            continue
        try:
            geom = mapping(shapely_wkt.loads(w))
        except Exception:  # a zone without a drawable outline is left off the map
            logger.warning("zone %s has no readable outline", zid)
            continue
        geom = round_coords(json.loads(json.dumps(geom)), 6)
        features.append({"type": "Feature", "geometry": geom,
                         "properties": {"id": zid,
                                        "evacuees": float(world.zones.evacuees[k])}})
    names_zh = {s.id: s.name_zh for s in sc.shelters}
    shelters = [{"id": d.id, "name": d.name, "name_zh": names_zh.get(d.id), "lon": d.lon,
                 "lat": d.lat, "capacity": d.capacity if math.isfinite(d.capacity) else None}
                for d in world.destinations if d.id in names_zh]
    places = run.service_places()
    injects = [{"id": s.inject.id, "time_s": s.time_s, "title": s.inject.title.model_dump(),
                "description": s.inject.description.model_dump(),
                "expected_action": (s.inject.expected_action.model_dump()
                                    if s.inject.expected_action else None),
                "effect": s.inject.effect.model_dump() if s.inject.effect else None}
               for s in session.script]
    return {
        "meta": {"scenario": sc.name, "title": sc.title.model_dump(),
                 "plan": session.plan.name, "plan_title": session.plan.title.model_dump(),
                 "seed": session.seed, "start": sc.start.isoformat(),
                 "timezone": sc.timezone, "duration_s": session.duration_s,
                 "session": session.path.name, "attribution": list(sc.attribution),
                 "warnings": list(world.warnings) + list(session.warnings)},
        "bounds": list(net.bounds()),
        "links": links,
        "zones": {"type": "FeatureCollection", "features": features},
        "shelters": shelters,
        "places": places,
        "hazard": _frames(session),
        "injects": injects,
        "commands": described(session.commands()),
        "note_sections": list(NOTE_SECTIONS),
        "zone_ids": list(world.zones.ids),
    }


def state_payload(session: DrillSession, since: int = 0) -> dict[str, Any]:
    """The live state: clock, KPIs, the map's changing layers, new records.

    Parameters
    ----------
    session : DrillSession
        The drill.
    since : int
        Send the records after this sequence number (the client's last).

    Returns
    -------
    dict
        ``clock``, ``kpis``, ``snapshot``, ``injects`` (fired or not), ``records``.
    """
    with session._lock:
        return {"clock": session.clock(), "kpis": session.kpis(),
                "snapshot": session.snapshot(), "injects": session.due_injects(),
                "records": [r.to_dict() for r in session.records(since)
                            if not (r.type == "clock" and r.kind == "tick")],
                "warnings": list(session.warnings)}
