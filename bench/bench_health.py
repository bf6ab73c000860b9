"""Benchmark: the Wuhan Optics Valley public-health scenario, both plans, end to end.

Prints wall time per phase, the headline KPIs of each plan and the queueing and SEIR
verification figures. Asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np
from _common import phase, report

from musterpoint.scenarios.loader import bundled_scenarios, load_scenario
from musterpoint.sim.engine import new_run
from musterpoint.sim.health.seir import (
    SeirModel,
    initial_state,
    mixing_matrix,
    simulate_deterministic,
    simulate_stochastic,
)
from musterpoint.sim.world import build_world


def _h(s: float | None) -> str:
    return "—" if s is None else f"{s / 3600:.1f} h"


def main() -> None:
    times: dict[str, float] = {}
    with phase("load scenario + world", times):
        loaded = load_scenario(bundled_scenarios()["wuhan-optics-valley"])
        world = build_world(loaded)
    extra: dict[str, object] = {}
    for name in loaded.plans:
        with phase(f"simulate {name}", times):
            res = new_run(world, loaded.plan(name), seed=1).run()
        h = res.kpis["health"]
        c, s, hp = h["campaign"], h["supply"], h["hospitals"]
        extra[name] = (
            f"tested by deadline {c['share_served_by_deadline']:.1%}, 90 % in "
            f"{_h(c['time_to_90pct_s'])}; supply {s['households_served_per_day']:.0f}/day, "
            f"delay {_h(s['delay_mean_s'])} (p95 {_h(s['delay_p95_s'])}); "
            f"severe {hp['severe_cases']}, not admitted {hp['not_admitted']}, "
            f"days over capacity {hp['days_over_capacity']}, response "
            f"{(hp['response_time_mean_s'] or 0) / 60:.1f} min; infections "
            f"{h['epidemic']['infections']:.0f}; ledger {res.kpis['ledger']['health']['balanced']}"
        )
    pop = np.array([1e6])
    model = SeirModel(0.56, 0.25, 0.2, pop, mixing_matrix(pop, 0.5), severe_share=0.05)
    y0 = initial_state(pop, [0], [1000])
    t0 = time.perf_counter()
    _, ode = simulate_deterministic(model, y0, 120, 1 / 24)
    t1 = time.perf_counter()
    _, st = simulate_stochastic(model, y0, 120, 1 / 24, np.random.default_rng(2024), runs=200)
    t2 = time.perf_counter()
    i_ode, i_st = ode[:, 2, 0], st.mean(axis=3)[:, 2, 0]
    big = i_ode > 0.1 * i_ode.max()
    extra["SEIR RK4, 120 days hourly"] = f"{t1 - t0:.2f} s"
    extra["SEIR 200 binomial runs"] = (f"{t2 - t1:.2f} s; mean I vs ODE max rel. error "
                                       f"{np.max(np.abs(i_st[big] / i_ode[big] - 1)):.2%}")
    report("wuhan-optics-valley (both plans, seed 1)", times, extra)


if __name__ == "__main__":
    main()
