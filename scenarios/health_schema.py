"""Schema of public-health inputs (epidemic, dispensing sites, compounds, hospitals).

The scenario's ``health:`` section describes the world (epidemic, compounds, hospitals,
candidate sites); the plan's ``health:`` section the decisions (lockdown, sites and
staffing, delivery mode, ambulances). Owned by the public-health issue.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["HealthPlan", "HealthWorld"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class HealthWorld(_Model):
    """Public-health world of a scenario."""


class HealthPlan(_Model):
    """Public-health decisions of a plan."""
