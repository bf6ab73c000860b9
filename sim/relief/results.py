"""Tables, KPIs (``kpis.json["relief"]``) and the supply ledger of the relief extension.

Tables (times in seconds since the scenario start):

``relief_points`` (one row per demand point)
    point, name, kind, lon, lat, population_peak, need_start_s, first_delivery_s, wait_s
    (first delivery after need start), deliveries, deprivation_s (time with at least one
    needed commodity out), unmet_person_days (summed over commodities), queue_peak
``relief_supply`` (one row per site and commodity; sites are depots and points)
    site, site_kind, lon, lat, commodity, unit, initial, delivered (points) / shipped (depots),
    consumed, demand, unmet, end, fill_rate, stockout_s (depots: when the last of it
    was loaded onto a truck; points: total time out)
``relief_timeseries`` (every ``record_min``)
    time_s, site, site_kind, commodity, stock, available (depots), population, status
``relief_legs``
    truck, trip, leg, from_node, to, depart_s, arrive_s, km, status, wkt
``relief_deliveries``
    time_s (unloaded), arrive_s, truck, trip, point, depot, commodity, units, kg, policy
``relief_trucks``
    truck, type, depot, trips, legs, km, busy_s, utilisation, state, reason
``relief_trips``
    trip, truck, depot, policy, route, created_s, assigned_s, load_start_s, depart_s,
    end_s, stops, kg, status
``relief_reference`` (one row per planning day)
    day, start_s, end_s, clients, plan_km, reference_km, plan_wait_s, reference_wait_s,
    feasible
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from musterpoint.sim.relief.service import ReliefService

__all__ = ["RELIEF_TABLES", "gini", "relief_kpis", "relief_ledger", "relief_tables"]

#: Names of the relief tables, in the order they are written.
RELIEF_TABLES = ("relief_points", "relief_supply", "relief_timeseries", "relief_legs",
                 "relief_deliveries", "relief_trucks", "relief_trips", "relief_reference")


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: all equal; 0 if all are zero)."""
    v = np.sort(np.asarray(x, dtype=float))
    n = v.size
    if n == 0 or v.sum() <= 0:
        return 0.0
    cum = np.cumsum(v)
    return float((n + 1 - 2 * (cum.sum() / cum[-1])) / n)


def _finite_or_none(x: float) -> float | None:
    """``x`` as a float, or None when it is NaN or infinite (JSON has neither)."""
    return float(x) if np.isfinite(x) else None


def _waits(svc: ReliefService) -> np.ndarray:
    st = svc.state
    return np.asarray(st.first_delivery - st.need_start)


def relief_tables(svc: ReliefService) -> dict[str, pd.DataFrame]:
    """All relief tables of a finished run."""
    inp, st = svc.inp, svc.state
    until = svc.ctx.world.duration_s
    dep_s = st.deprivation_s()
    unmet_pd = (st.unmet / inp.need[None, :]).sum(axis=1)
    points = pd.DataFrame({
        "point": [p.id for p in inp.points], "name": [p.name for p in inp.points],
        "kind": [p.kind for p in inp.points],
        "lon": [p.lon for p in inp.points], "lat": [p.lat for p in inp.points],
        "population_peak": st.pop_peak, "need_start_s": st.need_start,
        "first_delivery_s": st.first_delivery, "wait_s": _waits(svc),
        "deliveries": st.deliveries, "deprivation_s": dep_s,
        "unmet_person_days": unmet_pd, "queue_peak": st.queue_peak,
    })
    out_s = np.zeros(st.mask.shape)
    for i, c, s, e in st.stockouts:
        out_s[i, c] += e - s
    rows = []
    for d in inp.depots:
        for c, cid in enumerate(inp.commodities):
            rows.append((d.id, "depot", d.lon, d.lat, cid, inp.units[c], d.initial[c],
                         d.shipped[c], np.nan, np.nan, np.nan, d.stock[c], np.nan,
                         d.stockout_s[c]))
    for i, p in enumerate(inp.points):
        for c, cid in enumerate(inp.commodities):
            if not inp.mask[i, c]:
                continue
            dem = st.demand[i, c]
            rows.append((p.id, p.kind, p.lon, p.lat, cid, inp.units[c], st.initial[i, c],
                         st.delivered[i, c],
                         st.consumed[i, c], dem, st.unmet[i, c], st.inv[i, c],
                         st.consumed[i, c] / dem if dem > 0 else np.nan, out_s[i, c]))
    supply = pd.DataFrame(rows, columns=["site", "site_kind", "lon", "lat", "commodity", "unit",
                                         "initial",
                                         "delivered", "consumed", "demand", "unmet", "end",
                                         "fill_rate", "stockout_s"])
    series = pd.DataFrame(svc.series, columns=["time_s", "site", "site_kind", "commodity",
                                               "stock", "available", "population", "status"])
    legs, trucks, trips = svc.fleet.tables(until)
    deliveries = pd.DataFrame(svc.deliveries, columns=["time_s", "arrive_s", "truck", "trip",
                                                       "point", "depot", "commodity", "units",
                                                       "kg", "policy"])
    reference = pd.DataFrame(svc.reference_rows,
                             columns=["day", "start_s", "end_s", "clients", "plan_km",
                                      "reference_km", "plan_wait_s", "reference_wait_s",
                                      "feasible"])
    return {"relief_points": points, "relief_supply": supply, "relief_timeseries": series,
            "relief_legs": legs, "relief_deliveries": deliveries, "relief_trucks": trucks,
            "relief_trips": trips, "relief_reference": reference}


def relief_kpis(svc: ReliefService) -> dict[str, Any]:
    """The ``relief`` KPI family (see the README of the relief model)."""
    inp, st = svc.inp, svc.state
    until = svc.ctx.world.duration_s
    ids = inp.commodities
    demand = st.demand.sum(axis=0)
    consumed = st.consumed.sum(axis=0)
    unmet_pd = st.unmet.sum(axis=0) / inp.need
    has_need = np.isfinite(st.need_start)
    waits = _waits(svc)[has_need]
    waits_inf = np.where(np.isfinite(waits), waits, np.inf)
    names = np.array([p.id for p in inp.points], dtype=object)
    need_names = names[has_need]
    med = float(np.median(waits_inf)) if waits.size else np.nan
    worst = float(waits_inf.max()) if waits.size else np.nan
    worst_k = int(np.argmax(waits_inf)) if waits.size else -1
    dep = st.deprivation_s()[has_need]
    mean_dep = float(dep.mean()) if dep.size else 0.0
    longest, li, lc = st.longest_stockout()
    avail = np.array([max(until - inp.depots[tr.depot].open_s, 0.0) for tr in inp.trucks])
    busy = np.array([tr.busy_s for tr in inp.trucks])
    depot_out: dict[str, dict[str, float | None]] = {}
    first: dict[str, Any] | None = None
    for d in inp.depots:
        depot_out[d.id] = {c: _finite_or_none(d.stockout_s[k]) for k, c in enumerate(ids)
                           if d.initial[k] > 0}
        for k, c in enumerate(ids):
            t = d.stockout_s[k]
            if np.isfinite(t) and (first is None or t < first["time_s"]):
                first = {"depot": d.id, "commodity": c, "time_s": float(t)}
    delivered = st.delivered.sum(axis=0)
    by_point: dict[str, Any] = {}
    all_dep = st.deprivation_s()
    all_wait = _waits(svc)
    for i, p in enumerate(inp.points):
        by_point[p.id] = {
            "kind": p.kind,
            "population_peak": float(st.pop_peak[i]),
            "first_delivery_s": _finite_or_none(st.first_delivery[i]),
            "wait_s": _finite_or_none(all_wait[i]),
            "deliveries": int(st.deliveries[i]),
            "deprivation_s": float(all_dep[i]),
            "unmet_person_days": float((st.unmet[i] / inp.need).sum()),
            "fill_rate": {c: (float(st.consumed[i, k] / st.demand[i, k])
                              if st.demand[i, k] > 0 else None)
                          for k, c in enumerate(ids) if inp.mask[i, k]},
        }
    fill = {c: (float(consumed[k] / demand[k]) if demand[k] > 0 else None)
            for k, c in enumerate(ids)}
    fills = [v for v in fill.values() if v is not None]
    return {
        "policy": svc.plan.policy,
        "depots": len(inp.depots),
        "points": len(inp.points),
        "points_with_need": int(has_need.sum()),
        "trucks": len(inp.trucks),
        "fill_rate": fill,
        "fill_rate_min": min(fills) if fills else None,
        "unmet_person_days": float(unmet_pd.sum()),
        "unmet_person_days_by_commodity": {c: float(unmet_pd[k]) for k, c in enumerate(ids)},
        "persons_without_peak": float(svc.persons_without_peak),
        "first_delivery_median_s": _finite_or_none(med),
        "first_delivery_worst_s": _finite_or_none(worst),
        "first_delivery_worst_point": str(need_names[worst_k]) if worst_k >= 0 else None,
        "points_never_served": int((~np.isfinite(waits)).sum()),
        "longest_stockout_s": float(longest),
        "longest_stockout_point": inp.points[li].id if li >= 0 else None,
        "longest_stockout_commodity": ids[lc] if lc >= 0 else None,
        "deprivation_mean_s": mean_dep,
        "deprivation_worst_s": float(dep.max()) if dep.size else 0.0,
        "equity_worst_to_mean": (float(dep.max()) / mean_dep if mean_dep > 0 else 1.0),
        "equity_gini": gini(dep),
        "truck_km": float(sum(tr.km for tr in inp.trucks)),
        "truck_utilisation": float(busy.sum() / avail.sum()) if avail.sum() > 0 else None,
        "trips": int(sum(tr.trips for tr in inp.trucks)),
        "deliveries": int(st.deliveries.sum()),
        "trucks_stranded": int(sum(tr.state == "stranded" for tr in inp.trucks)),
        "delivered_kg": float(delivered @ inp.kg),
        "delivered": {c: float(delivered[k]) for k, c in enumerate(ids)},
        "depot_stockout_s": depot_out,
        "first_depot_stockout": first,
        "cut_off_at_start": list(svc.cut_off_at_start),
        "reference": svc.reference,
        "by_point": by_point,
    }


def relief_ledger(svc: ReliefService) -> dict[str, Any]:
    """Per commodity: depot stock in = delivered + left in depots + on trucks; and at the
    points, initial + delivered = consumed + on hand; ``balanced`` also needs the fleet's
    own ledger (loaded = unloaded + given back + on trucks)."""
    inp, st = svc.inp, svc.state
    out: dict[str, Any] = {}
    ok = True
    for k, c in enumerate(inp.commodities):
        initial = float(sum(d.initial[k] for d in inp.depots))
        delivered = float(st.delivered[:, k].sum())
        in_depots = float(sum(d.stock[k] for d in inp.depots))
        on_trucks = float(sum(tr.cargo[k] for tr in inp.trucks))
        p_init = float(st.initial[:, k].sum())
        consumed = float(st.consumed[:, k].sum())
        on_hand = float(st.inv[:, k].sum())
        tol = 1e-9 * max(1.0, initial + p_init + delivered)
        bal_d = abs(initial - (delivered + in_depots + on_trucks)) <= tol
        bal_p = abs(p_init + delivered - (consumed + on_hand)) <= tol
        ok = ok and bal_d and bal_p
        out[c] = {"depot_initial": initial, "delivered": delivered, "in_depots": in_depots,
                  "on_trucks": on_trucks, "points_initial": p_init, "consumed": consumed,
                  "at_points": on_hand, "balanced": bool(bal_d and bal_p)}
    out["balanced"] = bool(ok and svc.fleet.ledger()["balanced"])
    return out
