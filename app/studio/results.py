"""What the studio's result page shows of a run folder that ``run_pipeline`` wrote.

:func:`run_summary` reads ``kpis.json``, ``run.json`` and the tables it needs: clearance
times (ETE50/90/100) overall and by zone, the ledger, the standards met or missed, the
flow bound with its bottleneck streets, shelter occupancy and redirects, and, for each
road closure of the scenario, the vehicles that entered the closed links before and
after it began. :func:`comparison_summary` reads a ``muster compare`` folder.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["COMPARED_KPIS", "closure_traffic", "comparison_summary", "run_summary"]

logger = logging.getLogger(__name__)


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def closure_traffic(folder: Path, closures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Vehicles entering each closure's links before and after its start.

    Parameters
    ----------
    folder : Path
        A run folder (with ``link_states.parquet``).
    closures : list of dict
        The scenario's ``hazard.closures`` (``links``, ``from_h``).

    Returns
    -------
    list of dict
        ``links``, ``from_h``, ``before`` and ``after`` (vehicles entered, summed over
        the closure's links, in intervals starting before and at or after ``from_h``).
    """
    if not closures or not (folder / "link_states.parquet").is_file():
        return []
    ls = pd.read_parquet(folder / "link_states.parquet",
                         columns=["interval_start_s", "link_id", "entered"])
    ls["link_id"] = ls["link_id"].astype(str)
    out = []
    for c in closures:
        links = [str(x) for x in c.get("links", [])]
        t = float(c.get("from_h", 0.0)) * 3600.0
        on = ls[ls["link_id"].isin(links)]
        out.append({"links": links, "from_h": float(c.get("from_h", 0.0)),
                    "before": int(on.loc[on["interval_start_s"] < t, "entered"].sum()),
                    "after": int(on.loc[on["interval_start_s"] >= t, "entered"].sum())})
    return out


def _shelters(folder: Path, events: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Each shelter's capacity, occupancy at the end, and vehicles redirected to or from it
    (a ``redirect`` event names the new shelter, and ``"<full shelter> full"``)."""
    path = folder / "shelters.parquet"
    if not path.is_file():
        return []
    to: dict[str, int] = {}
    away: dict[str, int] = {}
    if events is not None and len(events):
        red = events[events["type"] == "redirect"]
        to = {str(k): int(v) for k, v in red.groupby("shelter").size().items()}
        full = red["detail"].astype(str).str.removesuffix(" full")
        away = {str(k): int(v) for k, v in full.groupby(full).size().items()}
    rows = []
    for r in pd.read_parquet(path).to_dict("records"):
        sid = str(r.get("shelter", ""))
        rows.append({"id": sid, "name": r.get("name"), "capacity": _finite(r.get("capacity")),
                     "occupancy_end": int(r.get("occupancy_end") or 0),
                     "redirected_to": to.get(sid, 0), "redirected_away": away.get(sid, 0)})
    return rows


def run_summary(folder: Path, closures: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The result page's figures of one run folder.

    Returns
    -------
    dict
        ``meta`` (run.json), ``evacuation`` (KPIs without the per-zone table),
        ``by_zone``, ``ledger``, ``standards``, ``bounds``, ``shelters``, ``redirects``
        (vehicles sent on from a full shelter), ``buses`` (None without buses, else
        ``{buses, delivered}``: people the plan's buses took to safety), ``closures``
        (:func:`closure_traffic`), ``files`` (what the folder holds).
    """
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    e = dict(kpis.get("evacuation") or {})
    by_zone = e.pop("by_zone", {}) or {}
    ev = None
    if (folder / "events.parquet").is_file():
        ev = pd.read_parquet(folder / "events.parquet", columns=["type", "shelter", "detail"])
    return {
        "meta": {k: meta.get(k) for k in ("scenario", "plan", "seed", "start", "timezone",
                                          "wall_time_s", "first_order_s", "warnings")},
        "evacuation": {k: v for k, v in e.items() if not isinstance(v, dict | list)},
        "by_zone": [{"zone": z, **{k: v for k, v in row.items()
                                   if k in ("evacuees", "arrived", "ete50_s", "ete90_s",
                                            "ete100_s", "order_s")}}
                    for z, row in sorted(by_zone.items())],
        "ledger": kpis.get("ledger", {}),
        "standards": meta.get("standards", []),
        "bounds": kpis.get("bounds"),
        "shelters": _shelters(folder, ev),
        "redirects": 0 if ev is None else int((ev["type"] == "redirect").sum()),
        "buses": _buses(folder),
        "closures": closure_traffic(folder, closures or []),
        "files": sorted(p.name for p in folder.iterdir() if p.is_file()),
    }


def _buses(folder: Path) -> dict[str, int] | None:
    path = folder / "buses.parquet"
    if not path.is_file():
        return None
    table = pd.read_parquet(path, columns=["delivered"])
    return {"buses": len(table), "delivered": int(table["delivered"].sum())}


#: KPIs whose intervals the comparison page shows.
COMPARED_KPIS = ("evacuation.ete50_s", "evacuation.ete90_s", "evacuation.arrived",
                 "evacuation.stranded")


def comparison_summary(folder: Path) -> dict[str, Any]:
    """The scorecard of a ``muster compare`` folder.

    Returns
    -------
    dict
        ``baseline``, ``replications``, ``confidence``, ``ranking`` (rank, plan, mean
        score, verdict and the interval of its difference to the best), ``intervals``
        (per KPI of :data:`COMPARED_KPIS` and plan: mean, lo, hi, n of n_total),
        ``files``.
    """
    comp = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    ranking = [{"rank": r["rank"], "plan": r["plan"], "score": _finite(r.get("score")),
                "verdict": r.get("verdict"),
                "vs_best_lo": (r.get("vs_best") or {}).get("lo"),
                "vs_best_hi": (r.get("vs_best") or {}).get("hi")}
               for r in (comp.get("score") or {}).get("ranking", [])]
    kpis = comp.get("kpis") or {}
    intervals = [{"kpi": k, "plan": plan, **{f: v.get(f) for f in ("mean", "lo", "hi", "n",
                                                                   "n_total")}}
                 for k in COMPARED_KPIS if k in kpis
                 for plan, v in kpis[k]["plans"].items()]
    return {"baseline": comp.get("baseline"), "replications": comp.get("replications"),
            "confidence": comp.get("confidence"), "ranking": ranking,
            "intervals": intervals,
            "files": sorted(p.name for p in folder.iterdir() if p.is_file())}
