"""The epidemic in the compounds during a run: compartments, places, doses and tests.

:class:`CompoundEpidemic` holds, for every residential compound, the compartments of
:mod:`musterpoint.sim.health.seir` (S, E, I, R, V and the counters of infections and
severe cases) and the place counters (:data:`PLACES`: home, travelling, at a site, in an
ambulance, in hospital). Each epidemic step is one ODE step (RK4) or one chain-binomial
step, with the contact rate cut by the active lockdowns and the doses the sites gave in
the last step moving people from S to V. A tested infectious person isolates (I -> R).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musterpoint.scenarios.health_schema import Epidemic, Lockdown
from musterpoint.sim.health.place_rows import PLACE_ROW, PLACES
from musterpoint.sim.health.seir import (
    CUM_INF,
    CUM_SEV,
    E,
    I,
    R,
    S,
    SeirModel,
    V,
    binomial_step,
    initial_state,
    mixing_matrix,
    next_generation_r,
    rk4_step,
)
from musterpoint.sim.rng import RandomStreams

__all__ = ["PLACES", "PLACE_ROW", "CompoundEpidemic", "integer_split"]



def integer_split(x: np.ndarray) -> np.ndarray:
    """Round to integers keeping the total (largest remainders)."""
    base = np.floor(x).astype(np.int64)
    left = round(float(x.sum())) - int(base.sum())
    if left > 0:
        base[np.argsort(-(x - base), kind="stable")[:left]] += 1
    return np.asarray(base)


class CompoundEpidemic:
    """Compartments and places of the residents of every compound.

    Parameters
    ----------
    ep : Epidemic
        The disease and the state at the start.
    pop : numpy.ndarray
        Residents of each compound (int).
    compound_ids : list of str
        Id of each compound (lockdowns name them).
    lockdowns : list of Lockdown
        The lockdowns in force or to come; the list is read at every step, so lockdowns
        appended to it later (drill commands) take effect.
    streams : RandomStreams
        The run's random streams (``health_epidemic``, ``health_test_result``).

    Attributes
    ----------
    y : numpy.ndarray
        Compartments and counters, shape (7, compounds); integers in the stochastic model.
    places : numpy.ndarray
        Residents by place (rows :data:`PLACES`) and compound.
    """

    def __init__(self, ep: Epidemic, pop: np.ndarray, compound_ids: list[str],
                 lockdowns: list[Lockdown], streams: RandomStreams) -> None:
        self.ep = ep
        self.pop = pop
        self.compound_ids = compound_ids
        self.lockdowns = lockdowns
        k = pop.size
        gamma = 1.0 / ep.infectious_days
        self.model = SeirModel(
            beta=ep.r0 * gamma / max(1.0 - ep.severe_share, 1e-9), sigma=1.0 / ep.latent_days,
            gamma=gamma, population=pop.astype(float),
            mixing=mixing_matrix(pop.astype(float), ep.within_compound_share),
            severe_share=ep.severe_share, efficacy=ep.vaccine_efficacy)
        share = pop / pop.sum()
        self.stochastic = ep.model == "stochastic"
        e0, i0 = ep.initial_exposed * share, ep.initial_infectious * share
        r0_ = ep.initial_recovered_share * pop
        v0 = ep.initial_vaccinated_share * pop
        if self.stochastic:
            e0, i0, r0_, v0 = (integer_split(x) for x in (e0, i0, r0_, v0))
        self.y = initial_state(pop, e0, i0, r0_, v0)
        if self.stochastic:
            self.y = np.rint(self.y).astype(np.int64)
        self.y0_v = self.y[V].copy()
        self.places = np.zeros((len(PLACES), k), dtype=np.int64)
        self.places[PLACE_ROW["home"]] = pop
        self.doses = np.zeros(k, dtype=np.int64)
        self.sev_emitted = np.zeros(k, dtype=np.int64)
        self.positives = 0.0
        self.tests = 0
        self.rng_epi = streams.stream("health_epidemic")
        self.rng_test = streams.stream("health_test_result")
        self.r_ngm = next_generation_r(self.model)
        self.peak_i = float(self.y[I].sum())
        self.peak_t = 0.0

    # ------------------------------------------------------------------ residents
    def move(self, c: int, frm: str, to: str) -> None:
        """A resident of compound ``c`` changes place."""
        self.places[PLACE_ROW[frm], c] -= 1
        self.places[PLACE_ROW[to], c] += 1

    def served(self, c: int, kind: str) -> bool:
        """Outcome of a test or a dose for a resident of compound ``c``.

        A dose is counted for the next step. A test finds an infectious resident with
        the test's sensitivity; the positive isolates (I -> R). Returns True for a
        positive in the stochastic model (the deterministic one moves expected values).
        """
        if kind == "vaccination":
            self.doses[c] += 1
            return False
        self.tests += 1
        y = self.y
        pool = float(y[:5, c].sum()) - float(self.places[PLACE_ROW["hospital"], c]
                                            + self.places[PLACE_ROW["ambulance"], c])
        if pool <= 0:
            return False
        p = self.ep.test_sensitivity * float(y[I, c]) / pool
        if self.stochastic:
            if y[I, c] >= 1 and self.rng_test.random() < p:
                y[I, c] -= 1
                y[R, c] += 1
                self.positives += 1
                return True
            return False
        y[I, c] -= p
        y[R, c] += p
        self.positives += p
        return False

    # ------------------------------------------------------------------ epidemic
    def cut_at(self, t: float) -> np.ndarray:
        """Contact cut of each compound at time ``t`` (the largest active lockdown)."""
        cut = np.zeros(self.pop.size)
        ids = self.compound_ids
        for lk in self.lockdowns:
            if lk.from_h * 3600.0 <= t and (lk.until_h is None or t < lk.until_h * 3600.0):
                idx = (range(len(ids)) if lk.compounds is None
                       else [ids.index(c) for c in lk.compounds])
                for i in idx:
                    cut[i] = max(cut[i], lk.contact_cut)
        return cut

    def step(self, t0: float, dt_s: float) -> np.ndarray:
        """Move the compartments one step of ``dt_s`` seconds from ``t0``; return the new
        severe cases of each compound (whole persons, for the hospitals)."""
        dt = dt_s / 86400.0
        cut = self.cut_at(t0)
        before = self.y[CUM_SEV].copy()
        if self.stochastic:
            self._vaccinate_integer()
            self.y = binomial_step(self.model, self.y, dt, self.rng_epi, cut)
            new = (self.y[CUM_SEV] - before).astype(np.int64)
        else:
            rate = self.doses / dt
            self.doses[:] = 0
            self.y = rk4_step(self.model, self.y, dt, cut, doses=rate)
            total = np.floor(self.y[CUM_SEV] + 1e-9).astype(np.int64)
            new = total - self.sev_emitted
        self.sev_emitted += new
        return np.asarray(new)

    def track_peak(self, t: float) -> None:
        """Note the infectious total at time ``t`` if it is the largest so far."""
        total_i = float(self.y[I].sum())
        if total_i > self.peak_i:
            self.peak_i, self.peak_t = total_i, t

    def _vaccinate_integer(self) -> None:
        y = self.y
        away = self.places[PLACE_ROW["hospital"]] + self.places[PLACE_ROW["ambulance"]]
        for c in np.flatnonzero(self.doses).tolist():
            r_free = max(int(y[R, c] - away[c]), 0)
            pool = np.array([int(y[S, c]), int(y[E, c]) + r_free], dtype=np.int64)
            d = int(min(self.doses[c], pool.sum()))
            if d <= 0:
                continue
            got = self.rng_epi.multivariate_hypergeometric(pool, d)
            y[S, c] -= got[0]
            y[V, c] += got[0]
        self.doses[:] = 0

    # ------------------------------------------------------------------ records
    def rows(self, t: float) -> list[tuple[Any, ...]]:
        """One time-series row per compound: time, compound index, S, E, I, R, V,
        infections and severe cases so far, residents by place, contact cut."""
        cut = self.cut_at(t)
        y, pl = self.y, self.places
        return [(t, c, *(float(y[k, c]) for k in (S, E, I, R, V, CUM_INF, CUM_SEV)),
                 *(int(pl[k, c]) for k in range(len(PLACES))), float(cut[c]))
                for c in range(self.pop.size)]
