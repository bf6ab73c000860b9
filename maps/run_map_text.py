"""Labels of the run map, in English and Simplified Chinese."""

from __future__ import annotations

from musterpoint.display.i18n import N_, P_, bilingual

__all__ = ["REASONS", "REASON_PREFIXES", "TEXT"]

#: Label key -> (English, Simplified Chinese).
TEXT: dict[str, tuple[str, str]] = bilingual({
    "flood": N_("Flooded area (time slider)"),
    "plume": N_("Danger zone: chemical plume (time slider)"),
    "bottleneck": N_("Bottleneck links that set the network's limit"),
    "hazard": N_("Hazard area: {kind} (time slider)"),
    "links": N_("Congestion over time (link occupancy, time slider)"),
    "links_filtered": N_(
        "Congestion over time (roads ≥30 % full or closed)"),
    "zones": N_("Zones: share evacuated at end"),
    "shelters": N_("Shelters"),
    "zone": N_("Zone"),
    "population": N_("Population"),
    "evacuees": N_("Evacuees"),
    "arrived": N_("Arrived"),
    "order": N_("Order time"),
    "not_reached": N_("not reached"),
    "name": N_("Name"),
    "link": N_("Link"),
    "peak": N_("peak"),
    "flood_level": N_("Flood level"),
    "capacity": N_("Capacity"),
    "occupancy_end": N_("Occupancy at end"),
    "full": N_("{p} full"),
    "free": N_("free (<30%)"),
    "busy": N_("busy (30–70%)"),
    "jammed": N_("jammed (≥70%)"),
    "closed": N_("closed"),
    "congestion": N_("Road occupancy"),
    "colon": N_(": "),
    "paren": N_(" ({x})"),
    "paren_open": N_(" ("),
    "paren_close": N_(")"),
    "semicolon": N_("; "),
    "share": N_("Share evacuated"),
    "data": N_("Data"),
    "order_ref": N_("first order"),
    "roads": N_("Roads (from the network)"),
    "flood_area": N_("Flooded area"),
    "plume_area": N_("Danger zone (plume)"),
    "shelter": N_("Shelter"),
    "bottleneck_short": N_("Bottleneck"),
    "legend_map": N_("Map"),
    "plan": N_("Plan"),
    "seed": N_("seed"),
    "start": N_("start"),
    "simulated": N_("{h} simulated"),
    "persons": N_("{n} people"),
    "places": N_("{n} places"),
    "vehicles": N_("{n} vehicles"),
    "summary": N_("{evac} to evacuate: {arrived} reached a shelter ({share})"),
    "not_out": N_("{n} did not: {reasons}"),
    "stranded": N_("Stranded"),
    "stranded_note": N_("stranded: set out but reached no shelter"),
    "never_departed": N_("Never departed"),
    "never_note": N_("never departed: did not leave home"),
    "sheltering_in_place": N_("Sheltering in place"),
    "sheltering_note": N_("sheltering in place: cut off at home when ordered out; needs rescue"),
    "en_route": N_("En route at end"),
    "reasons": N_("reasons"),
    "ete_note": N_("ETE50/90/100: time after this zone's order until 50/90/100 % of its "
                 "evacuees reached a shelter"),
    "occupancy_note": N_("occupancy: vehicles on the road as a share of what it can hold"),
    "bottleneck_note": N_("its capacity limits how fast the whole area can be cleared"),
    "street": N_("Street"),
    "id": N_("ID"),
    "unnamed": N_("unnamed road"),
    "capacity_vph": P_("road", "Capacity"),
    "vph": N_("{n} vehicles/h"),
    "hours_min": N_("{h} h {m:02d} min"),
    "minutes": N_("{m} min"),
    "after_start": N_("{d} after the start"),
    "h_unit": N_(" h "),
    "min_unit": N_(" min"),
    "flood_from": N_("Flooded from"),
})

#: Reason recorded in ``agents.reason`` -> (short English, Chinese) for the map's text.
REASONS: dict[str, tuple[str, str]] = bilingual({
    "no transport (needs a bus or a ride)": N_("no transport"),
    "no open route from the origin": N_("cut off (no open road out)"),
    "no open route to any destination": N_("no open road to any shelter"),
    "cut off at home: no road reopened before the end": N_(
        "cut off at home (no road reopened)"),
    "cut off on the road: no road reopened before the end": N_(
        "cut off on the way (no road reopened)"),
    "cut off at home: gave up waiting for a road to reopen": N_(
        "cut off at home (gave up waiting)"),
    "cut off on the road: gave up waiting for a road to reopen": N_(
        "cut off on the way (gave up waiting)"),
    "shelter full (on foot)": N_("shelter full (on foot)"),
    "cut off at home at the order: sheltering in place / needs rescue": N_(
        "cut off at home, needs rescue"),
    "every shelter full": N_("every shelter full"),
    "shelter full at opening": N_("shelter full"),
    "waiting to enter the road": N_("waiting to enter the road"),
    "on the road": N_("still on the road"),
    "no transport: waiting for the bus": N_("waiting for a bus"),
    "on a bus": N_("still on a bus"),
    "waiting for the shelter to open": N_("waiting for the shelter to open"),
    "not ordered": N_("zone not ordered out"),
    "after the end": N_("leaves after the end of the run"),
    "": N_("no reason recorded"),
})

#: Reason prefix (the rest names a place or a cause) -> (English, Chinese) with ``{rest}``.
REASON_PREFIXES: dict[str, tuple[str, str]] = bilingual({
    "waiting at pickup point ": N_("waiting at bus stop {rest}"),
    "on a bus: ": N_("on a bus that could go no further ({rest})"),
})
