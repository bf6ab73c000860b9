"""Schema of relief-supply inputs (depots, commodities, demand points, fleet, dispatch).

The scenario's ``relief:`` section describes the world (depots, demand points,
commodities); the plan's ``relief:`` section the decisions (stock prepositioning, fleet,
dispatch policy). Owned by the relief-supply issue.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ReliefPlan", "ReliefWorld"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ReliefWorld(_Model):
    """Relief-supply world of a scenario."""


class ReliefPlan(_Model):
    """Relief-supply decisions of a plan."""
