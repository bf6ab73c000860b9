"""The words of the contingency-plan document (应急预案), in Chinese and English.

Headings follow the structure of a 专项应急预案 under 《突发事件应急预案管理办法》
(2024). An office can replace any text with its own wording: a ``wording.yaml`` in the
template folder maps a key of :data:`WORDS` to ``{zh: ..., en: ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from musterpoint.display.i18n import N_, bilingual, language_code, tr

__all__ = ["PLACEHOLDER", "WORDS", "words_for"]

#: Marks a field the plan does not fill (to be completed by the office).
PLACEHOLDER = N_("[to be completed]")

WORDS: dict[str, tuple[str, str]] = bilingual({
    "doc_title": N_("Contingency plan: {title}"),
    "doc_sub": N_("Plan: {plan}"),
    "s1": N_("1 General provisions"),
    "s1_1": N_("1.1 Purpose"),
    "s1_1_t": N_("To respond to {title} in order and in time and to keep people safe, this plan "
               "was written and tested by simulation."),
    "s1_2": N_("1.2 Basis"),
    "s1_2_t": N_("The emergency response law of the jurisdiction and its rules for contingency "
               "plans (in China: the Emergency Response Law and the 2024 Measures for the "
               "Administration of Emergency Plans)."),
    "s1_3": N_("1.3 Scope"),
    "s1_3_t": N_("This plan applies to {area}."),
    "s1_4": N_("1.4 Principles"),
    "s1_4_t": N_("Life first; one command, responsibilities by level; prevention and fast "
               "response; levels declared on monitored and forecast conditions."),
    "s2": N_("2 Command structure and responsibilities"),
    "role_cols": N_("Body|Duties|Contact"),
    "s3": N_("3 Risk assessment and scenario"),
    "s3_1": N_("3.1 Hazard scenario"),
    "s3_2": N_("3.2 Area and population at risk"),
    "zone_cols": N_("Zone|Lowest ground (m)|Residents|To evacuate"),
    "zones_total": N_("{n} zones; {people} persons to evacuate."),
    "stage_cols": N_("Time (h)|Water level (m)"),
    "s4": N_("4 Monitoring and warning"),
    "gauge_cols": N_("Station|Kind|Unit"),
    "fc_cols": N_("Forecast|Station|Issued (h)|Late by (h)|Bias"),
    "stage": N_("river stage"),
    "concentration": N_("concentration"),
    "s5": N_("5 Emergency response"),
    "s5_t": N_("Levels run from I (most severe) to IV; a level is declared "
             "when its activation conditions hold and its actions are taken; it is stood down "
             "when they no longer hold."),
    "level_cols": N_("Level|Activation conditions|Actions|Responsible"),
    "no_levels": N_("This plan orders zones out at "
                  "fixed times (no response levels):"),
    "stage_row": N_("hour {h}: {what}"),
    "s5_targets": N_("5.{k} Response targets (quantified indicators)"),
    "std_cols": N_("Indicator|Requirement"),
    "s6": N_("6 Support"),
    "s6_1": N_("6.1 Evacuation and shelter"),
    "shelter_cols": N_("Shelter|Capacity (persons)|Location (lon, lat)|Address"),
    "s6_2": N_("6.2 Transport"),
    "s6_3": N_("6.3 Supplies"),
    "s6_4": N_("6.4 Health"),
    "s6_5": N_("6.5 Communications"),
    "none_modelled": N_("Not modelled in this plan."),
    "buses": N_("{n} buses of {seats} seats; {p} pickup points."),
    "control": N_("{n} traffic control points; {c} contraflow "
                "sections."),
    "relief": N_("{n} relief depots."),
    "s7": N_("7 Recovery"),
    "s7_t": N_("When the danger has passed: orderly return, damage assessment, public health "
             "and psychological support, and a review of the response."),
    "s8": N_("8 Plan management"),
    "s8_1": N_("8.1 Exercises and simulation tests"),
    "s8_1_t": N_("The plan was tested in {reps} replications (seeds {seeds}) against the "
               "baseline plan \u201c{base}\u201d; intervals are {conf} confidence intervals."),
    "no_compare": N_("No simulation evidence yet: run muster compare and pass its folder with "
                   "--compare."),
    "ete_cols": N_("Plan|Indicator|Mean (min)|Lower|Upper|Runs"),
    "ete50": N_("ETE 50 %"),
    "ete90": N_("ETE 90 %"),
    "ete100": N_("ETE 100 %"),
    "diff_cols": N_("Plans|Indicator|Difference (min, paired)|Lower|Upper|Runs"),
    "share_cols": N_("Plan|Standard|Share met|Lower|Upper|Verdict"),
    "zone_ete_cols": N_("Zone|Plan|ETE 50 % (min)|Stranded|Never departed"),
    "s8_2": N_("8.2 Revision"),
    "s8_2_t": N_("The plan is reviewed at least every three years and revised when the "
               "scenario, organisation or resources change."),
    "s9": N_("9 Annexes"),
    "a1": N_("Annex 1 Assumptions and data sources"),
    "sources_note": N_("The scenario's assumptions are stated in scenario.yaml and its README.md."),
    "a2": N_("Annex 2 Figures"),
    "fig_lon": N_("longitude"),
    "fig_lat": N_("latitude"),
    "fig_ground": N_("lowest ground (m)"),
    "fig_time": N_("time (h)"),
    "fig_share": N_("at a shelter (%)"),
    "fig_map": N_("Figure 1 Zones and shelters"),
    "fig_curve": N_("Figure 2 Evacuation curve (share of evacuees at a shelter)"),
    "a3": N_("Annex 3 Plan review checklist"),
    "chk_std": N_("\u201c{plan}\u201d does not always meet \u201c{std}\u201d (met in {share})."),
    "chk_zone": N_("Zone {zone} under \u201c{plan}\u201d: {n} persons stranded or never departed "
                 "on average."),
    "chk_transport": N_("\u201c{plan}\u201d: {n} persons on average never departed (no transport "
                      "or not ordered)."),
    "chk_run": N_("Run (seed {seed}): "),
    "chk_over": N_("shelter {s} exceeded its capacity: up to {peak} persons in {cap} places."),
    "chk_full": N_("shelter {s} was full ({cap} places); later arrivals had to go elsewhere."),
    "chk_over_none": N_("no shelter exceeded its capacity (the fullest, {s}: up to {peak} "
                      "persons in {cap} places)."),
    "chk_over_nocap": N_("no shelter has a capacity limit; over-capacity not checked."),
    "chk_bn_streets": N_("bottleneck streets of the flow bound: {streets} ({n} links; {why})."),
    "chk_bn_links": N_("bottleneck links of the flow bound (no street names): {links} ({why})."),
    "chk_bn_none": N_("the flow bound found no road bottleneck ({why})."),
    "chk_bn_nobound": N_("the run has no flow bound, so no bottleneck was identified; run "
                       "again without --no-bound."),
    "limited_network": N_("limited by road capacity"),
    "limited_shelters": N_("limited by shelter capacity"),
    "limited_departures": N_("limited by departure and free-flow times"),
    "chk_no_transport": N_("{n} persons in ordered zones never left home for want of transport."),
    "chk_by_reason": N_(" By reason: {reasons}."),
    "chk_reason": N_("{why}: {n}"),
    "chk_not_ordered": N_("{n} persons never left home because their zone was never ordered out."),
    "chk_never_reason": N_("{n} persons never left home: {why}."),
    "chk_sip": N_("{n} persons were sheltering in place, cut off at home (need rescue)."),
    "chk_nocmp_run": N_("No comparison of replications (--compare): the standards' shares are "
                      "not assessed; the findings below are those of one run."),
    "chk_needs_run": N_("Shelters over capacity, bottleneck streets, persons without transport "
                      "and persons sheltering in place need a run (muster run, passed with "
                      "--run): {ph}"),
    "fig_bound": N_("Figure {n} Evacuation curve of one run and the flow bound (seed {seed})"),
    "fig_bound_t": N_("Solid: share of evacuees at a shelter; grey dashes: share departed; red "
                    "dashes: the flow bound, the most any plan could have safe by then (road "
                    "capacity, departure times and shelter capacity). Hours after the "
                    "scenario start."),
    "ax_since_start": N_("hours after the scenario start (h)"),
    "ax_share_evacuees": N_("share of evacuees (%)"),
    "lg_departed": N_("departed"),
    "lg_arrived": N_("at a shelter"),
    "lg_bound": N_("flow bound"),
    "fig_bound_none": N_("Figure {n} Evacuation curve with the flow bound: needs a run "
                       "(--run). {ph}"),
    "chk_none": N_("The simulation found no weakness."),
    "chk_nocmp": N_("No simulation evidence: not assessed."),
    "met": N_("met"),
    "missed": N_("missed"),
    "partly": N_("partly met"),
    "all_zones": N_("every zone"),
    "other_zones": N_("the other zones"),
    "zones_le": N_("zones at or below {m} m"),
    "zones_list": N_("zones {z}"),
    "order": N_("Order out {what}"),
    "for_min": N_("for {m} min"),
    "forecast_of": N_("{g} forecast ({f}, {h} h ahead)"),
    "occupancy": N_("{s} occupancy"),
    "link_closed": N_("road {l} closed"),
    "time_cond": N_("hour {h}"),
    "cases": N_("infections so far in {c}"),
    "infectious": N_("infectious persons now in {c}"),
    "all_compounds": N_("all compounds"),
    "any": N_("or"),
    "all": N_("and"),
    "level_name": N_("{name}"),
})


def words_for(lang: str, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every text in ``lang`` (``zh`` or ``en``), with an office's ``overrides``."""
    code = language_code(lang)
    out = {key: pair[1 if code == "zh" else 0] for key, pair in WORDS.items()}
    for key, val in (overrides or {}).items():
        if isinstance(val, Mapping) and val.get(code):
            out[str(key)] = str(val[code])
        elif isinstance(val, str):
            out[str(key)] = val
    out["placeholder"] = tr(code, PLACEHOLDER)
    return out
