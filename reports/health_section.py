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
from musterpoint.display.i18n import N_, bilingual
from musterpoint.display.labels import is_chinese, pick_labels
from musterpoint.display.units import unit
from musterpoint.reports.charts import COLOURS, Line, line_chart
from musterpoint.sim.result import RunResult

__all__ = ["health_section"]

logger = logging.getLogger(__name__)

_T: dict[str, tuple[str, str]] = bilingual({
    "title": N_("Public health"),
    "epidemic": N_("Epidemic"), "model": N_("Model"),
    "stochastic": N_("stochastic (binomial chain)"),
    "deterministic": N_("deterministic (ODE)"),
    "r0": N_("Basic reproduction number R0"),
    "population": N_("Residents"), "infections": N_("New infections"),
    "attack": N_("Attack rate"), "peak": N_("Peak infectious (time)"),
    "severe": N_("Severe cases"), "tests": N_("Tests"),
    "positives": N_("Positives found and isolated"),
    "chart": N_("Infectious residents and occupied hospital beds"),
    "infectious": N_("infectious"), "beds": N_("beds occupied"),
    "day": N_("day"),
    "day_axis": N_("Days after the scenario start (d)"),
    "infectious_axis": N_("Infectious residents (persons)"),
    "beds_axis": N_("Hospital beds occupied (beds)"),
    "chart_caption": N_("Red: residents who are infectious; blue dashes, right axis: ward and "
                      "intensive-care beds occupied, all hospitals together."),
    "campaign": N_("Testing campaign"), "vaccination": N_("Vaccination campaign"),
    "target": N_("Residents to come"), "served": N_("Served"),
    "by_deadline": N_("Served by the deadline"),
    "t50": N_("Time to 50 % / 90 %"),
    "tis": N_("Time at the site, mean / p95"),
    "throughput": N_("Throughput per opening hour (all sites)"),
    "queue_max": N_("Longest queue at a station"),
    "util": N_("Staff utilisation (mean)"),
    "no_show": N_("No-shows / no slot"),
    "site": N_("Site"), "assigned": N_("Assigned"),
    "per_hour": N_("per hour"), "overtime": N_("Overtime"),
    "supply": N_("Lockdown supply"), "mode": N_("Delivery"),
    "gate": N_("to every compound gate"),
    "pickup": N_("to central pick-up points"),
    "orders": N_("Orders placed / delivered"),
    "per_day": N_("Households served per day"),
    "delay": N_("Order to doorstep, mean / p95"),
    "within24": N_("Delivered within 24 h"),
    "pending": N_("Still waiting at the end"),
    "compound": N_("Compound"), "status": N_("Status"),
    "ok": N_("ok"), "strained": N_("strained"), "failing": N_("failing"),
    "hospitals": N_("Hospitals and ambulances"),
    "calls": N_("Ambulance calls"), "admitted": N_("Admitted (ICU)"),
    "not_admitted": N_("Not admitted"),
    "over": N_("Days with patients waiting for a bed"),
    "response": N_("Ambulance response, mean / p90"),
    "hospital": N_("Hospital"), "ward": N_("Ward beds (peak)"),
    "icu": N_("ICU beds (peak)"),
    "ledger": N_("Health ledger"),
    "ledger_text": N_("{checks} checks: every resident in exactly one compartment and one "
                    "place"),
    "balanced": N_("balanced"), "unbalanced": N_("NOT balanced"),
    "compartments": N_("By compartment (S E I R V)"),
    "places": N_("By place"),
})
_PLACES = bilingual({"home": N_("home"), "travelling": N_("travelling"),
           "at_site": N_("at a site"), "ambulance": N_("ambulance"),
           "hospital": N_("hospital")})



def _num(x: Any, fmt: str = ",.0f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return format(float(x), fmt)


def _dur(s: Any, zh: bool) -> str:
    """Seconds as min, h or d h."""
    if s is None or (isinstance(s, float) and not math.isfinite(s)):
        return "—"
    s, lang = float(s), ("zh" if zh else "en")
    if s < 3600:
        return f"{s / 60:.1f} {unit(lang, 'min')}"
    if s < 86400:
        return f"{s / 3600:.1f} {unit(lang, 'h')}"
    d, h = divmod(s / 3600.0, 24.0)
    return f"{int(d)} {unit(lang, 'd')} {h:.0f} {unit(lang, 'h')}"


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
