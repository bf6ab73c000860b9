"""Opening a dispensing site is the one action of issue 15 a level still cannot take: it
is refused when the plan is read, with the reason and what to do instead."""

from __future__ import annotations

import pytest

from musterpoint.scenarios.levels_schema import Action


@pytest.mark.parametrize("kind", ["open_dispensing", "dispensing"])
def test_opening_a_dispensing_site_is_refused_with_the_reason(kind):
    with pytest.raises(ValueError, match=r"cannot be taken by a level.*rebooking.*start_h"):
        Action(command={"kind": kind, "args": {"site": "s1"}})


@pytest.mark.parametrize("kind", ["contraflow", "deploy_buses"])
def test_contraflow_and_deploying_buses_are_no_longer_refused(kind):
    assert Action(command={"kind": kind, "args": {}}).command == {"kind": kind, "args": {}}
