"""Labels of the run map, in English and Simplified Chinese."""

from __future__ import annotations

__all__ = ["TEXT"]

#: Label key -> (English, Simplified Chinese).
TEXT: dict[str, tuple[str, str]] = {
    "flood": ("Flooded area (time slider)", "淹没范围（时间滑块）"),
    "plume": ("Danger zone: chemical plume (time slider)", "危险区：化学烟羽（时间滑块）"),
    "bottleneck": ("Bottleneck links that set the network's limit",
                   "决定路网极限的瓶颈路段"),
    "hazard": ("Hazard area: {kind} (time slider)", "危险区域：{kind}（时间滑块）"),
    "links": ("Congestion over time (link occupancy, time slider)", "拥堵随时间变化（路段占用率）"),
    "links_filtered": (
        "Congestion over time: only links ≥30% full or closed ({kept:,} of {total:,} rows)",
        "拥堵随时间变化：仅显示占用率≥30%或封闭的路段（{kept:,} / {total:,} 行）",
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
    "full": ("full", "已满"),
    "free": ("free (<30%)", "畅通（<30%）"),
    "busy": ("busy (30–70%)", "繁忙（30–70%）"),
    "jammed": ("jammed (≥70%)", "拥堵（≥70%）"),
    "closed": ("closed", "封闭"),
    "congestion": ("Congestion", "拥堵"),
    "share": ("Share evacuated", "已疏散比例"),
    "data": ("Data", "数据"),
    "order_ref": ("first order", "首次疏散令"),
}
