"""The ``muster drill`` and ``muster drill-report`` commands, and the terminal console.

``muster drill SCENARIO --plan P`` starts a drill session (a new SQLite session file, or
the one ``--session`` names, which resumes where its last recorded command left it) and
serves the web console on http://127.0.0.1:8765/. ``--terminal`` runs the same session
in a text console instead (``step``, ``inject``, ``decide``, ``status``, ...), for rooms
without a browser. ``muster drill-report SESSION`` writes the after-action report of a
session file without serving anything.
"""

from __future__ import annotations

import argparse
import cmd
import json
import logging
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from musterpoint.display.timefmt import format_clock, format_hmm
from musterpoint.progress import add_progress_argument, command_progress
from musterpoint.scenarios.errors import InputError, MusterError
from musterpoint.serve_cmd import (
    Terminated,
    add_serving_arguments,
    serve_in_foreground,
    sigterm_raises,
)

if TYPE_CHECKING:  # the engine is imported where a command needs it: `muster --help` stays fast
    from musterpoint.sim.drill import DrillSession

__all__ = ["DrillTerminal", "parse_hmm", "register"]

logger = logging.getLogger("musterpoint.drill")

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> dict[str, Handler]:
    """Add ``drill`` and ``drill-report`` to the ``muster`` parser; return their handlers."""
    d = subparsers.add_parser(
        "drill", help="run a tabletop drill: live map console (or --terminal), injects, "
        "decisions, after-action report")
    d.add_argument("scenario", nargs="?", default=None,
                   help="scenario file, folder or bundled name (default: the bundled "
                        "default; optional with an existing --session)")
    d.add_argument("--plan", default=None, help="plan name (default: the scenario's default)")
    d.add_argument("--seed", type=int, default=None, help="random seed (default 1)")
    d.add_argument("--session", type=Path, default=None,
                   help="session file: resumed if it exists, else created (default: a new "
                        "file under ./muster-drills)")
    add_serving_arguments(d, 8765)
    d.add_argument("--terminal", action="store_true",
                   help="text console on this terminal instead of the web console")
    d.add_argument("--lang", choices=("en", "zh"), help="console language ($MUSTER_LANG, en)")
    d.add_argument("--tiles", default=None, metavar="URL",
                   help="base-map tile URL template (default OpenStreetMap)")
    d.add_argument("--no-tiles", action="store_true",
                   help="no base map (fully offline console)")

    r = subparsers.add_parser("drill-report",
                              help="write the after-action report of a drill session")
    r.add_argument("session", type=Path, help="the drill session file (.sqlite)")
    r.add_argument("--out", type=Path, default=None,
                   help="output folder (default: next to the session file)")
    r.add_argument("--lang", choices=("en", "zh"), help="report language ($MUSTER_LANG, en)")
    r.add_argument("--pdf", action="store_true", help="also print it to PDF (needs Chromium)")
    r.add_argument("--max-attributions", type=int, default=12,
                   help="most decisions whose effect is replayed one by one (default 12)")
    add_progress_argument(r)
    return {"drill": _cmd_drill, "drill-report": _cmd_report}


def parse_hmm(text: str) -> float:
    """Seconds from ``h:mm`` (or a number of minutes).

    Raises
    ------
    InputError
        When the text is neither.
    """
    t = text.strip()
    if ":" in t:
        h, _, m = t.partition(":")
        if h.isdigit() and m.isdigit() and len(m) <= 2:
            return (int(h) * 60 + int(m)) * 60.0
    else:
        try:
            return float(t) * 60.0
        except ValueError:
            pass
    raise InputError.single("time", "", f"give h:mm or minutes, not {text!r}")


def _open_session(args: argparse.Namespace) -> DrillSession:
    from musterpoint.sim.drill import DrillSession
    if args.session is not None and args.session.exists():
        session = DrillSession.open(args.session)
        meta = session.store.meta
        problems = []
        if args.scenario is not None:
            from musterpoint.scenarios.loader import load_scenario, resolve_scenario

            name = load_scenario(resolve_scenario(args.scenario)).scenario.name
            if name != meta["scenario"]:
                problems.append(f"scenario {name!r}")
        if args.plan is not None and args.plan != meta["plan"]:
            problems.append(f"plan {args.plan!r}")
        if args.seed is not None and args.seed != meta["seed"]:
            problems.append(f"seed {args.seed}")
        if problems:
            session.close()
            raise InputError.single(str(args.session), "--session", f"this session was "
                                    f"recorded with scenario {meta['scenario']!r}, plan "
                                    f"{meta['plan']!r}, seed {meta['seed']}, not "
                                    f"{', '.join(problems)}; leave those out to resume it")
        return session
    from musterpoint.scenarios.loader import load_scenario, resolve_scenario

    loaded = load_scenario(resolve_scenario(args.scenario))
    plan = loaded.plan(args.plan)
    seed = 1 if args.seed is None else args.seed
    path = args.session or Path("muster-drills") / (
        f"{loaded.scenario.name}-{plan.name}-seed{seed}-{time.strftime('%Y%m%d-%H%M%S')}.sqlite")
    return DrillSession.create(path, None, plan.name, seed, loaded=loaded)


def _cmd_drill(args: argparse.Namespace) -> int:
    if args.token is not None:
        from musterpoint.console.security import check_token

        check_token(args.token)  # before the session is opened and replayed
    session = _open_session(args)
    n = session.last_seq()
    print(f"session: {session.path} ({n} records; at {format_hmm(session.now)}, paused)",
          flush=True)
    for w in session.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.terminal:
        term = DrillTerminal(session)
        try:
            with sigterm_raises():
                term.cmdloop()
        except Terminated:
            print(f"terminated (SIGTERM); session saved: {term.session.path}", flush=True)
        finally:
            term.session.close()
        return 0
    from musterpoint.console import DrillServer
    from musterpoint.maps.drill_console import OSM_TILES

    tiles = None if args.no_tiles else (args.tiles or OSM_TILES)
    try:
        server = DrillServer(session, args.host, args.port, token=args.token, tiles=tiles,
                             lang=args.lang, allow_hosts=args.allow_host)
    except OSError as exc:
        session.close()
        raise InputError.single("--port", "", f"cannot serve on {args.host}:{args.port} "
                                f"({exc}); choose another --port") from exc
    except BaseException:
        session.close()
        raise
    if not server.loopback:
        print(f"note: serving on {args.host}; every request needs the access token",
              file=sys.stderr)
    print(f"console: {server.url}", flush=True)
    how = serve_in_foreground(server)
    print(f"{how}; session saved: {server.session.path}", flush=True)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from musterpoint.reports.after_action import PdfUnavailable, write_after_action, write_pdf
    from musterpoint.sim.drill import DrillSession, after_action
    session = DrillSession.open(args.session)
    try:
        with command_progress(args) as progress, progress.step("replay"):
            aar = after_action(session, max_attributions=max(0, args.max_attributions))
    finally:
        session.close()
    out = args.out or args.session.parent
    html = write_after_action(aar, out / f"{args.session.stem}-after-action.html", args.lang)
    print(f"report: {html}")
    if args.pdf:
        try:
            print(f"pdf:    {write_pdf(html, html.with_suffix('.pdf'))}")
        except PdfUnavailable as exc:
            print(str(exc), file=sys.stderr)
    return 0


# ---------------------------------------------------------------------- terminal
def _split(line: str) -> tuple[list[str], str]:
    """``words -- rationale`` into shell-like words and the free text after ``--``."""
    head, sep, tail = line.partition(" -- ")
    if not sep and line.strip().startswith("--"):
        head, tail = "", line.strip()[2:]
    try:
        words = shlex.split(head)
    except ValueError as exc:
        raise InputError.single("command", "", f"cannot read it: {exc}") from exc
    return words, tail.strip()


class DrillTerminal(cmd.Cmd):
    """A text console over a drill session (the web console's controls, typed).

    Parameters
    ----------
    session : DrillSession
        The drill.
    stdin, stdout : file objects, optional
        Where commands come from and where answers go (default the terminal).
    """

    intro = ("musterpoint drill console. Type 'help' for the commands, 'status' for the "
             "figures, 'quit' to leave (the session is saved as you go).")

    def __init__(self, session: DrillSession, stdin: IO[str] | None = None,
                 stdout: IO[str] | None = None) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        if stdin is not None:
            self.use_rawinput = False
        self.session = session
        self._prompt()

    # -------------------------------------------------------------- helpers
    def _say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def _prompt(self) -> None:
        self.prompt = f"drill {format_hmm(self.session.now)}> "

    def onecmd(self, line: str) -> bool:
        """Run one command; input errors are reported, never raised."""
        try:
            stop = super().onecmd(line)
        except MusterError as exc:
            self._say(f"error: {exc}")
            stop = False
        self._prompt()
        return bool(stop)

    def emptyline(self) -> bool:
        """An empty line does nothing (not: repeat the last command)."""
        return False

    def default(self, line: str) -> None:
        """Unknown commands."""
        self._say(f"unknown command {line.split()[0]!r}; type 'help'")

    def _records(self, recs: list[Any]) -> None:
        for r in recs:
            if r.type == "clock" and r.kind in ("tick", "settings"):
                continue
            self._say("  " + self._describe(r))

    def _describe(self, r: Any) -> str:
        what = r.kind or ""
        if r.type == "inject":
            title = r.title or "inject"
            what = f"{title}" + (f" -> {r.kind} {json.dumps(r.args, ensure_ascii=False)}"
                                 if r.kind else "")
        elif r.type == "decision":
            what = f"{r.kind} {json.dumps(r.args, ensure_ascii=False)}"
        elif r.type == "note":
            what = f"[{r.title}] {r.rationale}"
        elif r.type == "clock":
            what = f"clock {r.kind} {json.dumps(r.args)}" if r.args else f"clock {r.kind}"
        tail = f" -- {r.rationale}" if r.rationale and r.type != "note" else ""
        actor = f" [{r.actor}]" if r.actor else ""
        return f"#{r.seq} {format_hmm(r.sim_time_s)} {r.role}: {what}{tail}{actor}"

    def _announce(self, recs: list[Any]) -> None:
        script = {s.inject.id: s.inject for s in self.session.script}
        for r in recs:
            if r.type == "inject" and r.inject_id in script:
                inj = script[r.inject_id]
                self._say(f"*** INJECT {format_hmm(r.sim_time_s)} {inj.title.en}"
                          + (f" / {inj.title.zh}" if inj.title.zh else ""))
                if inj.description.en:
                    self._say(f"    {inj.description.en}")
                if inj.expected_action:
                    self._say(f"    expected action: {inj.expected_action.en}")

    def _command(self, words: list[str]) -> tuple[str, dict[str, Any], dict[str, str]]:
        """kind, typed args and the special keys (title, actor) from the words."""
        if not words:
            raise InputError.single("command", "kind", "name a command (see 'commands')")
        kind = "" if words[0] in ("-", "info") else words[0]
        rest = words[1:]
        special: dict[str, str] = {}
        if rest and rest[0].startswith("{"):
            try:
                args = json.loads(" ".join(rest))
            except ValueError as exc:
                raise InputError.single("command", "args", f"not valid JSON: {exc}") from exc
            if not isinstance(args, dict):
                raise InputError.single("command", "args", "give a JSON object")
            return kind, args, special
        raw: dict[str, str] = {}
        for w in rest:
            key, eq, value = w.partition("=")
            if not eq:
                raise InputError.single("command", w, "write arguments as key=value")
            if key in ("title", "actor"):
                special[key] = value
            else:
                raw[key] = value
        spec = self.session.commands().get(kind)
        if kind and spec is None:
            raise InputError.single("command", "kind", f"unknown command {kind!r}; "
                                    f"known: {sorted(self.session.commands())}")
        from musterpoint.sim.drill import coerce_args
        return kind, coerce_args(spec, raw), special

    # -------------------------------------------------------------- commands
    def do_status(self, arg: str) -> None:
        """status: the clock and the live figures."""
        c = self.session.clock()
        self._say(f"time {format_hmm(c['now_s'])} of {format_hmm(c['duration_s'])} "
                  f"({format_clock(c['start'], c['timezone'], c['now_s'])} {c['timezone']})"
                  f"{'  ENDED' if c['ended'] else ''}; {c['last_seq']} records")
        for k, v in self.session.kpis().items():
            if k == "time_s":
                continue
            shown = f"{v:,.1f}" if isinstance(v, float) else (f"{v:,}" if isinstance(v, int)
                                                              else str(v))
            self._say(f"  {k:<28} {shown:>12}")

    def do_step(self, arg: str) -> None:
        """step MINUTES [-- rationale]: move the clock on (stops at a due inject)."""
        words, why = _split(arg)
        minutes = parse_hmm(words[0]) / 60.0 if words else 15.0
        recs = self.session.step(minutes, why)
        self._announce(recs)
        self._say(f"now {format_hmm(self.session.now)}")

    def do_run_to(self, arg: str) -> None:
        """run_to H:MM [-- rationale]: move the clock on to a time after the start."""
        words, why = _split(arg)
        if not words:
            raise InputError.single("run_to", "time", "give h:mm")
        recs = self.session.run_to(parse_hmm(words[0]), why)
        self._announce(recs)
        self._say(f"now {format_hmm(self.session.now)}")

    def do_pause_on_inject(self, arg: str) -> None:
        """pause_on_inject on|off: whether stepping stops at scheduled injects."""
        self.session.set_pause_on_inject(arg.strip().lower() not in ("off", "no", "0", "false"))
        self._say(f"pause at injects: {'on' if self.session.pause_on_inject else 'off'}")

    def do_injects(self, arg: str) -> None:
        """injects: the exercise script and what has fired."""
        fired = {d["id"]: d for d in self.session.due_injects()}
        for s in self.session.script:
            inj = s.inject
            state = "fired" if fired[inj.id]["fired_seq"] else "due" if fired[inj.id]["due"] \
                else "upcoming"
            self._say(f"  {format_hmm(s.time_s)} {inj.id:<16} {state:<9} {inj.title.en}"
                      + (f" -> {inj.effect.kind}" if inj.effect else ""))
        if not self.session.script:
            self._say("  (the scenario has no exercise script)")

    def do_fire(self, arg: str) -> None:
        """fire INJECT_ID [-- rationale]: deliver a scheduled inject now."""
        words, why = _split(arg)
        if not words:
            raise InputError.single("fire", "id", "name the inject (see 'injects')")
        rec = self.session.fire(words[0], why)
        self._announce([rec])
        self._say("recorded " + self._describe(rec))

    def do_inject(self, arg: str) -> None:
        """inject KIND key=value ... [title=...] [-- text]: a trainer's inject, now.

        KIND '-' (or 'info') is informational. Lists are comma-separated
        (links=L1,L2); arguments may also be given as one JSON object.
        Example: inject close_links links=L12,L13 title="Bridge X collapsed" -- per police
        """
        words, why = _split(arg)
        kind, args, special = self._command(words)
        rec = self.session.inject(kind, args, title=special.get("title", ""), rationale=why,
                                  actor=special.get("actor", ""))
        self._say("recorded " + self._describe(rec))

    def do_decide(self, arg: str) -> None:
        """decide KIND key=value ... [actor=...] -- rationale: the participants' decision.

        Example: decide open_shelter shelter=pucrs actor=EOC -- north route is cut
        """
        words, why = _split(arg)
        kind, args, special = self._command(words)
        rec = self.session.decide(kind, args, rationale=why, actor=special.get("actor", ""))
        self._say("recorded " + self._describe(rec))

    def do_note(self, arg: str) -> None:
        """note SECTION text: an observation for the report.

        Sections: observation, strength, improvement, execution, plan, coordination,
        personnel, equipment.
        """
        from musterpoint.sim.drill import NOTE_SECTIONS
        section, _, text = arg.strip().partition(" ")
        if section not in NOTE_SECTIONS:
            text, section = arg.strip(), "observation"
        rec = self.session.note(text, section=section)
        self._say("recorded " + self._describe(rec))

    def do_commands(self, arg: str) -> None:
        """commands: the command kinds this drill accepts, with their arguments."""
        for kind, spec in self.session.commands().items():
            args = spec.get("args")
            shown = " ".join(f"{k}=<{v}>" for k, v in args.items()) if args else "{json}"
            self._say(f"  {kind:<18} {shown}   ({spec['label']['en']}; {spec['source']})")

    def do_timeline(self, arg: str) -> None:
        """timeline: every inject, decision, observation and clock action so far."""
        self._records(self.session.records())

    def do_report(self, arg: str) -> None:
        """report [FOLDER] [zh]: write the after-action report (HTML, and PDF if possible)."""
        from musterpoint.reports.after_action import PdfUnavailable, write_after_action, write_pdf
        from musterpoint.sim.drill import after_action
        words = arg.split()
        lang = "zh" if "zh" in words else "en"
        folder = Path(next((w for w in words if w != "zh"), str(self.session.path.parent)))
        self._say("replaying the session with and without the decisions ...")
        aar = after_action(self.session)
        html = write_after_action(aar, folder / f"{self.session.path.stem}-after-action.html",
                                  lang)
        self._say(f"report: {html}")
        try:
            self._say(f"pdf:    {write_pdf(html, html.with_suffix('.pdf'))}")
        except PdfUnavailable as exc:
            self._say(str(exc))

    def do_branch(self, arg: str) -> None:
        """branch H:MM FILE [-- rationale]: a new session from this one's records before
        H:MM, to try another decision; the console switches to it."""
        words, why = _split(arg)
        if len(words) != 2:
            raise InputError.single("branch", "", "give a time (h:mm) and a new file name")
        new = self.session.branch(Path(words[1]), at_s=parse_hmm(words[0]), rationale=why)
        self.session.close()
        self.session = new
        self._say(f"now on branch {new.path} at {format_hmm(new.now)}")

    def do_quit(self, arg: str) -> bool:
        """quit: leave (everything is saved already)."""
        self._say(f"session saved: {self.session.path}")
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:
        """End of input: leave."""
        return self.do_quit(arg)
