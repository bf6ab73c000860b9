"""What the room puts into a drill: injects, decisions and observations.

Trainers give injects (a scheduled one ahead of its time, or their own on the spot);
participants make decisions; both may file observations for the after-action report.
Injects and decisions are commands applied at the current simulated time (see
:mod:`musterpoint.sim.evacuation.commands`, whose kinds extensions may add to); each is written to
the store, with the role, the actor and a free-text rationale, before it is acknowledged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from musterpoint.scenarios.errors import InputError
from musterpoint.sim.drill.commands import normalise_args
from musterpoint.sim.drill.state import DrillState
from musterpoint.sim.drill.store import Record

__all__ = ["NOTE_SECTIONS", "DrillInputs"]

#: Evaluation sections an observation (note) may be filed under.
NOTE_SECTIONS = ("observation", "strength", "improvement", "execution", "plan",
                 "coordination", "personnel", "equipment")

class DrillInputs(DrillState):
    """Injects, decisions and observations: a part of :class:`~musterpoint.sim.drill.DrillSession`.

    Made as :class:`~musterpoint.sim.drill.state.DrillState` is.
    """

    def fire(self, inject_id: str, rationale: str = "", actor: str = "") -> Record:
        """Fire a scheduled inject now, ahead of its time (role ``trainer``)."""
        with self._lock:
            self._not_ended()
            s = next((s for s in self.script if s.inject.id == inject_id), None)
            if s is None:
                raise InputError.single("inject", "id", f"no inject {inject_id!r} in the "
                                        "exercise script")
            if inject_id in self.fired:
                raise InputError.single("inject", "id", f"inject {inject_id!r} has fired "
                                        "already")
            return self._fire(s, "trainer", rationale, actor)

    def inject(self, kind: str, args: Mapping[str, Any] | None = None, *, title: str = "",
               rationale: str = "", actor: str = "") -> Record:
        """A trainer's inject given on the spot, applied now.

        Parameters
        ----------
        kind : str
            A command kind, or ``""`` for an informational inject.
        args : mapping, optional
            The command's arguments.
        title : str
            What happened ("bridge X collapsed").
        rationale : str
            Free text for the record.
        actor : str
            Who gave it (optional).
        """
        with self._lock:
            self._not_ended()
            a = normalise_args(args)
            if kind:
                self._apply(kind, a)
            elif not (title or rationale):
                raise InputError.single("inject", "title", "an informational inject needs a "
                                        "title or a text")
            return self._append(sim_time_s=self.run.now, role="trainer", type="inject",
                                kind=kind, args=a if kind else {}, rationale=rationale,
                                actor=actor, title=title)

    def decide(self, kind: str, args: Mapping[str, Any] | None = None, *,
               rationale: str = "", actor: str = "") -> Record:
        """A participants' decision, applied now (role ``participant``).

        Parameters
        ----------
        kind : str
            A command kind (see :meth:`commands`).
        args : mapping, optional
            The command's arguments.
        rationale : str
            Why (free text; it goes into the after-action report).
        actor : str
            Who decided (a post or team), optional.
        """
        with self._lock:
            self._not_ended()
            if not kind:
                raise InputError.single("decision", "kind", "choose what to do")
            a = normalise_args(args)
            self._apply(kind, a)
            return self._append(sim_time_s=self.run.now, role="participant", type="decision",
                                kind=kind, args=a, rationale=rationale, actor=actor)

    def note(self, text: str, *, section: str = "observation", role: str = "trainer",
             actor: str = "") -> Record:
        """An observation for the after-action report (changes nothing in the run).

        Parameters
        ----------
        text : str
            The observation.
        section : str
            One of :data:`NOTE_SECTIONS`.
        role : str
            ``trainer`` or ``participant``.
        actor : str
            Who made it (optional).
        """
        if section not in NOTE_SECTIONS:
            raise InputError.single("note", "section", f"choose one of {NOTE_SECTIONS}")
        if role not in ("trainer", "participant"):
            raise InputError.single("note", "role", "trainer or participant")
        if not text.strip():
            raise InputError.single("note", "text", "write the observation")
        with self._lock:
            return self._append(sim_time_s=self.run.now, role=role, type="note",
                                rationale=text.strip(), actor=actor, title=section)

    def commands(self) -> dict[str, dict[str, Any]]:
        """Command kinds this session accepts (engine and extensions), with their specs."""
        return self.specs
