"""The plan review's checks that need one run of the plan (``muster plan-doc --run DIR``).

A comparison (``comparison.json``) holds ETE, standards and people left behind by zone,
but not what only a run's tables show: shelters whose occupancy exceeded (or reached)
their capacity, the streets of the flow bound's bottleneck, persons who never left home by
reason (no transport apart from never ordered) and persons sheltering in place. This
module reads those from a ``muster run`` folder and words them; without a run the
document says that these checks need one (:func:`checks_without_run`), never invents.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musterpoint.reports.run_summary import reason_rows
from musterpoint.scenarios.errors import InputError

__all__ = ["RunFacts", "checks_without_run", "curve_series", "never_departed_rows", "read_run",
           "run_checklist", "shelter_peaks"]

#: Tables of the run folder the checks read (the large ones, link_states and events, not).
_TABLES = ("agents", "shelters", "shelter_timeseries", "timeseries", "bound_curve")


@dataclass
class RunFacts:
    """What the checks need from one run folder.

    Attributes
    ----------
    folder : Path
        The run folder.
    meta, kpis : dict
        ``run.json`` and ``kpis.json``.
    tables : dict of str to DataFrame
        Those of :data:`_TABLES` the folder has.
    """

    folder: Path
    meta: dict[str, Any]
    kpis: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError.single(str(path.parent), "--run", f"has no {path.name}; give a "
                                "folder written by muster run")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(str(path), "--run", f"cannot be read ({exc}); run muster "
                                "run again") from exc
    if not isinstance(data, dict):
        raise InputError.single(str(path), "--run", "is not a JSON object; run muster run "
                                "again")
    return data


def read_run(folder: Path, scenario: str, plan: str, given: str | None = None) -> RunFacts:
    """Read a ``muster run`` folder of ``scenario`` under ``plan`` (``given``: the
    scenario as the user named it, for the fix in an error).

    Raises
    ------
    InputError
        The folder is not a run folder, or its ``run.json`` names another scenario or plan.
    """
    if not folder.is_dir():
        raise InputError.single(str(folder), "--run", "is not a folder; give a folder "
                                "written by muster run")
    meta = _json(folder / "run.json")
    kpis = _json(folder / "kpis.json")
    fix = f"run muster run {given or scenario} --plan {plan} --out DIR and give that DIR to --run"
    for key, want in (("scenario", scenario), ("plan", plan)):
        if meta.get(key) != want:
            raise InputError.single(str(folder / "run.json"), key,
                                    f"the run is of {key} {meta.get(key)!r}, not {want!r}; "
                                    f"{fix}")
    if not (folder / "agents.parquet").is_file():
        raise InputError.single(str(folder), "--run", f"has no agents.parquet; {fix}")
    tables = {n: pd.read_parquet(folder / f"{n}.parquet") for n in _TABLES
              if (folder / f"{n}.parquet").is_file()}
    return RunFacts(folder, meta, kpis, tables)


def _persons(n: float) -> str:
    return f"{n:,.0f}"


def shelter_peaks(run: RunFacts, names: Mapping[str, str] | None = None
                  ) -> list[tuple[str, float, float]]:
    """``(name, peak occupancy, capacity)`` of each shelter with a finite capacity: the
    peak is the largest of the 5-minute occupancies and the occupancy at the end. ``names``
    (shelter id to name in the document's language) replace the table's names."""
    sh = run.tables.get("shelters")
    if sh is None or sh.empty:
        return []
    ts = run.tables.get("shelter_timeseries")
    peak_ts = (ts.groupby(ts["shelter"].astype(str))["occupancy"].max().to_dict()
               if ts is not None and not ts.empty else {})
    out = []
    for sid, name, cap, end in zip(sh["shelter"].astype(str), sh["name"].astype(str),
                                   sh["capacity"].astype(float),
                                   sh["occupancy_end"].astype(float), strict=True):
        if not math.isfinite(cap):
            continue
        peak = max(float(peak_ts.get(sid, 0.0)), end if math.isfinite(end) else 0.0)
        out.append(((names or {}).get(sid) or name or sid, peak, cap))
    return out


def _shelter_items(run: RunFacts, w: Mapping[str, str], head: str,
                   names: Mapping[str, str] | None) -> list[str]:
    peaks = shelter_peaks(run, names)
    over = [p for p in peaks if p[1] > p[2]]
    full = [p for p in peaks if p[1] == p[2]]
    out = [head + w["chk_over"].format(s=s, peak=f"{p:,.0f}", cap=f"{c:,.0f}")
           for s, p, c in sorted(over, key=lambda x: x[2] - x[1])]
    out += [head + w["chk_full"].format(s=s, cap=f"{c:,.0f}") for s, _, c in full]
    if not over:
        if peaks:
            s, p, c = max(peaks, key=lambda x: x[1] / x[2] if x[2] > 0 else math.inf)
            out.insert(0, head + w["chk_over_none"].format(s=s, peak=f"{p:,.0f}",
                                                           cap=f"{c:,.0f}"))
        else:
            out.insert(0, head + w["chk_over_nocap"])
    return out


def _bottleneck_item(run: RunFacts, w: Mapping[str, str], zh: bool, head: str) -> str:
    b = run.kpis.get("bounds")
    if not b:
        return head + w["chk_bn_nobound"]
    streets = [str(s) for s in b.get("bottleneck_streets") or [] if s]
    links = [str(s) for s in b.get("bottleneck_link_labels") or [] if s]
    by = str(b.get("limited_by") or "")
    why = w.get(f"limited_{by}", by)
    sep = "、" if zh else ", "
    if streets:
        return head + w["chk_bn_streets"].format(streets=sep.join(streets), n=len(links),
                                                 why=why)
    if links:
        return head + w["chk_bn_links"].format(links=sep.join(links), why=why)
    return head + w["chk_bn_none"].format(why=why)


def never_departed_rows(run: RunFacts, zh: bool) -> list[dict[str, Any]]:
    """Evacuees who never left home, by reason (plain words), largest group first; those
    of a zone never ordered out are one group (``reason`` ``not ordered``) whatever their
    household's own reason (no transport among them)."""
    ag = run.tables["agents"]
    ag = ag[(ag["role"] == "evacuee") & (ag["status"] == "never_departed")].copy()
    unordered = ~np.isfinite(pd.to_numeric(ag["order_s"], errors="coerce").fillna(np.inf))
    ag.loc[unordered, "order_s"] = np.nan
    ag.loc[unordered, "reason"] = ""
    end = run.meta.get("duration_s")
    rows = reason_rows(ag, float(end) if end is not None else None, zh) or []
    return [r for r in rows if r["status"] == "never_departed"]


def run_checklist(run: RunFacts, w: Mapping[str, str], zh: bool,
                  shelter_names: Mapping[str, str] | None = None) -> list[str]:
    """The run's review items: shelters over capacity, bottleneck streets, persons who
    never left home by reason (no transport, never ordered), persons sheltering in place.
    Every item states its count, also when it is zero. ``shelter_names``: shelter id to
    name in the document's language."""
    head = w["chk_run"].format(seed=run.meta.get("seed", "?"))
    out = _shelter_items(run, w, head, shelter_names)
    out.append(_bottleneck_item(run, w, zh, head))
    rows = never_departed_rows(run, zh)
    by_reason = {r["reason"]: r for r in rows}
    car = [r for r in rows if r["reason"].startswith("no transport")]
    line = head + w["chk_no_transport"].format(n=_persons(sum(r["persons"] for r in car)))
    if car:
        sep = "；" if zh else "; "
        line += w["chk_by_reason"].format(reasons=sep.join(
            w["chk_reason"].format(why=r["why"], n=_persons(r["persons"])) for r in car))
    out.append(line)
    out.append(head + w["chk_not_ordered"].format(
        n=_persons(by_reason.get("not ordered", {}).get("persons", 0))))
    for r in rows:
        if r["reason"] != "not ordered" and r not in car:
            out.append(head + w["chk_never_reason"].format(n=_persons(r["persons"]),
                                                           why=r["why"]))
    ag = run.tables["agents"]
    sip = float(ag.loc[(ag["role"] == "evacuee") & (ag["status"] == "sheltering_in_place"),
                       "persons"].sum())
    out.append(head + w["chk_sip"].format(n=_persons(sip)))
    return out


def checks_without_run(w: Mapping[str, str]) -> list[str]:
    """Without ``--run``: which checks need a run, marked as to be completed."""
    return [w["chk_needs_run"].format(ph=w["placeholder"])]


def curve_series(run: RunFacts) -> dict[str, list[float]] | None:
    """The run's evacuation curve and its flow bound in hours after the scenario start
    and % of the evacuees: ``hours``, ``departed``, ``arrived``, ``bound_h``, ``bound``
    (the last two empty without a bound). None without the whole area's time series.

    The start, not the first order: a level plan's orders are not known before the run,
    and its ``run.json`` gives ``first_order_s`` 0."""
    ts = run.tables.get("timeseries")
    if ts is None or ts.empty:
        return None
    whole = ts[ts["zone"].astype(str) == "ALL"]
    if whole.empty:
        whole = ts.groupby("time_s", as_index=False)[["evacuees", "departed", "arrived"]].sum()
    whole = whole.sort_values("time_s")
    total = float((run.kpis.get("evacuation") or {}).get("evacuees") or 0.0)
    if total <= 0:
        return None
    hours = [float(t) / 3600.0 for t in whole["time_s"]]
    out: dict[str, list[float]] = {
        "hours": hours,
        "departed": [100.0 * float(v) / total for v in whole["departed"]],
        "arrived": [100.0 * float(v) / total for v in whole["arrived"]],
        "bound_h": [], "bound": []}
    curve = run.tables.get("bound_curve")
    if curve is not None and not curve.empty and hours:
        cb = curve.sort_values("time_s")
        bx = [float(t) / 3600.0 for t in cb["time_s"]]
        by = [100.0 * float(p) / total for p in cb["persons_safe"]]
        if bx and bx[-1] < hours[-1]:  # nobody more can be safe after the curve's end
            bx, by = [*bx, hours[-1]], [*by, by[-1]]
        keep = [k for k, x in enumerate(bx) if x <= hours[-1]]
        out["bound_h"], out["bound"] = [bx[k] for k in keep], [by[k] for k in keep]
    return out
