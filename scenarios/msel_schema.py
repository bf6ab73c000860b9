"""Schema of an exercise script (HSEEP Master Scenario Events List; 演练脚本).

A scenario may carry scheduled injects: at ``time_h`` hours after the scenario start the
drill console shows the inject (title, description, the action the players are expected
to take) and, if it has an ``effect``, applies that effect to the simulation as a command
(the same commands a trainer or a participant can give; see
:mod:`musterpoint.sim.evacuation.commands`). An inject without an effect is informational: a phone
call, a media report, a request for information. Texts are in English and, optionally,
Chinese. Example::

    injects:
      - id: bridge-down
        time_h: 1.5
        title: {en: "Bridge closed", zh: "桥梁封闭"}
        description: {en: "Police report the bridge is under water.", zh: "警方报告桥面被淹。"}
        effect: {kind: close_links, args: {links: ["L12", "L13"], reason: "bridge flooded"}}
        expected_action: {en: "Reroute traffic; warn the shelters.", zh: "交通改道；通知避难所。"}
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from musterpoint.scenarios._base import Id, SchemaModel, repeated_id_problems
from musterpoint.scenarios.errors import Problem

__all__ = ["Effect", "Inject", "ScriptText", "check_script"]


class ScriptText(SchemaModel):
    """A text of the exercise script in English and, optionally, Chinese.

    A plain string is read as the English text.

    Attributes
    ----------
    en : str
        English text.
    zh : str, optional
        Simplified Chinese text.
    """

    en: str
    zh: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        return {"en": data} if isinstance(data, str) else data

    def text(self, lang: str = "en") -> str:
        """The text in ``lang`` (``zh`` falls back to English when there is none)."""
        return self.zh if lang.startswith("zh") and self.zh else self.en


class Effect(SchemaModel):
    """What an inject does to the simulation: one command, applied when it comes due.

    Attributes
    ----------
    kind : str
        A command kind: an engine command (``close_links``, ``reopen_links``,
        ``link_capacity``, ``order_zones``, ``shelter_capacity``, ``open_shelter``,
        ``close_shelter``) or one an extension of the run adds.
    args : dict
        The command's arguments.
    """

    kind: Annotated[str, Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")]
    args: dict[str, Any] = Field(default_factory=dict)


class Inject(SchemaModel):
    """One scheduled inject of the exercise script.

    Attributes
    ----------
    id : str
        Unique id within the script (letters, digits, ``_ . -``).
    time_h : float
        When it comes due, in hours after the scenario start.
    title : ScriptText
        Short title shown in the inject list.
    description : ScriptText
        What happens, as the controller reads it out.
    effect : Effect, optional
        The command applied to the simulation; None for an informational inject.
    expected_action : ScriptText, optional
        What the players are expected to do (for the evaluators).
    """

    id: Id
    time_h: Annotated[float, Field(ge=0)]
    title: ScriptText
    description: ScriptText = ScriptText(en="")
    effect: Effect | None = None
    expected_action: ScriptText | None = None

    @property
    def time_s(self) -> float:
        """When it comes due, in seconds after the scenario start."""
        return float(self.time_h) * 3600.0


def check_script(injects: list[Inject], duration_h: float, file: str) -> list[Problem]:
    """Cross-inject rules the schema of one inject cannot check.

    Parameters
    ----------
    injects : list of Inject
        ``Scenario.injects``.
    duration_h : float
        ``Scenario.duration_h``.
    file : str
        The scenario file, for the messages.

    Returns
    -------
    list of Problem
        Repeated ids and injects after the scenario's end (empty when all is well).
    """
    problems = repeated_id_problems([inj.id for inj in injects], file, "injects", "inject")
    for i, inj in enumerate(injects):
        if inj.time_h > duration_h:
            problems.append(Problem(file, f"injects[{i}].time_h",
                                    f"{inj.time_h} h is after the scenario's end "
                                    f"({duration_h} h); move it inside the scenario"))
    return problems
