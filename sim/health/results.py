"""Ledger checks, tables, KPIs (``kpis.json["health"]``) and snapshots of the health
extension.

Ledger: every person is in exactly one compartment (S, E, I, R, V) and one place (home,
travelling, at a site, in an ambulance, in hospital). :func:`ledger_problems` checks both
against the compound's population, and the places against the modules' own counts
(people inside the sites' queues, patients in beds and ambulances, visitors on the way);
:func:`health_ledger` adds that every order is in exactly one state.

Tables: ``health_timeseries`` (per epidemic step and compound: compartments, counters,
places, contact cut), ``health_compounds`` (per compound), and the tables of the campaign,
supply and hospital modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from musterpoint.sim.health.place_rows import PLACE_ROW, PLACES
from musterpoint.sim.health.pod import AT_SITE, TRAVEL_BACK, TRAVEL_OUT
from musterpoint.sim.health.seir import COMPARTMENTS, CUM_INF, R

if TYPE_CHECKING:
    from musterpoint.sim.health.extension import HealthExtension

__all__ = ["health_kpis", "health_ledger", "health_snapshot", "health_tables",
           "ledger_problems"]


def ledger_problems(ext: HealthExtension) -> list[str]:
    """What does not balance now (empty if everything does)."""
    epi = ext.epi
    y, pl, pop = epi.y, epi.places, epi.pop
    comp_sum = y[:5].sum(axis=0)
    tol = 0 if epi.stochastic else 1e-6 * pop
    bad: list[str] = []
    if (np.abs(comp_sum - pop) > tol).any():
        bad.append("compartments do not add up to the compound populations")
    if (y[:5] < (0 if epi.stochastic else -1e-6)).any():
        bad.append("a compartment is negative")
    if (pl.sum(axis=0) != pop).any() or (pl < 0).any():
        bad.append("places do not add up to the compound populations")
    at_site, travelling = PLACE_ROW["at_site"], PLACE_ROW["travelling"]
    if ext.campaign is not None:
        st = ext.campaign.state
        if int(pl[at_site].sum()) != ext.campaign.at_site() or \
                int(pl[at_site].sum()) != int((st == AT_SITE).sum()):
            bad.append("people at the sites differ from the sites' queues")
        if int(pl[travelling].sum()) != int(((st == TRAVEL_OUT) | (st == TRAVEL_BACK)).sum()):
            bad.append("people travelling differ from the visitors on their way")
    elif pl[at_site].sum() or pl[travelling].sum():
        bad.append("people at sites without a campaign")
    h = ext.hospital
    if h is not None:
        hospital, ambulance = PLACE_ROW["hospital"], PLACE_ROW["ambulance"]
        if int(pl[hospital].sum()) != h.in_hospital():
            bad.append("people in hospital differ from the patients in beds")
        if int(pl[ambulance].sum()) != h.in_ambulance():
            bad.append("people in ambulances differ from the patients on board")
        if (pl[hospital] + pl[ambulance] > y[R] + (0 if epi.stochastic else 1e-6)).any():
            bad.append("more severe patients away than removed (R) residents")
    return bad


def _totals(ext: HealthExtension) -> dict[str, Any]:
    """Persons by compartment and by place, summed over the compounds."""
    y, pl = ext.epi.y, ext.epi.places
    return {"compartments": {name: float(y[k].sum()) for k, name in enumerate(COMPARTMENTS)},
            "places": {name: int(pl[k].sum()) for k, name in enumerate(PLACES)}}


def health_tables(ext: HealthExtension) -> dict[str, pd.DataFrame]:
    """The health tables (see the module docstring)."""
    hw, epi = ext.hw, ext.epi
    ids = [c.id for c in hw.compounds]
    ts = pd.DataFrame(ext.ts_rows, columns=["time_s", "c", *COMPARTMENTS,
                                            "cum_infections", "cum_severe", *PLACES,
                                            "contact_cut"])
    ts.insert(1, "compound", [ids[c] for c in ts["c"]])
    out: dict[str, pd.DataFrame] = {"health_timeseries": ts.drop(columns="c")}
    until = ext.horizon_s
    comp = pd.DataFrame({
        "compound": ids, "name": [c.name for c in hw.compounds],
        "name_zh": [c.name_zh or "" for c in hw.compounds],
        "lon": [c.lon for c in hw.compounds], "lat": [c.lat for c in hw.compounds],
        "population": epi.pop, "households": [c.n_households for c in hw.compounds],
        "gates": [len(c.gates) for c in hw.compounds],
        "infections": epi.y[CUM_INF].astype(float),
        "attack_rate": epi.y[CUM_INF] / epi.pop,
        "supply_status": [ext.supply.status(c, until) if ext.supply else ""
                          for c in range(epi.pop.size)],
    })
    out["health_compounds"] = comp
    if ext.campaign is not None:
        out.update(ext.campaign.tables())
    if ext.supply is not None:
        out.update(ext.supply.tables())
    if ext.hospital is not None:
        out.update(ext.hospital.tables())
    return out


def health_kpis(ext: HealthExtension) -> dict[str, Any]:
    """The ``health`` KPI family: epidemic, campaign, supply and hospitals."""
    until = ext.horizon_s
    epi = ext.epi
    y, pop = epi.y, epi.pop
    ep = ext.hw.epidemic
    inf = float(y[CUM_INF].sum())
    out: dict[str, Any] = {
        "epidemic": {
            "model": ep.model,
            "r0": ep.r0,
            "r0_next_generation": epi.r_ngm,
            "population": int(pop.sum()),
            "infections": inf,
            "attack_rate": inf / float(pop.sum()),
            "peak_infectious": epi.peak_i,
            "peak_time_s": epi.peak_t,
            "severe_cases": int(epi.sev_emitted.sum()),
            "tests": int(epi.tests),
            "positives_found": float(epi.positives),
            "at_end": _totals(ext)["compartments"],
            "by_compound": {c.id: {"name": c.name, "name_zh": c.name_zh,
                                   "infections": float(y[CUM_INF, i]),
                                   "attack_rate": float(y[CUM_INF, i] / pop[i])}
                            for i, c in enumerate(ext.hw.compounds)},
        },
        "campaign": ext.campaign.kpis(until) if ext.campaign is not None else None,
        "supply": ext.supply.kpis(until) if ext.supply is not None else None,
        "hospitals": ext.hospital.kpis(until) if ext.hospital is not None else None,
    }
    if out["campaign"] is not None:
        out["campaign"]["positives_found"] = float(epi.positives)
    return out


def health_ledger(ext: HealthExtension) -> dict[str, Any]:
    """Persons by compartment and by place, orders by state, the supply trucks' goods
    (the fleet's ledger); ``balanced`` flag."""
    orders = ext.supply.counts() if ext.supply is not None else None
    fleet = ext.supply.fleet.ledger() if ext.supply is not None else None
    orders_ok = True
    if orders is not None and ext.supply is not None and fleet is not None:
        placed = int((ext.supply.o_time <= ext.horizon_s).sum())
        orders_ok = (sum(v for k, v in orders.items() if k != "future") == placed
                     and fleet["balanced"])
    return {
        "persons": int(ext.epi.pop.sum()),
        **_totals(ext),
        "orders": orders,
        "supply_fleet": fleet,
        "checks": ext.checks,
        "failures": list(ext.failures),
        "balanced": bool(not ext.failures and orders_ok and ext.checks > 0),
    }


def health_snapshot(ext: HealthExtension) -> dict[str, Any]:
    """Compartments, places, queues, beds and pending orders now."""
    out: dict[str, Any] = _totals(ext)
    if ext.campaign is not None:
        out["site_queues"] = ext.campaign.queue_now()
    hosp = ext.hospital
    if hosp is not None:
        now = float(ext.ctx.env.now)
        out["hospitals"] = {
            h.id: {"ward": b.ward_occ, "icu": b.icu_occ,
                   "ward_beds": hosp.capacity(k, now)[0],
                   "icu_beds": hosp.capacity(k, now)[1]}
            for k, (h, b) in enumerate(zip(ext.hw.hospitals, hosp.beds, strict=True))}
        out["patients_waiting"] = len(hosp.waiting)
    if ext.supply is not None:
        out["orders"] = ext.supply.counts()
    return out
