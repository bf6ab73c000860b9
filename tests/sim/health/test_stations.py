"""Known answers of the station queue: M/M/c (Erlang C) and M/D/1 (Pollaczek-Khinchine).

Each case runs independent replications (seeds 0..n-1), drops a warm-up, and checks that
the closed form lies inside the 95 % t confidence interval of the replication means.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from scipy import stats

from musterpoint.scenarios.health_schema import Dist
from musterpoint.sim.health.stations import (
    Sampler,
    Station,
    Tandem,
    mmc_wq,
    poisson_arrivals,
    server_changes,
)

REPS, CUSTOMERS, WARMUP = 30, 20_000, 2_000


def _mean_wait(lam: float, mu: float, c: int, kind: str, seed: int) -> float:
    env = simpy.Environment()
    svc = Sampler(Dist(kind=kind, mean_min=1.0 / mu), np.random.default_rng([seed, 1]),
                  unit_s=1.0)
    st = Station(env, "s", svc, c)
    poisson_arrivals(env, lam, np.random.default_rng([seed, 0]), st.arrive, CUSTOMERS)
    env.run()
    return float(np.mean(st.waits[WARMUP:]))


def _ci(values: list[float]) -> tuple[float, float, float]:
    m = float(np.mean(values))
    h = float(stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1)
              / np.sqrt(len(values)))
    return m, m - h, m + h


@pytest.mark.parametrize(("lam", "mu", "c", "kind", "expected"), [
    (0.2, 0.1, 3, "exponential", 4.444),   # M/M/3
    (0.8, 1.0, 1, "exponential", 4.0),     # M/M/1
    (0.8, 1.0, 1, "deterministic", 2.0),   # M/D/1: rho / (2 mu (1 - rho))
])
def test_mean_wait_in_queue_matches_the_closed_form(lam, mu, c, kind, expected):
    waits = [_mean_wait(lam, mu, c, kind, s) for s in range(REPS)]
    m, lo, hi = _ci(waits)
    assert lo <= expected <= hi, f"mean {m:.3f}, 95% CI [{lo:.3f}, {hi:.3f}]"
    assert abs(m - expected) / expected < 0.05


def test_erlang_c_formula():
    assert mmc_wq(0.2, 0.1, 3) == pytest.approx(4.0 / 0.9, rel=1e-12)
    assert mmc_wq(0.8, 1.0, 1) == pytest.approx(4.0)
    assert mmc_wq(1.0, 1.0, 1) == float("inf")


def test_servers_going_off_duty_finish_their_customer_and_queue_waits():
    env = simpy.Environment()
    st = Station(env, "s", lambda _c: 10.0, 2)
    for k in range(4):
        st.arrive(k)
    env.run(until=1.0)
    st.set_servers(0)          # shift ends: the two in service finish, nobody starts
    env.run(until=100.0)
    assert st.served == 2 and len(st.queue) == 2
    st.set_servers(1)          # next shift
    env.run(until=200.0)
    assert st.served == 4
    assert st.waits == [0.0, 0.0, 100.0, 110.0]


def test_tandem_passes_everyone_through_every_station_in_order():
    env = simpy.Environment()
    out: list[tuple[int, float]] = []
    t = Tandem(env, [("a", lambda _c: 2.0, 1), ("b", lambda _c: 3.0, 1)],
               on_exit=lambda c, s: out.append((c, s)))
    for k in range(3):
        t.enter(k)
    env.run()
    assert [c for c, _ in out] == [0, 1, 2]
    assert [s for _, s in out] == [5.0, 8.0, 11.0]   # b is the bottleneck
    assert t.in_system == 0


def test_server_changes_follow_shifts_and_opening_hours():
    ch = server_changes((8.0, 20.0), [(8.0, 14.0, 3), (14.0, 20.0, 2)], days=2)
    assert ch == [(8 * 3600.0, 3), (14 * 3600.0, 2), (20 * 3600.0, 0),
                  (32 * 3600.0, 3), (38 * 3600.0, 2), (44 * 3600.0, 0)]


@pytest.mark.parametrize("kind,kw", [
    ("exponential", {"mean_min": 2.0}), ("deterministic", {"mean_min": 2.0}),
    ("lognormal", {"mean_min": 2.0, "sd_min": 1.0}), ("gamma", {"mean_min": 2.0, "sd_min": 1.0}),
    ("uniform", {"low_min": 1.0, "high_min": 3.0}),
    ("triangular", {"low_min": 1.0, "mode_min": 2.0, "high_min": 3.0}),
])
def test_sampler_means(kind, kw):
    d = Dist(kind=kind, **kw)
    x = Sampler(d, np.random.default_rng(3)).draw(200_000) / 60.0
    assert x.mean() == pytest.approx(d.mean, rel=0.01)
