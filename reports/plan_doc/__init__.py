"""The contingency-plan document (应急预案): a Word file structured as a 专项应急预案, with
the plan's levels and triggers and the figures a comparison tested."""

from musterpoint.reports.plan_doc.document import build_document as build_document
from musterpoint.reports.plan_doc.document import write_plan_doc as write_plan_doc

__all__ = ["build_document", "write_plan_doc"]
