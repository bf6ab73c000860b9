"""The after-action report's template context: the replays' figures as rows of text.

:func:`report_context` turns :func:`musterpoint.sim.drill.after_action` output into what
``templates/after_action.html.j2`` shows, in one language: the timeline, the KPI
comparison, the decisions in sentences, capability targets, critical tasks,
observations, the improvement plan, and the sections of China's drill evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from musterpoint.display.i18n import ntr, tr
from musterpoint.display.timefmt import format_clock, format_hmm, format_instant
from musterpoint.reports.after_action_text import (
    CLOCK_ACTION_NAMES,
    KPI_NAMES,
    NOTE_SECTION_NAMES,
    command_words,
    decision_sentence,
    effect_phrases,
    effects_clause,
    format_number,
    labels_for,
)
from musterpoint.sim.evacuation.commands import ENGINE_COMMAND_SPECS

__all__ = ["report_context"]


def _kpi_value(path: str, v: Any) -> str:
    if v is None:
        return "—"
    if path.endswith("_s"):
        return format_hmm(v)
    if path.endswith("_h") or path.endswith("_km"):
        return format_number(v, 1)
    if isinstance(v, float) and not float(v).is_integer():
        return format_number(v, 2)
    return format_number(v)


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


def _standard_value(v: Any, kpi: str, missing: str = "not reached") -> str:
    if v is None:
        return missing
    return format_hmm(v) if kpi.endswith("_s") else format_number(
        v, 2 if abs(float(v)) < 10 else 0)


class _Words:
    """What every part of the context needs: the language, its labels, names of things."""

    def __init__(self, aar: Mapping[str, Any], lang: str) -> None:
        self.lang = lang
        self.zh = lang.startswith("zh")
        self.lab = labels_for(lang)
        self.shelters = {s["id"]: s["name"] for s in aar.get("shelters", [])}
        self.script = {s["id"]: s for s in aar.get("script", [])}

    def pick(self, text: Any) -> str:
        """Text in this language from ``{en, zh}`` (English when there is no Chinese)."""
        if isinstance(text, Mapping):
            return str((text.get("zh") if self.zh else None) or text.get("en") or "")
        return "" if text is None else str(text)

    def inject_title(self, inject_id: str | None, recorded: str) -> str:
        """A script inject's title in this language, else the recorded title."""
        inj = self.script.get(inject_id) if inject_id else None
        return self.pick(inj["title"]) if inj else recorded

    def command(self, kind: str, args: Mapping[str, Any]) -> str:
        """A command in words."""
        return command_words(kind, args, self.lang, self.shelters)


def _timeline(aar: Mapping[str, Any], w: _Words) -> list[dict[str, Any]]:
    start, tz = aar["meta"].get("start"), aar["meta"].get("timezone")
    out = []
    for r in aar["timeline"]:
        what = ""
        if r["type"] in ("inject", "decision"):
            title = w.inject_title(r["inject_id"], r["title"])
            cmd = w.command(r["kind"], r["args"]) if r["kind"] else ""
            what = " — ".join(x for x in (title, cmd) if x)
        elif r["type"] == "note":
            section = NOTE_SECTION_NAMES.get(r["title"])
            what = f"[{tr(w.lang, section) if section else r['title']}] "
        elif r["type"] == "clock":
            args = r["args"]
            action = CLOCK_ACTION_NAMES.get(r["kind"])
            what = (tr(w.lang, action) if action else r["kind"]) + \
                (tr(w.lang, " +{m} min").format(m=f"{args['minutes']:g}")
                 if "minutes" in args else "") + \
                (f" → {format_hmm(args['time_s'])}" if "time_s" in args else "") + \
                (f" ×{args['speed']:g}" if "speed" in args else "")
        out.append({"seq": r["seq"], "time": format_hmm(r["sim_time_s"]),
                    "clock": format_clock(start, tz, r["sim_time_s"]),
                    "role": w.lab.get(r["role"], r["role"]),
                    "role_key": r["role"], "type": w.lab.get(r["type"], r["type"]),
                    "type_key": r["type"], "what": what, "rationale": r["rationale"],
                    "actor": r["actor"]})
    return out


def _summary(aar: Mapping[str, Any], w: _Words) -> str:
    n = len(aar["decisions"])
    if not n:
        return w.lab["no_decisions"]
    body = effects_clause(effect_phrases(list(aar["differences"]), w.lang), w.lang)
    return ntr(w.lang, "The participants' {n} decision, against none at all, {effects}.",
               "The participants' {n} decisions, against none at all, {effects}.", n).format(
                   n=n, effects=body)


def _standards(aar: Mapping[str, Any], w: _Words) -> list[dict[str, Any]]:
    missing = w.lab["not_reached"]
    return [{"label": w.pick(s["label"]), "id": s["id"],
             "target": f"{s['kpi']} {s['op']} {_standard_value(s['threshold'], s['kpi'])}",
             "value": _standard_value(s["value"], s["kpi"], missing),
             "met": s["met"],
             "cf_value": _standard_value(s["cf_value"], s["kpi"], missing),
             "cf_met": s["cf_met"], "failing": ", ".join(s.get("failing") or [])}
            for s in aar["standards"]]


def _tasks(aar: Mapping[str, Any], w: _Words) -> list[dict[str, Any]]:
    tasks = []
    by_seq = {r["seq"]: r for r in aar["timeline"]}
    for tsk in aar["critical_tasks"]:
        resp = []
        for seq in tsk["responses"]:
            r = by_seq.get(seq)
            if r:
                resp.append(f"{format_hmm(r['sim_time_s'])} {w.command(r['kind'], r['args'])}"
                            + (f" ({r['actor']})" if r["actor"] else ""))
        tasks.append({"time": format_hmm(tsk["time_s"]),
                      "title": w.inject_title(tsk["inject_id"], tsk["title"]),
                      "expected": w.pick(tsk["expected_action"]) or "—",
                      "responses": resp,
                      "first": format_hmm(tsk["first_response_s"])
                      if tsk["first_response_s"] is not None else w.lab["none_recorded"]})
    return tasks


def _notes(aar: Mapping[str, Any], w: _Words) -> dict[str, list[dict[str, str]]]:
    notes: dict[str, list[dict[str, str]]] = {}
    for note in aar["notes"]:
        notes.setdefault(note["title"], []).append(
            {"time": format_hmm(note["sim_time_s"]), "text": note["rationale"],
             "actor": note["actor"], "role": w.lab.get(note["role"], note["role"])})
    return notes


def _improvements(aar: Mapping[str, Any], w: _Words) -> list[dict[str, str]]:
    lab = w.lab
    out = []
    for it in aar["improvements"]:
        src = it["source"]
        if src == "observer":
            issue = w.pick(it["issue"])
        elif src == "standard":
            issue = lab["item_standard"].format(
                label=w.pick(it["label"]),
                value=_standard_value(it["value"], it["kpi"], lab["not_reached"]),
                op=it["op"], threshold=_standard_value(it["threshold"], it["kpi"]))
        elif src == "task":
            issue = lab["item_task"].format(title=w.inject_title(it["inject_id"], it["title"]),
                                            expected=w.pick(it["expected_action"]))
        elif it.get("kpi") == "evacuation.stranded":
            issue = lab["item_stranded"].format(value=format_number(it["value"]))
        else:
            issue = lab["item_never"].format(value=format_number(it["value"]))
        out.append({"issue": issue, "owner": it.get("owner") or lab["to_agree"]})
    return out


def _equipment(aar: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, fam in aar["equipment"].items():
        w, wo = fam.get("with") or {}, fam.get("without") or {}
        rows = [{"key": k, "with": _kpi_value(k, w.get(k)), "without": _kpi_value(k, wo.get(k))}
                for k in w if isinstance(w.get(k), int | float) and not isinstance(w.get(k), bool)]
        out.append({"name": name, "rows": rows})
    return out


def _at(meta: Mapping[str, Any], key: str) -> str:
    """A recorded simulated time as ``h:mm (local clock)``."""
    return f"{format_hmm(meta.get(key))} " \
        f"({format_clock(meta.get('start'), meta.get('timezone'), meta.get(key) or 0)})"


def report_context(aar: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Everything the after-action template shows, worded in one language.

    Takes what :func:`~musterpoint.reports.after_action.render_after_action` takes, and
    returns the template's variables (``lab``, ``title``, ``summary``, ``timeline``,
    ``kpi_rows``, ``decisions``, ``standards``, ``tasks``, ``notes``, ``improvements``,
    ``coord``, ``execution``, ``equipment``, ...).
    """
    w = _Words(aar, lang)
    zh, lab = w.zh, w.lab
    meta = aar["meta"]
    coord = aar["coordination"]
    fired = sum(1 for s in aar["script"] if s["fired_seq"])
    trainer_injects = sum(1 for r in aar["timeline"] if r["type"] == "inject"
                          and r["role"] == "trainer" and not r["inject_id"])
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
        "wall_start": format_instant(coord.get("wall_start") or None, meta.get("timezone")),
        "wall_end": format_instant(coord.get("wall_end") or None, meta.get("timezone")),
        "stopped": _at(meta, "stopped_at_s"),
        "scenario_end": _at(meta, "duration_s"),
        "summary": _summary(aar, w),
        "timeline": _timeline(aar, w),
        "kpi_rows": _kpi_rows(list(aar["differences"]), lang, lab),
        "decisions": [{"sentence": decision_sentence(d, lang, w.shelters), "seq": d["seq"],
                       "time": format_hmm(d["sim_time_s"]), "rationale": d["rationale"],
                       "actor": d["actor"]} for d in aar["decisions"]],
        "standards": _standards(aar, w),
        "tasks": _tasks(aar, w),
        "notes": _notes(aar, w),
        "improvements": _improvements(aar, w),
        "coord": {
            "by_actor": sorted(coord["by_actor"].items()),
            "by_kind": sorted((w.pick(ENGINE_COMMAND_SPECS.get(k, {}).get("label")) or k, n)
                              for k, n in coord["by_kind"].items()),
            "mean_response": format_hmm(coord["mean_response_s"]),
            "max_response": format_hmm(coord["max_response_s"]),
            "unanswered": coord["unanswered"],
        },
        "execution": {"fired": fired, "script": len(aar["script"]),
                      "trainer_injects": trainer_injects, "decisions": coord["decisions"],
                      "notes": len(aar["notes"]),
                      "span": format_hmm(meta.get("stopped_at_s"))},
        "equipment": _equipment(aar),
        "firings": [{"time": format_hmm(f["time_s"]), "level": f["level"],
                     "grade": f["grade"], "change": lab["level_" + f["change"]],
                     "condition": f["condition"], "value": f"{f['value']:.3g}",
                     "without": (format_hmm(f["without_s"]) if f["without_s"] is not None
                                 else lab["not_reached"])}
                    for f in aar.get("trigger_firings", [])],
        "firing_cols": lab["trig_cols"].split("|"),
        "warnings": list(meta.get("warnings") or []),
        "version": meta.get("version", ""),
        "attribution": list(meta.get("attribution") or []),
    }
