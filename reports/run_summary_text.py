"""Words of the reports' first screen ("did this plan work?"), in English and Chinese.

``LABELS`` holds the sentences (``str.format`` fields in braces); ``REASONS`` turns the
engine's reasons (column ``reason`` of ``agents.parquet``) into plain words; ``PREFIXES``
does the same for reasons that carry an id after a fixed prefix. Each entry is an
``(English, Simplified Chinese)`` pair, as in the other ``*_text`` modules of reports.
"""

from __future__ import annotations

__all__ = ["LABELS", "PREFIXES", "REASONS", "STATUS"]

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = {
    "verdict": ("Did this plan work?", "这个方案管用吗？"),
    "yes": ("Yes: every service standard is met.", "是：所有服务标准均已达标。"),
    "no": ("Not fully: {missed} of {n} service standards are missed.",
           "未完全达到：{n}项服务标准中有{missed}项未达标。"),
    "no_standards": ("No service standards are set, so the figures below are the answer.",
                     "未设定服务标准，请根据以下数字判断。"),
    "got_out": ("{arrived} of {evacuees} evacuees ({share}) reached a shelter by the end "
                "of the run ({duration} after the start).",
                "{evacuees}名疏散人员中有{arrived}人（{share}）在模拟结束前（开始后{duration}）"
                "抵达避难所。"),
    "half_out": ("Half of them were at a shelter {ete50} after the first evacuation order.",
                 "首次疏散令发布后{ete50}，半数人员已抵达避难所。"),
    "all_out": ("Everybody was at a shelter {ete100} after the first evacuation order.",
                "首次疏散令发布后{ete100}，全部人员均已抵达避难所。"),
    "who_not": ("Who did not get out, and why", "谁没有撤出，为什么"),
    "everyone_out": ("Everybody reached a shelter.", "所有人员均已抵达避难所。"),
    "persons": ("Persons", "人数"),
    "share": ("Share of evacuees", "占疏散人员比例"),
    "state": ("At the end of the run", "模拟结束时"),
    "why": ("Why", "原因"),
    "no_reasons": ("The reasons are not in this run (no agents table).",
                   "本次运行没有记录原因（缺少 agents 表）。"),
    "reasons_source": ("Reasons as recorded for each household in agents.parquet.",
                       "原因取自 agents.parquet 中每户的记录。"),
    "standards": ("Service standards", "服务标准"),
    "this_run": ("this run: {value}", "本次：{value}"),
    "required": ("required: {op} {threshold}", "要求：{op} {threshold}"),
    "missed_in": ("missed in {n} zones: {zones}", "{n}个区域未达标：{zones}"),
    "met": ("met", "达标"),
    "missed": ("missed", "未达标"),
    "not_reached": ("not reached", "未达到"),
    "why_not_reached": ("Why a figure says \"not reached\"", "为什么有的数字显示“未达到”"),
    "ete_term": ("ETE{p}, the time until {p} % of the evacuees are at a shelter",
                 "ETE{p}（{p}%疏散人员抵达避难所所需的时间）"),
    "not_reached_because": (
        "{term}, is not reached: by the end only {share} had arrived. The other {rest} "
        "people are stranded, still on their way or never left (see the reasons above), "
        "and they are still counted among the evacuees.",
        "{term}未达到：到模拟结束时只有{share}的人员抵达。其余{rest}人受困、仍在途中或"
        "从未出发（原因见上表），但仍计入疏散人数。"),
    "same_reason": ("{term}, is not reached either, for the same reason.",
                    "{term}也因同样原因未达到。"),
    "bound_cap": (
        "No plan could reach it with these people on this network: at best {best} can get "
        "out (the network's limit, computed by the flow bound).",
        "在现有人员和路网条件下，任何方案都无法达到：最多只有{best}的人员能够撤出"
        "（由最快流下界计算的路网极限）。"),
    "open": ("(", "（"),
    "close": (")", "）"),
    "space": (" ", ""),
    "more_zones": ("and {n} more", "等{n}个"),
}

#: Final state of an agent (column ``status``) -> (English, Chinese).
STATUS: dict[str, tuple[str, str]] = {
    "stranded": ("stranded", "受困"),
    "never_departed": ("never left home", "未出发"),
    "sheltering_in_place": ("sheltering in place (needs rescue)", "就地避险（需救援）"),
    "en_route": ("still on the way", "仍在途中"),
    "arrived": ("at a shelter", "已抵达避难所"),
}

#: Engine reason (column ``reason`` of agents.parquet) -> plain words (English, Chinese).
REASONS: dict[str, tuple[str, str]] = {
    "no transport (needs a bus or a ride)": (
        "no car in the household, and no bus in this plan picks them up",
        "家中无车，本方案也没有巴士接送"),
    "no transport: waiting for the bus": (
        "no car; waiting for a bus that had not come by the end",
        "家中无车，等候的巴士到模拟结束仍未到达"),
    "no open route from the origin": (
        "cut off at home: every road out was in the hazard or closed when they tried to leave",
        "被困家中：准备出发时所有离开的道路均在危险区内或已封闭"),
    "no open route to any destination": (
        "cut off on the way: no open road led to any shelter",
        "途中被阻断：没有通往任何避难所的开放道路"),
    "cut off at home: no road reopened before the end": (
        "cut off at home: they waited, but no road out reopened before the end",
        "被困家中：一直等待，但到模拟结束仍无离开的道路重新开放"),
    "cut off on the road: no road reopened before the end": (
        "cut off on the way: they waited where they were, but no road reopened before the end",
        "途中被阻断：原地等待，但到模拟结束仍无道路重新开放"),
    "cut off at home: gave up waiting for a road to reopen": (
        "cut off at home: they gave up waiting for a road out to reopen (the plan's give-up time)",
        "被困家中：等待道路重新开放超过方案规定的放弃时间"),
    "cut off on the road: gave up waiting for a road to reopen": (
        "cut off on the way: they gave up waiting for a road to reopen (the plan's give-up time)",
        "途中被阻断：等待道路重新开放超过方案规定的放弃时间"),
    "shelter full (on foot)": ("walking: every shelter they could reach on foot was full",
                               "步行：步行可到达的避难所均已满员"),
    "cut off at home at the order: sheltering in place / needs rescue": (
        "every road out was in the hazard when their zone was ordered out; they stay at home "
        "and need rescue", "疏散令下达时所有离开的道路均在危险区内；留在家中，需要救援"),
    "every shelter full": ("every shelter they could reach was full",
                           "可到达的避难所均已满员"),
    "shelter full at opening": ("their shelter was already full when it opened",
                                "避难所开放时已满员"),
    "waiting to enter the road": ("still queuing to get onto the road at the end",
                                  "模拟结束时仍在排队驶入道路"),
    "on the road": ("still driving at the end of the run", "模拟结束时仍在路上行驶"),
    "on a bus": ("still on a bus at the end of the run", "模拟结束时仍在巴士上"),
    "not ordered": ("their zone was never ordered out", "所在区域未下达疏散令"),
    "after the end": ("their departure time comes after the end of the run",
                      "出发时间晚于模拟结束时间"),
    "": ("no reason recorded", "未记录原因"),
}

#: Reason prefix -> plain words with ``{rest}`` for the text after the prefix.
PREFIXES: dict[str, tuple[str, str]] = {
    "waiting at pickup point ": ("waiting at bus pickup point {rest} at the end",
                                 "模拟结束时仍在上车点{rest}等候"),
    "on a bus: ": ("on a bus that could go no further ({rest})",
                   "所乘巴士无法继续行驶（{rest}）"),
}
