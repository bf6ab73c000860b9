"""Figures of a run and of many runs: evacuation KPIs and the ledger that must balance,
service standards and their verdicts, confidence intervals and paired differences over
replications, and the composite score.
"""

from musterpoint.sim.kpis.evacuation import check_ledger as check_ledger
from musterpoint.sim.kpis.evacuation import ete_s as ete_s
from musterpoint.sim.kpis.evacuation import evacuation_kpis as evacuation_kpis
from musterpoint.sim.kpis.evacuation import ledger as ledger
from musterpoint.sim.kpis.scoring import DEFAULT_WEIGHTS as DEFAULT_WEIGHTS
from musterpoint.sim.kpis.scoring import ScoreWeights as ScoreWeights
from musterpoint.sim.kpis.scoring import score_run as score_run
from musterpoint.sim.kpis.standards import evaluate as evaluate
from musterpoint.sim.kpis.standards import run_standards as run_standards
from musterpoint.sim.kpis.statistics import Interval as Interval
from musterpoint.sim.kpis.statistics import flatten_kpis as flatten_kpis
from musterpoint.sim.kpis.statistics import paired_difference as paired_difference
from musterpoint.sim.kpis.statistics import t_interval as t_interval

__all__ = [
    "DEFAULT_WEIGHTS",
    "Interval",
    "ScoreWeights",
    "check_ledger",
    "ete_s",
    "evacuation_kpis",
    "evaluate",
    "flatten_kpis",
    "ledger",
    "paired_difference",
    "run_standards",
    "score_run",
    "t_interval",
]
