"""Service standards: a KPI, a comparison and a threshold, with a bilingual label.

Written in a scenario (the authority's standards for every plan) or in a plan. Example::

    standards:
      - id: out-in-2h
        kpi: evacuation.ete90_s
        op: "<="
        threshold: 7200
        label: {en: "90 % of residents out within 2 h", zh: "2小时内90%居民撤离"}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from musterpoint.scenarios._base import Id, SchemaModel

__all__ = ["Standard", "StandardLabel"]


class StandardLabel(SchemaModel):
    """The standard's wording in English and, optionally, Chinese."""

    en: str
    zh: str | None = None


class Standard(SchemaModel):
    """One quantified service standard.

    Attributes
    ----------
    id : str
        Short unique name.
    kpi : str
        Dotted path into kpis.json, e.g. ``evacuation.ete90_s``. With ``per`` set, the
        path below each item, e.g. ``per: zone`` and ``kpi: ete90_s`` checks
        ``evacuation.by_zone.<zone>.ete90_s`` for every zone.
    op : str
        Comparison: ``<=``, ``<``, ``>=``, ``>``, ``==``.
    threshold : float
        The value the KPI is compared with (in the KPI's unit: seconds, persons, shares).
    per : str, optional
        ``zone``: the standard must hold in every zone.
    label : StandardLabel
        How the standard reads to people.
    """

    id: Id
    kpi: Annotated[str, Field(min_length=1)]
    op: Literal["<=", "<", ">=", ">", "=="]
    threshold: float
    per: Literal["zone"] | None = None
    label: StandardLabel
