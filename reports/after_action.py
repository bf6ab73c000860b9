"""After-action report of a drill (HTML, and PDF through Chromium's print-to-PDF).

The data come from :func:`musterpoint.sim.drill.after_action` (replays of the session
with and without the participants' decisions); this module only words and lays them
out. The page is rendered with jinja2 (autoescape on) from
``templates/after_action.html.j2``, needs no script and no network, and reads in English
or Simplified Chinese. Its sections follow the HSEEP After-Action Report (capability
targets, critical tasks, observations, improvement plan) and the contents of China's
drill evaluation (演练执行情况, 预案的合理性与可操作性, 指挥协调和应急联动,
应急人员处置情况, 装备适用性, 改进建议).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from musterpoint.scenarios.errors import MusterError
from musterpoint.sim.timefmt import as_seconds, format_clock, format_hmm

__all__ = [
    "CHROMIUM",
    "LABELS",
    "PdfUnavailable",
    "decision_sentence",
    "render_after_action",
    "write_after_action",
    "write_pdf",
]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE = "after_action.html.j2"
#: The browser that prints the PDF (Debian's package ``chromium``).
CHROMIUM = Path("/usr/bin/chromium")


class PdfUnavailable(MusterError):
    """The PDF cannot be made here (no Chromium); the HTML report is still there."""


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


def _lab(lang: str) -> dict[str, str]:
    k = 1 if lang.startswith("zh") else 0
    return {key: v[k] for key, v in LABELS.items()}


def _num(x: Any, digits: int = 0) -> str:
    v = as_seconds(x)
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def _list(ids: Any, lang: str, unit_zh: str = "个") -> str:
    items = [str(i) for i in ids] if isinstance(ids, list) else [str(ids)]
    sep = "、" if lang.startswith("zh") else ", "
    if len(items) > 3:
        rest = len(items) - 3
        return sep.join(items[:3]) + (f"等{len(items)}{unit_zh}" if lang.startswith("zh")
                                      else f" and {rest} more")
    return sep.join(items)


def _what(kind: str, args: Mapping[str, Any], lang: str, shelters: Mapping[str, str]) -> str:
    """A command in words: "opening shelter PUCRS campus"."""
    zh = lang.startswith("zh")
    if kind in _VERBS:
        fmt = _VERBS[kind][1 if zh else 0]
        vals = {
            "shelter": shelters.get(str(args.get("shelter")), str(args.get("shelter", ""))),
            "capacity": _num(args.get("capacity")),
            "links": _list(args.get("links", []), lang, "条"),
            "zones": _list(args.get("zones", []), lang),
            "factor": args.get("factor", ""),
        }
        return fmt.format(**vals)
    shown = json.dumps(dict(args), ensure_ascii=False, sort_keys=True)
    return f"{kind} {shown}" if args else kind


def _effect_phrases(effects: list[dict[str, Any]], lang: str) -> list[str]:
    zh = lang.startswith("zh")
    by = {e["kpi"]: e for e in effects}
    out: list[str] = []
    exp = by.get("evacuation.exposed_person_h")
    d = exp["difference"] if exp else None
    if d is not None and abs(d) >= 0.5:
        amount = _num(abs(d))
        if d < 0:
            out.append(f"使暴露减少{amount}人时" if zh
                       else f"cut exposure by {amount} person-hours")
        else:
            out.append(f"使暴露增加{amount}人时" if zh
                       else f"raised exposure by {amount} person-hours")
    arr = by.get("evacuation.arrived")
    d = arr["difference"] if arr else None
    if d:
        n = _num(abs(d))
        if d > 0:
            out.append(f"多{n}人到达避难所" if zh else f"brought {n} more people to a shelter")
        else:
            out.append(f"少{n}人到达避难所" if zh else f"brought {n} fewer people to a shelter")
    st = by.get("evacuation.stranded")
    d = st["difference"] if st else None
    if d:
        n = _num(abs(d))
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
    what = _what(str(decision.get("kind", "")), decision.get("args") or {}, lang, shelters or {})
    when = format_hmm(decision.get("sim_time_s"))
    effects = decision.get("effects")
    if effects is None:
        return (f"{when}，{what}：未逐项评估。" if zh else
                f"{what[:1].upper()}{what[1:]} at {when}: not attributed one by one.")
    phrases = _effect_phrases(list(effects), lang)
    if zh:
        body = "，".join(phrases) if phrases else "对主要指标没有可见影响"
        return f"{when}，{what}，{body}。"
    if not phrases:
        body = "made no visible difference to the main figures"
    elif len(phrases) == 1:
        body = phrases[0]
    else:
        body = ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"{what[:1].upper()}{what[1:]} at {when} {body}."


def _kpi_value(path: str, v: Any) -> str:
    if v is None:
        return "—"
    if path.endswith("_s"):
        return format_hmm(v)
    if path.endswith("_h") or path.endswith("_km"):
        return _num(v, 1)
    if isinstance(v, float) and not float(v).is_integer():
        return _num(v, 2)
    return _num(v)


def _kpi_rows(rows: list[dict[str, Any]], lang: str,
              lab: Mapping[str, str]) -> list[dict[str, str]]:
    zh = 1 if lang.startswith("zh") else 0
    out = []
    for r in rows:
        path = r["kpi"]
        name = KPI_NAMES.get(path, (path, path))[zh]
        d = r["difference"]
        if path.endswith("_s") and d is not None:
            diff = ("-" if d < 0 else "+") + format_hmm(abs(d))
        elif d is not None:
            diff = f"{d:+,.1f}" if path.endswith(("_h", "_km")) or not float(d).is_integer() \
                else f"{d:+,.0f}"
        else:
            diff = "—"
        better = r.get("better")
        out.append({"name": name, "with": _kpi_value(path, r["with"]),
                    "without": _kpi_value(path, r["without"]), "diff": diff,
                    "judgement": (lab["same"] if not d and better is None else
                                  lab["better"] if better else lab["worse"]
                                  if better is False else ""),
                    "cls": "better" if better else "worse" if better is False else ""})
    return out


def _utc(iso: Any) -> str:
    """``2026-05-03 09:12`` from a recorded ISO UTC time."""
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(str(iso)).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(iso)


def _standard_value(v: Any, kpi: str, missing: str = "not reached") -> str:
    if v is None:
        return missing
    return format_hmm(v) if kpi.endswith("_s") else _num(v, 2 if abs(float(v)) < 10 else 0)


def _context(aar: Mapping[str, Any], lang: str) -> dict[str, Any]:
    lab = _lab(lang)
    zh = lang.startswith("zh")
    meta = aar["meta"]
    start, tz = meta.get("start"), meta.get("timezone")
    shelters = {s["id"]: s["name"] for s in aar.get("shelters", [])}
    script = {s["id"]: s for s in aar.get("script", [])}

    def pick(text: Any) -> str:
        if isinstance(text, Mapping):
            return str((text.get("zh") if zh else None) or text.get("en") or "")
        return "" if text is None else str(text)

    timeline = []
    for r in aar["timeline"]:
        what = ""
        if r["type"] in ("inject", "decision"):
            inj = script.get(r["inject_id"]) if r["inject_id"] else None
            title = pick(inj["title"]) if inj else r["title"]
            cmd = _what(r["kind"], r["args"], lang, shelters) if r["kind"] else ""
            what = " — ".join(x for x in (title, cmd) if x)
        elif r["type"] == "note":
            what = f"[{LABELS.get(r['title'], (r['title'], r['title']))[1 if zh else 0]}] " \
                if r["title"] in LABELS else f"[{r['title']}] "
        elif r["type"] == "clock":
            args = r["args"]
            what = r["kind"] + (f" +{args['minutes']:g} min" if "minutes" in args else "") + \
                (f" → {format_hmm(args['time_s'])}" if "time_s" in args else "") + \
                (f" ×{args['speed']:g}" if "speed" in args else "")
        timeline.append({"seq": r["seq"], "time": format_hmm(r["sim_time_s"]),
                         "clock": format_clock(start, tz, r["sim_time_s"]),
                         "role": lab.get(r["role"], r["role"]),
                         "role_key": r["role"], "type": lab.get(r["type"], r["type"]),
                         "type_key": r["type"], "what": what, "rationale": r["rationale"],
                         "actor": r["actor"]})
    decisions = [{"sentence": decision_sentence(d, lang, shelters), "seq": d["seq"],
                  "time": format_hmm(d["sim_time_s"]), "rationale": d["rationale"],
                  "actor": d["actor"]} for d in aar["decisions"]]
    phrases = _effect_phrases(list(aar["differences"]), lang)
    n = len(aar["decisions"])
    if n:
        joined = ("，".join(phrases) if zh else (", ".join(phrases[:-1]) + " and " +
                                                 phrases[-1] if len(phrases) > 1 else
                                                 "".join(phrases)))
        none_zh = "对主要指标没有可见影响"
        none_en = "made no visible difference to the main figures"
        summary = (f"参演人员共作出{n}项决策，与不作任何决策相比，{joined or none_zh}。"
                   if zh else f"The participants' {n} decision{'s' if n > 1 else ''}, "
                   f"against none at all, {joined or none_en}.")
    else:
        summary = lab["no_decisions"]
    standards = [{"label": pick(s["label"]), "id": s["id"],
                  "target": f"{s['kpi']} {s['op']} {_standard_value(s['threshold'], s['kpi'])}",
                  "value": _standard_value(s["value"], s["kpi"], lab["not_reached"]),
                  "met": s["met"],
                  "cf_value": _standard_value(s["cf_value"], s["kpi"], lab["not_reached"]),
                  "cf_met": s["cf_met"], "failing": ", ".join(s.get("failing") or [])}
                 for s in aar["standards"]]
    tasks = []
    by_seq = {r["seq"]: r for r in aar["timeline"]}
    for tsk in aar["critical_tasks"]:
        inj = script.get(tsk["inject_id"]) if tsk["inject_id"] else None
        resp = []
        for seq in tsk["responses"]:
            r = by_seq.get(seq)
            if r:
                resp.append(f"{format_hmm(r['sim_time_s'])} "
                            f"{_what(r['kind'], r['args'], lang, shelters)}"
                            + (f" ({r['actor']})" if r["actor"] else ""))
        tasks.append({"time": format_hmm(tsk["time_s"]),
                      "title": pick(inj["title"]) if inj else tsk["title"],
                      "expected": pick(tsk["expected_action"]) or "—",
                      "responses": resp,
                      "first": format_hmm(tsk["first_response_s"])
                      if tsk["first_response_s"] is not None else lab["none_recorded"]})
    notes: dict[str, list[dict[str, str]]] = {}
    for note in aar["notes"]:
        notes.setdefault(note["title"], []).append(
            {"time": format_hmm(note["sim_time_s"]), "text": note["rationale"],
             "actor": note["actor"], "role": lab.get(note["role"], note["role"])})
    improvements = []
    for it in aar["improvements"]:
        src = it["source"]
        if src == "observer":
            issue = pick(it["issue"])
        elif src == "standard":
            issue = lab["item_standard"].format(
                label=pick(it["label"]),
                value=_standard_value(it["value"], it["kpi"], lab["not_reached"]),
                op=it["op"], threshold=_standard_value(it["threshold"], it["kpi"]))
        elif src == "task":
            inj = script.get(it["inject_id"])
            issue = lab["item_task"].format(title=pick(inj["title"]) if inj else it["title"],
                                            expected=pick(it["expected_action"]))
        elif it.get("kpi") == "evacuation.stranded":
            issue = lab["item_stranded"].format(value=_num(it["value"]))
        else:
            issue = lab["item_never"].format(value=_num(it["value"]))
        improvements.append({"issue": issue, "owner": it.get("owner") or lab["to_agree"]})
    coord = aar["coordination"]
    fired = sum(1 for s in aar["script"] if s["fired_seq"])
    trainer_injects = sum(1 for r in aar["timeline"] if r["type"] == "inject"
                          and r["role"] == "trainer" and not r["inject_id"])
    equipment = []
    for name, fam in aar["equipment"].items():
        w, wo = fam.get("with") or {}, fam.get("without") or {}
        rows = [{"key": k, "with": _kpi_value(k, w.get(k)), "without": _kpi_value(k, wo.get(k))}
                for k in w if isinstance(w.get(k), int | float) and not isinstance(w.get(k), bool)]
        equipment.append({"name": name, "rows": rows})
    title = (meta.get("scenario_title_zh") if zh else None) or meta.get("scenario_title") \
        or meta.get("scenario", "")
    plan_title = (meta.get("plan_title_zh") if zh else None) or meta.get("plan_title") or \
        meta.get("plan", "")
    return {
        "lang": "zh-Hans" if zh else "en",
        "lab": lab,
        "title": title,
        "plan_title": plan_title,
        "plan": meta.get("plan", ""),
        "seed": meta.get("seed"),
        "session": Path(str(meta.get("session", ""))).name,
        "wall_start": _utc(coord.get("wall_start")),
        "wall_end": _utc(coord.get("wall_end")),
        "stopped": f"{format_hmm(meta.get('stopped_at_s'))} "
                   f"({format_clock(start, tz, meta.get('stopped_at_s') or 0)})",
        "scenario_end": f"{format_hmm(meta.get('duration_s'))} "
                        f"({format_clock(start, tz, meta.get('duration_s') or 0)})",
        "summary": summary,
        "timeline": timeline,
        "kpi_rows": _kpi_rows(list(aar["differences"]), lang, lab),
        "decisions": decisions,
        "standards": standards,
        "tasks": tasks,
        "notes": notes,
        "improvements": improvements,
        "coord": {
            "by_actor": sorted(coord["by_actor"].items()),
            "by_kind": sorted(coord["by_kind"].items()),
            "mean_response": format_hmm(coord["mean_response_s"]),
            "max_response": format_hmm(coord["max_response_s"]),
            "unanswered": coord["unanswered"],
        },
        "execution": {"fired": fired, "script": len(aar["script"]),
                      "trainer_injects": trainer_injects, "decisions": coord["decisions"],
                      "notes": len(aar["notes"]),
                      "span": format_hmm(meta.get("stopped_at_s"))},
        "equipment": equipment,
        "warnings": list(meta.get("warnings") or []),
        "version": meta.get("version", ""),
        "attribution": list(meta.get("attribution") or []),
    }


def render_after_action(aar: Mapping[str, Any], lang: str = "en") -> str:
    """The after-action report as one HTML page.

    Parameters
    ----------
    aar : mapping
        :func:`musterpoint.sim.drill.after_action` output.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    str
        Self-contained HTML (inline CSS, no script); all scenario and user text escaped.
    """
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(_TEMPLATE).render(**_context(aar, lang))


def write_after_action(aar: Mapping[str, Any], path: str | Path, lang: str = "en") -> Path:
    """Write the HTML after-action report to ``path`` (folders are created)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_after_action(aar, lang), encoding="utf-8")
    return p


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: Path = CHROMIUM,
              timeout_s: float = 90.0) -> Path:
    """Print an HTML file to PDF with headless Chromium.

    Parameters
    ----------
    html_path : str or Path
        The report.
    pdf_path : str or Path
        Where to write the PDF.
    chromium : Path
        The browser (Debian's ``/usr/bin/chromium`` by default).
    timeout_s : float
        Longest wait for the browser.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PdfUnavailable
        When there is no Chromium, or it did not print.
    """
    exe = Path(chromium)
    if not exe.is_file():
        raise PdfUnavailable(f"PDF unavailable: no Chromium at {exe} (install Debian's "
                             "'chromium' package); the HTML report is complete without it")
    src = Path(html_path).resolve()
    out = Path(pdf_path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="muster-pdf-"))
    try:
        cmd = [str(exe), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--no-first-run", f"--user-data-dir={profile}", "--no-pdf-header-footer",
               "--print-to-pdf-no-header", f"--print-to-pdf={out}", src.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PdfUnavailable(f"PDF unavailable: Chromium failed ({exc})") from exc
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not out.is_file() or out.stat().st_size == 0:
        logger.warning("chromium said: %s", proc.stderr[-2000:])
        raise PdfUnavailable(f"PDF unavailable: Chromium did not print (exit {proc.returncode})")
    return out
