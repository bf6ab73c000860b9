"""Property-based tests (hypothesis) of the scenario loader and the engine.

Random small grid networks, demands (population points or trips), closures, shelters and
plans, degenerate ones included (no path, zero capacity, every shelter full, everything
closed at once): every case either ends with a balanced ledger in bounded time or stops
with an :class:`InputError`; never another exception. The loader, fed random values in
random places of a scenario, either loads it or raises an InputError.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.loader import load_scenario
from tests.helpers.scenario_factory import LAT0, LON0, STEP_DEG, make_scenario

#: Wall-time bound of one random case (build and run), seconds.
CASE_LIMIT_S = 60.0


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    """A random small scenario description (see :func:`_write`)."""
    n = draw(st.integers(2, 5))
    n_links = 4 * n * (n - 1)
    return {
        "n": n,
        # a zero capacity (refused by the reader) in one draw of eight, so most cases run
        "capacity": [0.0 if draw(st.integers(0, 7)) == 0 and k == 0 else c for k, c in
                     enumerate(draw(st.lists(st.sampled_from([1.0, 50.0, 600.0, 2000.0]),
                                             min_size=n_links, max_size=n_links)))],
        "trips": draw(st.booleans()),
        "persons": draw(st.integers(0, 150)),
        "n_trips": draw(st.integers(1, 8)),
        "trip_nodes": draw(st.lists(st.tuples(st.integers(1, n * n), st.integers(1, n * n)),
                                    min_size=8, max_size=8)),
        "shelters": draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                            st.sampled_from([0, 1, 20, 10_000])),
                                  min_size=0, max_size=3)),
        "closed": draw(st.sampled_from(["none", "some", "all"])),
        "closed_from_h": draw(st.sampled_from([0.0, 0.25])),
        "flood": draw(st.booleans()),
        "order_time_h": draw(st.sampled_from([0.0, 0.2])),
        "sigma_min": draw(st.sampled_from([1, 10, 30])),
        "choice": draw(st.sampled_from(["nearest_with_room", "capacity_balanced"])),
        "reroute": draw(st.sampled_from([0, 5])),
    }


def _write(folder: Path, w: dict[str, Any]) -> Path:
    n = w["n"]
    sc = make_scenario(folder, n)
    links = folder / "links.csv"
    rows = links.read_text().splitlines()
    for k, cap in enumerate(w["capacity"][: len(rows) - 1]):
        rows[k + 1] = rows[k + 1].rsplit(",", 1)[0] + f",{cap}"
    links.write_text("\n".join(rows) + "\n")
    data = yaml.safe_load(sc.read_text())
    data["duration_h"] = 1
    if w["trips"]:
        trips = ["id,origin,destination,depart_s,persons"]
        for k, (o, d) in enumerate(w["trip_nodes"][: w["n_trips"]]):
            trips.append(f"t{k},{o},{d},{60 * k},{1 + k % 3}")
        (folder / "trips.csv").write_text("\n".join(trips) + "\n")
        data.pop("population")
        data["trips"] = "trips.csv"
    else:
        pop = folder / "population.csv"
        prow = pop.read_text().splitlines()
        prow = [prow[0]] + [r.rsplit(",", 1)[0] + f",{w['persons']}" for r in prow[1:]]
        pop.write_text("\n".join(prow) + "\n")
    data["shelters"] = [
        {"id": f"s{k}", "name": f"S{k}", "lon": LON0 + j * STEP_DEG, "lat": LAT0 + i * STEP_DEG,
         "capacity": cap} for k, (i, j, cap) in enumerate(w["shelters"])]
    ids = [r.split(",")[0] for r in rows[1:]]
    closed = {"none": [], "some": ids[::3], "all": ids}[w["closed"]]
    if closed:
        data["hazard"]["closures"] = [{"links": closed, "from_h": w["closed_from_h"]}]
    if not w["flood"]:
        data["hazard"].pop("flood")
    sc.write_text(yaml.safe_dump(data, sort_keys=False))
    plan = {"name": "now", "title": {"en": "Now"}, "order_time_h": w["order_time_h"],
            "departure": {"curve": "rayleigh", "sigma_min": w["sigma_min"]},
            "shelter_choice": w["choice"], "reroute_interval_min": w["reroute"]}
    (folder / "plan-now.yaml").write_text(yaml.safe_dump(plan))
    return sc


def _balanced_flags(node: Any) -> Any:
    """Every ``balanced`` flag in a ledger tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "balanced":
                yield bool(v)
            else:
                yield from _balanced_flags(v)


def _run_case(w: dict[str, Any]) -> str:
    """Load, check and run one random case: 'ran' or 'input error' (else it raises)."""
    from musterpoint.sim.drill.checks import check_scenario
    from musterpoint.sim.engine import simulate

    with tempfile.TemporaryDirectory() as tmp:
        sc = _write(Path(tmp) / "sc", w)
        t0 = time.perf_counter()
        try:
            loaded = load_scenario(sc)
            world = check_scenario(loaded, standards=False).world
        except InputError as exc:
            assert exc.problems and all(p.file and p.reason for p in exc.problems)
            return "input error"
        for plan in loaded.plans.values():
            result = simulate(world, plan, seed=1)
            led = result.kpis["ledger"]
            flags = list(_balanced_flags(led))
            assert flags and all(flags), led
        assert time.perf_counter() - t0 < CASE_LIMIT_S
        return "ran"


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_random_worlds_run_balanced_or_stop_with_an_input_error(w: dict[str, Any]) -> None:
    assert _run_case(w) in ("ran", "input error")


def test_most_random_worlds_run() -> None:
    """A guard against a property test that only ever sees input errors."""
    outcomes: list[str] = []

    @settings(max_examples=12, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    def collect(w: dict[str, Any]) -> None:
        outcomes.append(_run_case(w))

    collect()
    assert outcomes.count("ran") >= 3, outcomes


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_many_random_worlds(w: dict[str, Any]) -> None:
    assert _run_case(w) in ("ran", "input error")


@pytest.mark.parametrize("closed,capacity", [("all", 600.0), ("none", 0.0)])
def test_degenerate_worlds_stop_with_an_input_error(closed: str, capacity: float) -> None:
    """Everything closed at once, or zero capacity everywhere: a clear input error."""
    w = {"n": 3, "capacity": [capacity] * 24, "trips": False, "persons": 50, "n_trips": 1,
         "trip_nodes": [(1, 9)] * 8, "shelters": [(0, 2, 100)], "closed": closed,
         "closed_from_h": 0.0, "flood": False, "order_time_h": 0.0, "sigma_min": 10,
         "choice": "nearest_with_room", "reroute": 0}
    assert _run_case(w) == "input error"


def test_every_shelter_full_still_balances() -> None:
    w = {"n": 3, "capacity": [600.0] * 24, "trips": False, "persons": 100, "n_trips": 1,
         "trip_nodes": [(1, 9)] * 8, "shelters": [(0, 2, 1), (2, 2, 0)], "closed": "none",
         "closed_from_h": 0.0, "flood": True, "order_time_h": 0.0, "sigma_min": 1,
         "choice": "nearest_with_room", "reroute": 5}
    assert _run_case(w) == "ran"


# ---------------------------------------------------------------------- the loader
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**15, 10**15)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
_keys = st.sampled_from(["name", "duration_h", "start", "timezone", "network", "population",
                         "shelters", "hazard", "plans", "default_plan", "standards", "exits",
                         "injects", "max_snap_m", "households", "trips", "title", "other"])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.dictionaries(_keys, _values, min_size=1, max_size=3))
def test_the_loader_loads_or_raises_an_input_error(changes: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sc = make_scenario(Path(tmp) / "sc")
        data = yaml.safe_load(sc.read_text())
        data.update(changes)
        sc.write_text(yaml.safe_dump(data, allow_unicode=True))
        try:
            load_scenario(sc)
        except InputError as exc:
            assert exc.problems
            assert not any(p.reason.startswith("Value error") for p in exc.problems)
