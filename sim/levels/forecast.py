"""What the operations centre sees: gauge readings (the truth) and forecasts of them.

A stage gauge reads the flood's water level as it is now known in the run (a drill
command may raise it) plus the gauge's offset; a concentration gauge reads the plume at
its place (mg/m³). A forecast is issued at given times: the issue at time *u* holds the
truth as known at *u*, late by ``delay_h`` and off by ``bias`` (or an explicit curve);
the value seen at time *t* is that of the last issue at or before *t*, taken ``lead_h``
after *t*. A forecast that is late by 30 min therefore shows a rising river crossing a
threshold 30 min after it really does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musterpoint.scenarios.levels_schema import Forecast, Gauge
from musterpoint.sim.hazards.flood import StageHydrograph
from musterpoint.sim.hazards.plume import GaussianPlume

__all__ = ["ForecastIssue", "GaugeReader"]


@dataclass(frozen=True)
class ForecastIssue:
    """One issue of a forecast: when, with what truth, how late and how far off."""

    issued_s: float
    truth: StageHydrograph | None
    delay_s: float
    bias: float
    curve: tuple[tuple[float, float], ...] | None = None


class GaugeReader:
    """Readings and forecasts of the scenario's gauges during one run.

    Parameters
    ----------
    gauges : list of Gauge
        ``monitoring.gauges``.
    plume : GaussianPlume or None
        The scenario's plume (for concentration gauges).
    """

    def __init__(self, gauges: list[Gauge], plume: GaussianPlume | None) -> None:
        self.gauges = {g.id: g for g in gauges}
        self.plume = plume
        self.issues: dict[str, list[ForecastIssue]] = {}

    def truth(self, gauge: str, t: float, hydro: StageHydrograph | None) -> float:
        """The gauge's true reading at ``t`` under the curve ``hydro``."""
        g = self.gauges[gauge]
        if g.kind == "stage":
            if hydro is None:
                return float("nan")
            return float(hydro.level_at(t)) + g.offset_m
        if self.plume is None or g.lon is None or g.lat is None:
            return float("nan")
        c = self.plume.concentration_at(np.array([g.lon]), np.array([g.lat]), t)
        return float(c[0]) * 1000.0  # g/m³ -> mg/m³

    def issue(self, fc: Forecast, now_s: float, hydro: StageHydrograph | None, *,
              delay_h: float | None = None, bias: float | None = None) -> ForecastIssue:
        """Issue forecast ``fc`` now, from the truth as known now."""
        curve = tuple((h * 3600.0, v) for h, v in fc.curve) if fc.curve else None
        iss = ForecastIssue(now_s, hydro,
                            (fc.delay_h if delay_h is None else delay_h) * 3600.0,
                            fc.bias if bias is None else bias, curve)
        self.issues.setdefault(fc.id, []).append(iss)
        return iss

    def forecast(self, fc: Forecast, t: float, lead_s: float) -> float:
        """The value of ``fc`` at ``t + lead_s`` as the last issue at or before ``t``
        says (NaN before the first issue)."""
        seen = [i for i in self.issues.get(fc.id, []) if i.issued_s <= t]
        if not seen:
            return float("nan")
        iss = seen[-1]
        at = t + lead_s
        if iss.curve is not None:
            ts = [p[0] for p in iss.curve]
            vs = [p[1] for p in iss.curve]
            return float(np.interp(at, ts, vs)) + iss.bias
        return self.truth(fc.gauge, at - iss.delay_s, iss.truth) + iss.bias
