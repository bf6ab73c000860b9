"""SEIR and SEIR with vaccination over coupled zones: ODE (RK4) and seeded binomial chain.

State: an array of shape ``(7, K)`` for K zones, rows :data:`S`, :data:`E`, :data:`I`,
:data:`R`, :data:`V` (the compartments) and two counters, :data:`CUM_INF` (infections so
far) and :data:`CUM_SEV` (severe cases so far). The equations, per zone c::

    lambda_c = beta * (1 - cut_c) * sum_d M[c, d] * I_d / N_d
    vax_c    = nu_c * S_c + u_c * S_c / (S_c + E_c + R_c)
    dS = -lambda S - vax
    dE =  lambda S + (1 - eff) lambda V - sigma E
    dI =  (1 - p_sev) sigma E - gamma I
    dR =  p_sev sigma E + gamma I
    dV =  vax - (1 - eff) lambda V

``nu`` is a per-capita vaccination rate (per day) and ``u`` doses per day given to
residents who are not known to be ill (the share of them that is susceptible is
``S / (S + E + R)``; doses given to E or R change nothing). Severe cases (share
``p_sev``) leave the infectious pool at onset: they isolate and wait for an ambulance.

The deterministic variant is the classic fourth-order Runge-Kutta method on a fixed step;
the stochastic variant is a chain binomial (each step: ``Binomial(S, 1 - exp(-lambda dt))``
infections, and likewise for each outflow) with a seeded generator. Time is in days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "COMPARTMENTS",
    "CUM_INF",
    "CUM_SEV",
    "E",
    "I",
    "R",
    "S",
    "SeirModel",
    "V",
    "binomial_step",
    "initial_state",
    "mixing_matrix",
    "next_generation_r",
    "rk4_step",
    "simulate_deterministic",
    "simulate_stochastic",
]

logger = logging.getLogger(__name__)

S, E, I, R, V, CUM_INF, CUM_SEV = range(7)  # noqa: E741
#: Names of the five compartments, in row order.
COMPARTMENTS = ("S", "E", "I", "R", "V")


def mixing_matrix(population: np.ndarray, within_share: float) -> np.ndarray:
    """Row-stochastic contact matrix: ``within_share`` at home, the rest by population.

    Parameters
    ----------
    population : ndarray
        Residents of each zone.
    within_share : float
        Share of each zone's contacts made inside the zone.

    Returns
    -------
    ndarray
        ``M[c, d]``, the share of zone c's contacts made with people of zone d.
    """
    pop = np.asarray(population, dtype=float)
    k = pop.size
    prop = np.tile(pop / pop.sum(), (k, 1))
    return np.asarray(within_share * np.eye(k) + (1.0 - within_share) * prop)


@dataclass
class SeirModel:
    """Parameters of the zone-coupled SEIR(V) model (rates per day).

    Parameters
    ----------
    beta : float
        Transmission rate (``r0 * gamma`` for a homogeneous population).
    sigma : float
        Rate of becoming infectious (1 / latent period).
    gamma : float
        Removal rate (1 / infectious period).
    population : ndarray
        Residents per zone.
    mixing : ndarray
        Row-stochastic contact matrix (see :func:`mixing_matrix`).
    severe_share : float
        Share of new cases that are severe (leave I at onset).
    efficacy : float
        Vaccine efficacy against infection (leaky).
    """

    beta: float
    sigma: float
    gamma: float
    population: np.ndarray
    mixing: np.ndarray
    severe_share: float = 0.0
    efficacy: float = 0.0
    _inv_n: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.population = np.asarray(self.population, dtype=float)
        self.mixing = np.asarray(self.mixing, dtype=float)
        self._inv_n = 1.0 / self.population

    @property
    def zones(self) -> int:
        """Number of zones."""
        return int(self.population.size)

    def force(self, y: np.ndarray, cut: np.ndarray | float = 0.0) -> np.ndarray:
        """Force of infection on each zone (per day)."""
        return np.asarray(self.beta * (1.0 - np.asarray(cut))
                          * (self.mixing @ (y[I] * self._inv_n)))

    def derivatives(self, y: np.ndarray, cut: np.ndarray | float = 0.0,
                    nu: np.ndarray | float = 0.0, doses: np.ndarray | float = 0.0,
                    ) -> np.ndarray:
        """Time derivative of the state (see the module equations)."""
        lam = self.force(y, cut)
        s, e, i, v = y[S], y[E], y[I], y[V]
        eligible = s + e + y[R]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(eligible > 0, s / eligible, 0.0)
        vax = np.asarray(nu) * s + np.asarray(doses) * share
        inf_s = lam * s
        inf_v = (1.0 - self.efficacy) * lam * v
        onset = self.sigma * e
        sev = self.severe_share * onset
        out = np.empty_like(y)
        out[S] = -inf_s - vax
        out[E] = inf_s + inf_v - onset
        out[I] = onset - sev - self.gamma * i
        out[R] = sev + self.gamma * i
        out[V] = vax - inf_v
        out[CUM_INF] = inf_s + inf_v
        out[CUM_SEV] = sev
        return out


def initial_state(population: np.ndarray, exposed: np.ndarray, infectious: np.ndarray,
                  recovered: np.ndarray | None = None,
                  vaccinated: np.ndarray | None = None) -> np.ndarray:
    """State ``(7, K)`` with the given starting counts; the rest susceptible."""
    pop = np.asarray(population, dtype=float)
    y = np.zeros((7, pop.size))
    y[E] = exposed
    y[I] = infectious
    y[R] = 0.0 if recovered is None else recovered
    y[V] = 0.0 if vaccinated is None else vaccinated
    y[S] = pop - y[E] - y[I] - y[R] - y[V]
    if (y[S] < 0).any():
        raise ValueError("more people in E, I, R and V than live in a zone")
    return y


def rk4_step(model: SeirModel, y: np.ndarray, h: float, cut: np.ndarray | float = 0.0,
             nu: np.ndarray | float = 0.0, doses: np.ndarray | float = 0.0) -> np.ndarray:
    """One classic Runge-Kutta step of length ``h`` days (inputs held constant)."""
    k1 = model.derivatives(y, cut, nu, doses)
    k2 = model.derivatives(y + 0.5 * h * k1, cut, nu, doses)
    k3 = model.derivatives(y + 0.5 * h * k2, cut, nu, doses)
    k4 = model.derivatives(y + h * k3, cut, nu, doses)
    return np.asarray(y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4))


def binomial_step(model: SeirModel, y: np.ndarray, dt: float, rng: np.random.Generator,
                  cut: np.ndarray | float = 0.0) -> np.ndarray:
    """One chain-binomial step of length ``dt`` days on an integer state (new array).

    Every outflow is a binomial draw with probability ``1 - exp(-rate * dt)``; the
    severe cases are a binomial share of the onsets. Works on a state of any leading
    batch shape ``(7, ...)`` (replications side by side).
    """
    lam = model.beta * (1.0 - np.asarray(cut)) * np.tensordot(
        model.mixing, y[I] * model._inv_n[:, None] if y.ndim == 3 else y[I] * model._inv_n,
        axes=(1, 0))
    s, e, i, v = y[S], y[E], y[I], y[V]
    new_s = rng.binomial(s, -np.expm1(-lam * dt))
    new_v = rng.binomial(v, -np.expm1(-(1.0 - model.efficacy) * lam * dt))
    onset = rng.binomial(e, -np.expm1(-model.sigma * dt))
    sev = rng.binomial(onset, model.severe_share) if model.severe_share > 0 else onset * 0
    rem = rng.binomial(i, -np.expm1(-model.gamma * dt))
    out = y.copy()
    out[S] = s - new_s
    out[V] = v - new_v
    out[E] = e + new_s + new_v - onset
    out[I] = i + onset - sev - rem
    out[R] = y[R] + sev + rem
    out[CUM_INF] = y[CUM_INF] + new_s + new_v
    out[CUM_SEV] = y[CUM_SEV] + sev
    return out


def simulate_deterministic(model: SeirModel, y0: np.ndarray, days: float, dt: float,
                           nu: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Integrate with RK4 on a fixed step; return times (days) and states ``(T, 7, K)``."""
    n = round(days / dt)
    out = np.empty((n + 1, *y0.shape))
    out[0] = y0
    y = y0.astype(float)
    for k in range(n):
        y = rk4_step(model, y, dt, nu=nu)
        out[k + 1] = y
    return np.arange(n + 1) * dt, out


def simulate_stochastic(model: SeirModel, y0: np.ndarray, days: float, dt: float,
                        rng: np.random.Generator, runs: int = 1,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Chain-binomial runs side by side; return times and states ``(T, 7, K, runs)``."""
    n = round(days / dt)
    y = np.repeat(np.rint(y0).astype(np.int64)[:, :, None], runs, axis=2)
    out = np.empty((n + 1, *y.shape), dtype=np.int64)
    out[0] = y
    for k in range(n):
        y = binomial_step(model, y, dt, rng)
        out[k + 1] = y
    return np.arange(n + 1) * dt, out


def next_generation_r(model: SeirModel) -> float:
    """Basic reproduction number of the coupled model (spectral radius of the NGM).

    Rounded to 12 significant digits: LAPACK's eigenvalues differ in the last bits with the
    BLAS kernel the CPU selects (3.0 on AVX-512 kernels, 3.000000000000001 on Haswell or Zen
    kernels for the Wuhan compounds), and kpis.json must be identical on every machine.
    """
    ngm = (model.beta / model.gamma * (1.0 - model.severe_share)
           * model.mixing * model.population[:, None] / model.population[None, :])
    return float(f"{np.max(np.abs(np.linalg.eigvals(ngm))):.12g}")
