"""The base of every schema model and the shared "ids must be unique" checks.

:class:`SchemaModel` is frozen, rejects unknown keys and strips strings; every model of
the scenario, plan, exercise-script, relief, health and standards schemas derives from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from musterpoint.scenarios.errors import Problem

__all__ = [
    "ID_PATTERN",
    "NAME_PATTERN",
    "Id",
    "Name",
    "SchemaModel",
    "check_unique",
    "repeated_id_problems",
    "safe_slug",
]

#: Ids of places, zones, injects, standards: letters of any script (Chinese included),
#: digits, ``_``, ``.`` and ``-``; no spaces, no slashes.
ID_PATTERN = r"^[\w.\-]+$"
#: Scenario and plan names: as ids, without ``.``, starting with a letter or digit.
NAME_PATTERN = r"^[^\W_][\w\-]*$"

Id = Annotated[str, Field(min_length=1, max_length=200, pattern=ID_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NAME_PATTERN)]


def safe_slug(text: str, fallback: str = "item") -> str:
    """A valid id from any text: NFKC-normalised, runs of other characters become ``-``.

    Letters of any script are kept (``光谷广场`` stays ``光谷广场``; ``PUCRS campus`` becomes
    ``PUCRS-campus``). Used only where an id or a file name must be derived from a name.

    Parameters
    ----------
    text : str
        Any text.
    fallback : str
        Returned when nothing usable is left.

    Returns
    -------
    str
        Matches :data:`NAME_PATTERN` (and so :data:`ID_PATTERN`).
    """
    t = unicodedata.normalize("NFKC", text).strip()
    t = re.sub(r"[^\w\-]+", "-", t).strip("-_")
    return t[:200] or fallback


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
