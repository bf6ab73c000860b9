"""The bound's max-flow machinery against independent oracles, a hand-computed bottleneck,
and the ``bounds`` KPI family against its schema.

* one max flow: value and minimal minimum cut equal to scipy's Dinic and a residual BFS;
* the parametric curve (a sweep over the horizons, divide and conquer on nested cuts, and
  the two combined): at every horizon, the value and the sink side of the minimal cut
  equal to one independent scipy max flow per horizon; where the network does not bind,
  the sweep solves every node once;
* a series of two links, the second narrower: the clearance of N vehicles is the free-flow
  time plus N / c_min (less one step, the bound's rounding), and the narrow link is the
  bottleneck, reported with its street name.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

import musterpoint.sim.bounds.flow_bound as fb
import musterpoint.sim.bounds.maxflow as mf
from musterpoint.sim.bounds.bound import bound_kpis, ete_from_curve, link_labels
from musterpoint.sim.bounds.flow_bound import BoundInput, ShelterSpec, flow_bound
from musterpoint.sim.bounds.kpi_schema import BOUNDS_KPIS
from musterpoint.sim.bounds.maxflow import _solve, parametric_curve
from musterpoint.sim.bounds.time_expanded import INF, SINK, SOURCE


def _dinic(n: int, tail, head, cap, s: int, t: int) -> tuple[int, np.ndarray]:
    """scipy's Dinic and the nodes s reaches in the residual graph."""
    m = csr_matrix((np.asarray(cap, dtype=np.int32), (tail, head)), shape=(n, n))
    m.sum_duplicates()
    res = maximum_flow(m, s, t, method="dinic")
    r = m - res.flow
    r.data[r.data < 0] = 0
    r.eliminate_zeros()
    reach = np.zeros(n, dtype=bool)
    reach[breadth_first_order(r, s, directed=True, return_predecessors=False)] = True
    return int(res.flow_value), reach


@pytest.mark.parametrize("seed", range(12))
def test_one_max_flow_equals_dinic_with_the_minimal_cut(seed):
    rng = np.random.default_rng(seed)
    n_loc = int(rng.integers(5, 60))
    m = int(rng.integers(n_loc, 6 * n_loc))
    tail = rng.integers(0, n_loc + 1, size=m)  # n_loc is s
    head = rng.integers(0, n_loc + 2, size=m)  # n_loc + 1 is t
    ok = (tail != head) & (head != n_loc)
    tail, head = tail[ok], head[ok]
    cap = rng.choice([0, 1, 3, 10, 25], size=tail.size)
    value, reach = _solve(n_loc, tail, head, cap)
    v_ref, r_ref = _dinic(n_loc + 2, tail, head, cap, n_loc, n_loc + 1)
    assert value == v_ref
    assert np.array_equal(reach, r_ref)  # the minimal cut, whichever max flow was found


def _random_bound_input(seed: int) -> BoundInput:
    """A congested random network: ring roads both ways plus chords, narrow links, many
    vehicles released over 10 minutes, one or two shelters."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 9))
    pairs = {(i, (i + 1) % n) for i in range(n)} | {((i + 1) % n, i) for i in range(n)}
    for _ in range(n):
        a, c = rng.integers(0, n, size=2)
        if a != c:
            pairs.add((int(a), int(c)))
    pairs_l = sorted(pairs)
    k = len(pairs_l)
    closed: list[list[tuple[float, float]]] = [[] for _ in range(k)]
    closed[int(rng.integers(0, k))] = [(300.0, 900.0)]
    shelters = [ShelterSpec(f"S{i}", (int(x),)) for i, x in
                enumerate(rng.permutation(n)[: int(rng.integers(1, 3))])]
    m = int(rng.integers(50, 200))
    return BoundInput(
        n_nodes=n, link_from=np.array([a for a, _ in pairs_l]),
        link_to=np.array([c for _, c in pairs_l]),
        freeflow_s=rng.choice([20.0, 45.0, 90.0, 150.0], size=k),
        capacity_vph=rng.choice([200.0, 450.0, 900.0], size=k),
        link_ids=np.array([f"L{i}" for i in range(k)], dtype=object), closed=closed,
        shelters=shelters, origin=rng.integers(0, n, size=m),
        release_s=rng.uniform(0, 600, size=m), pcu=np.ones(m), persons=np.ones(m),
        pcu_all=np.ones(m))


@pytest.mark.parametrize(("carry_ratio", "restart"), [(None, 0.25), (1.0, 0.25), (1.0, 0.0),
                                                    (math.inf, 0.25)])
@pytest.mark.parametrize("seed", range(6))
def test_parametric_curve_equals_one_max_flow_per_horizon(seed, carry_ratio, restart,
                                                          monkeypatch):
    # divide and conquer only; the default (a sweep, then divide and conquer from where
    # it stopped, or from the start); a sweep of every horizon
    monkeypatch.setattr(mf, "RESTART_SHARE", restart)
    seen = []

    def spy(ten, heads, caps):
        sol = parametric_curve(ten, heads, caps, carry_ratio=carry_ratio)
        seen.append((ten, heads, caps, sol))
        return sol

    monkeypatch.setattr(fb, "parametric_curve", spy)
    flow_bound(_random_bound_input(seed), step_s=60.0, horizon_s=4 * 3600.0, reduce=False)
    ten, heads, caps, sol = seen[0]
    n = ten.n
    inf = int(caps.sum()) + 1
    s, t = n, n + 1
    assert sol.values[-1] > 0 and sol.values[0] < sol.values[-1]  # a curve, not a step
    for j in range(ten.n_horizons):
        present = ten.act <= j
        ok = present[ten.tail] & present[ten.head]
        src = present[heads]
        snk = (ten.sink_act <= j) & present[ten.sink_tail]
        tail = np.concatenate([ten.tail[ok], np.full(int(src.sum()), s), ten.sink_tail[snk]])
        head = np.concatenate([ten.head[ok], heads[src], np.full(int(snk.sum()), t)])
        cap = np.concatenate([np.where(ten.cap[ok] == INF, inf, ten.cap[ok]), caps[src],
                              np.full(int(snk.sum()), inf)])
        value, reach = _dinic(n + 2, tail, head, cap, s, t)
        assert sol.values[j] == value, j
        sink_side = present & ~reach[:n]
        assert np.array_equal(sol.flip <= j, sink_side), j
    assert SOURCE == -1 and SINK == -2  # the sentinel layout parametric_curve relies on


def test_sweep_solves_each_node_once_where_the_network_does_not_bind(monkeypatch):
    # wide links, no closures: everyone present at a horizon gets out by it, so the sink
    # side is everything present and the sweep never carries a node to the next horizon
    inp = _random_bound_input(3)
    inp.capacity_vph = np.full(inp.link_from.size, 1e6)
    inp.closed = [[] for _ in inp.closed]
    seen = []
    sizes: list[int] = []

    def spy(ten, heads, caps):
        sol = parametric_curve(ten, heads, caps)
        seen.append((ten, heads, caps, sol))
        return sol

    def solve_spy(n_loc, tail, head, cap):
        sizes.append(n_loc)
        return _solve(n_loc, tail, head, cap)

    monkeypatch.setattr(fb, "parametric_curve", spy)
    monkeypatch.setattr(mf, "_solve", solve_spy)
    flow_bound(inp, step_s=60.0, horizon_s=4 * 3600.0, reduce=False)
    ten, heads, caps, sol = seen[0]
    swept = int((ten.act < ten.n_horizons).sum())
    assert sum(sizes[:ten.n_horizons]) == swept  # every node in one subproblem
    assert np.array_equal(sol.flip, np.clip(ten.act, 0, ten.n_horizons))
    ref = parametric_curve(ten, heads, caps, carry_ratio=None)
    assert np.array_equal(sol.values, ref.values) and np.array_equal(sol.flip, ref.flip)


def test_series_links_clear_at_freeflow_plus_n_over_the_narrow_capacity():
    # 0 -> 1: 60 s, 3600 veh/h; 1 -> 2 (shelter): 120 s, 900 veh/h (headway 4 s)
    tau0, tau1, c_min, n_veh, step = 60.0, 120.0, 900.0, 300, 60.0
    inp = BoundInput(
        n_nodes=3, link_from=np.array([0, 1]), link_to=np.array([1, 2]),
        freeflow_s=np.array([tau0, tau1]), capacity_vph=np.array([3600.0, c_min]),
        link_ids=np.array(["wide", "narrow"], dtype=object), closed=[[], []],
        shelters=[ShelterSpec("S", (2,))], origin=np.zeros(n_veh, dtype=np.int64),
        release_s=np.zeros(n_veh), pcu=np.ones(n_veh), persons=np.ones(n_veh),
        pcu_all=np.ones(n_veh))
    b = flow_bound(inp, step_s=step, horizon_s=3 * 3600.0, evacuees=n_veh, reduce=False)
    fluid = tau0 + tau1 + n_veh * 3600.0 / c_min  # 1380 s
    clear = ete_from_curve(b.times_s, b.persons_safe, n_veh, 1.0, 0.0)
    assert clear == pytest.approx(fluid - step, abs=1e-5)
    # the simulator's last vehicle: free flow, then one headway per vehicle before it
    assert clear <= tau0 + tau1 + (n_veh - 1) * 3600.0 / c_min
    assert b.bottleneck_links == ["narrow"]
    # the cut one step before clearance: the narrow link's exits in every layer until then
    per_step = c_min * step / 3600.0
    assert b.bottleneck_pcu == [pytest.approx(n_veh - per_step)]


def test_link_labels_name_streets_and_fall_back_to_the_road_class():
    world = SimpleNamespace(network=SimpleNamespace(
        link_id=np.array(["1:2-3", "4:5-6", "7:8-9"], dtype=object),
        name=np.array(["Avenida Ipiranga", "", "Rua da Praia"], dtype=object),
        highway=np.array(["primary", "service", "tertiary"], dtype=object)))
    names, labels = link_labels(world, ["4:5-6", "1:2-3"])  # type: ignore[arg-type]
    assert names == ["", "Avenida Ipiranga"]
    assert labels == ["unnamed service (4:5-6)", "Avenida Ipiranga (1:2-3)"]


def test_bound_kpis_write_exactly_the_schema_keys():
    from musterpoint.sim.bounds.bound import BoundResult

    b = BoundResult(
        times_s=np.array([0.0, 60.0]), persons_safe=np.array([1.0, 4.0]),
        pcu_safe=np.array([1.0, 4.0]), t0_s=0.0, evacuees=4, ete50_s=60.0, ete90_s=60.0,
        ete100_s=60.0, bottleneck_links=("a", "b", "c"), bottleneck_link_pcu=(3.0, 2.0, 1.0),
        bottleneck_link_names=("Rua A", "", "Rua A"),
        bottleneck_link_labels=("Rua A (a)", "unnamed primary (b)", "Rua A (c)"),
        bottleneck_shelters=(), bottleneck_time_s=0.0, step_s=60.0, horizon_s=600.0,
        compute_s=0.1)
    k = bound_kpis(b, {"evacuation": {"ete50_s": 120.0, "ete90_s": None, "ete100_s": 60.0}})
    assert sorted(k) == sorted(key for key, _, _ in BOUNDS_KPIS)
    assert k["bottleneck_streets"] == ["Rua A"]
    assert k["efficiency50"] == 0.5 and k["efficiency90"] is None


def test_run_report_names_bottleneck_streets_and_falls_back_to_ids():
    from musterpoint.reports.run_report import _bound_rows

    lab = {"not_reached": "not reached"}
    with_names = {"bottleneck_links": ["1:2-3"],
                  "bottleneck_link_labels": ["Avenida Ipiranga (1:2-3)"]}
    # (shown text, link id for the tooltip)
    assert _bound_rows(with_names, lab)["links"] == [("Avenida Ipiranga (1:2-3)", "1:2-3")]
    older_run = {"bottleneck_links": ["1:2-3"]}  # kpis.json written before the names
    assert _bound_rows(older_run, lab)["links"] == [("1:2-3", "1:2-3")]
