"""The words of the contingency-plan document (应急预案), in Chinese and English.

Headings follow the structure of a 专项应急预案 under 《突发事件应急预案管理办法》
(2024). An office can replace any text with its own wording: a ``wording.yaml`` in the
template folder maps a key of :data:`WORDS` to ``{zh: ..., en: ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PLACEHOLDER", "WORDS", "words_for"]

#: Marks a field the plan does not fill (to be completed by the office).
PLACEHOLDER = {"zh": "【待填写】", "en": "[to be completed]"}

WORDS: dict[str, tuple[str, str]] = {
    "doc_title": ("{title}专项应急预案", "Contingency plan: {title}"),
    "doc_sub": ("预案方案：{plan}", "Plan: {plan}"),
    "s1": ("1 总则", "1 General provisions"),
    "s1_1": ("1.1 编制目的", "1.1 Purpose"),
    "s1_1_t": ("为科学、有序、高效应对{title}，最大限度减少人员伤亡，依据模拟检验结果制定本预案。",
               "To respond to {title} in order and in time and to keep people safe, this plan "
               "was written and tested by simulation."),
    "s1_2": ("1.2 编制依据", "1.2 Basis"),
    "s1_2_t": ("《中华人民共和国突发事件应对法》《突发事件应急预案管理办法》（2024年）"
               "及相关法律法规。",
               "The emergency response law of the jurisdiction and its rules for contingency "
               "plans (in China: the Emergency Response Law and the 2024 Measures for the "
               "Administration of Emergency Plans)."),
    "s1_3": ("1.3 适用范围", "1.3 Scope"),
    "s1_3_t": ("本预案适用于{area}。", "This plan applies to {area}."),
    "s1_4": ("1.4 工作原则", "1.4 Principles"),
    "s1_4_t": ("人民至上、生命至上；统一领导、分级负责；预防为主、快速反应；依据监测预警分级响应。",
               "Life first; one command, responsibilities by level; prevention and fast "
               "response; levels declared on monitored and forecast conditions."),
    "s2": ("2 组织指挥体系与职责", "2 Command structure and responsibilities"),
    "role_cols": ("职责单位|主要职责|联系方式", "Body|Duties|Contact"),
    "s3": ("3 风险评估与情景", "3 Risk assessment and scenario"),
    "s3_1": ("3.1 灾害情景", "3.1 Hazard scenario"),
    "s3_2": ("3.2 受威胁区域与人口", "3.2 Area and population at risk"),
    "zone_cols": ("区域|最低地面高程（米）|常住人口|需疏散人口",
                  "Zone|Lowest ground (m)|Residents|To evacuate"),
    "zones_total": ("共{n}个区域，需疏散{people}人。", "{n} zones; {people} persons to evacuate."),
    "stage_cols": ("时间（小时）|水位（米）", "Time (h)|Water level (m)"),
    "s4": ("4 监测预警", "4 Monitoring and warning"),
    "gauge_cols": ("监测点|类型|单位", "Station|Kind|Unit"),
    "fc_cols": ("预报|监测点|发布时间（小时）|滞后（小时）|偏差",
                "Forecast|Station|Issued (h)|Late by (h)|Bias"),
    "stage": ("水位", "river stage"),
    "concentration": ("浓度", "concentration"),
    "s5": ("5 应急响应", "5 Emergency response"),
    "s5_t": ("本预案设一级（最高）至四级响应，达到启动条件即启动相应级别并采取下列措施；"
             "条件解除后降级。", "Levels run from I (most severe) to IV; a level is declared "
             "when its activation conditions hold and its actions are taken; it is stood down "
             "when they no longer hold."),
    "level_cols": ("响应级别|启动条件|主要措施|责任单位",
                   "Level|Activation conditions|Actions|Responsible"),
    "no_levels": ("本方案按固定时间下达疏散令（未设响应分级）：", "This plan orders zones out at "
                  "fixed times (no response levels):"),
    "stage_row": ("第{h}小时：{what}", "hour {h}: {what}"),
    "s5_targets": ("5.{k} 响应目标（量化指标）", "5.{k} Response targets (quantified indicators)"),
    "std_cols": ("指标|要求", "Indicator|Requirement"),
    "s6": ("6 应急保障", "6 Support"),
    "s6_1": ("6.1 疏散安置", "6.1 Evacuation and shelter"),
    "shelter_cols": ("避难场所|容量（人）|位置（经度，纬度）|地址",
                     "Shelter|Capacity (persons)|Location (lon, lat)|Address"),
    "s6_2": ("6.2 交通运输", "6.2 Transport"),
    "s6_3": ("6.3 物资保障", "6.3 Supplies"),
    "s6_4": ("6.4 医疗卫生", "6.4 Health"),
    "s6_5": ("6.5 通信保障", "6.5 Communications"),
    "none_modelled": ("本方案未模拟此项。", "Not modelled in this plan."),
    "buses": ("{n}辆巴士（每辆{seats}座），{p}个上车点。",
              "{n} buses of {seats} seats; {p} pickup points."),
    "control": ("交通管制点{n}处；逆向车道{c}处。", "{n} traffic control points; {c} contraflow "
                "sections."),
    "relief": ("物资储备点{n}处。", "{n} relief depots."),
    "s7": ("7 后期处置", "7 Recovery"),
    "s7_t": ("险情解除后，组织群众有序返回，开展损失评估、卫生防疫和心理援助，"
             "总结评估应急处置工作。",
             "When the danger has passed: orderly return, damage assessment, public health "
             "and psychological support, and a review of the response."),
    "s8": ("8 预案管理", "8 Plan management"),
    "s8_1": ("8.1 演练与模拟检验", "8.1 Exercises and simulation tests"),
    "s8_1_t": ("本预案经{reps}次重复模拟检验（随机种子{seeds}），与基准方案“{base}”对比；"
               "区间为{conf}置信区间。",
               "The plan was tested in {reps} replications (seeds {seeds}) against the "
               "baseline plan \u201c{base}\u201d; intervals are {conf} confidence intervals."),
    "no_compare": ("尚无模拟检验结果：运行 muster compare 并以 --compare 传入结果目录。",
                   "No simulation evidence yet: run muster compare and pass its folder with "
                   "--compare."),
    "ete_cols": ("方案|指标|均值（分钟）|下限|上限|有效次数",
                 "Plan|Indicator|Mean (min)|Lower|Upper|Runs"),
    "ete50": ("50%人员撤离时间", "ETE 50 %"),
    "ete90": ("90%人员撤离时间", "ETE 90 %"),
    "ete100": ("全部人员撤离时间", "ETE 100 %"),
    "diff_cols": ("对比|指标|差值（分钟，配对）|下限|上限|有效次数",
                  "Plans|Indicator|Difference (min, paired)|Lower|Upper|Runs"),
    "share_cols": ("方案|指标|达标比例|下限|上限|判定",
                   "Plan|Standard|Share met|Lower|Upper|Verdict"),
    "zone_ete_cols": ("区域|方案|50%撤离时间（分钟）|滞留人数|未出发人数",
                      "Zone|Plan|ETE 50 % (min)|Stranded|Never departed"),
    "s8_2": ("8.2 预案修订", "8.2 Revision"),
    "s8_2_t": ("预案每三年至少评估一次；情景、组织或资源发生重大变化时及时修订。",
               "The plan is reviewed at least every three years and revised when the "
               "scenario, organisation or resources change."),
    "s9": ("9 附件", "9 Annexes"),
    "a1": ("附件1 假设与数据来源", "Annex 1 Assumptions and data sources"),
    "sources_note": ("情景假设详见情景文件（scenario.yaml）及其说明（README.md）。",
                     "The scenario's assumptions are stated in scenario.yaml and its README.md."),
    "a2": ("附件2 图件", "Annex 2 Figures"),
    "fig_map": ("图1 疏散区域与避难场所", "Figure 1 Zones and shelters"),
    "fig_curve": ("图2 疏散曲线（已抵达避难场所人数比例）",
                  "Figure 2 Evacuation curve (share of evacuees at a shelter)"),
    "a3": ("附件3 预案评估问题清单", "Annex 3 Plan review checklist"),
    "chk_std": ("“{plan}”未稳定达到“{std}”（达标比例{share}）。",
                "\u201c{plan}\u201d does not always meet \u201c{std}\u201d (met in {share})."),
    "chk_zone": ("区域{zone}在“{plan}”下平均仍有{n}人滞留或未出发。",
                 "Zone {zone} under \u201c{plan}\u201d: {n} persons stranded or never departed "
                 "on average."),
    "chk_transport": ("“{plan}”平均有{n}人未能出发（无交通工具或未接到疏散令）。",
                      "\u201c{plan}\u201d: {n} persons on average never departed (no transport "
                      "or not ordered)."),
    "chk_run": ("模拟运行（随机种子{seed}）：", "Run (seed {seed}): "),
    "chk_over": ("避难场所{s}超出容量：最多容纳{peak}人，容量{cap}人。",
                 "shelter {s} exceeded its capacity: up to {peak} persons in {cap} places."),
    "chk_full": ("避难场所{s}已满（{cap}人），后到人员须转往其他场所。",
                 "shelter {s} was full ({cap} places); later arrivals had to go elsewhere."),
    "chk_over_none": ("没有避难场所超出容量（最满的是{s}：最多{peak}人，容量{cap}人）。",
                      "no shelter exceeded its capacity (the fullest, {s}: up to {peak} "
                      "persons in {cap} places)."),
    "chk_over_nocap": ("避难场所均未设容量上限，未检查超容。",
                       "no shelter has a capacity limit; over-capacity not checked."),
    "chk_bn_streets": ("流量上界的瓶颈街道：{streets}（{n}个路段；{why}）。",
                       "bottleneck streets of the flow bound: {streets} ({n} links; {why})."),
    "chk_bn_links": ("流量上界的瓶颈路段（无街道名）：{links}（{why}）。",
                     "bottleneck links of the flow bound (no street names): {links} ({why})."),
    "chk_bn_none": ("流量上界未发现道路瓶颈（{why}）。",
                    "the flow bound found no road bottleneck ({why})."),
    "chk_bn_nobound": ("该运行未计算流量上界，未识别瓶颈路段；去掉 --no-bound 重新运行。",
                       "the run has no flow bound, so no bottleneck was identified; run "
                       "again without --no-bound."),
    "limited_network": ("受道路通行能力限制", "limited by road capacity"),
    "limited_shelters": ("受避难场所容量限制", "limited by shelter capacity"),
    "limited_departures": ("受出发时间与自由流行程时间限制",
                           "limited by departure and free-flow times"),
    "chk_no_transport": ("{n}人因无交通工具未能出发（已下达疏散令的区域）。",
                         "{n} persons in ordered zones never left home for want of transport."),
    "chk_by_reason": ("其中：{reasons}。", " By reason: {reasons}."),
    "chk_reason": ("{why}（{n}人）", "{why}: {n}"),
    "chk_not_ordered": ("{n}人所在区域未下达疏散令，未出发。",
                        "{n} persons never left home because their zone was never ordered out."),
    "chk_never_reason": ("{n}人未出发，原因：{why}。", "{n} persons never left home: {why}."),
    "chk_sip": ("{n}人被困家中原地避险（需要救援）。",
                "{n} persons were sheltering in place, cut off at home (need rescue)."),
    "chk_nocmp_run": ("无多次重复模拟对比结果（--compare），未评估标准达标比例；"
                      "以下为单次模拟运行的发现。",
                      "No comparison of replications (--compare): the standards' shares are "
                      "not assessed; the findings below are those of one run."),
    "chk_needs_run": ("避难场所超容、瓶颈街道、无交通工具人员及原地避险人员的检查需要"
                      "一次模拟运行结果（muster run，以 --run 传入）：{ph}",
                      "Shelters over capacity, bottleneck streets, persons without transport "
                      "and persons sheltering in place need a run (muster run, passed with "
                      "--run): {ph}"),
    "fig_bound": ("图{n} 单次模拟的疏散曲线与流量上界（随机种子{seed}）",
                  "Figure {n} Evacuation curve of one run and the flow bound (seed {seed})"),
    "fig_bound_t": ("实线：已抵达避难场所人数占需疏散人数的比例；灰色虚线：已出发比例；"
                    "红色虚线：流量上界，即任何方案在该时刻最多能使多少人抵达安全地点"
                    "（道路通行能力、出发时间与避难场所容量所限）。横轴为情景开始后的小时数。",
                    "Solid: share of evacuees at a shelter; grey dashes: share departed; red "
                    "dashes: the flow bound, the most any plan could have safe by then (road "
                    "capacity, departure times and shelter capacity). Hours after the "
                    "scenario start."),
    "ax_since_start": ("情景开始后的时间（小时）", "hours after the scenario start (h)"),
    "ax_share_evacuees": ("占需疏散人数比例（%）", "share of evacuees (%)"),
    "lg_departed": ("已出发", "departed"),
    "lg_arrived": ("已抵达避难场所", "at a shelter"),
    "lg_bound": ("流量上界", "flow bound"),
    "fig_bound_none": ("图{n} 疏散曲线与流量上界：需要一次模拟运行结果（--run）。{ph}",
                       "Figure {n} Evacuation curve with the flow bound: needs a run "
                       "(--run). {ph}"),
    "chk_none": ("模拟未发现问题。", "The simulation found no weakness."),
    "chk_nocmp": ("无模拟检验结果，无法评估。", "No simulation evidence: not assessed."),
    "met": ("达标", "met"),
    "missed": ("未达标", "missed"),
    "partly": ("部分达标", "partly met"),
    "all_zones": ("全部区域", "every zone"),
    "other_zones": ("其余区域", "the other zones"),
    "zones_le": ("地面高程{m}米及以下区域", "zones at or below {m} m"),
    "zones_list": ("区域{z}", "zones {z}"),
    "order": ("下达疏散令：{what}", "Order out {what}"),
    "for_min": ("持续{m}分钟", "for {m} min"),
    "forecast_of": ("{g}预报（{f}，提前{h}小时）", "{g} forecast ({f}, {h} h ahead)"),
    "occupancy": ("{s}入住率", "{s} occupancy"),
    "link_closed": ("道路{l}封闭", "road {l} closed"),
    "time_cond": ("第{h}小时", "hour {h}"),
    "cases": ("{c}累计感染人数", "infections so far in {c}"),
    "infectious": ("{c}现有传染期人数", "infectious persons now in {c}"),
    "all_compounds": ("全部小区", "all compounds"),
    "any": ("或", "or"),
    "all": ("且", "and"),
    "level_name": ("{name}", "{name}"),
}


def words_for(lang: str, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every text in ``lang`` (``zh`` or ``en``), with an office's ``overrides``."""
    k = 0 if lang.startswith("zh") else 1
    out = {key: pair[k] for key, pair in WORDS.items()}
    for key, val in (overrides or {}).items():
        if isinstance(val, Mapping) and val.get("zh" if k == 0 else "en"):
            out[str(key)] = str(val["zh" if k == 0 else "en"])
        elif isinstance(val, str):
            out[str(key)] = val
    out["placeholder"] = PLACEHOLDER["zh" if k == 0 else "en"]
    return out
