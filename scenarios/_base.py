"""The base of every schema model and the shared "ids must be unique" checks.

:class:`SchemaModel` is frozen, rejects unknown keys and strips strings; every model of
the scenario, plan, exercise-script, relief, health and standards schemas derives from it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from musterpoint.scenarios.errors import Problem

__all__ = ["SchemaModel", "check_unique", "repeated_id_problems"]


class SchemaModel(BaseModel):
    """Base of the schema models: frozen, rejects unknown keys, strips strings."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def check_unique(ids: Sequence[str], what: str) -> None:
    """Raise ValueError naming the repeated ids, if any.

    Parameters
    ----------
    ids : sequence of str
        The ids, in file order.
    what : str
        What they identify, e.g. ``"shelter"``: the message reads
        ``shelter ids must be unique; repeated: a, b``.

    Raises
    ------
    ValueError
        When an id occurs more than once (for use inside a pydantic validator).
    """
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"{what} ids must be unique; repeated: {', '.join(dup)}")


def repeated_id_problems(ids: Sequence[str], file: str, field: str,
                         what: str) -> list[Problem]:
    """One problem for each repetition of an id, naming the list item.

    Parameters
    ----------
    ids : sequence of str
        The ids, in file order.
    file : str
        The file they are written in.
    field : str
        The list's field path, e.g. ``"injects"``: a problem names ``injects[3].id``.
    what : str
        What they identify, e.g. ``"inject"``.

    Returns
    -------
    list of Problem
        ``<what> id 'x' is used twice; make ids unique`` for every later occurrence.
    """
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            problems.append(Problem(file, f"{field}[{i}].id",
                                    f"{what} id {ident!r} is used twice; make ids unique"))
        seen.add(ident)
    return problems
