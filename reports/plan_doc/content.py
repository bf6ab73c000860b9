"""What the contingency-plan document says, as rows of text: built from the scenario,
the plan, the zones at risk and (optionally) a comparison's ``comparison.json``.

Nothing here draws or writes a file; :mod:`musterpoint.reports.plan_doc.document` lays the
rows out. Numbers from a comparison are shown in minutes with one decimal, so a reader
(or a test) can check them against the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from musterpoint.display.units import unit as unit_word
from musterpoint.scenarios.levels_schema import Action, Condition, Level
from musterpoint.scenarios.schema import Plan, Scenario
from musterpoint.sim.evacuation import ENGINE_COMMAND_SPECS

__all__ = ["ETE_KPIS", "PlanFacts", "checklist", "diff_rows", "ete_rows", "level_rows",
           "minutes", "share_rows", "standard_rows", "zone_ete_rows"]

_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}

#: The ETE indicators of the evidence table, in order.
ETE_KPIS = ("evacuation.ete50_s", "evacuation.ete90_s", "evacuation.ete100_s")


def minutes(v: Any) -> str:
    """Seconds as minutes with one decimal (``—`` for none)."""
    return "—" if v is None else f"{float(v) / 60.0:.1f}"


def _pick(zh: bool, en: str, cn: str | None) -> str:
    return cn if zh and cn else en


class PlanFacts:
    """The scenario and plan, with the names of things in one language.

    Parameters
    ----------
    scenario, plan : Scenario, Plan
        The scenario and the plan of the document.
    words : dict
        Texts of :func:`musterpoint.reports.plan_doc.text.words_for`.
    zh : bool
        Chinese names where the files give them.
    """

    def __init__(self, scenario: Scenario, plan: Plan, words: Mapping[str, str],
                 zh: bool) -> None:
        self.sc, self.plan, self.w, self.zh = scenario, plan, words, zh
        mon = scenario.monitoring
        self.gauges = {g.id: g for g in mon.gauges} if mon else {}
        self.shelters = {s.id: _pick(zh, s.name, s.name_zh) for s in scenario.shelters}
        self.roles = {r.id: _pick(zh, r.name.en, r.name.zh) for r in plan.roles}

    def gauge_name(self, gid: str) -> str:
        g = self.gauges.get(gid)
        return _pick(self.zh, g.name, g.name_zh) if g else gid

    def condition(self, c: Condition) -> str:
        """A condition in words."""
        w = self.w
        if c.time_h is not None:
            return w["time_cond"].format(h=f"{c.time_h:g}")
        if c.gauge is not None:
            g = self.gauges.get(c.gauge)
            unit = f" {g.unit}" if g and g.unit else ""
            what = self.gauge_name(c.gauge)
            if c.source == "forecast":
                what = w["forecast_of"].format(g=what, f=c.forecast, h=f"{c.lead_h:g}")
            text = f"{what} {_OPS[c.op]} {c.value:g}{unit}"
        elif c.shelter is not None:
            text = f"{w['occupancy'].format(s=self.shelters.get(c.shelter, c.shelter))} " \
                   f"{_OPS[c.op]} {c.value:.0%}"
        elif c.health is not None:
            what = w[c.health].format(c=c.compound or w["all_compounds"])
            text = f"{what} {_OPS[c.op]} {c.value:g}"
        else:
            text = w["link_closed"].format(l=c.link)
        if c.for_min:
            text += f"（{w['for_min'].format(m=f'{c.for_min:g}')}）" if self.zh else \
                f" ({w['for_min'].format(m=f'{c.for_min:g}')})"
        return text

    def action(self, a: Action) -> str:
        """An action in words (its own text if the plan gives one)."""
        if a.text is not None:
            return _pick(self.zh, a.text.en, a.text.zh)
        w = self.w
        if a.order is not None:
            o = a.order
            if o.all:
                what = w["all_zones"]
            elif o.max_elevation_m is not None:
                what = w["zones_le"].format(m=f"{o.max_elevation_m:g}")
            else:
                what = w["zones_list"].format(z=", ".join(o.zones or []))
            return w["order"].format(what=what)
        assert a.command is not None
        kind = str(a.command["kind"])
        spec = ENGINE_COMMAND_SPECS.get(kind, {}).get("label", {})
        label = _pick(self.zh, str(spec.get("en") or kind), spec.get("zh"))
        args = a.command.get("args") or {}
        if "shelter" in args:
            return f"{label}：{self.shelters.get(str(args['shelter']), args['shelter'])}" \
                if self.zh else f"{label}: {self.shelters.get(str(args['shelter']))}"
        return f"{label} {args}" if args else label


def level_rows(f: PlanFacts) -> list[list[str]]:
    """One row per level, most severe first: name, conditions, actions, roles."""
    rows = []
    levels: Sequence[Level] = sorted(f.plan.levels, key=lambda lv: lv.grade)
    for lv in levels:
        join = f" {f.w[lv.match]} "
        conds = join.join(f.condition(c) for c in lv.when)
        acts = "；".join(f.action(a) for a in lv.actions) if f.zh else \
            "; ".join(f.action(a) for a in lv.actions)
        roles = sorted({f.roles.get(a.role, a.role) for a in lv.actions if a.role})
        who = ("、" if f.zh else ", ").join(roles) or f.w["placeholder"]
        rows.append([_pick(f.zh, lv.name.en, lv.name.zh), conds, acts or "—", who])
    return rows


def standard_rows(f: PlanFacts) -> list[list[str]]:
    """Each service standard: its label and the requirement in figures."""
    rows = []
    minutes = unit_word("zh" if f.zh else "en", "min")
    for s in [*f.sc.standards, *f.plan.standards]:
        thr = f"{s.threshold / 60.0:g} {minutes}" if s.kpi.endswith("_s") else f"{s.threshold:g}"
        rows.append([_pick(f.zh, s.label.en, s.label.zh), f"{_OPS.get(s.op, s.op)} {thr}"])
    return rows


def _plan_names(cmp: Mapping[str, Any], zh: bool) -> dict[str, str]:
    return {p["name"]: _pick(zh, p.get("title") or p["name"], p.get("title_zh"))
            for p in cmp["plans"]}


def ete_rows(cmp: Mapping[str, Any], w: Mapping[str, str], zh: bool) -> list[list[str]]:
    """ETE of each plan of the comparison: mean and interval (minutes), runs reaching it."""
    names = _plan_names(cmp, zh)
    label = dict(zip(ETE_KPIS, (w["ete50"], w["ete90"], w["ete100"]), strict=True))
    rows = []
    for p in names:
        for k in ETE_KPIS:
            v = cmp["kpis"].get(k, {}).get("plans", {}).get(p)
            if v is None:
                continue
            rows.append([names[p], label[k], minutes(v["mean"]), minutes(v["lo"]),
                         minutes(v["hi"]), f"{v['n']}/{v['n_total']}"])
    return rows


def diff_rows(cmp: Mapping[str, Any], plan: str, w: Mapping[str, str],
              zh: bool) -> list[list[str]]:
    """ETE of ``plan`` minus the baseline's, paired by seed (minutes, with interval)."""
    names = _plan_names(cmp, zh)
    label = dict(zip(ETE_KPIS, (w["ete50"], w["ete90"], w["ete100"]), strict=True))
    rows = []
    for d in cmp.get("differences", []):
        if d["a"] != cmp["baseline"] or d["b"] != plan:
            continue
        for k in ETE_KPIS:
            v = d["kpis"].get(k, {}).get("paired")
            if v is None or v.get("mean") is None:
                continue
            rows.append([f"{names.get(plan, plan)} − {names.get(d['a'], d['a'])}", label[k],
                         minutes(v["mean"]), minutes(v["lo"]), minutes(v["hi"]),
                         f"{v['n']}/{v['n_total']}"])
    return rows


def share_rows(cmp: Mapping[str, Any], w: Mapping[str, str], zh: bool) -> list[list[str]]:
    """Share of replications meeting each standard, with its interval."""
    names = _plan_names(cmp, zh)
    rows = []
    for s in cmp["standards"]:
        lab = _pick(zh, s["label"]["en"], s["label"].get("zh"))
        for p, v in s["plans"].items():
            verdict = {"met": w["met"], "missed": w["missed"]}.get(v["verdict"], w["partly"])
            rows.append([names.get(p, p), lab, f"{v['share']:.2f}", f"{v['share_lo']:.2f}",
                         f"{v['share_hi']:.2f}", verdict])
    return rows


def zone_ete_rows(cmp: Mapping[str, Any], plan: str) -> list[list[str]]:
    """Per zone, for ``plan``: mean ETE50 (minutes), stranded, never departed."""
    rows = []
    for z, d in sorted(cmp.get("zones", {}).items()):
        v = d["plans"].get(plan)
        if v is None:
            continue
        rows.append([z, plan, minutes(v["evacuation.ete50_s"]["mean"]),
                     f"{v['evacuation.stranded']['mean']:.0f}",
                     f"{v['evacuation.never_departed']['mean']:.0f}"])
    return rows


def checklist(cmp: Mapping[str, Any] | None, plan: str, w: Mapping[str, str],
              zh: bool, most: int = 10) -> list[str]:
    """What the simulation found wrong with ``plan``: standards not always met, zones
    whose people are left behind, people who never departed."""
    if cmp is None:
        return [w["chk_nocmp"]]
    names = _plan_names(cmp, zh)
    title = names.get(plan, plan)
    out = []
    for s in cmp["standards"]:
        v = s["plans"].get(plan)
        if v is not None and v["share"] < 1.0:
            out.append(w["chk_std"].format(plan=title, std=_pick(zh, s["label"]["en"],
                                                                  s["label"].get("zh")),
                                           share=f"{v['share']:.0%}"))
    left = []
    for z, d in cmp.get("zones", {}).items():
        v = d["plans"].get(plan)
        if v is None:
            continue
        n = (v["evacuation.stranded"]["mean"] or 0.0) + \
            (v["evacuation.never_departed"]["mean"] or 0.0)
        if n >= 1.0:
            left.append((n, z))
    for n, z in sorted(left, reverse=True)[:most]:
        out.append(w["chk_zone"].format(zone=z, plan=title, n=f"{n:.0f}"))
    nd = cmp["kpis"].get("evacuation.never_departed", {}).get("plans", {}).get(plan)
    if nd and nd["mean"]:
        out.append(w["chk_transport"].format(plan=title, n=f"{nd['mean']:.0f}"))
    return out or [w["chk_none"]]
