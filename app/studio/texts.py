"""Every text the studio's page shows, as msgids of the project's gettext catalog.

The English text is the msgid; its Chinese is in ``display/locale/zh/LC_MESSAGES/
musterpoint.po`` (``python tools/i18n_catalog.py update``, translate, ``compile``). The
page gets both languages at once (:func:`texts_json`), each read from the catalog, and
switches without reloading; the choice is remembered by the browser. Scenario data
(names, titles) is shown as given, in the language the scenario gives it.
"""

from __future__ import annotations

import json

from musterpoint.display.i18n import N_, labels

__all__ = ["LANGUAGE_NAMES", "TEXTS", "texts_json", "texts_of"]

#: The language switch shows the name of the other language, in that language.
LANGUAGE_NAMES = {"en": "中文", "zh": "English"}

#: key -> msgid (English; translated by the catalog).
TEXTS: dict[str, str] = {
    "app_title": N_("musterpoint studio"),
    "scenario": N_("Scenario"),
    "open": N_("Open"),
    "plan": N_("Plan"),
    "seed": N_("Seed"),
    "run": N_("Run"),
    "cancel": N_("Cancel"),
    "save": N_("Save"),
    "saved": N_("Saved"),
    "unchanged": N_("No changes to save"),
    "history": N_("Saved versions"),
    "loading": N_("Loading…"),
    "ready": N_("Ready"),
    "tool": N_("Tool"),
    "tool_select": N_("Select"),
    "tool_area": N_("Draw evacuation area"),
    "tool_shelter": N_("Add shelter"),
    "tool_close": N_("Close a road"),
    "tool_zone": N_("Set zone order"),
    "tool_hazard": N_("Draw hazard extent"),
    "hazard_extents": N_("Drawn hazard extents, from (h:mm)"),
    "hazard_from": N_("Hazard extent from (h:mm)"),
    "plume": N_("Chemical release (plume)"),
    "release": N_("Release (g/s)"),
    "danger_threshold": N_("Danger threshold (mg/m³)"),
    "wind": N_("Wind (h, m/s, from °, stability)"),
    "area_hint": N_("Click to add corners; click the first corner to finish."),
    "area_set": N_("Evacuation area set"),
    "area_clear": N_("Clear area"),
    "shelters": N_("Shelters"),
    "shelter_id": N_("Id"),
    "shelter_name": N_("Name"),
    "capacity": N_("Capacity (persons)"),
    "remove": N_("Remove"),
    "closures": N_("Road closures"),
    "close_at": N_("Closed from (h:mm)"),
    "close_road": N_("Close this road"),
    "add_contraflow": N_("Contraflow on it (plan)"),
    "add_control_point": N_("Add a control point (plan)"),
    "capacity_factor": N_("Control point: capacity × (above 0, up to 5)"),
    "factor_range": N_("give a number above 0 and up to 5"),
    "unnamed_road": N_("unnamed road"),
    "no_road_here": N_("No road within 60 m of the click."),
    "zones": N_("Zones"),
    "zone": N_("Zone"),
    "order_h": N_("Ordered out at (h)"),
    "zone_shelter": N_("Its shelter (plan)"),
    "first_order": N_("First order"),
    "plan_order_h": N_("Order time of other zones (h)"),
    "sigma": N_("Departure spread σ (min)"),
    "shelter_choice": N_("Shelter choice"),
    "buses": N_("Bus evacuation"),
    "bus_count": N_("Buses at the depot"),
    "bus_depot": N_("Bus depot"),
    "bus_ready_from": N_("Ready after, earliest (min)"),
    "bus_ready_to": N_("Ready after, latest (min)"),
    "no_buses": N_("No buses in this plan."),
    "buses_remove": N_("No buses"),
    "tool_depot": N_("Place the depot"),
    "tool_pickup": N_("Add a pick-up point"),
    "depot_hint": N_("Click the map where the buses start."),
    "pickup_hint": N_("Click the map to add pick-up points."),
    "by_bus": N_("Taken to safety by bus"),
    "bus_seats": N_("Seats per bus"),
    "bus_pickups": N_("Pick-up points"),
    "standards": N_("Standards"),
    "standard": N_("Standard"),
    "threshold": N_("Threshold"),
    "met": N_("met"),
    "missed": N_("missed"),
    "problems": N_("Problems"),
    "no_problems": N_("No problems"),
    "progress_world": N_("Preparing the network and population"),
    "progress_simulate": N_("Simulating"),
    "progress_bound": N_("Computing the flow bound"),
    "progress_suggest": N_("Testing suggested changes"),
    "progress_tables": N_("Writing the tables"),
    "progress_map": N_("Drawing the map"),
    "progress_report": N_("Writing the report"),
    "progress_pdf": N_("Printing the PDF"),
    "progress_gis": N_("Writing the GIS layers"),
    "progress_catalog": N_("Recording the run"),
    "progress_compare": N_("Running replications"),
    "progress_start": N_("Starting"),
    "state_done": N_("Finished"),
    "state_failed": N_("Failed"),
    "state_cancelled": N_("Cancelled"),
    "result": N_("Result"),
    "clearance": N_("Clearance time"),
    "ete50": N_("50 % at a shelter"),
    "ete90": N_("90 % at a shelter"),
    "ete100": N_("All at a shelter"),
    "not_reached": N_("not reached"),
    "after_order": N_("after the first order"),
    "evacuees": N_("Evacuees"),
    "arrived": N_("At a shelter"),
    "stranded": N_("Stranded"),
    "en_route": N_("Still on the road"),
    "never_departed": N_("Never left home"),
    "sheltering_in_place": N_("Sheltering in place"),
    "ledger": N_("Ledger (persons)"),
    "balanced": N_("balanced"),
    "unbalanced": N_("NOT balanced"),
    "by_zone": N_("By zone"),
    "bound": N_("Flow bound (best any plan could do)"),
    "limited_by": N_("Limited by"),
    "bottlenecks": N_("Bottleneck streets"),
    "none": N_("none"),
    "occupancy": N_("At the end (persons)"),
    "redirects": N_("Vehicles sent on from a full shelter"),
    "redirected_to": N_("Redirected here"),
    "redirected_away": N_("Turned away (full)"),
    "closure_traffic": N_("Vehicles entering closed roads"),
    "before": N_("before"),
    "after": N_("after"),
    "map": N_("Map"),
    "report": N_("Report"),
    "download": N_("Download"),
    "compare": N_("Compare"),
    "compare_plans": N_("Plans to compare"),
    "replications": N_("Replications"),
    "ranking": N_("Ranking"),
    "score": N_("Score"),
    "interval": N_("Interval"),
    "difference_map": N_("Difference map"),
    "new_scenario": N_("New scenario from files"),
    "name": N_("Name"),
    "roads_file": N_("Roads (OSM extract)"),
    "population_file": N_("Population table"),
    "shelters_file": N_("Shelters table (CSV/XLSX)"),
    "create": N_("Create"),
    "hours": N_("h"),
    "minutes": N_("min"),
    "persons": N_("persons"),
    "vehicles": N_("vehicles"),
    "time_zone": N_("Times in"),
    "start_time": N_("Start"),
    "duration": N_("Duration"),
    "population": N_("Population"),
    "elevation": N_("Lowest ground (m)"),
    "hazard": N_("Hazard"),
    "flood_stage": N_("Flood stage (h, m)"),
    "error": N_("Error"),
}


def texts_of(lang: str) -> dict[str, str]:
    """The page's texts in one language (``en`` or ``zh``), from the catalog."""
    code = "zh" if lang.startswith("zh") else "en"
    return {**labels(TEXTS, code), "lang_switch": LANGUAGE_NAMES[code]}


def texts_json(lang: str | None = None) -> str:
    """The texts as a JSON object ``{"en": {...}, "zh": {...}}`` (or one language),
    safe to put inside a ``<script type="application/json">`` block."""
    data = ({code: texts_of(code) for code in LANGUAGE_NAMES} if lang is None
            else texts_of(lang))
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")
