"""The public-health section of the run report (English or Chinese).

:func:`health_section` turns the ``health`` KPI family and the health tables of a
RunResult into one self-contained HTML ``<section>``: the epidemic (with a chart of the
infectious residents and the occupied hospital beds over time), the testing or
vaccination campaign and its sites, the lockdown supply by compound, the hospitals and
ambulances, and the health ledger. Every text from the scenario is escaped. It uses the
run report's CSS classes (``boxes``, ``box``, ``status``, ``secs``, ``chart``).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd
from markupsafe import Markup

from musterpoint.display.html import esc
from musterpoint.display.labels import is_chinese, pick_labels
from musterpoint.reports.charts import COLOURS, Line, line_chart
from musterpoint.sim.result import RunResult

__all__ = ["health_section"]

logger = logging.getLogger(__name__)

_T: dict[str, tuple[str, str]] = {
    "title": ("Public health", "公共卫生"),
    "epidemic": ("Epidemic", "疫情"), "model": ("Model", "模型"),
    "stochastic": ("stochastic (binomial chain)", "随机（二项链）"),
    "deterministic": ("deterministic (ODE)", "确定性（常微分方程）"),
    "r0": ("Basic reproduction number R0", "基本再生数 R0"),
    "population": ("Residents", "居民"), "infections": ("New infections", "新增感染"),
    "attack": ("Attack rate", "罹患率"), "peak": ("Peak infectious (time)", "感染者峰值（时间）"),
    "severe": ("Severe cases", "重症病例"), "tests": ("Tests", "检测人次"),
    "positives": ("Positives found and isolated", "检出并隔离的阳性"),
    "chart": ("Infectious residents and occupied hospital beds", "传染期居民与占用床位"),
    "infectious": ("infectious", "传染期"), "beds": ("beds occupied", "占用床位"),
    "day": ("day", "天"),
    "day_axis": ("Days after the scenario start (d)", "情景开始后的天数（天）"),
    "infectious_axis": ("Infectious residents (persons)", "传染期居民（人）"),
    "beds_axis": ("Hospital beds occupied (beds)", "占用床位（张）"),
    "chart_caption": ("Red: residents who are infectious; blue dashes, right axis: ward and "
                      "intensive-care beds occupied, all hospitals together.",
                      "红线：处于传染期的居民；蓝色虚线（右轴）：各医院普通病床与重症床位占用合计。"),
    "campaign": ("Testing campaign", "核酸检测"), "vaccination": ("Vaccination campaign",
                                                                  "疫苗接种"),
    "target": ("Residents to come", "目标人数"), "served": ("Served", "已服务"),
    "by_deadline": ("Served by the deadline", "截止前完成"),
    "t50": ("Time to 50 % / 90 %", "完成50% / 90%用时"),
    "tis": ("Time at the site, mean / p95", "场内时间，平均/95分位"),
    "throughput": ("Throughput per opening hour (all sites)", "每开放小时通量（全部站点）"),
    "queue_max": ("Longest queue at a station", "单站最长队列"),
    "util": ("Staff utilisation (mean)", "人员利用率（平均）"),
    "no_show": ("No-shows / no slot", "爽约 / 无预约时段"),
    "site": ("Site", "站点"), "assigned": ("Assigned", "分配"),
    "per_hour": ("per hour", "每小时"), "overtime": ("Overtime", "加班"),
    "supply": ("Lockdown supply", "封控物资保供"), "mode": ("Delivery", "配送方式"),
    "gate": ("to every compound gate", "送到各小区门口"),
    "pickup": ("to central pick-up points", "送到集中取货点"),
    "orders": ("Orders placed / delivered", "下单 / 送达"),
    "per_day": ("Households served per day", "每日服务户数"),
    "delay": ("Order to doorstep, mean / p95", "下单到户，平均/95分位"),
    "within24": ("Delivered within 24 h", "24小时内送达"),
    "pending": ("Still waiting at the end", "结束时未送达"),
    "compound": ("Compound", "小区"), "status": ("Status", "状态"),
    "ok": ("ok", "正常"), "strained": ("strained", "紧张"), "failing": ("failing", "失效"),
    "hospitals": ("Hospitals and ambulances", "医院与救护车"),
    "calls": ("Ambulance calls", "救护车呼叫"), "admitted": ("Admitted (ICU)", "收治（重症）"),
    "not_admitted": ("Not admitted", "未能收治"),
    "over": ("Days with patients waiting for a bed", "有患者等床的天数"),
    "response": ("Ambulance response, mean / p90", "救护车响应，平均/90分位"),
    "hospital": ("Hospital", "医院"), "ward": ("Ward beds (peak)", "普通床位（峰值）"),
    "icu": ("ICU beds (peak)", "重症床位（峰值）"),
    "ledger": ("Health ledger", "卫生台账"),
    "ledger_text": ("{checks} checks: every resident in exactly one compartment and one "
                    "place", "{checks} 次检查：每位居民恰在一个状态、一个地点"),
    "balanced": ("balanced", "平衡"), "unbalanced": ("NOT balanced", "不平衡"),
    "compartments": ("By compartment (S E I R V)", "按状态（S E I R V）"),
    "places": ("By place", "按地点"),
}
_PLACES = {"home": ("home", "家中"), "travelling": ("travelling", "途中"),
           "at_site": ("at a site", "检测点"), "ambulance": ("ambulance", "救护车"),
           "hospital": ("hospital", "医院")}



def _num(x: Any, fmt: str = ",.0f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return format(float(x), fmt)


def _dur(s: Any, zh: bool) -> str:
    """Seconds as min, h or d h."""
    if s is None or (isinstance(s, float) and not math.isfinite(s)):
        return "—"
    s = float(s)
    if s < 3600:
        return f"{s / 60:.1f} {'分钟' if zh else 'min'}"
    if s < 86400:
        return f"{s / 3600:.1f} {'小时' if zh else 'h'}"
    d, h = divmod(s / 3600.0, 24.0)
    return f"{int(d)} {'天' if zh else 'd'} {h:.0f} {'小时' if zh else 'h'}"


def _name(d: dict[str, Any], key: str, zh: bool) -> str:
    en, cn = str(d.get("name") or key), d.get("name_zh")
    if not cn:
        return en
    return f"{cn}（{en}）" if zh else f"{en} ({cn})"


def _kv(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>"
                               for k, v in rows) + "</table>"


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f'<th{" class=text" if i == 0 else ""}>{esc(x)}</th>'
                for i, x in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _chart(result: RunResult, lab: dict[str, str]) -> str:
    """Infectious residents (left axis) and occupied hospital beds (right axis) by day."""
    ts = result.tables.get("health_timeseries")
    if ts is None or ts.empty:
        return ""
    inf = ts.groupby("time_s")["I"].sum()
    hts = result.tables.get("health_hospital_timeseries")
    beds = (hts.assign(b=hts["ward_occupied"] + hts["icu_occupied"]).groupby("time_s")["b"]
            .sum() if hts is not None and not hts.empty else pd.Series(dtype=float))
    lines = [Line([float(t) / 86400.0 for t in inf.index], inf.to_numpy(float).tolist(),
                  lab["infectious"], COLOURS[1])]
    if not beds.empty:
        lines.append(Line([float(t) / 86400.0 for t in beds.index],
                          beds.to_numpy(float).tolist(), lab["beds"], COLOURS[0], "--",
                          right=True))
    fig = line_chart(lines, title=lab["chart"], x_label=lab["day_axis"],
                     y_label=lab["infectious_axis"], y2_label=lab["beds_axis"],
                     caption=lab["chart_caption"], size=(8.0, 3.0))
    return "" if fig is None else str(fig)


def health_section(result: RunResult, lang: str | None = None) -> Markup | None:
    """The report section of a run's ``health`` KPIs, or None if the run has none.

    Parameters
    ----------
    result : RunResult
        The run.
    lang : str, optional
        ``"zh"`` for Chinese; default: ``result.meta["language"]``, else English.

    Returns
    -------
    Markup or None
        A ``<section>`` ready to insert into the run report unescaped.
    """
    h = result.kpis.get("health")
    if not h:
        return None
    language = lang or result.meta.get("language")
    zh = is_chinese(language)
    lab = pick_labels(_T, language)
    ep = h.get("epidemic") or {}
    out = [f'<section class="health"><h2>{esc(lab["title"])}</h2>']
    peak_t = ep.get("peak_time_s")
    out.append(f'<h3>{esc(lab["epidemic"])}</h3>' + _kv([
        (lab["model"], lab.get(str(ep.get("model")), str(ep.get("model")))),
        (lab["r0"], _num(ep.get("r0"), ".2f")),
        (lab["population"], _num(ep.get("population"))),
        (lab["infections"], _num(ep.get("infections"))),
        (lab["attack"], _num(ep.get("attack_rate"), ".2%")),
        (lab["peak"], f"{_num(ep.get('peak_infectious'))} ({_dur(peak_t, zh)})"),
        (lab["severe"], _num(ep.get("severe_cases"))),
        (lab["tests"], _num(ep.get("tests"))),
        (lab["positives"], _num(ep.get("positives_found"))),
    ]))
    chart = _chart(result, lab)
    if chart:
        out.append(f'<h3>{esc(lab["chart"])}</h3>{chart}')
    cp = h.get("campaign")
    if cp:
        title = lab["vaccination"] if cp.get("kind") == "vaccination" else lab["campaign"]
        out.append(f"<h3>{esc(title)}</h3>" + _kv([
            (lab["target"], _num(cp.get("target"))),
            (lab["served"], _num(cp.get("served"))),
            (lab["by_deadline"], f"{_num(cp.get('served_by_deadline'))} "
                                 f"({_num(cp.get('share_served_by_deadline'), '.1%')})"),
            (lab["t50"], f"{_dur(cp.get('time_to_50pct_s'), zh)} / "
                         f"{_dur(cp.get('time_to_90pct_s'), zh)}"),
            (lab["tis"], f"{_dur(cp.get('time_in_system_mean_s'), zh)} / "
                         f"{_dur(cp.get('time_in_system_p95_s'), zh)}"),
            (lab["throughput"], _num(cp.get("throughput_per_open_hour"))),
            (lab["queue_max"], _num(cp.get("queue_max"))),
            (lab["util"], _num(cp.get("staff_utilisation_mean"), ".0%")),
            (lab["no_show"], f"{_num(cp.get('no_show'))} / {_num(cp.get('no_slot'))}"),
        ]))
        rows = []
        for sid, s in (cp.get("by_site") or {}).items():
            util = [v.get("utilisation") for v in (s.get("stations") or {}).values()
                    if v.get("utilisation") is not None]
            rows.append([_name(s, sid, zh), _num(s.get("assigned")), _num(s.get("served")),
                         _num(s.get("throughput_per_open_hour")),
                         f"{_dur(s.get('time_in_system_mean_s'), zh)} / "
                         f"{_dur(s.get('time_in_system_p95_s'), zh)}",
                         _num(max((v.get("queue_max", 0) for v in
                                   (s.get("stations") or {}).values()), default=0)),
                         _num(max(util), ".0%") if util else "—",
                         _num(s.get("overtime_h"), ".1f")])
        out.append(_table([lab["site"], lab["assigned"], lab["served"], lab["per_hour"],
                           lab["tis"], lab["queue_max"], lab["util"],
                           f"{lab['overtime']} (h)"], rows))
    sp = h.get("supply")
    if sp:
        out.append(f'<h3>{esc(lab["supply"])}</h3>' + _kv([
            (lab["mode"], lab.get(str(sp.get("mode")), str(sp.get("mode")))),
            (lab["orders"], f"{_num(sp.get('orders_placed'))} / "
                            f"{_num(sp.get('orders_delivered'))}"),
            (lab["per_day"], _num(sp.get("households_served_per_day"))),
            (lab["delay"], f"{_dur(sp.get('delay_mean_s'), zh)} / "
                           f"{_dur(sp.get('delay_p95_s'), zh)}"),
            (lab["within24"], _num(sp.get("share_within_24h"), ".1%")),
            (lab["pending"], _num(sp.get("orders_pending_at_end"))),
        ]))
        rows = [[_name(c, cid, zh), _num(c.get("orders")), _num(c.get("delivered")),
                 f"{_dur(c.get('delay_mean_s'), zh)} / {_dur(c.get('delay_p95_s'), zh)}",
                 lab.get(str(c.get("status")), str(c.get("status")))]
                for cid, c in (sp.get("by_compound") or {}).items()]
        out.append(_table([lab["compound"], lab["orders"].split(" / ")[0],
                           lab["orders"].split(" / ")[-1], lab["delay"], lab["status"]],
                          rows))
    hp = h.get("hospitals")
    if hp:
        out.append(f'<h3>{esc(lab["hospitals"])}</h3>' + _kv([
            (lab["severe"], _num(hp.get("severe_cases"))),
            (lab["calls"], _num(hp.get("calls"))),
            (lab["admitted"], f"{_num(hp.get('admitted'))} ({_num(hp.get('admitted_icu'))})"),
            (lab["not_admitted"], _num(hp.get("not_admitted"))),
            (lab["over"], _num(hp.get("days_over_capacity"))),
            (lab["response"], f"{_dur(hp.get('response_time_mean_s'), zh)} / "
                              f"{_dur(hp.get('response_time_p90_s'), zh)}"),
        ]))
        rows = [[_name(x, hid, zh), f"{_num(x.get('ward_beds'))} ({_num(x.get('peak_ward'))})",
                 f"{_num(x.get('icu_beds'))} ({_num(x.get('peak_icu'))})",
                 _num(x.get("admitted"))]
                for hid, x in (hp.get("by_hospital") or {}).items()]
        out.append(_table([lab["hospital"], lab["ward"], lab["icu"],
                           lab["admitted"].split(" (")[0].split("（")[0]], rows))
    led = (result.kpis.get("ledger") or {}).get("health")
    if led:
        ok = bool(led.get("balanced"))
        comp = led.get("compartments") or {}
        places = led.get("places") or {}
        out.append(
            f'<h3>{esc(lab["ledger"])}</h3><p class="status {"ok" if ok else "bad"}">'
            f'{"✓" if ok else "✗"} {esc(lab["balanced" if ok else "unbalanced"])}: '
            f'{esc(lab["ledger_text"].format(checks=led.get("checks", 0)))}</p>'
            + _kv([(lab["compartments"], " / ".join(_num(comp.get(k)) for k in "SEIRV")),
                   (lab["places"], ", ".join(
                       f"{_PLACES.get(k, (k, k))[1 if zh else 0]} {_num(v)}"
                       for k, v in places.items()))]))
    out.append("</section>")
    return Markup("".join(out))
