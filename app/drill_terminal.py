"""The terminal drill console: ``muster drill --terminal``, the web console's controls typed.

Every line it prints goes through the message catalog in the language of the context
(``muster drill --lang zh`` or ``MUSTER_LANG=zh``); command names, ids and the scenario's
own texts (inject titles, shelter names) are printed as they are written.
"""

from __future__ import annotations

import cmd
import json
import shlex
import unicodedata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from musterpoint.display.i18n import _, current_language, labels, tr
from musterpoint.display.input_text import error_text
from musterpoint.display.timefmt import format_clock, format_hmm
from musterpoint.drill_terminal_text import COMMAND_HELP, RECORD_STATES
from musterpoint.scenarios.errors import InputError, MusterError

if TYPE_CHECKING:  # the engine is imported where a command needs it: `muster --help` stays fast
    from musterpoint.sim.drill import DrillSession

__all__ = ["DrillTerminal", "parse_hmm"]


def parse_hmm(text: str) -> float:
    """Seconds from ``h:mm`` (or a number of minutes).

    Raises
    ------
    InputError
        When the text is neither.
    """
    t = text.strip()
    if ":" in t:
        h, _sep, m = t.partition(":")
        if h.isdigit() and m.isdigit() and len(m) <= 2:
            return (int(h) * 60 + int(m)) * 60.0
    else:
        try:
            return float(t) * 60.0
        except ValueError:
            pass
    raise InputError.single(_("time"), "", _("give h:mm or minutes, not {text}").format(
        text=repr(text)))


def _split(line: str) -> tuple[list[str], str]:
    """``words -- rationale`` into shell-like words and the free text after ``--``."""
    head, sep, tail = line.partition(" -- ")
    if not sep and line.strip().startswith("--"):
        head, tail = "", line.strip()[2:]
    try:
        words = shlex.split(head)
    except ValueError as exc:
        raise InputError.single(_("command"), "", _("cannot read it: {reason}").format(
            reason=exc)) from exc
    return words, tail.strip()


def _side(text: Any, lang: str) -> str:
    """A scenario's ``{en, zh}`` text in ``lang`` (English when it has no such side)."""
    return str(getattr(text, lang, "") or getattr(text, "en", "") or "")


def _padded(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def _shown(value: Any) -> str:
    """A live figure with thousands separators."""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class DrillTerminal(cmd.Cmd):
    """A text console over a drill session (the web console's controls, typed).

    Parameters
    ----------
    session : DrillSession
        The drill.
    stdin, stdout : file objects, optional
        Where commands come from and where answers go (default the terminal).
    """

    def __init__(self, session: DrillSession, stdin: IO[str] | None = None,
                 stdout: IO[str] | None = None) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        if stdin is not None:
            self.use_rawinput = False
        self.session = session
        from musterpoint.maps.drill_console_text import CONSOLE_LABELS  # (maps: not at start-up)

        self.lang = current_language()
        self.words = labels(CONSOLE_LABELS, self.lang)
        self.intro = _("musterpoint drill console. Type 'help' for the commands, 'status' for "
                       "the figures, 'quit' to leave (the session is saved as you go).")
        self._prompt()

    # -------------------------------------------------------------- helpers
    def _say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def _prompt(self) -> None:
        self.prompt = _("drill {time}> ").format(time=format_hmm(self.session.now))

    def onecmd(self, line: str) -> bool:
        """Run one command; input errors are reported, never raised."""
        try:
            stop = super().onecmd(line)
        except MusterError as exc:
            self._say(_("error: {message}").format(message=error_text(exc, self.lang)))
            stop = False
        self._prompt()
        return bool(stop)

    def emptyline(self) -> bool:
        """An empty line does nothing (not: repeat the last command)."""
        return False

    def default(self, line: str) -> None:
        """Unknown commands."""
        self._say(_("unknown command {name}; type 'help'").format(name=repr(line.split()[0])))

    def do_help(self, arg: str) -> None:
        """help [COMMAND]: the commands (or one), in the console's language."""
        name = arg.strip()
        if name in COMMAND_HELP:
            self._say(_(COMMAND_HELP[name]))
            return
        if name:
            self._say(_("no help on {name}; the commands are:").format(name=repr(name)))
        for text in COMMAND_HELP.values():
            self._say("  " + _(text))

    def _records(self, recs: list[Any]) -> None:
        for r in recs:
            if r.type == "clock" and r.kind in ("tick", "settings"):
                continue
            self._say("  " + self._describe(r))

    def _describe(self, r: Any) -> str:
        what = r.kind or ""
        if r.type == "inject":
            scripted = self._scripted().get(r.inject_id)
            title = (_side(scripted.title, self.lang) if scripted is not None else r.title) \
                or self.words["inject"]
            what = f"{title}" + (f" -> {r.kind} {json.dumps(r.args, ensure_ascii=False)}"
                                 if r.kind else "")
        elif r.type == "decision":
            what = f"{r.kind} {json.dumps(r.args, ensure_ascii=False)}"
        elif r.type == "note":
            section = self.words.get(f"s_{r.title}", r.title)
            what = f"[{section}] {r.rationale}"
        elif r.type == "clock":
            clock = self.words["clock"]
            what = f"{clock} {r.kind} {json.dumps(r.args)}" if r.args else f"{clock} {r.kind}"
        tail = f" -- {r.rationale}" if r.rationale and r.type != "note" else ""
        actor = f" [{r.actor}]" if r.actor else ""
        role = self.words.get(r.role, r.role)
        return _("#{seq} {time} {role}: {what}").format(
            seq=r.seq, time=format_hmm(r.sim_time_s), role=role, what=what) + tail + actor

    def _scripted(self) -> dict[str, Any]:
        """The exercise script's injects by id."""
        return {s.inject.id: s.inject for s in self.session.script}

    def _announce(self, recs: list[Any]) -> None:
        script = self._scripted()
        for r in recs:
            if r.type == "inject" and r.inject_id in script:
                inj = script[r.inject_id]
                title = inj.title.en + (f" / {inj.title.zh}" if inj.title.zh else "")
                if self.lang != "en":
                    title = _side(inj.title, self.lang)
                self._say(_("*** INJECT {time} {title}").format(
                    time=format_hmm(r.sim_time_s), title=title))
                description = _side(inj.description, self.lang)
                if description:
                    self._say(f"    {description}")
                if inj.expected_action:
                    self._say("    " + _("expected action: {action}").format(
                        action=_side(inj.expected_action, self.lang)))

    def _command(self, words: list[str]) -> tuple[str, dict[str, Any], dict[str, str]]:
        """kind, typed args and the special keys (title, actor) from the words."""
        if not words:
            raise InputError.single(_("command"), "", _("name a command (see 'commands')"))
        kind = "" if words[0] in ("-", "info") else words[0]
        rest = words[1:]
        special: dict[str, str] = {}
        if rest and rest[0].startswith("{"):
            try:
                args = json.loads(" ".join(rest))
            except ValueError as exc:
                raise InputError.single(_("command"), "", _("arguments not valid JSON: "
                                                             "{reason}").format(reason=exc)
                                        ) from exc
            if not isinstance(args, dict):
                raise InputError.single(_("command"), "", _("give the arguments as a JSON "
                                                            "object"))
            return kind, args, special
        raw: dict[str, str] = {}
        for w in rest:
            key, eq, value = w.partition("=")
            if not eq:
                raise InputError.single(_("command"), w, _("write arguments as key=value"))
            if key in ("title", "actor"):
                special[key] = value
            else:
                raw[key] = value
        spec = self.session.commands().get(kind)
        if kind and spec is None:
            raise InputError.single(_("command"), "", _("unknown command {name}; known: "
                                                        "{known}").format(
                name=repr(kind), known=", ".join(sorted(self.session.commands()))))
        from musterpoint.sim.drill import coerce_args
        return kind, coerce_args(spec, raw), special

    def _moved(self, recs: list[Any]) -> None:
        self._announce(recs)
        self._say(_("now {time}").format(time=format_hmm(self.session.now)))

    def _recorded(self, rec: Any) -> None:
        self._say(_("recorded {record}").format(record=self._describe(rec)))

    # -------------------------------------------------------------- commands
    def do_status(self, arg: str) -> None:
        """The clock and the live figures (help text: COMMAND_HELP)."""
        c = self.session.clock()
        line = _("time {now} of {duration} ({clock} {zone}); {n} records").format(
            now=format_hmm(c["now_s"]), duration=format_hmm(c["duration_s"]),
            clock=format_clock(c["start"], c["timezone"], c["now_s"]), zone=c["timezone"],
            n=c["last_seq"])
        self._say(line + ("  " + _("ENDED") if c["ended"] else ""))
        for k, v in self.session.kpis().items():
            if k == "time_s":
                continue
            self._say(f"  {_padded(self.words.get(f'k_{k}', k), 28)} {_shown(v):>12}")

    def do_step(self, arg: str) -> None:
        """Move the clock on, stopping at a due inject (help text: COMMAND_HELP)."""
        words, why = _split(arg)
        minutes = parse_hmm(words[0]) / 60.0 if words else 15.0
        self._moved(self.session.step(minutes, why))

    def do_run_to(self, arg: str) -> None:
        """Move the clock on to a time after the start (help text: COMMAND_HELP)."""
        words, why = _split(arg)
        if not words:
            raise InputError.single("run_to", "", _("give h:mm"))
        self._moved(self.session.run_to(parse_hmm(words[0]), why))

    def do_pause_on_inject(self, arg: str) -> None:
        """Whether stepping stops at scheduled injects (help text: COMMAND_HELP)."""
        self.session.set_pause_on_inject(arg.strip().lower() not in ("off", "no", "0", "false"))
        state = _("on") if self.session.pause_on_inject else _("off")
        self._say(_("pause at injects: {state}").format(state=state))

    def do_injects(self, arg: str) -> None:
        """The exercise script and what has fired (help text: COMMAND_HELP)."""
        fired = {d["id"]: d for d in self.session.due_injects()}
        for s in self.session.script:
            inj = s.inject
            state = "fired" if fired[inj.id]["fired_seq"] else "due" if fired[inj.id]["due"] \
                else "upcoming"
            shown = _padded(tr(self.lang, RECORD_STATES[state]), 9)
            self._say(f"  {format_hmm(s.time_s)} {inj.id:<16} {shown} "
                      f"{_side(inj.title, self.lang)}"
                      + (f" -> {inj.effect.kind}" if inj.effect else ""))
        if not self.session.script:
            self._say("  " + _("(the scenario has no exercise script)"))

    def do_fire(self, arg: str) -> None:
        """Deliver a scheduled inject now (help text: COMMAND_HELP)."""
        words, why = _split(arg)
        if not words:
            raise InputError.single("fire", "", _("name the inject (see 'injects')"))
        rec = self.session.fire(words[0], why)
        self._announce([rec])
        self._recorded(rec)

    def do_inject(self, arg: str) -> None:
        """A trainer's inject, now (help text: COMMAND_HELP)."""
        words, why = _split(arg)
        kind, args, special = self._command(words)
        self._recorded(self.session.inject(kind, args, title=special.get("title", ""),
                                           rationale=why, actor=special.get("actor", "")))

    def do_decide(self, arg: str) -> None:
        """The participants' decision (help text: COMMAND_HELP)."""
        words, why = _split(arg)
        kind, args, special = self._command(words)
        self._recorded(self.session.decide(kind, args, rationale=why,
                                           actor=special.get("actor", "")))

    def do_note(self, arg: str) -> None:
        """An observation for the report (help text: COMMAND_HELP)."""
        from musterpoint.sim.drill import NOTE_SECTIONS
        section, _sep, text = arg.strip().partition(" ")
        if section not in NOTE_SECTIONS:
            text, section = arg.strip(), "observation"
        self._recorded(self.session.note(text, section=section))

    def do_commands(self, arg: str) -> None:
        """The command kinds this drill accepts (help text: COMMAND_HELP)."""
        for kind, spec in self.session.commands().items():
            args = spec.get("args")
            shown = " ".join(f"{k}=<{v}>" for k, v in args.items()) if args else "{json}"
            label = spec["label"].get(self.lang) or spec["label"]["en"]
            source = _("engine") if spec["source"] == "engine" else spec["source"]
            self._say(f"  {kind:<18} {shown}   ({label}; {source})")

    def do_timeline(self, arg: str) -> None:
        """Every record so far (help text: COMMAND_HELP)."""
        self._records(self.session.records())

    def do_report(self, arg: str) -> None:
        """Write the after-action report (help text: COMMAND_HELP)."""
        from musterpoint.reports.after_action import PdfUnavailable, write_after_action, write_pdf
        from musterpoint.sim.drill import after_action
        words = arg.split()
        lang = "zh" if "zh" in words else self.lang
        folder = Path(next((w for w in words if w != "zh"), str(self.session.path.parent)))
        self._say(_("replaying the session with and without the decisions ..."))
        aar = after_action(self.session)
        html = write_after_action(aar, folder / f"{self.session.path.stem}-after-action.html",
                                  lang)
        self._say(_("report: {path}").format(path=html))
        try:
            self._say(_("pdf:    {path}").format(path=write_pdf(html, html.with_suffix(".pdf"))))
        except PdfUnavailable as exc:
            self._say(error_text(exc, self.lang))

    def do_branch(self, arg: str) -> None:
        """A new session from this one's records before a time (help text: COMMAND_HELP)."""
        words, why = _split(arg)
        if len(words) != 2:
            raise InputError.single("branch", "", _("give a time (h:mm) and a new file name"))
        new = self.session.branch(Path(words[1]), at_s=parse_hmm(words[0]), rationale=why)
        self.session.close()
        self.session = new
        self._say(_("now on branch {path} at {time}").format(path=new.path,
                                                             time=format_hmm(new.now)))

    def do_quit(self, arg: str) -> bool:
        """Leave; everything is saved already (help text: COMMAND_HELP)."""
        self._say(_("session saved: {path}").format(path=self.session.path))
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:
        """End of input: leave."""
        return self.do_quit(arg)
