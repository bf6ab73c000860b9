"""take_counters hands over only the active links; nothing is lost or double counted.

Checked against the full trace of every traversal: per interval, each link's entries and
exits, the travel time of those that left, and the PCU on it at the call.
"""

from __future__ import annotations

import numpy as np

from musterpoint.sim.des import run_until
from tests.sim.traffic.test_known_answers import build, chain


def test_counters_of_active_links_add_up_to_the_trace():
    frm, to, length, speed, cap, lanes = chain([400, 100, 300, 200], [10, 10, 10, 10],
                                               [600, 300, 900, 600])
    storage = length * lanes / 7.5
    env, tm, arrivals = build(frm, to, length, speed, cap, storage, dest_node=4)
    for k in range(40):
        v = tm.add_vehicle(0, 0, 1.0 if k % 3 else 2.5)
        if k < 30:
            tm.depart(v)
    entered = np.zeros((0, 4), dtype=np.int64)
    closed = [3]  # reported every time, active or not
    t_prev, step = 0.0, 45.0
    while env.now < 1800.0:
        run_until(env, env.now + step)
        c = tm.take_counters(closed)
        assert list(c.links) == sorted(c.links) and set(closed) <= set(c.links.tolist())
        trace = [(v, link, a, b) for v, link, a, b in tm.link_trace if t_prev <= b < env.now]
        for link in range(4):
            ins = sum(_entered_in(tm, v, link, t_prev, env.now) for v in range(len(tm.dest)))
            outs = [b - a for _, li, a, b in trace if li == link]
            on = sum(tm.pcu[v] for v in tm.queue[link])
            if link in c.links:
                i = int(np.searchsorted(c.links, link))
                assert (c.entered[i], c.exited[i]) == (ins, len(outs))
                assert c.travel_s[i] == sum(outs) and c.used[i] == on
            else:  # not reported: nothing happened there and nothing is on it
                assert ins == 0 and not outs and on == 0
        row = np.zeros(4, dtype=np.int64)
        row[c.links] = c.entered
        entered = np.vstack([entered, row])
        t_prev = env.now
    assert len(arrivals) == 30
    assert entered.sum() == tm.traversals == 120  # 30 vehicles over 4 links


def _entered_in(tm, v: int, link: int, t0: float, t1: float) -> bool:
    """Whether vehicle ``v`` entered ``link`` in [t0, t1)."""
    done = [a for w, li, a, _ in tm.link_trace if w == v and li == link]
    if tm.link[v] == link:
        done.append(tm.enter_t[v])
    return any(t0 <= a < t1 for a in done)


def test_the_union_of_active_and_asked_links_is_numpys_union1d():
    from musterpoint.sim.traffic.link_counters import _union

    rng = np.random.default_rng(0)
    for _ in range(500):
        a = rng.integers(0, 50, rng.integers(0, 30)).astype(np.int64)
        b = rng.integers(0, 50, rng.integers(0, 30)).astype(np.int64)
        for x, y in ((a, b), (np.unique(a), np.unique(b))):  # any arrays, and sorted ones
            got, want = _union(x, y), np.union1d(x, y)
            assert got.dtype == want.dtype and np.array_equal(got, want)
