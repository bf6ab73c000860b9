"""A tabletop drill session: a run under a trainer's control, event-sourced to SQLite.

A :class:`DrillSession` owns one run (made by :func:`musterpoint.sim.engine.new_run`) and
one append-only :class:`~musterpoint.sim.drill.store.DrillStore`. The simulated clock
moves only when told to: ``start`` and ``pause`` (while running, :meth:`DrillSession.tick`
moves it by the wall time elapsed times the speed factor), ``step`` by N minutes,
``run_to`` a time. Injects (from the exercise script or a trainer's own) and decisions
(the participants') are commands applied at the current simulated time (see
:mod:`musterpoint.sim.evacuation.commands`, whose kinds extensions may add to). Every one of them,
clock actions included, is written to the store before it is acknowledged, with the
wall-clock time, the simulated time, the role and a free-text rationale.

Event sourcing: the state is a function of the scenario, the plan, the seed and the
records. :meth:`DrillSession.open` replays the records in order on a fresh run and so
resumes exactly where the last recorded command left the session, whether it was closed
or its process was killed (it always resumes paused). :meth:`DrillSession.branch` copies
the records before a time into a new session file, to try another decision from there.

Scheduled injects of the scenario (``Scenario.injects``) fire when the clock reaches
their time, as records of role ``script``; by default the clock pauses at each, so the
room can discuss it.

:func:`after_action` replays the session to the scenario's end, with and without the
participants' decisions (the counterfactual: same scenario, seed, script and trainer
injects), and without each decision in turn, for the after-action report.

No web code here: the console (:mod:`musterpoint.console`) and the terminal
(:mod:`musterpoint.drill_cmd`) drive this class.

This module gathers the public names of the drill's parts:
:mod:`~musterpoint.sim.drill.session` (making, reopening, branching, replaying),
:mod:`~musterpoint.sim.drill.state` (what a session holds),
:mod:`~musterpoint.sim.drill.clock` (the clock), :mod:`~musterpoint.sim.drill.inputs`
(injects, decisions, observations), :mod:`~musterpoint.sim.drill.commands` (command
specs and the script's checks), :mod:`~musterpoint.sim.evacuation.live` (the run's live KPIs,
vehicles, per-agent state) and :mod:`~musterpoint.sim.drill.after_action` (the replays).
"""

from __future__ import annotations

from musterpoint.sim.drill.after_action import COMPARED_KPIS, after_action
from musterpoint.sim.drill.clock import MAX_SPEED
from musterpoint.sim.drill.commands import coerce_args
from musterpoint.sim.drill.inputs import NOTE_SECTIONS
from musterpoint.sim.drill.session import DrillSession
from musterpoint.sim.drill.state import CLOCK_ACTIONS, DEFAULT_SPEED, ScriptInject

__all__ = [
    "CLOCK_ACTIONS",
    "COMPARED_KPIS",
    "DEFAULT_SPEED",
    "MAX_SPEED",
    "NOTE_SECTIONS",
    "DrillSession",
    "ScriptInject",
    "after_action",
    "coerce_args",
]
