"""Self-contained HTML report of a comparison of plans (from comparison.json alone).

Sections: which plan is better (ranking by composite score, with the paired difference to
the best plan), scorecard, service standards met by each plan, arrival curves overlaid,
every KPI with its confidence interval, paired differences between plans (next to the
unpaired interval, to show what common random numbers gain), the replications check, and
notes on method. English or Simplified Chinese; no scripts and no network; all text from
files is escaped by jinja2. Because it reads only the comparison dict, the report can be
re-rendered from the results catalog without re-running anything.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from musterpoint.display.labels import is_chinese
from musterpoint.display.timefmt import as_seconds
from musterpoint.reports.comparison_summary import comparison_summary, curves_chart
from musterpoint.reports.run_report import LABELS as RUN_LABELS

__all__ = ["KPI_NAMES", "LABELS", "format_value", "write_comparison_report"]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE = "comparison_report.html.j2"

#: Label key -> (English, Simplified Chinese).
LABELS: dict[str, tuple[str, str]] = {
    "report": ("Comparison of plans", "方案比较"),
    "answer": ("Which plan is better?", "哪个方案更好？"),
    "best": ("best composite score", "综合得分最高"),
    "worse": ("worse than the best by", "比最佳方案低"),
    "unclear": ("cannot be told apart from the best with these replications",
                "在现有重复次数下与最佳方案无法区分"),
    "same": ("identical to the best", "与最佳方案相同"),
    "scorecard": ("Scorecard", "评分卡"),
    "rank": ("Rank", "排名"),
    "plan": ("Plan", "方案"),
    "score": ("Composite score (0–100)", "综合得分（0–100）"),
    "standards_met": ("Standards met in every replication", "在所有重复中均达标的标准"),
    "life_safety": ("Life safety", "生命安全"), "timeliness": ("Timeliness", "及时性"),
    "supply": ("Supply", "物资供应"), "cost": ("Cost", "成本"),
    "badness_note": ("Category columns: how far from the best, 0 (best) to 1 (worst).",
                     "类别列：与最优的差距，0（最好）至1（最差）。"),
    "standards": ("Service standards", "服务标准"),
    "standard": ("Standard", "标准"),
    "met": ("met", "达标"), "missed": ("missed", "未达标"), "sometimes": ("sometimes", "部分达标"),
    "replications_met": ("replications meeting it", "达标的重复次数"),
    "failing_zones": ("zones missing it", "未达标区域"),
    "no_standards": ("No standards are set in the scenario or the plans.",
                     "情景和方案中未设定服务标准。"),
    "curves": ("% of evacuees arrived over time (mean; band: range over replications)",
               "已到达疏散人员百分比随时间变化（均值；阴影：各次重复的范围）"),
    "x_axis": ("Hours after the scenario start", "情景开始后的小时数"),
    "kpis": ("KPIs with 95 % confidence intervals", "关键指标及95%置信区间"),
    "kpi": ("KPI", "指标"),
    "zone_ete": ("Evacuation time estimate by zone, every plan (mean over replications)",
                 "各区域疏散时间估计（各方案，多次重复的平均值）"),
    "zone": ("Zone", "区域"),
    "zone_note": ("h:mm after the first order; (n/N): replications that reached the share; "
                  "— : never reached", "首次疏散令后的时:分；(n/N)：达到该比例的重复次数；"
                  "—：未达到"),
    "kpi_note": ("mean ± half-width of the t interval; (n/N): replications in which the KPI "
                 "was reached, of all.", "均值 ± t区间半宽；(n/N)：达到该指标的重复次数/总次数。"),
    "differences": ("Paired differences", "配对差异"),
    "paired": ("Paired (same seeds)", "配对（相同种子）"),
    "unpaired": ("Unpaired (for reference)", "非配对（参考）"),
    "verdict": ("Reading", "解读"),
    "better": ("better", "更好"), "worse_v": ("worse", "更差"), "higher": ("higher", "更高"),
    "lower": ("lower", "更低"), "unclear_v": ("cannot tell", "无法区分"),
    "same_v": ("same", "相同"),
    "no data": ("no data", "无数据"),
    "width_ratio": ("Paired interval ÷ unpaired (under 1: the same seeds sharpened it)",
                    "配对区间宽度÷非配对（小于1：相同种子使比较更精确）"),
    "check": ("Are there enough replications?", "重复次数是否足够？"),
    "enough": ("Every target half-width is reached.", "所有目标半宽均已达到。"),
    "too_few": ("Too few replications for these targets:", "以下目标所需重复次数不足："),
    "method": ("Method", "方法"),
    "warnings": ("Warnings from the runs", "运行警告"),
    "crn": ("Replication i of every plan uses seed {s}+i: the same random draws for the same "
            "processes (common random numbers), so differences are paired by seed.",
            "每个方案的第i次重复使用种子{s}+i：相同过程使用相同随机数（公共随机数），"
            "因此差异按种子配对。"),
    "weights": ("Score weights", "得分权重"),
    "unavailable": ("Not in these runs (left out of the score)", "本次运行中没有（不计入得分）"),
    "null_policy": (
        "A null KPI was never reached (e.g. an ETE when not everybody got out). KPI "
        "intervals use the replications where it was reached and give that count (n/N); "
        "paired differences use the seeds where both plans reached it; a null value never "
        "meets a standard; in the score a null KPI has the worst badness (1).",
        "空值指标表示从未达到（例如并非所有人撤离时的疏散时间）。指标区间仅使用达到该指标的"
        "重复并给出其数量（n/N）；配对差异仅使用两个方案均达到的种子；空值永远不满足标准；"
        "在综合得分中，空值指标按最差（1）计。"),
    "seeds": ("Seeds", "随机种子"), "replications": ("Replications", "重复次数"),
    "confidence": ("Confidence level", "置信水平"),
}

#: Readable names of known KPIs: dotted name -> (English, Chinese). Others show as named.
KPI_NAMES: dict[str, tuple[str, str]] = {
    "score.composite": ("Composite score", "综合得分"),
    "evacuation.evacuees": ("Evacuees", "疏散人数"),
    "evacuation.vehicles": ("Vehicles", "车辆"),
    "evacuation.arrived": ("Arrived", "已到达"),
    "evacuation.stranded": ("Stranded", "受困"),
    "evacuation.en_route": ("En route at end", "结束时仍在途中"),
    "evacuation.never_departed": ("Never departed", "未出发"),
    "evacuation.ete50_s": ("ETE50", "50%疏散时间"),
    "evacuation.ete90_s": ("ETE90", "90%疏散时间"),
    "evacuation.ete100_s": ("ETE100", "100%疏散时间"),
    "evacuation.travel_time_mean_s": ("Travel time, mean", "平均出行时间"),
    "evacuation.travel_time_p95_s": ("Travel time, 95th percentile", "出行时间（95百分位）"),
    "evacuation.exposed_persons": ("Persons exposed", "暴露人数"),
    "evacuation.exposed_person_s": ("Person-hours exposed", "暴露人时"),
    "traffic.vehicle_km": ("Vehicle-km", "车辆公里"),
    "traffic.gridlock_forced_moves": ("Gridlock releases", "死锁强制放行次数"),
    "evacuation.exposed_person_s_at_home": ("Person-hours exposed at home", "在家暴露人时"),
    "evacuation.exposed_person_s_on_road": ("Person-hours exposed on the road", "途中暴露人时"),
    "evacuation.still_exposed_persons": ("Still in the hazard at the end",
                                         "结束时仍在危险区内人数"),
    "traffic.events": ("Simulation events", "模拟事件数"),
    "traffic.link_traversals": ("Road-link traversals", "路段通行次数"),
    "traffic.route_rebuilds": ("Route rebuilds (after closures)", "路线重算次数（道路封闭后）"),
}
_HEADLINE = ("evacuation.arrived", "evacuation.stranded", "evacuation.ete50_s",
             "evacuation.ete90_s")


def _pick(pair: tuple[str, str], zh: bool) -> str:
    return pair[1] if zh else pair[0]


def format_value(kpi: str, value: Any, signed: bool = False) -> str:
    """A KPI value for people: times in minutes, person-seconds in person-hours.

    Parameters
    ----------
    kpi : str
        Dotted KPI name; its suffix decides the unit (``_person_s``, ``_s``).
    value : Any
        The value (None, NaN: "—").
    signed : bool
        Show a ``+`` on positive values (for differences).
    """
    v = as_seconds(value)
    if v is None:
        return "—"
    sign = "+" if signed else ""
    last = kpi.rsplit(".", 1)[-1]
    if last.endswith("person_s") or "_person_s_" in last:
        return f"{v / 3600.0:{sign},.1f} p·h"
    if last.endswith("_s"):
        return f"{v / 60.0:{sign},.1f} min"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:{sign},.0f}"
    return f"{v:{sign},.2f}"


def _half_width(kpi: str, iv: dict[str, Any]) -> str:
    """``± half-width`` of an interval, formatted like its KPI (empty without one)."""
    if iv.get("half_width") is None:
        return ""
    return "± " + format_value(kpi, iv["half_width"]).lstrip("+")


def _context(comp: dict[str, Any], zh: bool) -> dict[str, Any]:
    lab = {k: _pick(v, zh) for k, v in LABELS.items()}
    lab["colon"] = _pick(RUN_LABELS["colon"], zh)
    plans = comp["plans"]
    names = {p["name"]: ((p.get("title_zh") if zh else None) or p.get("title") or p["name"])
             for p in plans}
    kpis = comp["kpis"]

    def kname(k: str) -> str:
        return _pick(KPI_NAMES[k], zh) if k in KPI_NAMES else k

    def cell(k: str, iv: dict[str, Any]) -> dict[str, str]:
        n = f"({iv['n']}/{iv['n_total']})" if iv["n"] != iv["n_total"] else ""
        return {"mean": format_value(k, iv["mean"]), "hw": _half_width(k, iv), "n": n}

    ranking = comp["score"]["ranking"]
    best = ranking[0]["plan"]
    answer = []
    for r in ranking:
        vs = r["vs_best"]
        if r["rank"] == 1:
            text = lab["best"]
        elif r["verdict"] == "worse":
            text = (f"{lab['worse']} {-vs['mean']:.1f} (95 % CI {-vs['hi']:.1f} – "
                    f"{-vs['lo']:.1f})")
        else:
            text = lab["same" if r["verdict"] == "same" else "unclear"]
        answer.append({"rank": r["rank"], "plan": names[r["plan"]], "id": r["plan"],
                       "score": format_value("score", r["score"]), "text": text})
    stds = comp["standards"]
    score_cats = comp["score"]["categories"]
    cats = list(comp["score"]["weights"]["categories"])
    scorecard = []
    for r in ranking:
        p = r["plan"]
        met = [s for s in stds if p in s["plans"]]
        scorecard.append({
            "rank": r["rank"], "plan": names[p], "id": p,
            "score": cell("score", kpis["score.composite"]["plans"][p]),
            "cats": [format_value("x", score_cats[p][c]["mean"]) for c in cats],
            "standards": f"{sum(s['plans'][p]['verdict'] == 'met' for s in met)}/{len(met)}",
            "headline": [cell(k, kpis[k]["plans"][p]) for k in _HEADLINE if k in kpis]})
    standards = []
    for s in stds:
        text = (s["label"].get("zh") if zh else None) or s["label"]["en"]
        row = {"id": s["key"], "label": text, "rule": f"{s['kpi']} {s['op']} {s['threshold']:g}"
               + (" (per zone)" if s["per"] else ""), "cells": []}
        for p in plans:
            v = s["plans"].get(p["name"])
            if v is None:
                row["cells"].append(None)
                continue
            row["cells"].append({"plan": p["name"], "verdict": v["verdict"],
                                 "text": lab[v["verdict"]], "n": f"{v['n_met']}/{v['n']}",
                                 "zones": ", ".join(list(v["failing_zones"])[:8])})
        standards.append(row)
    diffs = []
    for d in comp["differences"]:
        rows = []
        for k, v in d["kpis"].items():
            pw_, uw = v["paired"]["half_width"], v["unpaired"]["half_width"]
            ratio = f"{pw_ / uw:.2f}" if pw_ is not None and uw else "—"
            verdict = {"worse": "worse_v", "unclear": "unclear_v", "same": "same_v"}.get(
                v["verdict"], v["verdict"])
            rows.append({"kpi": kname(k), "key": k, "verdict": v["verdict"],
                         "paired": _cell_diff(k, v["paired"]), "unpaired":
                         _cell_diff(k, v["unpaired"]), "text": lab[verdict], "ratio": ratio})
        diffs.append({"a": names[d["a"]], "b": names[d["b"]], "rows": rows})
    check = comp["replications_check"]
    return {
        "lang": "zh-Hans" if zh else "en", "lab": lab,
        "title": (comp["scenario"].get("title_zh") if zh else None)
        or comp["scenario"].get("title") or comp["scenario"]["name"],
        "scenario": comp["scenario"]["name"], "version": comp["version"],
        "plans": [{"id": p["name"], "name": names[p["name"]]} for p in plans],
        "replications": comp["replications"], "confidence": f"{comp['confidence']:.0%}",
        "seeds": f"{comp['seeds'][0]}–{comp['seeds'][-1]}", "best": names[best],
        "answer": answer, "scorecard": scorecard, "cats": [lab.get(c, c) for c in cats],
        "headline": [kname(k) for k in _HEADLINE if k in kpis],
        "standards": standards, "chart": curves_chart(comp, names, zh),
        "summary": comparison_summary(comp, names, zh, kname),
        "kpi_rows": [{"name": kname(k), "key": k,
                      "cells": [cell(k, v["plans"][p["name"]]) for p in plans]}
                     for k, v in kpis.items()],
        "diffs": diffs, "too_few": check["too_few"],
        "zone_etes": _zone_etes(comp, plans),
        "crn": lab["crn"].format(s=comp["base_seed"]), "null_policy": lab["null_policy"],
        "weights": {lab.get(c, c): w for c, w in comp["score"]["weights"]["categories"].items()},
        "weights_source": comp["score"]["weights"]["source"],
        "unavailable": [lab.get(c, c) for c in comp["score"]["unavailable"]["categories"]]
        + comp["score"]["unavailable"]["terms"],
        "warnings": comp.get("warnings") or [],
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _zone_etes(comp: dict[str, Any], plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per zone and plan, the mean ETE50/90/100 and how many replications reached it."""
    rows = []
    n_all = comp["replications"]
    for zone, v in (comp.get("zones") or {}).items():
        cells = []
        for p in plans:
            got = (v.get("plans") or {}).get(p["name"], {})
            for share in (50, 90, 100):
                # comparison.json keys per-zone KPIs by family, as flatten_zone_kpis does
                key = f"evacuation.ete{share}_s"
                iv = got.get(key) or {}
                mean, n = iv.get("mean"), iv.get("n", 0)
                text = "—" if mean is None else format_value(key, mean)
                cells.append(f"{text} ({n}/{n_all})")
        rows.append({"zone": zone, "cells": cells})
    return rows


def _cell_diff(kpi: str, iv: dict[str, Any]) -> dict[str, str]:
    """A difference with its interval: ``+3.0 min [1.2, 4.8]``."""
    if iv["mean"] is None:
        return {"mean": "—", "ci": "", "n": ""}
    ci = "" if iv["lo"] is None else (f"[{format_value(kpi, iv['lo'], True)}, "
                                      f"{format_value(kpi, iv['hi'], True)}]")
    n = f"(n={iv['n']})" if iv["n"] != iv["n_total"] else ""
    return {"mean": format_value(kpi, iv["mean"], True), "ci": ci, "n": n}


def write_comparison_report(comparison: dict[str, Any], path: Path, lang: str = "en") -> Path:
    """Write the HTML report of a comparison.

    Parameters
    ----------
    comparison : dict
        The content of comparison.json (as built by
        :func:`musterpoint.sim.experiments.comparison.build_comparison`).
    path : Path
        Output ``.html`` file; parent folders are created.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    Path
        ``path``, once written.
    """
    ctx = _context(comparison, is_chinese(lang))
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined)
    page = env.get_template(_TEMPLATE).render(**ctx)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    logger.info("Wrote comparison report %s (%d bytes)", out, out.stat().st_size)
    return out
