"""The ``muster drill`` and ``muster drill-report`` commands, and the terminal console.

``muster drill SCENARIO --plan P`` starts a drill session (a new SQLite session file, or
the one ``--session`` names, which resumes where its last recorded command left it) and
serves the web console on http://127.0.0.1:8765/. ``--terminal`` runs the same session
in a text console instead (``step``, ``inject``, ``decide``, ``status``, ...), for rooms
without a browser (:mod:`musterpoint.drill_terminal`). ``muster drill-report SESSION``
writes the after-action report of a session file without serving anything.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint.display.i18n import _
from musterpoint.display.input_text import error_text, warning_text
from musterpoint.display.timefmt import format_hmm
from musterpoint.drill_terminal import DrillTerminal, parse_hmm
from musterpoint.drill_terminal_text import SERVE_ENDINGS
from musterpoint.progress import add_progress_argument, command_progress
from musterpoint.scenarios.errors import InputError
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
                problems.append(_("scenario {name}").format(name=repr(name)))
        if args.plan is not None and args.plan != meta["plan"]:
            problems.append(_("plan {name}").format(name=repr(args.plan)))
        if args.seed is not None and args.seed != meta["seed"]:
            problems.append(_("seed {seed}").format(seed=args.seed))
        if problems:
            session.close()
            raise InputError.single(str(args.session), "--session", _(
                "this session was recorded with scenario {scenario}, plan {plan}, seed "
                "{seed}, not {given}; leave those out to resume it").format(
                    scenario=repr(meta["scenario"]), plan=repr(meta["plan"]), seed=meta["seed"],
                    given=", ".join(problems)))
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
    print(_("session: {path} ({n} records; at {time}, paused)").format(
        path=session.path, n=n, time=format_hmm(session.now)), flush=True)
    for w in session.warnings:
        print(_("warning: {message}").format(message=warning_text(w)), file=sys.stderr)
    if args.terminal:
        term = DrillTerminal(session)
        try:
            with sigterm_raises():
                term.cmdloop()
        except Terminated:
            print(_("terminated (SIGTERM); session saved: {path}").format(
                path=term.session.path), flush=True)
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
        raise InputError.single("--port", "", _(
            "cannot serve on {host}:{port} ({reason}); choose another --port").format(
                host=args.host, port=args.port, reason=exc)) from exc
    except BaseException:
        session.close()
        raise
    if not server.loopback:
        print(_("note: serving on {host}; every request needs the access token").format(
            host=args.host), file=sys.stderr)
    print(_("console: {url}").format(url=server.url), flush=True)
    how = serve_in_foreground(server)
    ending = _(SERVE_ENDINGS[how]) if how in SERVE_ENDINGS else how
    print(_("{ending}; session saved: {path}").format(ending=ending, path=server.session.path),
          flush=True)
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
    print(_("report: {path}").format(path=html))
    if args.pdf:
        try:
            print(_("pdf:    {path}").format(path=write_pdf(html, html.with_suffix(".pdf"))))
        except PdfUnavailable as exc:
            print(error_text(exc), file=sys.stderr)
    return 0
