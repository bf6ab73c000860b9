"""The level watcher: a run extension that checks a plan's response levels and acts.

Every ``plan.check_every_min`` minutes from time 0 it reads each level's conditions (a
gauge observed or forecast, a shelter's occupancy share, a closed road, the clock). A
condition holds once its comparison has been true at every check for ``for_min``
minutes; a level is entered when any (or all, ``match: all``) of its conditions hold,
and its actions are taken then: zones ordered out (logged as ``order`` events with the
level in the detail) and commands applied as a drill participant would (``command``
events). A level is left (de-escalation) when its conditions have stopped holding for
``clear_min`` minutes. Each change is a ``level_on`` / ``level_off`` event whose value
is the condition's reading, and a row of the ``level_changes`` table.

The watcher draws no random numbers and has no destinations, and it is attached last,
so a plan without levels runs exactly as before.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from musterpoint.scenarios.errors import InputError
from musterpoint.scenarios.levels_schema import Condition, Level
from musterpoint.sim.evacuation.extension import RunExtension
from musterpoint.sim.levels.checks import check_levels
from musterpoint.sim.levels.forecast import GaugeReader
from musterpoint.sim.levels.tables import LEVEL_TABLE_SCHEMAS

if TYPE_CHECKING:
    from musterpoint.sim.evacuation.context import RunContext

__all__ = ["LEVEL_TABLE_SCHEMAS", "LevelWatcher", "levels_extension"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


class LevelWatcher(RunExtension):
    """Watches the plan's levels during a run (see the module's text)."""

    name = "levels"
    TABLE_SCHEMAS = LEVEL_TABLE_SCHEMAS
    COMMANDS: ClassVar[dict[str, Any]] = {
        "forecast_update": {
            "label": {"en": "Issue a forecast update", "zh": "发布预报更新"},
            "args": {"forecast": "text", "delay_h": "number", "bias": "number"},
            "description": "re-issue a forecast now from the current hazard, late by "
                           "delay_h hours and off by bias"},
    }

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        w, plan = ctx.world, ctx.plan
        check_levels(w, plan, ctx.plan_file, [*ctx.command_kinds(), *self.COMMANDS])
        mon = w.loaded.scenario.monitoring
        self.reader = GaugeReader(list(mon.gauges) if mon else [], w.plume)
        self.forecasts = {f.id: f for f in mon.forecasts} if mon else {}
        self.levels: list[Level] = list(plan.levels)
        self.step = plan.check_every_min * 60.0
        self.since: list[list[float]] = [[math.nan] * len(lv.when) for lv in self.levels]
        self.active = [False] * len(self.levels)
        self.clear_since = [math.nan] * len(self.levels)
        self.rows: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ readings
    def reading(self, c: Condition, t: float) -> float:
        """The value condition ``c`` compares now (time ``t``)."""
        ctx = self.ctx
        if c.time_h is not None:
            return t / 3600.0
        if c.gauge is not None:
            if c.source == "forecast" and c.forecast is not None:
                return self.reader.forecast(self.forecasts[c.forecast], t, c.lead_h * 3600.0)
            return self.reader.truth(c.gauge, t, ctx.roads.hydrograph)
        if c.health is not None:
            v = ctx.measure(c.health, c.compound)
            return math.nan if v is None else v
        if c.shelter is not None:
            sh = ctx.shelters
            k = [d.id for d in sh.dest[: sh.n]].index(c.shelter)
            cap = float(sh.capacity[k])
            return float(sh.occupancy[k]) / cap if cap > 0 else math.inf
        k = ctx.roads.link_pos[str(c.link)]
        return 1.0 if bool(ctx.roads.closed[k]) else 0.0

    def _true(self, c: Condition, value: float) -> bool:
        if c.time_h is not None:
            return value >= c.time_h
        return not math.isnan(value) and _OPS[c.op](value, c.value)

    # ------------------------------------------------------------------ process
    def start(self) -> None:
        """Issue the forecasts at their times and check the levels at every step."""
        env = self.ctx.env
        until = self.ctx.world.duration_s
        for fc in self.forecasts.values():
            for h in fc.issued_h:
                if h * 3600.0 <= until:
                    env.process(self._issue_at(fc.id, h * 3600.0))
        env.process(self._watch(until))

    def _issue_at(self, fid: str, t: float) -> Any:
        if t > self.ctx.env.now:
            yield self.ctx.env.timeout(t - self.ctx.env.now)
        self.reader.issue(self.forecasts[fid], t, self.ctx.roads.hydrograph)

    def _watch(self, until: float) -> Any:
        env = self.ctx.env
        k = 0
        while k * self.step <= until + 1e-9:
            t = k * self.step
            if t > env.now:
                yield env.timeout(t - env.now)
            self.check(float(env.now))
            k += 1

    def check(self, t: float) -> None:
        """Evaluate every level at ``t``: enter and leave levels, most severe first."""
        order = sorted(range(len(self.levels)), key=lambda i: (self.levels[i].grade, i))
        for i in order:
            lv = self.levels[i]
            holds: list[tuple[int, float]] = []
            for j, c in enumerate(lv.when):
                v = self.reading(c, t)
                if self._true(c, v):
                    if math.isnan(self.since[i][j]):
                        self.since[i][j] = t
                    if t - self.since[i][j] >= c.for_min * 60.0 - 1e-9:
                        holds.append((j, v))
                else:
                    self.since[i][j] = math.nan
            on = len(holds) == len(lv.when) if lv.match == "all" else bool(holds)
            if on and not self.active[i]:
                self._enter(i, t, *holds[0])
            elif on:
                self.clear_since[i] = math.nan
            elif self.active[i]:
                if math.isnan(self.clear_since[i]):
                    self.clear_since[i] = t
                if t - self.clear_since[i] >= lv.clear_min * 60.0 - 1e-9:
                    self._leave(i, t)

    def _enter(self, i: int, t: float, j: int, value: float) -> None:
        lv, ctx = self.levels[i], self.ctx
        self.active[i] = True
        self.clear_since[i] = math.nan
        cond = lv.when[j].describe()
        ctx.log(t, "level_on", value=value,
                detail=json.dumps({"level": lv.id, "grade": lv.grade, "condition": cond},
                                  ensure_ascii=False, sort_keys=True))
        done: list[dict[str, Any]] = []
        for a in lv.actions:
            if a.order is not None:
                zs = (list(range(len(ctx.world.zones.ids))) if a.order.all else
                      self._zones(a.order.zones, a.order.max_elevation_m))
                ctx.order_zones(zs, f"level {lv.id}")
                done.append({"order": [ctx.world.zones.ids[z] for z in zs], "role": a.role})
            elif a.command is not None:
                kind, args = str(a.command["kind"]), dict(a.command.get("args") or {})
                if kind in self.COMMANDS:
                    self.command(kind, args)
                else:
                    ctx.command(kind, args)
                done.append({"command": kind, "role": a.role})
        self.rows.append({"time_s": t, "level": lv.id, "grade": lv.grade, "change": "on",
                          "condition": cond, "value": value,
                          "actions": json.dumps(done, ensure_ascii=False, sort_keys=True)})

    def _leave(self, i: int, t: float) -> None:
        lv = self.levels[i]
        self.active[i] = False
        self.clear_since[i] = math.nan
        conds = "; ".join(c.describe() for c in lv.when)
        value = self.reading(lv.when[0], t)
        self.ctx.log(t, "level_off", value=value,
                     detail=json.dumps({"level": lv.id, "grade": lv.grade},
                                       ensure_ascii=False, sort_keys=True))
        self.rows.append({"time_s": t, "level": lv.id, "grade": lv.grade, "change": "off",
                          "condition": conds, "value": value, "actions": "[]"})

    def _zones(self, ids: list[str] | None, max_el: float | None) -> list[int]:
        z = self.ctx.world.zones
        hit = np.zeros(len(z.ids), dtype=bool)
        pos = {zid: k for k, zid in enumerate(z.ids)}
        for zid in ids or ():
            hit[pos[zid]] = True
        if max_el is not None:
            hit |= np.nan_to_num(z.elevation, nan=np.inf) <= max_el
        return [int(k) for k in np.flatnonzero(hit)]

    # ------------------------------------------------------------------ drill, results
    def command(self, kind: str, args: dict[str, Any]) -> bool:
        """``forecast_update`` {forecast, delay_h?, bias?}: re-issue a forecast now."""
        if kind != "forecast_update":
            return False
        fid = str(args.get("forecast", ""))
        if fid not in self.forecasts:
            raise InputError.single("command", "forecast", f"no forecast {fid!r}; have "
                                    f"{sorted(self.forecasts)}")
        delay, bias = args.get("delay_h"), args.get("bias")
        for name, x in (("delay_h", delay), ("bias", bias)):
            if x is not None and not isinstance(x, int | float):
                raise InputError.single("command", name, "give a number")
        self.reader.issue(self.forecasts[fid], self.ctx.now, self.ctx.roads.hydrograph,
                          delay_h=None if delay is None else float(delay),
                          bias=None if bias is None else float(bias))
        return True

    def tables(self) -> dict[str, pd.DataFrame]:
        """The ``level_changes`` table."""
        cols = LEVEL_TABLE_SCHEMAS[0].names
        return {"level_changes": pd.DataFrame(self.rows, columns=cols)}

    def kpis(self) -> dict[str, Any]:
        """When each level was first entered, the most severe grade reached, changes."""
        first: dict[str, float | None] = {lv.id: None for lv in self.levels}
        for r in self.rows:
            if r["change"] == "on" and first[r["level"]] is None:
                first[r["level"]] = float(r["time_s"])
        grades = [int(r["grade"]) for r in self.rows if r["change"] == "on"]
        return {"first_on_s": first, "highest_grade": min(grades) if grades else None,
                "changes": len(self.rows)}

    def snapshot(self) -> dict[str, Any]:
        """Active levels now."""
        return {"active": [lv.id for lv, a in zip(self.levels, self.active, strict=True)
                           if a]}


def levels_extension(ctx: RunContext) -> LevelWatcher | None:
    """The level watcher, for a plan with response levels."""
    return LevelWatcher(ctx) if ctx.plan.levels else None
