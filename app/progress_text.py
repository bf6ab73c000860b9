"""The words of the progress display: English msgids, translated by the catalog.

Keys are the step names the commands use; :func:`step_label` gives a step's label in a
language (the key itself for a step without one).
"""

from __future__ import annotations

from musterpoint.display.i18n import N_, tr

__all__ = ["LINE", "STEP_LABELS", "step_label"]

#: What each step of a long command is doing, as shown beside the bar or in the log line.
STEP_LABELS: dict[str, str] = {
    "load": N_("reading the scenario"),
    "world": N_("building the world (roads, zones, hazard)"),
    "simulate": N_("simulating"),
    "bound": N_("computing the best any plan could do"),
    "tables": N_("writing the tables"),
    "map": N_("drawing the map"),
    "report": N_("writing the report"),
    "pdf": N_("printing the PDF"),
    "gis": N_("writing the GIS layers"),
    "suggest": N_("testing suggested changes on common seeds"),
    "catalog": N_("recording the run"),
    "replications": N_("replications"),
    "comparison": N_("comparing the plans"),
    "outputs": N_("writing the outputs"),
    "scenario_folder": N_("building the scenario folder"),
    "document": N_("writing the document"),
    "replay": N_("replaying the drill"),
}

#: The one-line progress log written when the display is not a terminal. Fields:
#: ``step`` (a label above), ``done`` (" 45 %" or ""), ``step_time`` and ``total_time``
#: (h:mm:ss).
LINE = N_("progress: {step}{done} ({step_time} in this step, {total_time} in all)")


def step_label(key: str, lang: str) -> str:
    """The label of a step in ``lang`` (the key itself for a step without a label)."""
    return tr(lang, STEP_LABELS[key]) if key in STEP_LABELS else key
