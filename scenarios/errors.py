"""The exception hierarchy: every user-facing problem is a :class:`MusterError`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputError", "MusterError", "Problem", "SimulationError"]


@dataclass(frozen=True)
class Problem:
    """One problem with an input: where it is and what to do.

    Parameters
    ----------
    file : str
        The file the problem is in (as the user named it).
    field : str
        The field path inside the file (``shelters[2].capacity``), or a column.
    reason : str
        What is wrong and what to do about it.
    """

    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.reason}"


class MusterError(Exception):
    """Root of every error musterpoint raises on purpose."""


class InputError(MusterError):
    """One or more problems with user input (scenario, plan or data files).

    Parameters
    ----------
    problems : list of Problem
        Every problem found; the loader reports them all at once.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, field: str, reason: str) -> InputError:
        """Build an error with one problem."""
        return cls([Problem(file, field, reason)])


class SimulationError(MusterError):
    """An internal consistency check failed (for example an unbalanced ledger)."""
