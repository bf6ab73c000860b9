"""A shelter at a time or with arrays: the same choice of shelter, ties and all."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from musterpoint.sim.evacuation import shelters
from musterpoint.sim.evacuation.shelters import ShelterBook


@pytest.mark.parametrize("balanced", [False, True])
def test_one_by_one_chooses_as_the_arrays_do(balanced, monkeypatch):
    rng = np.random.default_rng(7)
    n = 6
    dest = [SimpleNamespace(id=f"s{k}", capacity=float(c))
            for k, c in enumerate([50, 80, np.inf, 20, 65, 0])]
    plan = SimpleNamespace(shelter_choice="capacity_balanced" if balanced else "nearest",
                           shelter_open_h={"s1": 1.0}, zone_shelters={})
    book = ShelterBook(dest, plan, [])
    cases = 0
    for _ in range(3000):
        book.occupancy[:] = rng.integers(0, 70, n)
        book.reserved[:] = rng.integers(0, 30, n)
        # ties, unreachable shelters and a few odd values
        dist = rng.choice([1.0, 2.0, 3.0, np.inf, np.nan, -np.inf, 0.0], n)
        persons, t = int(rng.integers(1, 9)), float(rng.choice([0.0, 3600.0, 7200.0]))
        exclude, reserve = int(rng.integers(-1, n)), bool(rng.integers(0, 2))
        monkeypatch.setattr(shelters, "_FEW", 16)
        few = book.choose(dist, persons, t, exclude, reserve)
        monkeypatch.setattr(shelters, "_FEW", 0)
        arrays = book.choose(dist, persons, t, exclude, reserve)
        assert few == arrays
        cases += few >= 0
    assert 500 < cases < 2900  # both answers (a shelter, none) are common
