"""Schema of an exercise script (MSEL, 演练脚本): scheduled injects of a drill.

Owned by the drill-console issue.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Inject"]


class Inject(BaseModel):
    """One scheduled inject of the exercise script."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
