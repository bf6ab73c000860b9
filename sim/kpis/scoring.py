"""A composite score of a plan: 0 (worst) to 100 (best), from the raw KPIs of a run.

The raw KPIs are always reported next to the score; the score only ranks plans. It is
built in three steps:

1. Each *term* turns one KPI into a *badness* between 0 and 1: the KPI divided by the
   number of evacuees (``per: evacuees``), by the simulated duration (``per: duration``)
   or by nothing, then divided by ``ref`` and clipped to [0, 1]. A null KPI (never reached
   within the simulated time) has badness 1, the worst.
2. A *category* is the weighted mean badness of its terms.
3. ``score = 100 · (1 - Σ w_c · B_c / Σ w_c)`` over the categories that have at least one
   KPI in the runs; a category with no KPI yet (no ``relief.*`` family, say) drops out and
   the other weights are renormalised. The comparison lists what dropped out.

Default weights (life safety first, then timeliness, supply, cost):

=============  ======  =========================================================
category       weight  default terms (badness)
=============  ======  =========================================================
life_safety    0.50    stranded, exposed persons, never departed, still en route
                       (each as a share of the evacuees)
timeliness     0.30    ETE50 and ETE90 (share of the simulated duration; null = 1),
                       95th-percentile travel time (share of the duration)
supply         0.15    relief unmet person-days per evacuee, relative to 3 (only
                       where a plan has relief; otherwise the category drops out)
cost           0.05    vehicle-km per evacuee, relative to 20 km
=============  ======  =========================================================

Override with a YAML file (``muster compare --weights FILE``)::

    categories: {life_safety: 0.6, timeliness: 0.3, supply: 0.1, cost: 0.0}
    terms:            # optional; replaces the default terms when given
      - {kpi: evacuation.stranded, category: life_safety, per: evacuees}
      - {kpi: evacuation.ete90_s, category: timeliness, per: duration, weight: 2}
      - {kpi: relief.unmet_person_days, category: supply, per: evacuees, ref: 3}

Every term's KPI means "lower is better".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.loader import read_yaml_mapping
from musterpoint.scenarios.validation_text import schema_message
from musterpoint.sim.kpis.standards import lookup
from musterpoint.sim.kpis.statistics import flatten_kpis, paired_difference, t_interval, verdict

__all__ = ["DEFAULT_WEIGHTS", "ScoreWeights", "Term", "check_terms", "load_weights", "score_run",
           "score_table", "unavailable"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Model):
    """One KPI's part in the score (lower KPI is better)."""

    kpi: Annotated[str, Field(min_length=1)]
    category: Annotated[str, Field(min_length=1)]
    per: Literal["evacuees", "duration", "none"] = "none"
    ref: Annotated[float, Field(gt=0)] = 1.0
    weight: Annotated[float, Field(ge=0)] = 1.0


class ScoreWeights(_Model):
    """Category weights and the terms of each category."""

    categories: dict[str, Annotated[float, Field(ge=0)]]
    terms: list[Term] = Field(default_factory=list)
    source: str = "default"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"source": self.source, "categories": dict(self.categories),
                "terms": [t.model_dump() for t in self.terms]}


#: The documented default weights (see the module notes).
DEFAULT_WEIGHTS = ScoreWeights(
    categories={"life_safety": 0.50, "timeliness": 0.30, "supply": 0.15, "cost": 0.05},
    terms=[
        Term(kpi="evacuation.stranded", category="life_safety", per="evacuees"),
        Term(kpi="evacuation.exposed_persons", category="life_safety", per="evacuees"),
        Term(kpi="evacuation.never_departed", category="life_safety", per="evacuees"),
        Term(kpi="evacuation.en_route", category="life_safety", per="evacuees"),
        Term(kpi="evacuation.ete50_s", category="timeliness", per="duration"),
        Term(kpi="evacuation.ete90_s", category="timeliness", per="duration"),
        Term(kpi="evacuation.travel_time_p95_s", category="timeliness", per="duration"),
        Term(kpi="relief.unmet_person_days", category="supply", per="evacuees", ref=3.0),
        Term(kpi="traffic.vehicle_km", category="cost", per="evacuees", ref=20.0),
    ],
)


def load_weights(path: Path | None) -> ScoreWeights:
    """Read a weights YAML file (None: the defaults); terms default to the default terms."""
    if path is None:
        return DEFAULT_WEIGHTS
    file = str(path)
    if not path.is_file():
        raise InputError.single(file, "", "weights file not found; check the path")
    data = read_yaml_mapping(path)  # the limits of every user YAML: size, depth, aliases
    data.setdefault("terms", [t.model_dump() for t in DEFAULT_WEIGHTS.terms])
    data["source"] = file
    try:
        w = ScoreWeights.model_validate(data)
    except ValidationError as exc:
        raise InputError([Problem(file, ".".join(str(p) for p in e["loc"]) or "(file)",
                                  schema_message(e)) for e in exc.errors()]) from None
    problems = [Problem(file, f"terms[{i}].category",
                        f"category {t.category!r} has no weight; add it under 'categories' "
                        f"(have: {', '.join(w.categories)})")
                for i, t in enumerate(w.terms) if t.category not in w.categories]
    if not any(v > 0 for v in w.categories.values()):
        problems.append(Problem(file, "categories", "give at least one positive weight"))
    if problems:
        raise InputError(problems)
    return w


def check_terms(weights: ScoreWeights, kpis: Mapping[str, Any]) -> None:
    """Raise InputError for terms of a user's weights file whose KPI does not exist.

    The default terms are not checked: a default KPI that a scenario does not produce
    simply leaves its term out.
    """
    if weights.source == "default":
        return
    known = flatten_kpis(kpis)
    problems = [Problem(weights.source, f"terms[{i}].kpi",
                        f"unknown KPI {t.kpi!r}; use one of: {', '.join(known)}")
                for i, t in enumerate(weights.terms) if t.kpi not in known]
    if problems:
        raise InputError(problems)


def _badness(term: Term, kpis: Mapping[str, Any], duration_s: float) -> float | None:
    found, val = lookup(kpis, term.kpi)
    if not found or isinstance(val, Mapping | bool | str):
        return None  # this KPI does not exist in these runs
    if val is None:
        return 1.0
    x = float(val)
    if term.per == "evacuees":
        _, ev = lookup(kpis, "evacuation.evacuees")
        x = x / float(ev) if ev else 0.0
    elif term.per == "duration":
        x = x / duration_s if duration_s > 0 else 1.0
    return min(1.0, max(0.0, x / term.ref))


def score_run(kpis: Mapping[str, Any], duration_s: float,
              weights: ScoreWeights = DEFAULT_WEIGHTS) -> dict[str, Any]:
    """Score one run.

    Parameters
    ----------
    kpis : mapping
        The run's KPI tree.
    duration_s : float
        The scenario's simulated duration (for ``per: duration`` terms).
    weights : ScoreWeights
        Categories and terms.

    Returns
    -------
    dict
        ``composite`` (0-100, higher is better; None if no term applies), ``categories``
        (badness per category, None if it has no KPI) and ``terms`` (badness per KPI).
    """
    terms: dict[str, float | None] = {}
    sums: dict[str, list[float]] = {c: [0.0, 0.0] for c in weights.categories}
    for t in weights.terms:
        b = _badness(t, kpis, duration_s)
        terms[t.kpi] = b
        if b is not None and t.weight > 0:
            sums[t.category][0] += t.weight * b
            sums[t.category][1] += t.weight
    cats = {c: (s / w if w > 0 else None) for c, (s, w) in sums.items()}
    num = den = 0.0
    for c, b in cats.items():
        if b is not None:
            num += weights.categories[c] * b
            den += weights.categories[c]
    composite = 100.0 * (1.0 - num / den) if den > 0 else None
    return {"composite": composite, "categories": cats, "terms": terms}


def unavailable(weights: ScoreWeights, scores: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Terms and categories that no run had a KPI for."""
    terms = [t.kpi for t in weights.terms if all(s["terms"].get(t.kpi) is None for s in scores)]
    cats = [c for c in weights.categories if all(s["categories"].get(c) is None for s in scores)]
    return {"terms": terms, "categories": cats}


def score_table(weights: ScoreWeights, scores: Mapping[str, Sequence[Mapping[str, Any]]],
                composite: Mapping[str, Sequence[float | None]],
                confidence: float = 0.95) -> dict[str, Any]:
    """Weights, category intervals and the ranking of the plans by composite score.

    Parameters
    ----------
    weights : ScoreWeights
        What the scores were computed with.
    scores : mapping
        ``scores[plan]``: :func:`score_run` of each replication.
    composite : mapping
        ``composite[plan]``: composite score of each replication (seed order).
    confidence : float
        Level of the intervals.

    Returns
    -------
    dict
        ``weights``, ``unavailable``, ``categories[plan][category]`` (interval of the
        badness) and ``ranking``: plans by mean score, each with its paired difference to
        the best plan and a verdict (``best``, ``worse``, ``unclear``, ``same``).
    """
    names = list(scores)
    means = {n: t_interval(composite[n], confidence).mean for n in names}
    def _key(n: str) -> float:
        m = means[n]
        return -(m if m is not None else -1e300)

    order = sorted(names, key=_key)
    ranking = []
    for rank, n in enumerate(order, 1):
        vs = paired_difference(composite[order[0]], composite[n], confidence)
        ranking.append({"rank": rank, "plan": n, "score": means[n], "vs_best": vs.to_dict(),
                        "verdict": "best" if rank == 1 else verdict(vs, False)})
    return {
        "weights": weights.to_dict(),
        "unavailable": unavailable(weights, [s for n in names for s in scores[n]]),
        "categories": {n: {c: t_interval([s["categories"][c] for s in scores[n]],
                                         confidence).to_dict()
                           for c in weights.categories} for n in names},
        "ranking": ranking,
    }
