"""SEIR and SEIR with vaccination: RK4 against scipy's solve_ivp; the chain binomial's
mean against the ODE; conservation of people."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from musterpoint.sim.health.seir import (
    CUM_INF,
    E,
    I,
    R,
    S,
    SeirModel,
    V,
    initial_state,
    mixing_matrix,
    next_generation_r,
    simulate_deterministic,
    simulate_stochastic,
)

DT = 1.0 / 24.0  # one hour, the default epidemic step of a run


def _reference(model: SeirModel, y0: np.ndarray, days: float, nu=0.0, cut=0.0):
    shape = y0.shape

    def f(_t, y):
        return model.derivatives(y.reshape(shape), cut=cut, nu=nu).ravel()

    t_eval = np.arange(0, days + 1e-9, 1.0)
    sol = solve_ivp(f, (0, days), y0.ravel(), method="DOP853", rtol=1e-12, atol=1e-9,
                    t_eval=t_eval)
    return sol.y.T.reshape(-1, *shape)


@pytest.mark.parametrize("case", ["seir", "seirv", "zones"])
def test_rk4_matches_solve_ivp(case):
    if case == "zones":
        pop = np.array([2e5, 5e5, 3e5])
        model = SeirModel(0.6, 0.25, 0.2, pop, mixing_matrix(pop, 0.7), severe_share=0.05,
                          efficacy=0.8)
        y0 = initial_state(pop, [0, 0, 0], [100, 0, 0])
        nu = np.array([0.0, 0.01, 0.02])
    else:
        pop = np.array([1e6])
        model = SeirModel(0.56, 0.25, 0.2, pop, mixing_matrix(pop, 0.5),
                          efficacy=0.7 if case == "seirv" else 0.0)
        y0 = initial_state(pop, [500], [500])
        nu = 0.01 if case == "seirv" else 0.0
    _, ys = simulate_deterministic(model, y0, 150, DT, nu=nu)
    ref = _reference(model, y0, 150, nu=nu)
    mine = ys[::24]
    rel = np.abs(mine[:, :5] - ref[:, :5]) / np.maximum(np.abs(ref[:, :5]), 1.0)
    assert rel.max() < 1e-6
    if case == "seirv":
        assert mine[-1, V].sum() > 0.2 * pop.sum()   # vaccination moved people to V


def test_people_are_conserved_and_nonnegative():
    pop = np.array([1e4, 3e4])
    model = SeirModel(0.9, 0.3, 0.2, pop, mixing_matrix(pop, 0.5), severe_share=0.1)
    y0 = initial_state(pop, [10, 0], [10, 0])
    _, ys = simulate_deterministic(model, y0, 100, DT)
    assert np.allclose(ys[:, :5].sum(axis=1), pop, rtol=1e-12)
    _, st = simulate_stochastic(model, y0, 100, DT, np.random.default_rng(0), runs=5)
    assert (st[:, :5].sum(axis=1) == pop.astype(np.int64)[None, :, None]).all()
    assert (st >= 0).all()


def test_stochastic_mean_is_within_two_percent_of_the_ode():
    pop = np.array([1e6])
    model = SeirModel(0.56, 0.25, 0.2, pop, mixing_matrix(pop, 0.5), severe_share=0.05)
    y0 = initial_state(pop, [0], [1000])
    _, ode = simulate_deterministic(model, y0, 120, DT)
    _, st = simulate_stochastic(model, y0, 120, DT, np.random.default_rng(2024), runs=200)
    mean = st.mean(axis=3)
    i_ode, i_st = ode[:, I, 0], mean[:, I, 0]
    big = i_ode > 0.1 * i_ode.max()   # where the epidemic is (I over 10 % of its peak)
    assert np.max(np.abs(i_st[big] / i_ode[big] - 1)) < 0.02
    assert abs(i_st.max() / i_ode.max() - 1) < 0.02                # peak prevalence
    assert abs(mean[-1, CUM_INF, 0] / ode[-1, CUM_INF, 0] - 1) < 0.02   # final size
    assert abs(mean[-1, R, 0] / ode[-1, R, 0] - 1) < 0.02


def test_lockdown_cut_scales_the_force_of_infection():
    pop = np.array([1e5, 1e5])
    model = SeirModel(0.6, 0.25, 0.2, pop, mixing_matrix(pop, 0.5))
    y = initial_state(pop, [0, 0], [100, 300])
    full = model.force(y)
    half = model.force(y, np.array([0.5, 0.0]))
    assert half[0] == pytest.approx(full[0] / 2) and half[1] == pytest.approx(full[1])
    d = model.derivatives(y)
    assert d[S].sum() == pytest.approx(-d[E].sum() - (-0.25 * y[E]).sum())


def test_next_generation_number_is_r0_for_proportionate_mixing():
    pop = np.array([1e4, 5e4, 2e4])
    model = SeirModel(3.0 * 0.2 / 0.95, 0.25, 0.2, pop, mixing_matrix(pop, 0.6),
                      severe_share=0.05)
    assert next_generation_r(model) == pytest.approx(3.0)
