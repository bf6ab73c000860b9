"""Words of the reports' first screen ("did this plan work?"), in English and Chinese.

``LABELS`` holds the sentences (``str.format`` fields in braces); ``REASONS`` turns the
engine's reasons (column ``reason`` of ``agents.parquet``) into plain words; ``PREFIXES``
does the same for reasons that carry an id after a fixed prefix. Each entry is an
``(English, Simplified Chinese)`` pair, as in the other ``*_text`` modules of reports.
"""

from __future__ import annotations

from musterpoint.display.i18n import N_, WORD_SPACE, bilingual

__all__ = ["LABELS", "PREFIXES", "REASONS", "STATUS"]

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = bilingual({
    "verdict": N_("Did this plan work?"),
    "yes": N_("Yes: every service standard is met."),
    "no": N_("Not fully: {missed} of {n} service standards are missed."),
    "no_standards": N_("No service standards are set, so the figures below are the answer."),
    "got_out": N_("{arrived} of {evacuees} evacuees ({share}) reached a shelter by the end "
                "of the run ({duration} after the start)."),
    "half_out": N_("Half of them were at a shelter {ete50} after the first evacuation order."),
    "all_out": N_("Everybody was at a shelter {ete100} after the first evacuation order."),
    "who_not": N_("Who did not get out, and why"),
    "everyone_out": N_("Everybody reached a shelter."),
    "persons": N_("Persons"),
    "share": N_("Share of evacuees"),
    "state": N_("At the end of the run"),
    "why": N_("Why"),
    "no_reasons": N_("The reasons are not in this run (no agents table)."),
    "reasons_source": N_("Reasons as recorded for each household in agents.parquet."),
    "standards": N_("Service standards"),
    "this_run": N_("this run: {value}"),
    "required": N_("required: {op} {threshold}"),
    "missed_in": N_("missed in {n} zones: {zones}"),
    "met": N_("met"),
    "missed": N_("missed"),
    "not_reached": N_("not reached"),
    "why_not_reached": N_("Why a figure says \"not reached\""),
    "ete_term": N_("ETE{p}, the time until {p} % of the evacuees are at a shelter"),
    "not_reached_because": N_(
        "{term}, is not reached: by the end only {share} had arrived. The other {rest} "
        "people are stranded, still on their way or never left (see the reasons above), "
        "and they are still counted among the evacuees."),
    "same_reason": N_("{term}, is not reached either, for the same reason."),
    "bound_cap": N_(
        "No plan could reach it with these people on this network: at best {best} can get "
        "out (the network's limit, computed by the flow bound)."),
    "open": N_("("),
    "close": N_(")"),
    "more_zones": N_("and {n} more"),
}) | {"space": WORD_SPACE}

#: Final state of an agent (column ``status``) -> (English, Chinese).
STATUS: dict[str, tuple[str, str]] = bilingual({
    "stranded": N_("stranded"),
    "never_departed": N_("never left home"),
    "sheltering_in_place": N_("sheltering in place (needs rescue)"),
    "en_route": N_("still on the way"),
    "arrived": N_("at a shelter"),
})

#: Engine reason (column ``reason`` of agents.parquet) -> plain words (English, Chinese).
REASONS: dict[str, tuple[str, str]] = bilingual({
    "no transport (needs a bus or a ride)": N_(
        "no car in the household, and no bus in this plan picks them up"),
    "no transport: waiting for the bus": N_(
        "no car; waiting for a bus that had not come by the end"),
    "no open route from the origin": N_(
        "cut off at home: every road out was in the hazard or closed when they tried to leave"),
    "no open route to any destination": N_(
        "cut off on the way: no open road led to any shelter"),
    "cut off at home: no road reopened before the end": N_(
        "cut off at home: they waited, but no road out reopened before the end"),
    "cut off on the road: no road reopened before the end": N_(
        "cut off on the way: they waited where they were, but no road reopened before the end"),
    "cut off at home: gave up waiting for a road to reopen": N_(
        "cut off at home: they gave up waiting for a road out to reopen (the plan's give-up time)"),
    "cut off on the road: gave up waiting for a road to reopen": N_(
        "cut off on the way: they gave up waiting for a road to reopen (the plan's give-up time)"),
    "shelter full (on foot)": N_("walking: every shelter they could reach on foot was full"),
    "cut off at home at the order: sheltering in place / needs rescue": N_(
        "every road out was in the hazard when their zone was ordered out; they stay at home "
        "and need rescue"),
    "every shelter full": N_("every shelter they could reach was full"),
    "shelter full at opening": N_("their shelter was already full when it opened"),
    "waiting to enter the road": N_("still queuing to get onto the road at the end"),
    "on the road": N_("still driving at the end of the run"),
    "on a bus": N_("still on a bus at the end of the run"),
    "not ordered": N_("their zone was never ordered out"),
    "after the end": N_("their departure time comes after the end of the run"),
    "": N_("no reason recorded"),
})

#: Reason prefix -> plain words with ``{rest}`` for the text after the prefix.
PREFIXES: dict[str, tuple[str, str]] = bilingual({
    "waiting at pickup point ": N_("waiting at bus pickup point {rest} at the end"),
    "on a bus: ": N_("on a bus that could go no further ({rest})"),
})
