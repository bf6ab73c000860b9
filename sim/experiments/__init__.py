"""Many runs: replication jobs on common random numbers, executors (serial, local
processes, Dask), and the comparison of plans (intervals, paired differences, standards,
scores).
"""

from musterpoint.sim.experiments.comparison import build_comparison as build_comparison
from musterpoint.sim.experiments.jobs import RunJob as RunJob
from musterpoint.sim.experiments.jobs import RunSummary as RunSummary
from musterpoint.sim.experiments.runner import DaskExecutor as DaskExecutor
from musterpoint.sim.experiments.runner import LocalProcessExecutor as LocalProcessExecutor
from musterpoint.sim.experiments.runner import SerialExecutor as SerialExecutor
from musterpoint.sim.experiments.runner import make_jobs as make_jobs
from musterpoint.sim.experiments.runner import prime_world as prime_world
from musterpoint.sim.experiments.runner import run_replications as run_replications

__all__ = [
    "DaskExecutor",
    "LocalProcessExecutor",
    "RunJob",
    "RunSummary",
    "SerialExecutor",
    "build_comparison",
    "make_jobs",
    "prime_world",
    "run_replications",
]
