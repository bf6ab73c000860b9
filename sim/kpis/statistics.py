"""Statistics of replicated runs: KPI flattening, t-intervals, paired differences, sample size.

KPIs arrive as the nested ``kpis.json`` tree of each run. :func:`flatten_kpis` turns every
numeric leaf into a dotted name (``evacuation.ete50_s``, ``traffic.vehicle_km``), so that a
new KPI family (``relief.*``, ``health.*``, ...) is compared with no change here. Skipped:
the ``ledger`` family (bookkeeping, checked by the engine), any ``by_zone`` map (per-zone
values are handled by :func:`flatten_zone_kpis`), booleans, strings and lists.

Null KPIs are real outcomes (an ETE that was never reached): a ``None`` leaf stays in the
flattened table as ``None``. Every interval here is computed over the non-null values and
says how many there were (``n``) out of how many replications (``n_total``); a paired
difference uses only the seeds where both plans have a value.

Intervals are two-sided Student t intervals: ``mean ± t(1 - a/2, n - 1) · s / sqrt(n)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "SKIP_FAMILIES",
    "Interval",
    "Target",
    "difference_table",
    "flatten_kpis",
    "flatten_zone_kpis",
    "kpi_table",
    "paired_difference",
    "parse_target",
    "replications_check",
    "replications_needed",
    "t_interval",
    "t_quantile",
    "unpaired_difference",
    "verdict",
    "wilson_interval",
    "zone_table",
]

#: Top-level KPI families that are bookkeeping rather than outcomes.
SKIP_FAMILIES = frozenset({"ledger"})
#: Keys whose values are maps keyed by zone (or point), not KPIs.
_PER_ITEM_KEYS = frozenset({"by_zone", "by_point"})

Value = float | None


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def flatten_kpis(kpis: Mapping[str, Any]) -> dict[str, Value]:
    """Numeric (or null) leaves of a KPI tree as ``{"family.name": value}``.

    Parameters
    ----------
    kpis : mapping
        The KPI tree of one run (as in ``kpis.json``).

    Returns
    -------
    dict
        Dotted names in the tree's order; values are floats or None (not reached).
    """
    out: dict[str, Value] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, val in node.items():
            name = f"{prefix}{key}"
            if isinstance(val, Mapping):
                if key in _PER_ITEM_KEYS or (not prefix and key in SKIP_FAMILIES):
                    continue
                walk(val, name + ".")
            elif val is None or _is_number(val):
                if prefix:  # a top-level scalar is not inside a family: skip it
                    out[name] = None if val is None else float(val)

    walk(kpis, "")
    return out


def flatten_zone_kpis(kpis: Mapping[str, Any]) -> dict[str, dict[str, Value]]:
    """Per-zone numeric leaves of every family: ``{zone: {"family.name": value}}``."""
    out: dict[str, dict[str, Value]] = {}
    for family, node in kpis.items():
        if family in SKIP_FAMILIES or not isinstance(node, Mapping):
            continue
        by_zone = node.get("by_zone")
        if not isinstance(by_zone, Mapping):
            continue
        for zone, zk in by_zone.items():
            if not isinstance(zk, Mapping):
                continue
            row = out.setdefault(str(zone), {})
            for key, val in zk.items():
                if val is None or _is_number(val):
                    row[f"{family}.{key}"] = None if val is None else float(val)
    return out


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided t confidence interval.

    Attributes
    ----------
    n : int
        Values the interval is computed from (the non-null ones).
    n_total : int
        Replications (or pairs) in all, null or not.
    mean, sd, half_width, lo, hi : float or None
        None when there are too few values (mean needs 1, the rest need 2).
    """

    n: int
    n_total: int
    mean: float | None
    sd: float | None
    half_width: float | None
    lo: float | None
    hi: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"n": self.n, "n_total": self.n_total, "mean": self.mean, "sd": self.sd,
                "half_width": self.half_width, "lo": self.lo, "hi": self.hi}


def _z_quantile(confidence: float) -> float:
    """The two-sided standard normal critical value."""
    from scipy import stats

    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def t_quantile(df: float, confidence: float = 0.95) -> float:
    """The two-sided Student t critical value with ``df`` degrees of freedom."""
    from scipy import stats  # here, not at import: about 0.5 s that a single run never needs

    return float(stats.t.ppf(0.5 + confidence / 2.0, df))


def _clean(values: Iterable[Value]) -> tuple[np.ndarray, int]:
    vals = list(values)
    got = np.array([float(v) for v in vals if v is not None], dtype=float)
    return got, len(vals)


def _from_array(x: np.ndarray, n_total: int, confidence: float) -> Interval:
    n = int(x.size)
    if n == 0:
        return Interval(0, n_total, None, None, None, None, None)
    mean = float(np.mean(x))
    if n == 1:
        return Interval(1, n_total, mean, None, None, None, None)
    sd = float(np.std(x, ddof=1))
    hw = t_quantile(n - 1, confidence) * sd / math.sqrt(n)
    return Interval(n, n_total, mean, sd, hw, mean - hw, mean + hw)


def t_interval(values: Iterable[Value], confidence: float = 0.95) -> Interval:
    """Mean and t interval of the non-null ``values``."""
    x, total = _clean(values)
    return _from_array(x, total, confidence)


def paired_difference(a: Sequence[Value], b: Sequence[Value],
                      confidence: float = 0.95) -> Interval:
    """Interval of the mean of ``b[i] - a[i]`` over the pairs where both are non-null.

    ``a`` and ``b`` are the values of two plans on the same seeds, in the same order; with
    common random numbers the noise shared by the pair cancels in the difference.
    """
    if len(a) != len(b):
        raise ValueError("paired values need the same seeds for both plans")
    d = np.array([float(y) - float(x) for x, y in zip(a, b, strict=True)
                  if x is not None and y is not None], dtype=float)
    return _from_array(d, len(a), confidence)


def unpaired_difference(a: Sequence[Value], b: Sequence[Value],
                        confidence: float = 0.95) -> Interval:
    """Welch interval of ``mean(b) - mean(a)``, ignoring the pairing (for reference).

    ``n`` is the smaller of the two non-null counts; ``sd`` is the standard error times
    ``sqrt(n)`` so that ``half_width = t · sd / sqrt(n)`` still holds.
    """
    xa, _ = _clean(a)
    xb, _ = _clean(b)
    total = max(len(a), len(b))
    if xa.size == 0 or xb.size == 0:
        return Interval(0, total, None, None, None, None, None)
    mean = float(np.mean(xb) - np.mean(xa))
    n = int(min(xa.size, xb.size))
    if xa.size < 2 or xb.size < 2:
        return Interval(n, total, mean, None, None, None, None)
    va = float(np.var(xa, ddof=1)) / xa.size
    vb = float(np.var(xb, ddof=1)) / xb.size
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Interval(n, total, mean, 0.0, 0.0, mean, mean)
    df = (va + vb) ** 2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1))
    hw = t_quantile(df, confidence) * se
    return Interval(n, total, mean, se * math.sqrt(n), hw, mean - hw, mean + hw)


def replications_needed(sd: float | None, target_half_width: float,
                        confidence: float = 0.95, n_max: int = 1_000_000) -> int | None:
    """Smallest n with ``t(n - 1) · sd / sqrt(n) <= target``: n ≈ (t · s / h)².

    Parameters
    ----------
    sd : float or None
        Sample standard deviation from the replications run so far.
    target_half_width : float
        Wanted half-width, in the KPI's unit.
    confidence : float
        Confidence level of the interval.
    n_max : int
        Give up above this many (returns None).

    Returns
    -------
    int or None
        At least 2; None if ``sd`` is unknown, the target is not positive, or more than
        ``n_max`` would be needed.
    """
    if sd is None or not target_half_width > 0:
        return None
    if sd == 0.0:
        return 2
    z = _z_quantile(confidence)
    n = max(2, math.ceil((z * sd / target_half_width) ** 2))
    while n <= n_max:
        if t_quantile(n - 1, confidence) * sd / math.sqrt(n) <= target_half_width:
            return n
        # t shrinks towards z as n grows: jump by the t/z ratio, at least by one
        need = (t_quantile(n - 1, confidence) * sd / target_half_width) ** 2
        n = max(n + 1, math.ceil(need))
    return None


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of a share ``k / n`` (None when ``n`` is 0)."""
    if n <= 0:
        return None
    z = _z_quantile(confidence)
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


# ---------------------------------------------------------------------- comparison tables
#: ``values[kpi][plan]`` is the list of a KPI's values over the replications (seed order).
Values = Mapping[str, Mapping[str, Sequence[Value]]]


@dataclass(frozen=True)
class Target:
    """A wanted interval half-width: absolute (KPI units) or relative to the plan's mean.

    ``kpi`` None means every KPI.
    """

    kpi: str | None
    value: float
    relative: bool

    def half_width(self, mean: float | None) -> float | None:
        """The absolute half-width wanted for a plan with this mean."""
        if not self.relative:
            return self.value
        return None if mean is None or mean == 0 else abs(mean) * self.value

    def describe(self) -> str:
        """How the target was written (``5%`` or ``300``)."""
        return f"{self.value * 100:g}%" if self.relative else f"{self.value:g}"


def parse_target(text: str) -> Target:
    """``5%`` (every KPI), ``evacuation.ete50_s=300`` or ``evacuation.ete50_s=5%``.

    Raises
    ------
    ValueError
        With what is wrong, for a message to the user.
    """
    kpi, _, val = text.rpartition("=")
    val = val.strip()
    rel = val.endswith("%")
    try:
        num = float(val[:-1] if rel else val)
    except ValueError:
        raise ValueError(f"{text!r}: write KPI=VALUE, KPI=PCT% or PCT%") from None
    if not num > 0 or not math.isfinite(num):
        raise ValueError(f"{text!r}: the half-width must be a positive number")
    return Target(kpi.strip() or None, num / 100.0 if rel else num, rel)


def verdict(iv: Interval, lower_is_better: bool | None) -> str:
    """Reading of a difference ``b - a``: better/worse (or higher/lower), same, unclear."""
    if iv.mean is None:
        return "no data"
    if iv.half_width is None or iv.lo is None or iv.hi is None:
        return "unclear"
    if iv.half_width == 0.0 and iv.mean == 0.0:
        return "same"
    if iv.lo > 0 or iv.hi < 0:
        up = iv.lo > 0
        if lower_is_better is None:
            return "higher" if up else "lower"
        return "worse" if up == lower_is_better else "better"
    return "unclear"


def kpi_table(values: Values, directions: Mapping[str, bool | None],
              confidence: float = 0.95) -> dict[str, Any]:
    """``{kpi: {"lower_is_better": ..., "plans": {plan: interval}}}``."""
    return {k: {"lower_is_better": directions.get(k),
                "plans": {p: t_interval(v, confidence).to_dict() for p, v in by_plan.items()}}
            for k, by_plan in values.items()}


def difference_table(values: Values, a: str, b: str, directions: Mapping[str, bool | None],
                     confidence: float = 0.95) -> dict[str, Any]:
    """Paired (and, for reference, unpaired) intervals of ``b - a`` for every KPI.

    ``n_to_decide`` is the number of replications whose paired interval would no longer
    hold 0 if the mean difference and its spread stayed as they are (None when already
    decided or no difference).
    """
    out: dict[str, Any] = {}
    for k, by_plan in values.items():
        if a not in by_plan or b not in by_plan:
            continue
        pd_ = paired_difference(by_plan[a], by_plan[b], confidence)
        decide = None
        if verdict(pd_, None) == "unclear" and pd_.mean:
            decide = replications_needed(pd_.sd, abs(pd_.mean), confidence)
        out[k] = {"paired": pd_.to_dict(),
                  "unpaired": unpaired_difference(by_plan[a], by_plan[b], confidence).to_dict(),
                  "verdict": verdict(pd_, directions.get(k)), "n_to_decide": decide}
    return out


def replications_check(table: Mapping[str, Any], targets: Sequence[Target], n: int,
                       confidence: float = 0.95) -> dict[str, Any]:
    """For each target and plan: the half-width reached, the one wanted, the n it needs.

    Parameters
    ----------
    table : mapping
        From :func:`kpi_table`.
    targets : sequence of Target
        A target with ``kpi`` None applies to every KPI in ``table``; a later target for a
        KPI replaces an earlier one.
    n : int
        Replications run.
    """
    wanted: dict[str, Target] = {}
    for t in targets:
        for k in ([t.kpi] if t.kpi is not None else list(table)):
            if k in table:
                wanted[k] = t
    rows: list[dict[str, Any]] = []
    for k, t in wanted.items():
        for plan, iv in table[k]["plans"].items():
            h = t.half_width(iv["mean"])
            need = replications_needed(iv["sd"], h, confidence) if h is not None else None
            hw = iv["half_width"]
            enough = hw is not None and h is not None and hw <= h
            note = ("" if h is not None else "relative target at mean 0")
            if iv["n"] < 2:
                note = f"reached in {iv['n']} of {iv['n_total']} replications: no interval"
            rows.append({"kpi": k, "plan": plan, "target": t.describe(), "target_half_width": h,
                         "half_width": hw, "needed": need, "enough": enough, "note": note})
    short = [r for r in rows if not r["enough"] and r["needed"] is not None]
    lines = [f"{r['kpi']} ({r['plan']}): half-width {r['half_width']:.4g} > "
             f"{r['target_half_width']:.4g}; needs about {r['needed']} replications"
             for r in short]
    if n < 2:
        lines.insert(0, f"{n} replication gives no interval and no estimate of the spread; "
                        "run at least 2 (10 or more is usual)")
    return {"replications": n, "rows": rows, "too_few": lines,
            "max_needed": max((r["needed"] for r in short), default=None)}


def zone_table(kpis_by_plan: Mapping[str, Sequence[Mapping[str, Any]]], base: str,
               confidence: float = 0.95) -> dict[str, Any]:
    """Per zone: each plan's mean of every per-zone KPI and its paired change from ``base``.

    ``{zone: {"plans": {plan: {kpi: {mean, n}}}, "diff": {plan: {kpi: {mean, n, lo, hi}}}}}``
    """
    flat = {p: [flatten_zone_kpis(k) for k in runs] for p, runs in kpis_by_plan.items()}
    out: dict[str, Any] = {}
    for z in sorted({z for fs in flat.values() for f in fs for z in f}):
        names = list(dict.fromkeys(k for fs in flat.values() for f in fs for k in f.get(z, {})))
        vals = {k: {p: [f.get(z, {}).get(k) for f in fs] for p, fs in flat.items()} for k in names}
        plans: dict[str, Any] = {}
        diff: dict[str, Any] = {}
        for p in flat:
            plans[p] = {}
            for k in names:
                iv = t_interval(vals[k][p], confidence)
                plans[p][k] = {"mean": iv.mean, "n": iv.n}
            if p != base:
                diff[p] = {}
                for k in names:
                    d = paired_difference(vals[k][base], vals[k][p], confidence)
                    diff[p][k] = {"mean": d.mean, "n": d.n, "lo": d.lo, "hi": d.hi}
        out[z] = {"plans": plans, "diff": diff}
    return out
