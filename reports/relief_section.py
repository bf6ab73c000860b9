"""The relief-supply section of the run report, as an escaped HTML fragment.

:func:`relief_section` turns ``kpis["relief"]``, ``kpis["ledger"]["relief"]`` and the
``relief_*`` tables of a RunResult into one ``<section>``: the headline figures (fill
rate per commodity, unmet person-days, time to first delivery, longest stockout, equity,
trucks), which depot ran out first, the routing reference (the plan's distance and
waiting time against optimised routes for the same deliveries), the supply ledger and a
table of demand points, longest wait first. English or Simplified Chinese, by
``meta["language"]``. Every value is escaped (markupsafe).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from markupsafe import Markup, escape

from musterpoint.display.i18n import N_, bilingual
from musterpoint.display.timefmt import format_hmm
from musterpoint.reports.charts import COLOURS, Line, line_chart
from musterpoint.sim.result import RunResult

__all__ = ["RELIEF_LABELS", "relief_section"]

#: Label key -> (English, Simplified Chinese).
RELIEF_LABELS: dict[str, tuple[str, str]] = bilingual({
    "title": N_("Relief supply"),
    "stock_chart": N_("Stock left in the depots over time"),
    "stock_x": N_("Hours after the scenario start (h)"),
    "stock_y": N_("Depot stock (% of the stock at the start)"),
    "stock_caption": N_("Stock of each commodity in all depots together, as a share of what "
                      "they held at the start; a line reaching 0 means the depots ran out."),
    "policy": N_("Dispatch policy"),
    "need_driven": N_("need-driven"),
    "periodic": N_("periodic (order-up-to)"),
    "fixed": N_("fixed routes"),
    "fill_rate": N_("Fill rate"),
    "unmet": N_("Unmet need (person-days, all commodities)"),
    "without": N_("Most people without some supply at once"),
    "first_median": N_("Time to first delivery, median"),
    "first_worst": N_("Time to first delivery, worst"),
    "never": N_("points never served"),
    "longest": N_("Longest stockout"),
    "equity": N_("Equity: worst point / mean deprivation; Gini"),
    "trucks": N_("Trucks: trips, km, utilisation"),
    "stranded": N_("stranded"),
    "depot_out": N_("First depot to run out"),
    "none": N_("none ran out"),
    "reference": N_("Routing reference (PyVRP, same deliveries)"),
    "plan_km": N_("Plan distance"),
    "ref_km": N_("Optimised distance"),
    "gap": N_("Plan over optimised"),
    "wait": N_("Waiting for first delivery (sum over points): plan / optimised"),
    "ledger": N_("Supply ledger"),
    "commodity": N_("Commodity"),
    "initial": N_("Depot stock"),
    "delivered": N_("Delivered"),
    "in_depots": N_("Left in depots"),
    "on_trucks": N_("On trucks"),
    "balanced": N_("balanced"),
    "not_balanced": N_("NOT balanced"),
    "points": N_("Demand points, longest wait first"),
    "point": N_("Point"),
    "name": N_("Name"),
    "kind": N_("Kind"),
    "people": N_("People (peak)"),
    "wait_col": N_("First delivery after need"),
    "deliveries": N_("Deliveries"),
    "deprivation": N_("Time out of some supply"),
    "unmet_pd": N_("Unmet person-days"),
    "not_reached": N_("never"),
    "note": N_("Times as h:mm. Unmet person-days are summed over commodities. The reference "
             "routes the plan's own deliveries of each planning day for the least distance "
             "on free-flow times, ignoring congestion and depot stock."),
})


def _lab(meta: dict[str, Any], lang: str | None) -> dict[str, str]:
    zh = str(lang or meta.get("language", "en")).lower().startswith("zh")
    return {k: v[1 if zh else 0] for k, v in RELIEF_LABELS.items()}


def _num(x: Any, fmt: str = "{:,.0f}") -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    return fmt.format(float(x))


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in pairs)


def _stock_chart(result: RunResult, lab: dict[str, str]) -> str:
    """Depot stock per commodity over hours, as % of the stock at the start."""
    ts = result.tables.get("relief_timeseries")
    if ts is None or ts.empty or "site_kind" not in ts:
        return ""
    depots = ts[ts["site_kind"] == "depot"]
    lines = []
    for i, (commodity, g) in enumerate(depots.groupby("commodity", sort=True)):
        stock = g.groupby("time_s")["stock"].sum().sort_index()
        start = float(stock.iloc[0]) if len(stock) else 0.0
        if start <= 0:
            continue
        lines.append(Line([float(t) / 3600.0 for t in stock.index],
                          (100.0 * stock.to_numpy(float) / start).tolist(), str(commodity),
                          COLOURS[i % len(COLOURS)], step=True))
    fig = line_chart(lines, title=lab["stock_chart"], x_label=lab["stock_x"],
                     y_label=lab["stock_y"], caption=lab["stock_caption"],
                     y_range=(0.0, 105.0), size=(8.0, 3.0))
    return "" if fig is None else f'<h3>{escape(lab["stock_chart"])}</h3>{fig}'


def relief_section(result: RunResult, lang: str | None = None) -> Markup | None:
    """The relief section of the run report, or None if the run has no relief.

    Parameters
    ----------
    result : RunResult
        A finished run.
    lang : str, optional
        ``"zh"`` (or ``"zh-Hans"``) for Chinese; default: ``result.meta["language"]``,
        else English.

    Returns
    -------
    Markup or None
        One ``<section>`` element, safe to insert into the report template.
    """
    k = result.kpis.get("relief")
    if not k:
        return None
    lab = _lab(result.meta, lang)
    nr = lab["not_reached"]
    fill = k.get("fill_rate") or {}
    head: list[tuple[str, str]] = [(lab["policy"], lab.get(str(k.get("policy")),
                                                         str(k.get("policy"))))]
    for c, v in fill.items():
        head.append((f"{lab['fill_rate']}: {c}", _num(v, "{:.1%}") if v is not None else "—"))
    head += [
        (lab["unmet"], _num(k.get("unmet_person_days"), "{:,.1f}")),
        (lab["without"], _num(k.get("persons_without_peak"))),
        (lab["first_median"], format_hmm(k.get("first_delivery_median_s"), nr)),
        (lab["first_worst"], f"{format_hmm(k.get('first_delivery_worst_s'), nr)} "
                             f"({k.get('first_delivery_worst_point') or '—'}); "
                             f"{lab['never']}: {k.get('points_never_served', 0)}"),
        (lab["longest"], f"{format_hmm(k.get('longest_stockout_s'))} "
                         f"({k.get('longest_stockout_point') or '—'}, "
                         f"{k.get('longest_stockout_commodity') or '—'})"),
        (lab["equity"], f"{_num(k.get('equity_worst_to_mean'), '{:.2f}')}; "
                        f"{_num(k.get('equity_gini'), '{:.2f}')}"),
        (lab["trucks"], f"{k.get('trips', 0)}, {_num(k.get('truck_km'), '{:,.1f}')} km, "
                        f"{_num(k.get('truck_utilisation'), '{:.0%}')}; {lab['stranded']}: "
                        f"{k.get('trucks_stranded', 0)}"),
    ]
    first = k.get("first_depot_stockout")
    head.append((lab["depot_out"], lab["none"] if not first else
                 f"{first['depot']} ({first['commodity']}) {format_hmm(first['time_s'])}"))
    ref = k.get("reference") or {}
    ref_rows: list[tuple[str, str]] = []
    if ref.get("available"):
        ref_rows = [
            (lab["plan_km"], f"{_num(ref.get('plan_km'), '{:,.1f}')} km"),
            (lab["ref_km"], f"{_num(ref.get('reference_km'), '{:,.1f}')} km"),
            (lab["gap"], _num(ref.get("distance_gap"), "{:+.0%}")),
            (lab["wait"], f"{format_hmm(ref.get('plan_wait_s'))} / "
                          f"{format_hmm(ref.get('reference_wait_s'))}"),
        ]
    led = (result.kpis.get("ledger") or {}).get("relief") or {}
    led_rows = "".join(
        f"<tr><td>{escape(c)}</td><td>{_num(v['depot_initial'])}</td>"
        f"<td>{_num(v['delivered'])}</td><td>{_num(v['in_depots'])}</td>"
        f"<td>{_num(v['on_trucks'])}</td></tr>"
        for c, v in led.items() if isinstance(v, dict))
    ok = bool(led.get("balanced"))
    status = (f'<p class="status {"ok" if ok else "bad"}">{escape(lab["ledger"])}: '
              f'{escape(lab["balanced"] if ok else lab["not_balanced"])}</p>')
    pts = result.tables.get("relief_points")
    point_rows = ""
    if pts is not None and not pts.empty:
        srt = pts.assign(_w=pts["wait_s"].fillna(np.inf)).sort_values(
            ["_w", "point"], ascending=[False, True], kind="stable")
        for rec in srt.to_dict("records"):
            ws, ns = float(rec["wait_s"]), float(rec["need_start_s"])
            wait = format_hmm(ws if np.isfinite(ws) else None, nr if np.isfinite(ns) else "—")
            point_rows += (
                f"<tr><td>{escape(rec['point'])}</td><td class=\"text\">{escape(rec['name'])}"
                f"</td><td class=\"text\">{escape(rec['kind'])}</td>"
                f"<td>{_num(rec['population_peak'])}</td><td>{escape(wait)}</td>"
                f"<td>{int(rec['deliveries'])}</td>"
                f"<td>{escape(format_hmm(rec['deprivation_s']))}</td>"
                f"<td>{_num(rec['unmet_person_days'], '{:,.1f}')}</td></tr>")
    html = (
        f'<section class="relief"><h2>{escape(lab["title"])}</h2>'
        f'<table class="relief-kpis"><tbody>{_rows(head)}</tbody></table>'
        + _stock_chart(result, lab)
        + (f'<h3>{escape(lab["reference"])}</h3><table class="relief-ref"><tbody>'
           f"{_rows(ref_rows)}</tbody></table>" if ref_rows else "")
        + f'<h3>{escape(lab["ledger"])}</h3>{status}<table class="relief-ledger"><thead><tr>'
        f'<th>{escape(lab["commodity"])}</th><th>{escape(lab["initial"])}</th>'
        f'<th>{escape(lab["delivered"])}</th><th>{escape(lab["in_depots"])}</th>'
        f'<th>{escape(lab["on_trucks"])}</th></tr></thead><tbody>{led_rows}</tbody></table>'
        f'<h3>{escape(lab["points"])}</h3><table class="relief-points"><thead><tr>'
        + "".join(f"<th>{escape(lab[c])}</th>" for c in
                  ("point", "name", "kind", "people", "wait_col", "deliveries", "deprivation",
                   "unmet_pd"))
        + f'</tr></thead><tbody>{point_rows}</tbody></table>'
        f'<p class="secs">{escape(lab["note"])}</p></section>'
    )
    return Markup(html)
