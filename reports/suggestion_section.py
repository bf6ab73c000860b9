"""The "suggested changes, tested" section of the run report (``--suggest-plan``).

:func:`suggestion_section` turns the content of ``suggestions.json``
(:meth:`musterpoint.sim.experiments.suggestions.Suggestions.to_dict`) into one escaped
``<section>``: the suggested plan with its score before and after on the common seeds, a
table of every candidate (what it changes, streets by name with their link ids in a
tooltip, the per-seed scores, the paired difference, standards met more or less often,
kept or why not), the changes not proposed and, when nothing helps, why. English or
Simplified Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from musterpoint.display.i18n import N_, bilingual

__all__ = ["SUGGESTION_LABELS", "suggestion_section"]

#: Label key -> (English, Simplified Chinese), from the catalog.
SUGGESTION_LABELS: dict[str, tuple[str, str]] = bilingual({
    "title": N_("Suggested changes, tested"),
    "method": N_("Each change was simulated on the same {n} seeds ({seeds}) as the plan "
                 "(common random numbers) and kept only if its score is higher on the paired "
                 "comparison (95 % interval above zero) or it meets a service standard on "
                 "more seeds, and it meets no standard on fewer seeds."),
    "suggested": N_("Suggested plan"),
    "files": N_("written to suggested-plan.yaml; run it with"),
    "score": N_("Score (0–100), mean of the seeds: before → after"),
    "none": N_("No change helps"),
    "change": N_("Change"),
    "kind": N_("Kind"),
    "before": N_("Score before, per seed"),
    "after": N_("Score after, per seed"),
    "diff": N_("Paired difference (95 % interval)"),
    "standards": N_("Standards met (seeds): before → after"),
    "outcome": N_("Kept?"),
    "kept": N_("kept"),
    "combined": N_("All kept changes together"),
    "skipped": N_("Not proposed"),
    "staging": N_("staging"),
    "contraflow": N_("contraflow"),
    "shelters": N_("shelter assignment"),
    "links": N_("links"),
})


def _lab(lang: str | None) -> dict[str, str]:
    zh = str(lang or "en").lower().startswith("zh")
    return {k: v[1 if zh else 0] for k, v in SUGGESTION_LABELS.items()}


def _scores(xs: Sequence[Any]) -> str:
    return ", ".join("—" if x is None else f"{float(x):.1f}" for x in xs)


def _diff(d: Mapping[str, Any]) -> str:
    if d.get("mean") is None:
        return "—"
    if d.get("lo") is None:
        return f"{d['mean']:+.2f}"
    return f"{d['mean']:+.2f} ({d['lo']:+.2f} … {d['hi']:+.2f})"


def _change(c: Mapping[str, Any], text: str) -> Markup:
    """The change in words; streets carry their link ids in a tooltip."""
    det = c.get("details") or {}
    ids = det.get("outbound_links") or det.get("bottleneck_links")
    if c.get("kind") == "contraflow" and ids:
        tip = ", ".join(str(x) for x in ids[:40]) + (" …" if len(ids) > 40 else "")
        return Markup('<span title="{}">{}</span>').format(tip, text)
    return Markup("{}").format(text)


def _standards(base: Mapping[str, Any], c: Mapping[str, Any]) -> str:
    after = c.get("standards_met") or {}
    out = []
    for sid, met in after.items():
        before = (base.get("standards_met") or {}).get(sid) or []
        out.append(f"{sid}: {sum(before)} → {sum(met)}")
    return "; ".join(out) or "—"


def _row(base: Mapping[str, Any], c: Mapping[str, Any], lab: dict[str, str], zh: bool,
         title: str | None = None) -> str:
    words = (c.get("summary") or {}).get("zh" if zh else "en") or c.get("key", "")
    reason = c.get("reason")
    outcome = lab["kept"] if c.get("kept") else (
        (reason or {}).get("zh" if zh else "en") or "—")
    kind = title or lab.get(str(c.get("kind")), str(c.get("kind")))
    return (f"<tr><td class=\"text\">{escape(kind)}</td>"
            f"<td class=\"text\">{_change(c, words)}</td>"
            f"<td>{escape(_scores(base.get('scores') or []))}</td>"
            f"<td>{escape(_scores(c.get('scores') or []))}</td>"
            f"<td>{escape(_diff(c.get('difference') or {}))}</td>"
            f"<td class=\"text\">{escape(_standards(base, c))}</td>"
            f"<td class=\"text\">{escape(outcome)}</td></tr>")


def suggestion_section(data: Mapping[str, Any] | None, lang: str | None = None) -> Markup | None:
    """The report section of ``suggestions.json`` (None when there is none).

    Parameters
    ----------
    data : mapping or None
        The content of ``suggestions.json``.
    lang : str, optional
        ``"zh"`` (or ``"zh-Hans"``) for Chinese; default English.

    Returns
    -------
    Markup or None
        One ``<section id="suggestions">``, safe to insert into the report template.
    """
    if not data:
        return None
    lab = _lab(lang)
    zh = str(lang or "en").lower().startswith("zh")
    key = "zh" if zh else "en"
    seeds = [int(s) for s in data.get("seeds") or []]
    base = data.get("base") or {}
    parts = [f'<section id="suggestions"><h2>{escape(lab["title"])}</h2>',
             f"<p>{escape(lab['method'].format(n=len(seeds), seeds=', '.join(map(str, seeds))))}"
             "</p>"]
    sug = data.get("suggested")
    if sug:
        after, before = sug.get("score_after"), sug.get("score_before")
        parts.append(
            f"<p><strong>{escape(lab['suggested'])}: <code>{escape(sug['plan'])}</code></strong>"
            f" — {escape((sug.get('summary') or {}).get(key, ''))}. "
            f"{escape(lab['score'])}: {escape(_scores([before]))} → {escape(_scores([after]))}"
            f" ({escape(_diff(sug.get('difference') or {}))}). {escape(lab['files'])} "
            f"<code>muster run scenario-with-suggestion.yaml --plan {escape(sug['plan'])}"
            "</code></p>")
    else:
        why = data.get("why_none") or []
        parts.append(f"<p><strong>{escape(lab['none'])}</strong></p><ul>"
                     + "".join(f"<li>{escape(w.get(key, ''))}</li>" for w in why) + "</ul>")
    rows = [_row(base, c, lab, zh) for c in data.get("candidates") or []]
    if data.get("combined"):
        rows.append(_row(base, data["combined"], lab, zh, lab["combined"]))
    if rows:
        head = "".join(f"<th>{escape(lab[k])}</th>" for k in
                       ("kind", "change", "before", "after", "diff", "standards", "outcome"))
        parts.append(f"<table class=\"suggestions\"><thead><tr>{head}</tr></thead><tbody>"
                     + "".join(rows) + "</tbody></table>")
    skipped = data.get("skipped") or []
    if skipped:
        parts.append(f"<p>{escape(lab['skipped'])}:</p><ul>" + "".join(
            f"<li>{escape(lab.get(str(s.get('kind')), str(s.get('kind'))))}: "
            f"{escape((s.get('reason') or {}).get(key, ''))}</li>" for s in skipped)
            + "</ul>")
    parts.append("</section>")
    return Markup("".join(parts))
