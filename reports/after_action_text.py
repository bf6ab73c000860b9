"""The words of the after-action report: labels in two languages, and sentences.

:data:`LABELS` and :data:`KPI_NAMES` hold every fixed text of the report in English and
Simplified Chinese; :func:`command_words` says a command in words, :func:`effect_phrases`
says what a decision (or all of them) changed, and :func:`decision_sentence` puts one
decision and its effect in a sentence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from musterpoint.display.i18n import N_, P_, bilingual, tr
from musterpoint.display.timefmt import as_seconds, format_hmm

__all__ = [
    "CLOCK_ACTION_NAMES",
    "KPI_NAMES",
    "LABELS",
    "NOTE_SECTION_NAMES",
    "NO_VISIBLE_EFFECT",
    "command_words",
    "decision_sentence",
    "effect_phrases",
    "effects_clause",
    "format_number",
    "labels_for",
]

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = bilingual({
    "report": N_("After-action report"),
    "plan": N_("Plan"),
    "seed": N_("Seed"),
    "session": N_("Session file"),
    "drill_wall": N_("Drill held (local time)"),
    "stopped": N_("Clock stopped at"),
    "scenario_end": N_("Scenario end"),
    "method": N_("How the figures were made"),
    "method_text": N_(
        "The session's recorded commands were replayed on the same scenario and seed to "
        "the scenario's end, once as they were, once without any decision of the "
        "participants (the counterfactual: the plan, the exercise script and the trainers' "
        "injects only), and once without each decision in turn. Scheduled injects that had "
        "not come due when the clock stopped were applied at their times in every replay; "
        "no further decisions were assumed. Effects of single decisions do not add up to "
        "the total when decisions interact."),
    "summary": N_("Summary"),
    "timeline": N_("Timeline of injects and decisions"),
    "sim_time": N_("Sim. time"),
    "local_time": N_("Local time"),
    "role": N_("Role"),
    "type": N_("Type"),
    "what": N_("What"),
    "rationale": N_("Rationale"),
    "actor": N_("Who"),
    "trainer": N_("trainer"),
    "participant": N_("participant"),
    "script": N_("script"),
    "inject": N_("inject"),
    "decision": N_("decision"),
    "note": N_("observation"),
    "clock": N_("clock"),
    "kpis_end": N_("KPIs at the end"),
    "kpi": N_("Indicator"),
    "with": N_("With the decisions"),
    "without": N_("Without (counterfactual)"),
    "difference": N_("Difference"),
    "better": N_("better"),
    "worse": N_("worse"),
    "same": N_("same"),
    "counterfactual": N_("What the decisions changed"),
    "effects_note": N_("Each line compares the drill with the same drill without that one "
                     "decision."),
    "not_attributed": N_("Not replayed one by one (over the limit of decisions attributed)."),
    "no_decisions": N_("No decisions were recorded."),
    "hseep": N_("Evaluation (HSEEP)"),
    "capability_targets": N_("Capability targets"),
    "no_standards": N_("The scenario and the plan set no service standards."),
    "target": N_("Target"),
    "met": P_("verb", "met"),
    "not_met": N_("not met"),
    "value": N_("Value"),
    "not_reached": N_("not reached"),
    "critical_tasks": N_("Critical tasks"),
    "expected_action": N_("Expected action"),
    "responses": N_("Decisions that followed"),
    "first_response": N_("First response after"),
    "none_recorded": N_("none recorded"),
    "observations": N_("Observations"),
    "strengths": N_("Strengths"),
    "areas": N_("Areas for improvement"),
    "other_obs": N_("Other observations"),
    "no_notes": N_("No observations recorded."),
    "improvement_plan": N_("Improvement plan"),
    "issue": N_("Issue"),
    "corrective": N_("Corrective action"),
    "owner": N_("Responsible"),
    "due": N_("Due"),
    "to_agree": N_("to agree"),
    "china": N_("Drill evaluation (China)"),
    "execution": N_("Exercise conduct (演练执行情况)"),
    "plan_eval": N_("Plan adequacy and feasibility (预案的合理性与可操作性)"),
    "coordination": N_("Command, coordination and joint response (指挥协调和应急联动)"),
    "personnel": N_("Responders' actions (应急人员处置情况)"),
    "equipment": N_("Equipment suitability (装备适用性)"),
    "improvement": N_("Recommendations (改进建议)"),
    "injects_fired": N_("Injects delivered"),
    "of_script": N_("of the script's"),
    "trainer_injects": N_("Trainers' own injects"),
    "decisions_n": N_("Decisions"),
    "observations_n": P_("count", "Observations"),
    "sim_span": N_("Simulated time played"),
    "plan_text": N_("Without the participants' decisions the plan gave the counterfactual "
                  "figures; the capability targets above show which standards the plan met "
                  "on its own and which needed the room's decisions."),
    "by_actor": N_("Decisions by post or team"),
    "by_kind": N_("Decisions by kind"),
    "mean_response": N_("Mean time from inject to first decision"),
    "max_response": N_("Longest"),
    "unanswered": N_("Injects with an expected action and no decision"),
    "tasks_text": N_("See the critical tasks above for each inject and the decisions that "
                   "followed it."),
    "no_equipment": N_("No equipment (buses, relief trucks, ambulances, ...) is modelled in "
                     "this scenario and plan."),
    "family": N_("Service"),
    "triggers": N_("Response-level trigger firings (响应级别启动)"),
    "level_on": N_("entered"),
    "level_off": N_("left (de-escalated)"),
    "trig_cols": N_("Time|Level|Grade|Change|Condition|Reading|Without the decisions"),
    "generated": N_("Generated by musterpoint"),
    "colon": N_(": "),
    "yes": N_("yes"),
    "no": N_("no"),
    "section_notes": N_("Notes from the room"),
    "item_standard": N_("Standard not met: {label} ({value} against {op} {threshold})"),
    "item_task": N_("No decision recorded after inject “{title}”; expected: {expected}"),
    "item_stranded": N_("{value} people were stranded at the end"),
    "item_never": N_("{value} people never left home"),
})

#: Names of the KPIs compared, (English, Chinese).
KPI_NAMES: dict[str, tuple[str, str]] = bilingual({
    "evacuation.arrived": N_("Arrived at a shelter (persons)"),
    "evacuation.stranded": N_("Stranded (persons)"),
    "evacuation.en_route": N_("Still en route (persons)"),
    "evacuation.never_departed": N_("Never departed (persons)"),
    "evacuation.exposed_persons": N_("Persons exposed to the hazard"),
    "evacuation.exposed_person_h": N_("Exposure (person-hours)"),
    "evacuation.still_exposed_persons": N_("Still in the hazard at the end (persons)"),
    "evacuation.ete50_s": N_("ETE50 (h:mm after the first order)"),
    "evacuation.ete90_s": N_("ETE90 (h:mm after the first order)"),
    "evacuation.travel_time_mean_s": N_("Mean travel time (h:mm)"),
    "traffic.vehicle_km": N_("Vehicle-km"),
})

#: What a decision changed when it changed none of the main figures (msgid).
NO_VISIBLE_EFFECT = N_("made no visible difference to the main figures")

#: Sections an observation is filed under (``sim.drill.inputs.NOTE_SECTIONS``), as words.
NOTE_SECTION_NAMES: dict[str, str] = {
    "observation": N_("observation"), "strength": N_("strength"),
    "improvement": N_("improvement"), "execution": N_("execution"), "plan": N_("plan"),
    "coordination": N_("coordination"), "personnel": N_("personnel"),
    "equipment": N_("equipment"),
}

#: The trainer's clock actions (``sim.drill.state.CLOCK_ACTIONS``), as words.
CLOCK_ACTION_NAMES: dict[str, str] = {
    "start": N_("start"), "pause": N_("pause"), "step": N_("step"), "run_to": N_("run to"),
    "tick": N_("tick"), "speed": N_("speed"), "settings": N_("settings"),
    "branch": N_("branch"),
}

#: Commands as words, (English, Chinese), with ``{shelter}``, ``{links}`` ... filled in.
_VERBS: dict[str, tuple[str, str]] = bilingual({
    "open_shelter": N_("opening shelter {shelter}"),
    "close_shelter": N_("closing shelter {shelter}"),
    "shelter_capacity": N_("setting the capacity of shelter {shelter} to {capacity}"),
    "close_links": N_("closing roads {links}"),
    "reopen_links": N_("reopening roads {links}"),
    "link_capacity": N_("changing the capacity of roads {links} by ×{factor}"),
    "order_zones": N_("ordering zones {zones} out"),
})


def labels_for(lang: str) -> dict[str, str]:
    """Every label in one language.

    Parameters
    ----------
    lang : str
        ``en`` or ``zh`` (any ``zh-...`` reads Chinese).

    Returns
    -------
    dict of str to str
        Label key -> text.
    """
    k = 1 if lang.startswith("zh") else 0
    return {key: v[k] for key, v in LABELS.items()}


def format_number(x: Any, digits: int = 0) -> str:
    """A number with thousands separators, or "—" when there is none.

    Parameters
    ----------
    x : Any
        The value (None, NaN and non-numbers give "—").
    digits : int
        Decimal places.

    Returns
    -------
    str
        For example ``"3,400"``.
    """
    v = as_seconds(x)
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def _id_list(ids: Any, lang: str, more: str = N_("{shown} and {rest} more")) -> str:
    """Up to three ids, then how many more (``more``: the msgid, with its measure word)."""
    items = [str(i) for i in ids] if isinstance(ids, list) else [str(ids)]
    sep = tr(lang, P_("list of names", ", "))
    if len(items) > 3:
        return tr(lang, more).format(shown=sep.join(items[:3]), rest=len(items) - 3,
                                     total=len(items))
    return sep.join(items)


def command_words(kind: str, args: Mapping[str, Any], lang: str,
                  shelters: Mapping[str, str]) -> str:
    """A command in words: "opening shelter PUCRS campus".

    Parameters
    ----------
    kind : str
        The command kind (an unknown one is shown with its arguments as JSON).
    args : mapping
        Its arguments.
    lang : str
        ``en`` or ``zh``.
    shelters : mapping
        Shelter id -> name.

    Returns
    -------
    str
        The command as a phrase, in lower case.
    """
    zh = lang.startswith("zh")
    if kind in _VERBS:
        fmt = _VERBS[kind][1 if zh else 0]
        vals = {
            "shelter": shelters.get(str(args.get("shelter")), str(args.get("shelter", ""))),
            "capacity": format_number(args.get("capacity")),
            "links": _id_list(args.get("links", []), lang, P_("roads", "{shown} and {rest} more")),
            "zones": _id_list(args.get("zones", []), lang),
            "factor": args.get("factor", ""),
        }
        return fmt.format(**vals)
    shown = json.dumps(dict(args), ensure_ascii=False, sort_keys=True)
    return f"{kind} {shown}" if args else kind


def effect_phrases(effects: list[dict[str, Any]], lang: str) -> list[str]:
    """What changed in the main figures, a phrase each ("cut exposure by 12 person-hours").

    Parameters
    ----------
    effects : list of dict
        KPI comparison rows (``kpi``, ``with``, ``without``, ``difference``).
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    list of str
        Phrases on exposure, arrivals, stranded people and the first ETE that changed.
    """
    by = {e["kpi"]: e for e in effects}
    out: list[str] = []
    exp = by.get("evacuation.exposed_person_h")
    d = exp["difference"] if exp else None
    if d is not None and abs(d) >= 0.5:
        amount = format_number(abs(d))
        out.append(tr(lang, N_("cut exposure by {amount} person-hours") if d < 0
                      else N_("raised exposure by {amount} person-hours")).format(amount=amount))
    arr = by.get("evacuation.arrived")
    d = arr["difference"] if arr else None
    if d:
        out.append(tr(lang, N_("brought {n} more people to a shelter") if d > 0
                      else N_("brought {n} fewer people to a shelter")).format(
                          n=format_number(abs(d))))
    st = by.get("evacuation.stranded")
    d = st["difference"] if st else None
    if d:
        out.append(tr(lang, N_("left {n} fewer people stranded") if d < 0
                      else N_("left {n} more people stranded")).format(n=format_number(abs(d))))
    for key, name in (("evacuation.ete90_s", "ETE90"), ("evacuation.ete50_s", "ETE50")):
        e = by.get(key)
        if not e:
            continue
        if e["difference"] is not None and abs(e["difference"]) >= 60:
            earlier = e["difference"] < 0
            out.append(tr(lang, N_("made {name} {hm} earlier") if earlier
                          else N_("made {name} {hm} later")).format(
                              name=name, hm=format_hmm(abs(e["difference"]))))
        elif e["with"] is None and e["without"] is not None:
            out.append(tr(lang, N_("meant {name} was never reached")).format(name=name))
        elif e["with"] is not None and e["without"] is None:
            out.append(tr(lang, N_("made {name} reachable")).format(name=name))
        break
    return out


def effects_clause(phrases: list[str], lang: str) -> str:
    """Effect phrases joined into one clause ("cut exposure by 12 person-hours and ...").

    Parameters
    ----------
    phrases : list of str
        From :func:`effect_phrases`.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    str
        The phrases joined, or that there was no visible difference when there are none.
    """
    if not phrases:
        return tr(lang, NO_VISIBLE_EFFECT)
    if len(phrases) == 1:
        return phrases[0]
    return tr(lang, N_("{first} and {last}")).format(
        first=tr(lang, P_("list of clauses", ", ")).join(phrases[:-1]), last=phrases[-1])


def decision_sentence(decision: Mapping[str, Any], lang: str,
                      shelters: Mapping[str, str] | None = None) -> str:
    """One decision and its effect in a sentence.

    Parameters
    ----------
    decision : mapping
        A decision of :func:`musterpoint.sim.drill.after_action` (with ``effects``).
    lang : str
        ``en`` or ``zh``.
    shelters : mapping, optional
        Shelter id -> name, to name shelters.

    Returns
    -------
    str
        For example "Opening shelter PUCRS campus at 2:10 cut exposure by 3,400
        person-hours and brought 120 more people to a shelter."
    """
    what = command_words(str(decision.get("kind", "")), decision.get("args") or {}, lang,
                         shelters or {})
    when = format_hmm(decision.get("sim_time_s"))
    effects = decision.get("effects")
    what = what[:1].upper() + what[1:]
    if effects is None:
        return tr(lang, N_("{what} at {when}: not attributed one by one.")).format(
            what=what, when=when)
    body = effects_clause(effect_phrases(list(effects), lang), lang)
    return tr(lang, N_("{what} at {when} {effects}.")).format(what=what, when=when, effects=body)
