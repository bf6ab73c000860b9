"""Reports of simulation runs (self-contained HTML).

:func:`write_run_report` is imported on first use: the terminal summary of ``muster run
--no-report`` (:mod:`musterpoint.reports.run_summary`) needs neither jinja2 nor the
report's sections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from musterpoint.reports.run_report import write_run_report

__all__ = ["write_run_report"]


def __getattr__(name: str) -> Any:
    """The report writer, imported when first asked for."""
    if name == "write_run_report":
        from musterpoint.reports.run_report import write_run_report

        return write_run_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
