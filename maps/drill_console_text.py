"""The drill console's labels: English msgids, translated by the catalog.

The console page (``drill_static/console.js``) reads them from a JSON data block that
:func:`musterpoint.maps.drill_console.console_page` writes into the page, one table per
language, so the participant can switch language without a reload.
"""

from __future__ import annotations

from typing import Any

from musterpoint.display.i18n import LANGUAGES, N_, P_, labels, tr

__all__ = ["COMMAND_DESCRIPTIONS", "CONSOLE_LABELS", "console_labels", "described"]

#: Label key (used by ``console.js``) -> English msgid.
CONSOLE_LABELS: dict[str, str] = {
    "start": N_("Start"),
    "pause": N_("Pause"),
    "go": N_("Go"),
    "run_to": N_("Run to"),
    "speed": N_("Speed"),
    "pause_on_inject": N_("pause at injects"),
    "running": N_("running"),
    "paused": N_("paused"),
    "ended": N_("ended"),
    "kpis": N_("Live figures"),
    "injects": N_("Exercise script (MSEL)"),
    "new_inject": N_("Inject on the spot"),
    "decision": N_("Decision of the participants"),
    "observation": N_("Observation"),
    "timeline": N_("Timeline"),
    "report": N_("After-action report"),
    "report_html": N_("HTML"),
    "report_pdf": N_("PDF"),
    "report_note": N_(
        "The report replays the session with and without the decisions; it takes a few "
        "runs of the scenario."),
    "what": N_("What"),
    "title_field": N_("Title (what happened)"),
    "rationale": N_("Rationale"),
    "actor": N_("Who (post or team)"),
    "send_inject": N_("Inject now"),
    "apply_decision": N_("Apply decision"),
    "add_note": N_("Record observation"),
    "section": N_("Section"),
    "role": N_("Role"),
    "trainer": N_("trainer"),
    "participant": N_("participant"),
    "script": N_("script"),
    "expected_action": N_("Expected action"),
    "fire_now": N_("fire now"),
    "fired": N_("fired"),
    "due_at": N_("due"),
    "informational": N_("(informational, no effect)"),
    "args_json": N_("Arguments (JSON)"),
    "links_hint": N_("road ids, comma-separated (click roads on the map)"),
    "zones_hint": N_("zone ids, comma-separated"),
    "branch": N_("Branch at"),
    "branch_go": N_("Branch"),
    "branch_note": N_(
        "A branch is a new session file with this one's records before that time; the "
        "console switches to it. The original is kept."),
    "session": N_("Session"),
    "clock": N_("clock"),
    "inject": N_("inject"),
    "note": N_("observation"),
    "decision_t": N_("decision"),
    "layer_hazard": N_("Hazard"),
    "layer_network": N_("Roads (click to select)"),
    "layer_congestion": N_("Congestion"),
    "layer_closed": N_("Closed roads"),
    "layer_zones": N_("Zones (share arrived)"),
    "layer_shelters": N_("Shelters"),
    "layer_places": N_("Service places"),
    "layer_vehicles": N_("Vehicles"),
    "legend_closed_cmd": N_("closed by a command"),
    "legend_closed_hz": N_("closed by the hazard"),
    "legend_congestion": N_("congestion (occupancy)"),
    "open": N_("open"),
    "closed": P_("shelter", "closed"),
    "occupancy": N_("occupancy"),
    "capacity": N_("capacity"),
    "k_time_s": N_("Simulated time"),
    "k_evacuees": N_("Evacuees"),
    "k_arrived": N_("Arrived"),
    "k_stranded": N_("Stranded"),
    "k_en_route": N_("En route"),
    "k_never_departed": N_("Not yet departed"),
    "k_share_arrived": N_("Share arrived"),
    "k_vehicles_on_road": N_("Vehicles on the road"),
    "k_closed_links": N_("Closed roads (all)"),
    "k_closed_by_command": N_("Roads closed by command"),
    "k_shelter_occupancy": N_("People in shelters"),
    "k_shelter_capacity": N_("Shelter places"),
    "k_shelters_full": N_("Shelters full"),
    "k_zones_ordered": N_("Zones ordered out"),
    "k_exposed_person_h_so_far": N_("Exposure so far (person-hours)"),
    "k_persons_in_hazard_at_home": N_("People at home in the hazard now"),
    "s_observation": P_("section", "Observation"),
    "s_strength": N_("Strength"),
    "s_improvement": N_("Area for improvement"),
    "s_execution": N_("Exercise conduct"),
    "s_plan": N_("Plan adequacy"),
    "s_coordination": N_("Command and coordination"),
    "s_personnel": N_("Responders' actions"),
    "s_equipment": N_("Equipment suitability"),
    "seed": N_("seed"),
    "hmm": N_("h:mm"),
    "zoom_in": N_("Zoom in"),
    "zoom_out": N_("Zoom out"),
    "layers": N_("Layers"),
    "leaflet": N_("A JavaScript library for interactive maps"),
    "k_sheltering_in_place": N_("Sheltering in place"),
    "a_add_m": N_("rise (m)"), "a_capacity": N_("capacity"), "a_factor": N_("factor"),
    "a_links": N_("roads"), "a_max_angle_deg": N_("largest turn (degrees)"),
    "a_max_gap_m": N_("largest gap (m)"), "a_over_h": N_("over (hours)"),
    "a_reason": N_("reason"), "a_road": N_("road name"), "a_shelter": N_("shelter"),
    "a_towards": N_("towards [lon, lat]"), "a_zones": N_("zones"),
    "error": N_("Error"),
    "warnings": N_("Warnings"),
    "no_script": N_("This scenario has no exercise script."),
}


def console_labels() -> dict[str, dict[str, str]]:
    """Language code -> key -> label, for every language with a catalog."""
    return {lang: labels(CONSOLE_LABELS, lang) for lang in LANGUAGES}


#: The engine's command descriptions (``sim``: evacuation/commands.py, buses.py,
#: levels/watcher.py), recognised as msgids when the console's setup is sent.
COMMAND_DESCRIPTIONS: tuple[str, ...] = (
    N_("re-issue a forecast now from the current hazard, late by delay_h hours and off "
       "by bias"),
    N_("closed to entry until reopened"),
    N_("lifts a close_links"),
    N_("flow capacity x factor"),
    N_("order those zones out now"),
    N_("new capacity (persons)"),
    N_("opens now"),
    N_("closes to new arrivals"),
    N_("reverse the opposite lanes of a corridor (its outbound links, or a road heading "
       "towards [lon, lat]) from now to the end, by the rule of a plan contraflow"),
    N_("the water level rises add_m metres above the curve over the next over_h hours "
       "(roads and homes follow)"),
    N_("mobilise buses not yet mobilised (all, or this many): each is ready its "
       "mobilisation delay from now"),
)


def described(commands: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The session's command specs with each description as ``{en, zh}`` (the catalog's
    translation; a description it does not know stays English in both)."""
    return {kind: {**spec, "description": {lang: tr(lang, str(spec.get("description") or ""))
                                           if spec.get("description") else ""
                                           for lang in LANGUAGES}}
            for kind, spec in commands.items()}
