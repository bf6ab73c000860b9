"""A grid scenario (see :mod:`tests.helpers.scenario_factory`) with a river gauge and
response-level plans, for the level tests.

The grid's flood rises linearly from 0 m at hour 0 to 3 m at hour 1 (1.5 m at exactly
1,800 s); ``falling=True`` brings it back to 0 m at hour 2 (below 1.5 m after 5,400 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.helpers.scenario_factory import make_scenario

__all__ = ["level", "make_level_scenario"]

MONITORING = {
    "gauges": [{"id": "g1", "name": "Test gauge", "name_zh": "测试水位站", "kind": "stage"}],
    "forecasts": [{"id": "late", "gauge": "g1", "delay_h": 0.5, "issued_h": [0]},
                  {"id": "exact", "gauge": "g1", "issued_h": [0]}],
}


def level(value: float = 1.5, *, for_min: float = 0.0, clear_min: float = 0.0,
          forecast: str | None = None, lid: str = "II", grade: int = 2,
          actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A level entered when gauge g1 (observed, or a forecast) reaches ``value``."""
    cond: dict[str, Any] = {"gauge": "g1", "op": ">=", "value": value, "for_min": for_min}
    if forecast:
        cond.update(source="forecast", forecast=forecast)
    return {"id": lid, "grade": grade, "name": {"en": f"Level {lid}", "zh": f"{lid}级响应"},
            "when": [cond], "clear_min": clear_min,
            "actions": actions if actions is not None else
            [{"order": {"max_elevation_m": 100}, "role": "cd"}]}


def make_level_scenario(folder: Path, plans: dict[str, list[dict[str, Any]]], *,
                        falling: bool = False, monitoring: dict[str, Any] | None = None,
                        stage: list[list[float]] | None = None, **plan_extra: Any) -> Path:
    """A grid scenario whose plans are ``{name: levels}`` (each with role ``cd``)."""
    if stage is None:
        stage = [[0, 0.0], [1, 3.0], [2, 0.0], [3, 0.0]] if falling else \
            [[0, 0.0], [1, 3.0], [3, 3.0]]
    files = [f"plan-{name}.yaml" for name in plans]
    path = make_scenario(folder, monitoring=monitoring or MONITORING, plans=files,
                         default_plan=next(iter(plans)),
                         hazard={"flood": {"elevation": "elevation.tif", "datum": "test",
                                           "stage": stage}})
    for name, levels in plans.items():
        plan = {"name": name, "title": {"en": name}, "levels": levels,
                "departure": {"curve": "rayleigh", "sigma_min": 10},
                "roles": [{"id": "cd", "name": {"en": "Civil defence", "zh": "民防部门"}}],
                **plan_extra}
        (folder / f"plan-{name}.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True))
    return path
