"""Common random numbers on the bundled default scenario: the paired interval of the
difference between its two plans is narrower than the unpaired one.

Three replications per plan, in two local processes. With common random numbers both
plans of a seed share households, cars and departure draws, so the difference removes
most of the seed-to-seed noise in, e.g., how many people arrive or are stranded.
"""

from __future__ import annotations

import pytest

from musterpoint.scenarios.loader import load_scenario, resolve_scenario
from musterpoint.sim import experiments as ex
from musterpoint.sim.kpis.scoring import DEFAULT_WEIGHTS

#: KPIs whose seed-to-seed noise is mostly shared by the two plans.
SHARED_NOISE = ("evacuation.arrived", "evacuation.stranded", "evacuation.exposed_persons",
                "traffic.vehicle_km", "score.composite")


@pytest.mark.slow
def test_paired_interval_is_narrower_than_unpaired_on_the_default_scenario():
    loaded = load_scenario(resolve_scenario(None))
    plans = [loaded.plan("evacuate-all-now"), loaded.plan("staged-by-risk")]
    jobs = ex.make_jobs(loaded.path.resolve(), plans, 3, 1)
    runs = ex.run_replications(jobs, ex.LocalProcessExecutor(2))
    comp = ex.build_comparison(runs, scenario={"name": loaded.scenario.name}, standards=[],
                               plans=[{"name": p.name} for p in plans],
                               weights=DEFAULT_WEIGHTS, base_seed=1)
    diffs = comp["differences"][0]["kpis"]
    for kpi in SHARED_NOISE:
        paired, unpaired = diffs[kpi]["paired"], diffs[kpi]["unpaired"]
        assert paired["n"] == 3, kpi
        assert paired["half_width"] < unpaired["half_width"], kpi
    # identical draws: the plans share vehicles exactly, so that difference is exactly 0
    assert diffs["evacuation.vehicles"]["paired"]["half_width"] == 0.0
    assert diffs["evacuation.vehicles"]["unpaired"]["half_width"] > 0.0
