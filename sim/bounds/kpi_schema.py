"""The ``bounds`` family of ``kpis.json``: every key, its unit and meaning (one schema,
rendered into ``docs/outputs.md`` by ``tools/write_output_docs.py``; a test checks that
:func:`musterpoint.sim.bounds.bound.bound_kpis` writes exactly these keys)."""

from __future__ import annotations

__all__ = ["BOUNDS_KPIS"]

#: ``(key, unit, meaning)`` of each key of ``kpis["bounds"]``.
BOUNDS_KPIS: tuple[tuple[str, str, str], ...] = (
    ("ete50_s", "s", "lower bound on the time from the first order until 50 % of the "
                     "evacuees are safe (null: not reachable by the horizon)"),
    ("ete90_s", "s", "the same for 90 %"),
    ("ete100_s", "s", "the same for 100 %"),
    ("efficiency50", "", "bound ETE50 / simulated ETE50 (1: as good as any plan could be; "
                         "null when either is not reached)"),
    ("efficiency90", "", "the same for ETE90"),
    ("efficiency100", "", "the same for ETE100"),
    ("bottleneck_links", "", "link ids whose exit capacity lies in the minimum cut just "
                             "before the bound's clearance time, largest cut capacity "
                             "first (at most 20)"),
    ("bottleneck_link_pcu", "PCU", "their capacity in that cut, same order"),
    ("bottleneck_link_names", "", "their street names, same order (empty when the network "
                                  "has none)"),
    ("bottleneck_link_labels", "", "the same links for people: street name and link id, or "
                                   "the road class and link id of an unnamed link"),
    ("bottleneck_streets", "", "the distinct street names among them, in that order"),
    ("bottleneck_shelters", "", "shelters whose capacity limits the bound"),
    ("limited_by", "", "network (a cut of links binds), shelters, or departures (neither: "
                       "departure and free-flow times set the bound)"),
    ("bottleneck_time_s", "s", "horizon of that cut (scenario time), or null"),
    ("max_persons_safe", "persons", "most persons who can be safe by the horizon"),
    ("max_share_safe", "", "that over the evacuees, or null"),
    ("step_s", "s", "time step of the time-expanded network"),
    ("horizon_s", "s", "last time considered"),
)
