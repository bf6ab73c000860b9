"""Write the contingency-plan document (应急预案) as a Word file with python-docx.

The sections follow a 专项应急预案 (总则, 组织指挥体系与职责, 风险评估与情景, 监测预警,
应急响应 by level, 应急保障, 后期处置, 预案管理, 附件); tables carry the levels and their
triggers, the shelters, the zones at risk and, from a comparison, the tested figures (ETE
with intervals, the share of replications meeting each standard). A template folder may
hold ``template.docx`` (an office's letterhead and styles: the document is written into a
copy of it) and ``wording.yaml`` (texts replacing those of
:data:`musterpoint.reports.plan_doc.text.WORDS`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from musterpoint.reports.plan_doc import content as C
from musterpoint.reports.plan_doc import run_checks as R
from musterpoint.reports.plan_doc.figures import bound_curve_png, curve_png, zones_map_png
from musterpoint.reports.plan_doc.text import words_for
from musterpoint.scenarios.schema import Plan, Scenario

__all__ = ["build_document", "write_plan_doc"]

logger = logging.getLogger(__name__)


def _a4(doc: Any) -> None:
    """A4 pages with 2.5 cm margins (python-docx's default is US Letter); an office's
    own template keeps its page."""
    from docx.shared import Mm

    for sec in doc.sections:
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        sec.left_margin = sec.right_margin = Mm(25)
        sec.top_margin = sec.bottom_margin = Mm(25)


def _fonts(doc: Any, zh: bool) -> None:
    """Body and heading fonts; East Asian text in a CJK font."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name, east in (("Normal", "SimSun"), ("Heading 1", "SimHei"), ("Heading 2", "SimHei"),
                       ("Title", "SimHei")):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east)
        if zh:
            rpr_lang = rpr.find(qn("w:lang"))
            if rpr_lang is None:
                rpr_lang = rpr.makeelement(qn("w:lang"), {})
                rpr.append(rpr_lang)
            rpr_lang.set(qn("w:eastAsia"), "zh-CN")
    doc.styles["Normal"].font.size = Pt(11)


def _table(doc: Any, header: str, rows: Sequence[Sequence[str]]) -> Any:
    cols = header.split("|")
    t = doc.add_table(rows=1, cols=len(cols))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, cols, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for r in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, r, strict=True):
            cell.text = str(text)
    return t


def _picture(doc: Any, png: bytes, caption: str) -> None:
    from docx.shared import Cm

    doc.add_picture(io.BytesIO(png), width=Cm(15))
    doc.add_paragraph(caption)


def build_document(scenario: Scenario, plan: Plan, zones: Sequence[Mapping[str, Any]],
                   comparison: Mapping[str, Any] | None, lang: str,
                   template: Path | None = None, figures: bool = True,
                   run: R.RunFacts | None = None) -> Any:
    """The document as a python-docx ``Document`` (see the module's text).

    Parameters
    ----------
    scenario, plan : Scenario, Plan
        The scenario and the plan the document describes.
    zones : sequence of dict
        Zones at risk: ``id``, ``elevation``, ``population``, ``evacuees``, ``lon``, ``lat``.
    comparison : dict, optional
        A ``comparison.json`` holding ``plan`` (the tested figures), or None.
    lang : str
        ``zh`` or ``en``.
    template : Path, optional
        A folder with ``template.docx`` and/or ``wording.yaml``.
    figures : bool
        Draw the figures (matplotlib).
    run : RunFacts, optional
        A run of the plan (:func:`musterpoint.reports.plan_doc.run_checks.read_run`): the
        evacuation curve with the flow bound and the checks only a run shows.
    """
    import docx
    import yaml

    zh = lang.startswith("zh")
    overrides = None
    base = None
    if template is not None:
        if (template / "wording.yaml").is_file():
            overrides = yaml.safe_load((template / "wording.yaml").read_text("utf-8")) or {}
        if (template / "template.docx").is_file():
            base = template / "template.docx"
    w = words_for(lang, overrides)
    f = C.PlanFacts(scenario, plan, w, zh)
    doc = docx.Document(str(base) if base else None)
    if base is None:
        _a4(doc)
    _fonts(doc, zh)
    title = scenario.title.zh if zh and scenario.title.zh else scenario.title.en
    ptitle = plan.title.zh if zh and plan.title.zh else plan.title.en
    doc.add_heading(w["doc_title"].format(title=title), 0)
    doc.add_paragraph(w["doc_sub"].format(plan=ptitle))

    doc.add_heading(w["s1"], 1)
    for key, text in (("s1_1", w["s1_1_t"].format(title=title)), ("s1_2", w["s1_2_t"]),
                      ("s1_3", w["s1_3_t"].format(area=title)), ("s1_4", w["s1_4_t"])):
        doc.add_heading(w[key], 2)
        doc.add_paragraph(text)

    doc.add_heading(w["s2"], 1)
    roles = [[f.roles[r.id], (r.duties.zh if zh and r.duties.zh else r.duties.en)
              if r.duties else w["placeholder"], r.contact or w["placeholder"]]
             for r in plan.roles]
    _table(doc, w["role_cols"], roles or [[w["placeholder"]] * 3])

    doc.add_heading(w["s3"], 1)
    doc.add_heading(w["s3_1"], 2)
    fl = scenario.hazard.flood
    if fl is not None:
        _table(doc, w["stage_cols"], [[f"{h:g}", f"{v:.2f}"] for h, v in fl.stage])
    pl = scenario.hazard.plume
    if pl is not None:
        doc.add_paragraph(f"{pl.substance}: {pl.release_g_s:g} g/s; "
                          f"{pl.threshold_name} {pl.threshold_mg_m3:g} mg/m³")
    doc.add_heading(w["s3_2"], 2)
    doc.add_paragraph(w["zones_total"].format(
        n=len(zones), people=f"{sum(int(z['evacuees']) for z in zones):,}"))
    _table(doc, w["zone_cols"], [[z["id"], "—" if z["elevation"] != z["elevation"] else
                                  f"{z['elevation']:.1f}", f"{int(z['population']):,}",
                                  f"{int(z['evacuees']):,}"] for z in zones])

    doc.add_heading(w["s4"], 1)
    mon = scenario.monitoring
    if mon is not None and mon.gauges:
        _table(doc, w["gauge_cols"], [[f.gauge_name(g.id), w[g.kind], g.unit or "—"]
                                      for g in mon.gauges])
        if mon.forecasts:
            _table(doc, w["fc_cols"], [[fc.id, f.gauge_name(fc.gauge),
                                        ", ".join(f"{h:g}" for h in fc.issued_h),
                                        f"{fc.delay_h:g}", f"{fc.bias:+g}"]
                                       for fc in mon.forecasts])
    else:
        doc.add_paragraph(w["placeholder"])

    doc.add_heading(w["s5"], 1)
    if plan.levels:
        doc.add_paragraph(w["s5_t"])
        _table(doc, w["level_cols"], C.level_rows(f))
    else:
        doc.add_paragraph(w["no_levels"])
        for st in plan.stages:
            what = w["zones_le"].format(m=f"{st.max_elevation_m:g}") \
                if st.max_elevation_m is not None else ", ".join(st.zones or [])
            doc.add_paragraph(w["stage_row"].format(h=f"{st.time_h:g}", what=what),
                              style="List Bullet")
        rest = w["other_zones"] if plan.stages else w["all_zones"]
        doc.add_paragraph(w["stage_row"].format(h=f"{plan.order_time_h:g}", what=rest),
                          style="List Bullet")
    doc.add_heading(w["s5_targets"].format(k=1), 2)
    _table(doc, w["std_cols"], C.standard_rows(f) or [[w["placeholder"], "—"]])

    doc.add_heading(w["s6"], 1)
    doc.add_heading(w["s6_1"], 2)
    _table(doc, w["shelter_cols"], [[f.shelters[s.id], f"{s.capacity:,}",
                                     f"{s.lon:.5f}, {s.lat:.5f}", w["placeholder"]]
                                    for s in scenario.shelters])
    doc.add_heading(w["s6_2"], 2)
    if plan.buses is not None:
        doc.add_paragraph(w["buses"].format(n=plan.buses.buses, seats=plan.buses.seats,
                                            p=len(plan.buses.pickups)))
    doc.add_paragraph(w["control"].format(n=len(plan.control_points), c=len(plan.contraflow)))
    doc.add_heading(w["s6_3"], 2)
    doc.add_paragraph(w["relief"].format(n=len(scenario.relief.depots))
                      if scenario.relief is not None and plan.relief is not None
                      else w["none_modelled"])
    doc.add_heading(w["s6_4"], 2)
    doc.add_paragraph(w["none_modelled"] if plan.health is None else w["placeholder"])
    doc.add_heading(w["s6_5"], 2)
    doc.add_paragraph(w["placeholder"])

    doc.add_heading(w["s7"], 1)
    doc.add_paragraph(w["s7_t"])

    doc.add_heading(w["s8"], 1)
    doc.add_heading(w["s8_1"], 2)
    if comparison is not None:
        names = {p["name"]: p for p in comparison["plans"]}
        base_p = names[comparison["baseline"]]
        doc.add_paragraph(w["s8_1_t"].format(
            reps=comparison["replications"],
            seeds=f"{comparison['seeds'][0]}–{comparison['seeds'][-1]}",
            base=(base_p.get("title_zh") if zh and base_p.get("title_zh") else
                  base_p.get("title") or base_p["name"]),
            conf=f"{comparison['confidence']:.0%}"))
        _table(doc, w["ete_cols"], C.ete_rows(comparison, w, zh))
        diffs = C.diff_rows(comparison, plan.name, w, zh)
        if diffs:
            doc.add_paragraph("")
            _table(doc, w["diff_cols"], diffs)
        doc.add_paragraph("")
        _table(doc, w["share_cols"], C.share_rows(comparison, w, zh))
        doc.add_paragraph("")
        _table(doc, w["zone_ete_cols"], C.zone_ete_rows(comparison, plan.name))
    else:
        doc.add_paragraph(w["no_compare"])
    doc.add_heading(w["s8_2"], 2)
    doc.add_paragraph(w["s8_2_t"])

    doc.add_heading(w["s9"], 1)
    doc.add_heading(w["a1"], 2)
    free = [] if zh else [*([f"datum: {fl.datum}"] if fl else []),
                          *([scenario.description] if scenario.description else []),
                          *([plan.description] if plan.description else [])]
    for line in [*scenario.attribution, *free, w["sources_note"]]:
        doc.add_paragraph(line.strip(), style="List Bullet")
    if figures:
        doc.add_heading(w["a2"], 2)
        lab_map = {"lon": w["fig_lon"], "lat": w["fig_lat"], "ground": w["fig_ground"],
                   "title": w["fig_map"]}
        _picture(doc, zones_map_png(zones, [{"lon": s.lon, "lat": s.lat,
                                             "name": f.shelters[s.id]}
                                            for s in scenario.shelters], lab_map),
                 w["fig_map"])
        if comparison is not None:
            pnames = {p["name"]: (p.get("title_zh") if zh and p.get("title_zh") else
                                  p.get("title") or p["name"]) for p in comparison["plans"]}
            _picture(doc, curve_png(comparison["curves"], pnames, {
                "time": w["fig_time"], "share": w["fig_share"],
                "title": w["fig_curve"]}), w["fig_curve"])
        _bound_figure(doc, run, w, 3 if comparison is not None else 2)
    doc.add_heading(w["a3"], 2)
    items = C.checklist(comparison, plan.name, w, zh)
    if comparison is None and run is not None:
        items = [w["chk_nocmp_run"]]
    items += R.run_checklist(run, w, zh, f.shelters) if run is not None else R.checks_without_run(w)
    for item in items:
        doc.add_paragraph(item, style="List Number")
    return doc


def _bound_figure(doc: Any, run: R.RunFacts | None, w: Mapping[str, str], n: int) -> None:
    """The run's evacuation curve with the flow bound, or what it needs."""
    series = R.curve_series(run) if run is not None else None
    if run is None or series is None:
        doc.add_paragraph(w["fig_bound_none"].format(n=n, ph=w["placeholder"]))
        return
    title = w["fig_bound"].format(n=n, seed=run.meta.get("seed", "?"))
    _picture(doc, bound_curve_png(series, {
        "time": w["ax_since_start"], "share": w["ax_share_evacuees"], "title": title,
        "departed": w["lg_departed"], "arrived": w["lg_arrived"], "bound": w["lg_bound"]}),
        title)
    doc.add_paragraph(w["fig_bound_t"])


def write_plan_doc(out: Path, scenario: Scenario, plan: Plan,
                   zones: Sequence[Mapping[str, Any]], comparison: Mapping[str, Any] | None,
                   lang: str = "zh", template: Path | None = None,
                   run: R.RunFacts | None = None) -> Path:
    """Build the document (see :func:`build_document`) and save it to ``out``."""
    doc = build_document(scenario, plan, zones, comparison, lang, template, run=run)
    doc.core_properties.title = scenario.title.en
    doc.save(str(out))
    logger.info("wrote %s", out)
    return out
