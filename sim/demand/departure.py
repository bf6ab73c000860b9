"""Mobilisation (departure) curves: the delay from an evacuation order to leaving home.

Delays are drawn by inversion, ``delay = F^-1(u)`` with ``u`` uniform from the run's
``departure`` stream, so two plans on the same seed give each household the same ``u``
(common random numbers) even when their curves differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from musterpoint.scenarios.schema import DepartureCurve

if TYPE_CHECKING:
    from scipy.stats import rv_continuous

__all__ = ["departure_cdf", "departure_delays_s"]


def departure_delays_s(curve: DepartureCurve, u: np.ndarray) -> np.ndarray:
    """Delays in seconds for uniform draws ``u`` in (0, 1).

    Curves (parameters in minutes): Rayleigh ``F = 1 - exp(-t^2 / 2 sigma^2)``;
    logistic with median and scale; normal with mean and sd; log-normal with median and
    sigma of the log. Logistic and normal are truncated at zero (renormalised), so no
    household leaves before its order.
    """
    u = np.asarray(u, dtype=np.float64)
    if curve.curve == "all_at_once":
        return np.zeros_like(u)
    if curve.curve == "rayleigh":
        assert curve.sigma_min is not None
        m = curve.sigma_min * np.sqrt(-2.0 * np.log1p(-u))
    elif curve.curve == "lognormal":
        assert curve.median_min is not None and curve.log_sigma is not None
        from scipy import stats  # here, not at import: it costs a second or two of start-up

        m = curve.median_min * np.exp(curve.log_sigma * stats.norm.ppf(u))
    else:
        dist = _truncatable(curve)
        lo = dist.cdf(0.0)
        m = dist.ppf(lo + u * (1.0 - lo))
    return np.maximum(np.asarray(m, dtype=np.float64), 0.0) * 60.0


def _truncatable(curve: DepartureCurve) -> rv_continuous:
    from scipy import stats

    if curve.curve == "logistic":
        assert curve.median_min is not None and curve.scale_min is not None
        return stats.logistic(loc=curve.median_min, scale=curve.scale_min)
    assert curve.mean_min is not None and curve.sd_min is not None
    return stats.norm(loc=curve.mean_min, scale=curve.sd_min)


def departure_cdf(curve: DepartureCurve, t_s: np.ndarray) -> np.ndarray:
    """Share of households gone ``t_s`` seconds after the order (for tests and reports)."""
    from scipy import stats

    t = np.maximum(np.asarray(t_s, dtype=np.float64) / 60.0, 0.0)
    if curve.curve == "all_at_once":
        return np.ones_like(t)
    if curve.curve == "rayleigh":
        assert curve.sigma_min is not None
        return np.asarray(1.0 - np.exp(-(t**2) / (2.0 * curve.sigma_min**2)))
    if curve.curve == "lognormal":
        assert curve.median_min is not None and curve.log_sigma is not None
        with np.errstate(divide="ignore"):
            z = np.log(t / curve.median_min) / curve.log_sigma
        return np.asarray(stats.norm.cdf(z))
    dist = _truncatable(curve)
    lo = dist.cdf(0.0)
    return np.asarray((dist.cdf(t) - lo) / (1.0 - lo))
