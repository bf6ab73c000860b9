"""Labels of the run map, in English and Simplified Chinese."""

from __future__ import annotations

__all__ = ["REASONS", "REASON_PREFIXES", "TEXT"]

#: Label key -> (English, Simplified Chinese).
TEXT: dict[str, tuple[str, str]] = {
    "flood": ("Flooded area (time slider)", "淹没范围（时间滑块）"),
    "plume": ("Danger zone: chemical plume (time slider)", "危险区：化学烟羽（时间滑块）"),
    "bottleneck": ("Bottleneck links that set the network's limit",
                   "决定路网极限的瓶颈路段"),
    "hazard": ("Hazard area: {kind} (time slider)", "危险区域：{kind}（时间滑块）"),
    "links": ("Congestion over time (link occupancy, time slider)", "拥堵随时间变化（路段占用率）"),
    "links_filtered": (
        "Congestion over time (roads ≥30 % full or closed)",
        "拥堵随时间变化（仅显示占用率≥30%或封闭的路段）",
    ),
    "zones": ("Zones: share evacuated at end", "区域：结束时已疏散比例"),
    "shelters": ("Shelters", "避难所"),
    "zone": ("Zone", "区域"),
    "population": ("Population", "人口"),
    "evacuees": ("Evacuees", "疏散人数"),
    "arrived": ("Arrived", "已到达"),
    "order": ("Order time", "疏散令时间"),
    "not_reached": ("not reached", "未达到"),
    "name": ("Name", "名称"),
    "link": ("Link", "路段"),
    "peak": ("peak", "峰值"),
    "flood_level": ("Flood level", "水位"),
    "capacity": ("Capacity", "容量"),
    "occupancy_end": ("Occupancy at end", "结束时人数"),
    "full": ("{p} full", "已满{p}"),
    "free": ("free (<30%)", "畅通（<30%）"),
    "busy": ("busy (30–70%)", "繁忙（30–70%）"),
    "jammed": ("jammed (≥70%)", "拥堵（≥70%）"),
    "closed": ("closed", "封闭"),
    "congestion": ("Road occupancy", "路段占用率"),
    "colon": (": ", "："),
    "paren": (" ({x})", "（{x}）"),
    "paren_open": (" (", "（"),
    "paren_close": (")", "）"),
    "semicolon": ("; ", "；"),
    "share": ("Share evacuated", "已疏散比例"),
    "data": ("Data", "数据"),
    "order_ref": ("first order", "首次疏散令"),
    "roads": ("Roads (from the network)", "道路（来自路网）"),
    "flood_area": ("Flooded area", "淹没范围"),
    "plume_area": ("Danger zone (plume)", "危险区（烟羽）"),
    "shelter": ("Shelter", "避难所"),
    "bottleneck_short": ("Bottleneck", "瓶颈路段"),
    "legend_map": ("Map", "地图"),
    "plan": ("Plan", "方案"),
    "seed": ("seed", "随机种子"),
    "start": ("start", "开始"),
    "simulated": ("{h} simulated", "模拟时长{h}"),
    "persons": ("{n} people", "{n}人"),
    "places": ("{n} places", "{n}个床位"),
    "vehicles": ("{n} vehicles", "{n}辆"),
    "summary": ("{evac} to evacuate: {arrived} reached a shelter ({share})",
                "需疏散{evac}：{arrived}抵达避难所（{share}）"),
    "not_out": ("{n} did not: {reasons}", "{n}未抵达：{reasons}"),
    "stranded": ("Stranded", "受困"),
    "stranded_note": ("stranded: set out but reached no shelter",
                      "受困：已出发但未抵达任何避难所"),
    "never_departed": ("Never departed", "未出发"),
    "never_note": ("never departed: did not leave home", "未出发：未离开住所"),
    "sheltering_in_place": ("Sheltering in place", "就地避险"),
    "sheltering_note": ("sheltering in place: cut off at home when ordered out; needs rescue",
                        "就地避险：疏散令下达时被困家中，需要救援"),
    "en_route": ("En route at end", "结束时仍在途中"),
    "reasons": ("reasons", "原因"),
    "ete_note": ("ETE50/90/100: time after this zone's order until 50/90/100 % of its "
                 "evacuees reached a shelter",
                 "ETE50/90/100（疏散时间估计）：本区疏散令发出后，50%/90%/100%的疏散人员抵达避难所所用时间"),
    "occupancy_note": ("occupancy: vehicles on the road as a share of what it can hold",
                       "占用率：路段上车辆数占其容纳量的比例"),
    "bottleneck_note": ("its capacity limits how fast the whole area can be cleared",
                        "其通行能力限制了整个区域的最快清空速度"),
    "street": ("Street", "街道"),
    "unnamed": ("unnamed road", "无名道路"),
    "capacity_vph": ("Capacity", "通行能力"),
    "vph": ("{n} vehicles/h", "{n}辆/小时"),
    "hours_min": ("{h} h {m:02d} min", "{h}小时{m:02d}分"),
    "minutes": ("{m} min", "{m}分钟"),
    "after_start": ("{d} after the start", "开始后{d}"),
    "h_unit": (" h ", "小时"),
    "min_unit": (" min", "分"),
    "flood_from": ("Flooded from", "开始淹没"),
}

#: Reason recorded in ``agents.reason`` -> (short English, Chinese) for the map's text.
REASONS: dict[str, tuple[str, str]] = {
    "no transport (needs a bus or a ride)": ("no transport", "无交通工具"),
    "no open route from the origin": ("cut off (no open road out)", "被困（无可通行道路）"),
    "no open route to any destination": ("no open road to any shelter", "无通往避难所的可通行道路"),
    "cut off at home: no road reopened before the end": (
        "cut off at home (no road reopened)", "被困家中（道路未重新开放）"),
    "cut off on the road: no road reopened before the end": (
        "cut off on the way (no road reopened)", "途中被阻断（道路未重新开放）"),
    "cut off at home: gave up waiting for a road to reopen": (
        "cut off at home (gave up waiting)", "被困家中（放弃等待）"),
    "cut off on the road: gave up waiting for a road to reopen": (
        "cut off on the way (gave up waiting)", "途中被阻断（放弃等待）"),
    "shelter full (on foot)": ("shelter full (on foot)", "避难所已满（步行）"),
    "cut off at home at the order: sheltering in place / needs rescue": (
        "cut off at home, needs rescue", "被困家中，需救援"),
    "every shelter full": ("every shelter full", "所有避难所已满"),
    "shelter full at opening": ("shelter full", "避难所已满"),
    "waiting to enter the road": ("waiting to enter the road", "等待驶入道路"),
    "on the road": ("still on the road", "仍在路上"),
    "no transport: waiting for the bus": ("waiting for a bus", "等候巴士"),
    "on a bus": ("still on a bus", "仍在巴士上"),
    "waiting for the shelter to open": ("waiting for the shelter to open", "等候避难所开放"),
    "not ordered": ("zone not ordered out", "所在区域未下达疏散令"),
    "after the end": ("leaves after the end of the run", "出发时间晚于模拟结束"),
    "": ("no reason recorded", "未记录原因"),
}

#: Reason prefix (the rest names a place or a cause) -> (English, Chinese) with ``{rest}``.
REASON_PREFIXES: dict[str, tuple[str, str]] = {
    "waiting at pickup point ": ("waiting at bus stop {rest}", "在上车点{rest}等候"),
    "on a bus: ": ("on a bus that could go no further ({rest})", "所乘巴士无法继续行驶（{rest}）"),
}
