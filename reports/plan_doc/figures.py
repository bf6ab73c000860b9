"""Figures of the contingency-plan document, drawn with matplotlib so that they print:
a static map of the zones and shelters, and the evacuation curves of a comparison."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["bound_curve_png", "curve_png", "zones_map_png"]

_CJK = ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = _CJK
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "musterpoint"
    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight",
                metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def zones_map_png(zones: Sequence[Mapping[str, Any]], shelters: Sequence[Mapping[str, Any]],
                  labels: Mapping[str, str]) -> bytes:
    """Zones as circles sized by evacuees and coloured by lowest ground; shelters as
    triangles with their names. ``labels``: ``lon``, ``lat``, ``ground``, ``title``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 5.5))
    if zones:
        lon = [z["lon"] for z in zones]
        lat = [z["lat"] for z in zones]
        size = [max(float(z["evacuees"]), 1.0) ** 0.5 * 3 for z in zones]
        elev = [z["elevation"] if z["elevation"] == z["elevation"] else 0.0 for z in zones]
        sc = ax.scatter(lon, lat, s=size, c=elev, cmap="Blues_r", alpha=0.8,
                        edgecolors="#444", linewidths=0.4)
        fig.colorbar(sc, ax=ax, label=labels["ground"], shrink=0.7, orientation="horizontal",
                     pad=0.12)
    for s in shelters:
        ax.plot(s["lon"], s["lat"], marker="^", color="#c62828", markersize=9)
        ax.annotate(str(s["name"]), (s["lon"], s["lat"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel(labels["lon"])
    ax.set_ylabel(labels["lat"])
    ax.set_title(labels["title"], fontsize=10)
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    return _png(fig)


def curve_png(curves: Mapping[str, Any], names: Mapping[str, str],
              labels: Mapping[str, str]) -> bytes:
    """Share of evacuees at a shelter over time (%), mean of the replications, per plan
    (``curves`` as in comparison.json). ``labels``: ``time``, ``share``, ``title``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    t = curves.get("time_h", [])
    for plan, c in curves.get("plans", {}).items():
        y = [float(v) for v in c.get("arrived_mean", [])]
        ax.plot(t[: len(y)], y, label=names.get(plan, plan))
    ax.set_xlabel(labels["time"])
    ax.set_ylabel(labels["share"])
    ax.set_ylim(0, 100)
    ax.set_title(labels["title"], fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def bound_curve_png(series: Mapping[str, Sequence[float]], labels: Mapping[str, str]) -> bytes:
    """One run's shares departed and at a shelter (%) over hours after the scenario start,
    with the flow bound (``series`` of
    :func:`musterpoint.reports.plan_doc.run_checks.curve_series`). ``labels``: ``time``,
    ``share``, ``title``, ``departed``, ``arrived``, ``bound``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    ax.plot(series["hours"], series["departed"], color="#757575", linestyle="--",
            linewidth=1.4, label=labels["departed"])
    ax.plot(series["hours"], series["arrived"], color="#1565c0", linewidth=2.4,
            label=labels["arrived"])
    if series["bound_h"]:
        ax.plot(series["bound_h"], series["bound"], color="#c62828", linestyle="--",
                linewidth=1.8, label=labels["bound"])
    ax.set_xlabel(labels["time"])
    ax.set_ylabel(labels["share"])
    ax.set_ylim(0, 100)
    ax.set_title(labels["title"], fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)
