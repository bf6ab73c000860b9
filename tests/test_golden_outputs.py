"""Results unchanged to the bit: every bundled scenario and plan, two seeds, against the
sha256 digests in ``tests/data/golden_hashes.json``.

``python -m tests.helpers.golden`` rewrites the digests: only in a commit that says which
change and why."""

from __future__ import annotations

import json

import pytest

from tests.helpers.golden import HASHES, case_key, golden_cases, run_digests

pytestmark = pytest.mark.slow

GOLDEN = json.loads(HASHES.read_text(encoding="utf-8"))


def test_the_golden_file_covers_every_bundled_plan_on_two_seeds():
    """A new bundled plan needs its digests written, or it goes unchecked."""
    assert sorted(GOLDEN) == sorted(case_key(*c) for c in golden_cases())


@pytest.mark.parametrize("case", golden_cases(), ids=lambda c: case_key(*c))
def test_outputs_match_the_golden_digests(case):
    """kpis.json, agents, events and every other table are identical to the bit."""
    assert run_digests(*case) == GOLDEN[case_key(*case)]


def test_same_seed_twice_with_the_bound_gives_byte_identical_kpis():
    """The bound's wall-clock time is in run.json, never in kpis.json."""
    first = run_digests("porto-alegre-flood", "staged-by-risk", 3)
    second = run_digests("porto-alegre-flood", "staged-by-risk", 3)
    assert first == second
