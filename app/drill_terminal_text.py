"""The terminal drill console's help texts: English msgids, translated by the catalog.

One table, command name -> ``N_(...)`` msgid, that ``help`` prints in the session's
language (the ``do_*`` docstrings of :class:`musterpoint.drill_terminal.DrillTerminal` are
for developers). The command names themselves (``step``, ``inject`` ...) are what the user
types, so they stay as they are in every language.
"""

from __future__ import annotations

from musterpoint.display.i18n import N_, P_

__all__ = ["COMMAND_HELP", "RECORD_STATES", "SERVE_ENDINGS"]

#: Command -> its usage line and what it does (``help`` lists them, ``help CMD`` shows one).
COMMAND_HELP: dict[str, str] = {
    "status": N_("status: the clock and the live figures."),
    "step": N_("step MINUTES [-- rationale]: move the clock on (stops at a due inject)."),
    "run_to": N_("run_to H:MM [-- rationale]: move the clock on to a time after the start."),
    "pause_on_inject": N_("pause_on_inject on|off: whether stepping stops at scheduled "
                          "injects."),
    "injects": N_("injects: the exercise script and what has fired."),
    "fire": N_("fire INJECT_ID [-- rationale]: deliver a scheduled inject now."),
    "inject": N_("inject KIND key=value ... [title=...] [-- text]: a trainer's inject, now. "
                 "KIND '-' (or 'info') is informational. Lists are comma-separated "
                 "(links=L1,L2); arguments may also be given as one JSON object. Example: "
                 "inject close_links links=L12,L13 title=\"Bridge X collapsed\" -- per police"),
    "decide": N_("decide KIND key=value ... [actor=...] -- rationale: the participants' "
                 "decision. Example: decide open_shelter shelter=pucrs actor=EOC -- north "
                 "route is cut"),
    "note": N_("note SECTION text: an observation for the report. Sections: observation, "
               "strength, improvement, execution, plan, coordination, personnel, equipment."),
    "commands": N_("commands: the command kinds this drill accepts, with their arguments."),
    "timeline": N_("timeline: every inject, decision, observation and clock action so far."),
    "report": N_("report [FOLDER] [zh]: write the after-action report (HTML, and PDF if "
                 "possible)."),
    "branch": N_("branch H:MM FILE [-- rationale]: a new session from this one's records "
                 "before H:MM, to try another decision; the console switches to it."),
    "quit": N_("quit: leave (everything is saved already)."),
}

#: State of a scripted inject in the ``injects`` listing.
RECORD_STATES: dict[str, str] = {
    "fired": N_("fired"),
    "due": P_("inject state", "due"),  # due now, not fired (the console's "due" is a time)
    "upcoming": N_("upcoming"),
}

#: How ``muster drill`` stopped serving (the words :func:`serve_in_foreground` returns).
SERVE_ENDINGS: dict[str, str] = {
    "stopped": N_("stopped"),
    "interrupted": N_("interrupted"),
    "terminated (SIGTERM)": N_("terminated (SIGTERM)"),
}
