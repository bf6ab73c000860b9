"""The best any plan could do: a flow-over-time lower bound on the evacuation curve
(time-expanded max flow on the relaxed network, with rounding that keeps it a bound),
its bottleneck links and shelters, and a staged plan derived from it.
"""

from musterpoint.sim.bounds.bound import BoundResult as BoundResult
from musterpoint.sim.bounds.bound import bound_kpis as bound_kpis
from musterpoint.sim.bounds.bound import evacuation_bound as evacuation_bound
from musterpoint.sim.bounds.staged_plan import StagedSchedule as StagedSchedule
from musterpoint.sim.bounds.staged_plan import staged_schedule as staged_schedule

__all__ = [
    "BoundResult",
    "StagedSchedule",
    "bound_kpis",
    "evacuation_bound",
    "staged_schedule",
]
