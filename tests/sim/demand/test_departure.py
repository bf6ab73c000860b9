"""Mobilisation curves: inversion is exact, and known quantiles hold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musterpoint.scenarios.schema import DepartureCurve
from musterpoint.sim.demand.departure import departure_cdf, departure_delays_s

CURVES = [
    DepartureCurve(curve="rayleigh", sigma_min=45),
    DepartureCurve(curve="logistic", median_min=60, scale_min=15),
    DepartureCurve(curve="normal", mean_min=30, sd_min=20),
    DepartureCurve(curve="lognormal", median_min=40, log_sigma=0.6),
]


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.curve)
@given(u=st.floats(min_value=1e-6, max_value=1 - 1e-6))
@settings(deadline=None)  # the first example imports scipy.stats (done lazily by the engine)
def test_cdf_of_drawn_delay_gives_back_u(curve, u):
    """Drawing a delay by inversion and taking its CDF gives back the uniform draw."""
    d = departure_delays_s(curve, np.array([u]))
    assert d[0] >= 0
    assert abs(departure_cdf(curve, d)[0] - u) < 1e-7


def test_known_quantiles():
    u = np.array([0.5])
    # Rayleigh median = sigma * sqrt(2 ln 2)
    assert departure_delays_s(CURVES[0], u)[0] == pytest.approx(45 * 60 * np.sqrt(2 * np.log(2)))
    # log-normal median is its median parameter
    assert departure_delays_s(CURVES[3], u)[0] == pytest.approx(40 * 60)
    # all at once: no delay
    assert departure_delays_s(DepartureCurve(curve="all_at_once"), np.array([0.3]))[0] == 0.0


def test_truncated_curves_never_leave_before_the_order():
    u = np.linspace(0.001, 0.999, 999)
    for c in CURVES:
        assert (departure_delays_s(c, u) >= 0).all()


def test_curve_parameters_are_checked():
    with pytest.raises(ValueError, match="sigma_min"):
        DepartureCurve(curve="rayleigh")
