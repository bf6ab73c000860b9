"""Reports of simulation runs (self-contained HTML)."""

from musterpoint.reports.run_report import write_run_report

__all__ = ["write_run_report"]
