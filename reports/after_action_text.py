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

from musterpoint.display.timefmt import as_seconds, format_hmm

__all__ = [
    "KPI_NAMES",
    "LABELS",
    "NO_VISIBLE_EFFECT",
    "command_words",
    "decision_sentence",
    "effect_phrases",
    "effects_clause",
    "format_number",
    "labels_for",
]

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = {
    "report": ("After-action report", "演练评估报告"),
    "plan": ("Plan", "方案"),
    "seed": ("Seed", "随机种子"),
    "session": ("Session file", "会话文件"),
    "drill_wall": ("Drill held (UTC)", "演练时间（UTC）"),
    "stopped": ("Clock stopped at", "演练停止于"),
    "scenario_end": ("Scenario end", "情景结束"),
    "method": ("How the figures were made", "数据说明"),
    "method_text": (
        "The session's recorded commands were replayed on the same scenario and seed to "
        "the scenario's end, once as they were, once without any decision of the "
        "participants (the counterfactual: the plan, the exercise script and the trainers' "
        "injects only), and once without each decision in turn. Scheduled injects that had "
        "not come due when the clock stopped were applied at their times in every replay; "
        "no further decisions were assumed. Effects of single decisions do not add up to "
        "the total when decisions interact.",
        "将会话记录的全部指令在同一情景和随机种子下重放至情景结束：一次按原样重放；一次去掉参演人员的全部决策"
        "（反事实：仅方案、演练脚本和导调注入）；并逐一去掉每项决策各重放一次。演练停止时尚未到时的脚本事件"
        "在各次重放中按预定时间施加，不假设其他决策。决策之间存在相互作用时，单项决策的效果之和不等于总效果。",
    ),
    "summary": ("Summary", "概要"),
    "timeline": ("Timeline of injects and decisions", "事件注入与决策时间线"),
    "sim_time": ("Sim. time", "模拟时间"),
    "local_time": ("Local time", "当地时间"),
    "role": ("Role", "角色"),
    "type": ("Type", "类型"),
    "what": ("What", "内容"),
    "rationale": ("Rationale", "理由"),
    "actor": ("Who", "人员"),
    "trainer": ("trainer", "导调"),
    "participant": ("participant", "参演"),
    "script": ("script", "脚本"),
    "inject": ("inject", "注入"),
    "decision": ("decision", "决策"),
    "note": ("observation", "观察"),
    "clock": ("clock", "时钟"),
    "kpis_end": ("KPIs at the end", "结束时指标"),
    "kpi": ("Indicator", "指标"),
    "with": ("With the decisions", "有决策"),
    "without": ("Without (counterfactual)", "无决策（反事实）"),
    "difference": ("Difference", "差值"),
    "better": ("better", "更好"),
    "worse": ("worse", "更差"),
    "same": ("same", "相同"),
    "counterfactual": ("What the decisions changed", "决策带来的变化"),
    "effects_note": ("Each line compares the drill with the same drill without that one "
                     "decision.", "每行将演练与去掉该项决策后的同一演练进行比较。"),
    "not_attributed": ("Not replayed one by one (over the limit of decisions attributed).",
                       "未逐项重放（超过逐项评估决策数上限）。"),
    "no_decisions": ("No decisions were recorded.", "未记录任何决策。"),
    "hseep": ("Evaluation (HSEEP)", "评估（HSEEP）"),
    "capability_targets": ("Capability targets", "能力目标"),
    "no_standards": ("The scenario and the plan set no service standards.",
                     "情景和方案未设定服务标准。"),
    "target": ("Target", "目标"),
    "met": ("met", "达到"),
    "not_met": ("not met", "未达到"),
    "value": ("Value", "数值"),
    "not_reached": ("not reached", "未达到"),
    "critical_tasks": ("Critical tasks", "关键任务"),
    "expected_action": ("Expected action", "预期行动"),
    "responses": ("Decisions that followed", "随后决策"),
    "first_response": ("First response after", "首次响应用时"),
    "none_recorded": ("none recorded", "无记录"),
    "observations": ("Observations", "观察记录"),
    "strengths": ("Strengths", "优点"),
    "areas": ("Areas for improvement", "待改进事项"),
    "other_obs": ("Other observations", "其他观察"),
    "no_notes": ("No observations recorded.", "无观察记录。"),
    "improvement_plan": ("Improvement plan", "改进计划"),
    "issue": ("Issue", "问题"),
    "corrective": ("Corrective action", "纠正措施"),
    "owner": ("Responsible", "责任方"),
    "due": ("Due", "完成期限"),
    "to_agree": ("to agree", "待商定"),
    "china": ("Drill evaluation (China)", "演练评估（中国）"),
    "execution": ("Exercise conduct (演练执行情况)", "演练执行情况"),
    "plan_eval": ("Plan adequacy and feasibility (预案的合理性与可操作性)",
                  "预案的合理性与可操作性"),
    "coordination": ("Command, coordination and joint response (指挥协调和应急联动)",
                     "指挥协调和应急联动"),
    "personnel": ("Responders' actions (应急人员处置情况)", "应急人员处置情况"),
    "equipment": ("Equipment suitability (装备适用性)", "装备适用性"),
    "improvement": ("Recommendations (改进建议)", "改进建议"),
    "injects_fired": ("Injects delivered", "已注入事件"),
    "of_script": ("of the script's", "脚本事件总数"),
    "trainer_injects": ("Trainers' own injects", "导调临时注入"),
    "decisions_n": ("Decisions", "决策数"),
    "observations_n": ("Observations", "观察记录数"),
    "sim_span": ("Simulated time played", "已演练模拟时长"),
    "plan_text": ("Without the participants' decisions the plan gave the counterfactual "
                  "figures; the capability targets above show which standards the plan met "
                  "on its own and which needed the room's decisions.",
                  "不含参演决策时，方案本身的结果即反事实数据；上述能力目标显示方案自身达到了哪些标准，"
                  "哪些需要依靠现场决策。"),
    "by_actor": ("Decisions by post or team", "各岗位/小组决策数"),
    "by_kind": ("Decisions by kind", "各类决策数"),
    "mean_response": ("Mean time from inject to first decision", "从事件注入到首次决策的平均用时"),
    "max_response": ("Longest", "最长"),
    "unanswered": ("Injects with an expected action and no decision", "有预期行动但无决策的事件"),
    "tasks_text": ("See the critical tasks above for each inject and the decisions that "
                   "followed it.", "各事件及其后续决策见上文“关键任务”。"),
    "no_equipment": ("No equipment (buses, relief trucks, ambulances, ...) is modelled in "
                     "this scenario and plan.",
                     "本情景和方案未模拟装备（巴士、救援车辆、救护车等）。"),
    "family": ("Service", "服务"),
    "triggers": ("Response-level trigger firings (响应级别启动)", "响应级别启动与解除"),
    "level_on": ("entered", "启动"),
    "level_off": ("left (de-escalated)", "解除（降级）"),
    "trig_cols": ("Time|Level|Grade|Change|Condition|Reading|Without the decisions",
                  "时间|级别|等级|变化|启动条件|读数|无参演决策时"),
    "generated": ("Generated by musterpoint", "由 musterpoint 生成"),
    "colon": (": ", "："),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "section_notes": ("Notes from the room", "现场记录"),
    "item_standard": ("Standard not met: {label} ({value} against {op} {threshold})",
                      "未达到标准：{label}（实际 {value}，要求 {op} {threshold}）"),
    "item_task": ("No decision recorded after inject “{title}”; expected: {expected}",
                  "事件“{title}”之后无决策记录；预期行动：{expected}"),
    "item_stranded": ("{value} people were stranded at the end", "结束时有 {value} 人受困"),
    "item_never": ("{value} people never left home", "有 {value} 人始终未出发"),
}

#: Names of the KPIs compared, (English, Chinese).
KPI_NAMES: dict[str, tuple[str, str]] = {
    "evacuation.arrived": ("Arrived at a shelter (persons)", "到达避难所（人）"),
    "evacuation.stranded": ("Stranded (persons)", "受困（人）"),
    "evacuation.en_route": ("Still en route (persons)", "仍在途中（人）"),
    "evacuation.never_departed": ("Never departed (persons)", "未出发（人）"),
    "evacuation.exposed_persons": ("Persons exposed to the hazard", "暴露于灾害的人数"),
    "evacuation.exposed_person_h": ("Exposure (person-hours)", "暴露（人时）"),
    "evacuation.still_exposed_persons": ("Still in the hazard at the end (persons)",
                                         "结束时仍在危险区（人）"),
    "evacuation.ete50_s": ("ETE50 (h:mm after the first order)", "50%疏散时间（时:分）"),
    "evacuation.ete90_s": ("ETE90 (h:mm after the first order)", "90%疏散时间（时:分）"),
    "evacuation.travel_time_mean_s": ("Mean travel time (h:mm)", "平均出行时间（时:分）"),
    "traffic.vehicle_km": ("Vehicle-km", "车辆公里"),
}

#: What a decision changed when it changed none of the main figures, (English, Chinese).
NO_VISIBLE_EFFECT = ("made no visible difference to the main figures", "对主要指标没有可见影响")

#: Commands as words, (English, Chinese), with ``{shelter}``, ``{links}`` ... filled in.
_VERBS: dict[str, tuple[str, str]] = {
    "open_shelter": ("opening shelter {shelter}", "开放避难所{shelter}"),
    "close_shelter": ("closing shelter {shelter}", "关闭避难所{shelter}"),
    "shelter_capacity": ("setting the capacity of shelter {shelter} to {capacity}",
                         "将避难所{shelter}的容量调整为{capacity}"),
    "close_links": ("closing roads {links}", "封闭道路{links}"),
    "reopen_links": ("reopening roads {links}", "重新开放道路{links}"),
    "link_capacity": ("changing the capacity of roads {links} by ×{factor}",
                      "将道路{links}的通行能力调整为×{factor}"),
    "order_zones": ("ordering zones {zones} out", "下令疏散区域{zones}"),
}


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


def _id_list(ids: Any, lang: str, unit_zh: str = "个") -> str:
    items = [str(i) for i in ids] if isinstance(ids, list) else [str(ids)]
    sep = "、" if lang.startswith("zh") else ", "
    if len(items) > 3:
        rest = len(items) - 3
        return sep.join(items[:3]) + (f"等{len(items)}{unit_zh}" if lang.startswith("zh")
                                      else f" and {rest} more")
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
            "links": _id_list(args.get("links", []), lang, "条"),
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
    zh = lang.startswith("zh")
    by = {e["kpi"]: e for e in effects}
    out: list[str] = []
    exp = by.get("evacuation.exposed_person_h")
    d = exp["difference"] if exp else None
    if d is not None and abs(d) >= 0.5:
        amount = format_number(abs(d))
        if d < 0:
            out.append(f"使暴露减少{amount}人时" if zh
                       else f"cut exposure by {amount} person-hours")
        else:
            out.append(f"使暴露增加{amount}人时" if zh
                       else f"raised exposure by {amount} person-hours")
    arr = by.get("evacuation.arrived")
    d = arr["difference"] if arr else None
    if d:
        n = format_number(abs(d))
        if d > 0:
            out.append(f"多{n}人到达避难所" if zh else f"brought {n} more people to a shelter")
        else:
            out.append(f"少{n}人到达避难所" if zh else f"brought {n} fewer people to a shelter")
    st = by.get("evacuation.stranded")
    d = st["difference"] if st else None
    if d:
        n = format_number(abs(d))
        if d < 0:
            out.append(f"受困人数减少{n}" if zh else f"left {n} fewer people stranded")
        else:
            out.append(f"受困人数增加{n}" if zh else f"left {n} more people stranded")
    for key, name in (("evacuation.ete90_s", "ETE90"), ("evacuation.ete50_s", "ETE50")):
        e = by.get(key)
        if not e:
            continue
        if e["difference"] is not None and abs(e["difference"]) >= 60:
            dd = e["difference"]
            hm = format_hmm(abs(dd))
            if zh:
                out.append(f"{name}{'提前' if dd < 0 else '推迟'}{hm}")
            else:
                out.append(f"made {name} {hm} {'earlier' if dd < 0 else 'later'}")
        elif e["with"] is None and e["without"] is not None:
            out.append(f"使{name}无法达到" if zh else f"meant {name} was never reached")
        elif e["with"] is not None and e["without"] is None:
            out.append(f"使{name}得以达到" if zh else f"made {name} reachable")
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
        return NO_VISIBLE_EFFECT[1 if lang.startswith("zh") else 0]
    if lang.startswith("zh"):
        return "，".join(phrases)
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


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
    zh = lang.startswith("zh")
    what = command_words(str(decision.get("kind", "")), decision.get("args") or {}, lang,
                         shelters or {})
    when = format_hmm(decision.get("sim_time_s"))
    effects = decision.get("effects")
    if effects is None:
        return (f"{when}，{what}：未逐项评估。" if zh else
                f"{what[:1].upper()}{what[1:]} at {when}: not attributed one by one.")
    body = effects_clause(effect_phrases(list(effects), lang), lang)
    if zh:
        return f"{when}，{what}，{body}。"
    return f"{what[:1].upper()}{what[1:]} at {when} {body}."
