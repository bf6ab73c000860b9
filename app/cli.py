"""The ``muster`` command line: run, validate and list scenarios.

Every user error ends in one clear message (file, field, what to do) and exit code 2,
never a traceback; outputs are written to a temporary folder and moved into place only
when complete, so a failed run leaves nothing half written.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from musterpoint import __version__
from musterpoint.compare_cmd import register
from musterpoint.display.i18n import N_, _, current_language, language, language_code, tr
from musterpoint.display.input_text import error_text, warning_text
from musterpoint.drill_cmd import register as register_drill
from musterpoint.new_cmd import register as register_new
from musterpoint.plan_doc_cmd import register as register_plan_doc
from musterpoint.progress import add_progress_argument, command_progress
from musterpoint.run_pipeline import OutputWriter, RunOptions, run_pipeline
from musterpoint.scenarios.errors import InputError, MusterError, Problem
from musterpoint.start_up_gc import StartUpCollector
from musterpoint.studio_cmd import register as register_studio
from musterpoint.tiles_args import add_tiles_arguments, check_tiles_arguments

if TYPE_CHECKING:
    from musterpoint.progress import CommandProgress
    from musterpoint.scenarios.loader import LoadedScenario
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.result import RunResult

__all__ = ["main"]

logger = logging.getLogger("musterpoint.cli")

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="muster",
        description="musterpoint: test evacuation and relief plans on real road networks.",
    )
    p.add_argument("--version", action="version", version=f"musterpoint {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = p.add_subparsers(dest="command")

    r = sub.add_parser("run", help="simulate a scenario under a plan")
    r.add_argument("scenario", nargs="?", default=None,
                   help="scenario file, folder or bundled name (default: the bundled default)")
    r.add_argument("--plan", default=None, help="plan name (default: the scenario's default)")
    r.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    r.add_argument("--out", type=Path, default=None,
                   help="output folder (default: a new folder under ./muster-runs)")
    r.add_argument("--link-events", action="store_true",
                   help="also log every link entry and exit in events.parquet")
    r.add_argument("--no-map", action="store_true", help="skip map.html")
    add_tiles_arguments(r)
    r.add_argument("--no-report", action="store_true", help="skip report.html")
    r.add_argument("--no-gis", action="store_true",
                   help="skip the GIS files (run.gpkg and *.geo.parquet); the tables are "
                   "written all the same")
    r.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of the report, map and printed summary (default: "
                   "$MUSTER_LANG, else en)")
    r.add_argument("--pdf", action="store_true",
                   help="also print report.pdf (A4, needs Chromium)")
    r.add_argument("--force", action="store_true", help="replace an existing --out folder")
    add_progress_argument(r)
    r.add_argument("--catalog", type=Path, default=None,
                   help="results catalog (default: $MUSTER_CATALOG, else "
                   "./muster-runs/catalog.sqlite)")
    r.add_argument("--no-catalog", action="store_true", help="do not record the run")
    r.add_argument("--no-bound", action="store_true",
                   help="skip the flow-over-time bound (the best any plan could do)")
    r.add_argument("--suggest-plan", action="store_true",
                   help="propose changes (staging, contraflow on bottleneck streets, shelter "
                   "assignment), test each on 5 common seeds, and write the plan with those "
                   "that help (suggestions.json, suggested-plan.yaml)")
    r.add_argument("--no-cache", action="store_true",
                   help="build the scenario's world from its files, without reading or "
                   "writing the world cache ($MUSTER_CACHE_DIR)")

    v = sub.add_parser("validate", help="check scenario and plan files without running")
    v.add_argument("files", nargs="+", type=Path,
                   help="scenario files (or bundled names) and plan files")

    sub.add_parser("scenarios", help="list the bundled scenarios")
    p.set_defaults(handlers={**register(sub), **register_drill(sub), **register_new(sub),
                             **register_plan_doc(sub), **register_studio(sub)})
    return p


class _ReaderFormatter(logging.Formatter):
    """Log lines for the person at the terminal: level and message in the run's language.

    The library logs English sentences with their figures (records stay structured for
    other handlers); a known warning is shown translated (:func:`warning_text`).
    """

    LEVELS: ClassVar[dict[int, str]] = {logging.DEBUG: N_("DEBUG"), logging.INFO: N_("INFO"),
                                        logging.WARNING: N_("WARNING"),
                                        logging.ERROR: N_("ERROR"),
                                        logging.CRITICAL: N_("CRITICAL")}

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format(self, record: logging.LogRecord) -> str:
        """``LEVEL: message``, translated when the message is a known sentence."""
        level = self.LEVELS.get(record.levelno)
        name = tr(self.lang, level) if level else record.levelname
        text = tr(self.lang, N_("{level}: {message}")).format(
            level=name, message=warning_text(record.getMessage(), self.lang))
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _setup_logging(verbose: bool, lang: str = "en") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ReaderFormatter(lang))
    root = logging.getLogger("musterpoint")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    root.propagate = False


def _cmd_scenarios() -> int:
    from musterpoint.scenarios.loader import bundled_scenarios, load_scenario

    for name, path in bundled_scenarios().items():
        ls = load_scenario(path)
        sc = ls.scenario
        title = sc.title.en + (f" / {sc.title.zh}" if sc.title.zh else "")
        plans = _("plans: {names}").format(names=", ".join(ls.plans))
        print(f"{name}\t{title}\t{plans}\t({path})")
    return 0


def _scenario_file(f: Path, bundled: dict[str, Path]) -> Path:
    """A bundled scenario's name, a scenario folder (its scenario.yaml) or a file, as given."""
    if not f.exists():
        return bundled.get(str(f), f)
    if f.is_dir() and (f / "scenario.yaml").is_file():
        return f / "scenario.yaml"
    return f


def _cmd_validate(files: list[Path]) -> int:
    """Check files as ``run`` would, up to the start of the simulation (world and runs)."""
    from musterpoint.scenarios.loader import bundled_scenarios, check_files
    from musterpoint.sim.drill.checks import check_scenario

    bundled = bundled_scenarios()
    checked = check_files([_scenario_file(f, bundled) for f in files])
    problems: list[Problem] = []
    lines: list[str] = []
    for ls in checked.scenarios:
        try:
            res = check_scenario(ls)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        for w in res.warnings:
            lines.append(_("warning: {message}").format(message=warning_text(w)))
        lines.append(_("{path}: scenario {name} with plans {plans}: OK (world built, every "
                       "plan's run set up)").format(path=ls.path, name=repr(ls.scenario.name),
                                                     plans=", ".join(ls.plans)))
    for path, plan in checked.plans:
        lines.append(_("{path}: plan {name}: OK (schema only; give its scenario too to check "
                       "it against the world)").format(path=path, name=repr(plan.name)))
    if problems:
        raise InputError(problems)
    for line in lines:
        print(line)
    return 0


def _check_out(out: Path, force: bool) -> None:
    """Refuse an output folder that cannot be written, before anything is simulated."""
    name = str(out)
    if out.exists() and not out.is_dir():
        raise InputError.single(name, "--out", "is a file, not a folder; choose a folder name")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError.single(name, "--out",
                                "folder exists and is not empty; choose another or add --force")
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError.single(name, "--out", f"{parent} is a file, not a folder; choose "
                                "another place for the results")
    try:  # the one sure test: create (and remove) a folder where the results will go
        os.rmdir(tempfile.mkdtemp(prefix=".muster-check.", dir=parent))
    except OSError as exc:
        raise InputError.single(name, "--out", f"cannot create folders in {parent} "
                                f"({exc.strerror}); choose a writable place") from exc
    try:
        name_max = os.pathconf(parent, "PC_NAME_MAX")
        path_max = os.pathconf(parent, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    # the results are written to a hidden ".<name>.xxxxxxxx" folder beside --out first
    longest = max(len(os.fsencode(part)) for part in out.absolute().parts)
    if longest + 10 > name_max:
        raise InputError.single(name, "--out", f"a folder name is longer than {name_max - 10} "
                                "bytes; choose a shorter name (or give --out)")
    if len(os.fsencode(str(out.absolute()))) + 10 > path_max:
        raise InputError.single(name, "--out", f"the path is longer than {path_max - 10} "
                                "bytes; choose a shorter one")


def _default_out(scenario: str, plan: str, seed: int) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("muster-runs") / f"{scenario}-{plan}-seed{seed}-{stamp}"


def _cmd_run(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise InputError.single("--seed", "", "the seed must be a non-negative integer")
    check_tiles_arguments(args)
    if args.pdf and args.no_report:
        raise InputError.single("--pdf", "", "the PDF is printed from the report; drop --no-report")
    if args.suggest_plan and args.no_bound:
        raise InputError.single("--suggest-plan", "", "the suggestions are read from the flow "
                                "bound; drop --no-bound")
    with ExitStack() as stack:
        collector = stack.enter_context(StartUpCollector())
        collector.pause()  # until the simulation starts, but for the fork
        from musterpoint.scenarios.loader import load_scenario, resolve_scenario

        loaded = load_scenario(resolve_scenario(args.scenario))
        plan = loaded.plan(args.plan)
        out: Path = args.out or _default_out(loaded.scenario.name, plan.name, args.seed)
        _check_out(out, args.force)
        t0 = time.perf_counter()
        options = RunOptions(seed=args.seed, lang=current_language(),
                             link_events=args.link_events, write_map=not args.no_map,
                             write_report=not args.no_report, write_gis=not args.no_gis,
                             pdf=args.pdf, bound=not args.no_bound,
                             suggest_plan=args.suggest_plan, cache=not args.no_cache,
                             tiles=args.tiles, tiles_attribution=args.tiles_attribution,
                             record=not args.no_catalog, catalog=args.catalog)
        # what both processes need (the tables are Parquet), before the fork
        import pyarrow.parquet  # noqa: F401

        import musterpoint.sim.result  # noqa: F401
        from musterpoint.output_process import OutputProcess

        # forked before the World and the progress display's thread: it imports what
        # writes the map, report and GIS files while this process simulates; with the
        # collector on, as before
        collector.resume()
        early = OutputProcess.start(options)
        if early is not None:
            stack.enter_context(early)
        collector.pause()
        with command_progress(args) as progress:
            result = _run_with_progress(loaded, plan, out, options, progress,
                                        early.write if early is not None else None,
                                        collector)
    from musterpoint.reports.run_summary import reason_lines

    _summary(result.kpis, out, time.perf_counter() - t0, args,
             reason_lines(result, current_language()))
    if (out / "suggestions.json").is_file():
        import json

        from musterpoint.suggest_step import suggestion_lines

        found = json.loads((out / "suggestions.json").read_text(encoding="utf-8"))
        for line in suggestion_lines(found, out, current_language()):
            print(line)
    return 0


def _run_with_progress(loaded: LoadedScenario, plan: Plan, out: Path, options: RunOptions,
                       progress: CommandProgress,
                       outputs: OutputWriter | None = None,
                       collector: StartUpCollector | None = None) -> RunResult:
    """:func:`run_pipeline`, each of its stages shown as a step of ``progress`` (and the
    ``collector`` resumed when the simulation starts)."""
    with ExitStack() as stack:
        current: dict[str, Any] = {}

        def tell(stage: str, fraction: float) -> None:
            if current.get("stage") != stage:
                if collector is not None and stage != "world":
                    collector.resume()
                stack.close()
                current["stage"] = stage
                total = 1.0 if stage in ("simulate", "suggest") else None
                current["step"] = stack.enter_context(progress.step(stage, total))
            if fraction > 0.0 and current["step"] is not None:
                current["step"].update(fraction)

        return run_pipeline(loaded, plan, out, options, tell, outputs=outputs)


def _hm(s: float | None) -> str:
    if s is None:
        return _("not reached")
    m = round(s / 60.0)
    return f"{m // 60}:{m % 60:02d}"


def _summary(kpis: Mapping[str, Any], out: Path, wall: float, args: argparse.Namespace,
             why: Sequence[str] = ()) -> None:
    e = kpis["evacuation"]
    if e["evacuees"]:
        print(_("evacuees {evacuees:,}: arrived {arrived:,}, stranded {stranded:,}, en route "
                "{en_route:,}, never departed {never_departed:,}, sheltering in place "
                "{sheltering:,}").format(
                    evacuees=e["evacuees"], arrived=e["arrived"], stranded=e["stranded"],
                    en_route=e["en_route"], never_departed=e["never_departed"],
                    sheltering=e.get("sheltering_in_place", 0)))
        print(_("ETE50 {ete50}  ETE90 {ete90}  ETE100 {ete100}  (h:mm after the first order)")
              .format(ete50=_hm(e["ete50_s"]), ete90=_hm(e["ete90_s"]),
                      ete100=_hm(e["ete100_s"])))
        if why:
            print(_("not at a shelter, and why:"))
            for line in why:
                print(f"  {line}")
    else:
        print(_("nobody is ordered out in this plan"))
    others = [k for k in kpis if k not in ("evacuation", "traffic", "ledger")]
    if others:
        print(_("also in kpis.json: {names}").format(names=", ".join(others)))
    print(_("wall time {seconds:.1f} s").format(seconds=wall))
    print(_("results: {path}").format(path=out))
    if not args.no_map:
        print(_("map:     {path}").format(path=out / "map.html"))
    if not args.no_report:
        print(_("report:  {path}").format(path=out / "report.html"))
    if (out / "report.pdf").exists():
        print(_("pdf:     {path}").format(path=out / "report.pdf"))
    if (out / "run.gpkg").exists():
        print(_("GIS:     {path} (and *.geo.parquet), EPSG:4326").format(path=out / "run.gpkg"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``muster`` command; returns the exit code.

    Called without ``argv`` (the ``muster`` executable, ``python -m musterpoint``), the
    process is about to exit: every object left is moved out of the garbage collector's
    reach (:func:`gc.freeze`), so that the interpreter does not walk the run's millions
    of objects once more on the way out (1.3 s after a run of the default scenario).
    After ``muster run`` it then ends at once (:func:`_end_process`) instead of freeing
    them one by one (40 ms after the default run); this call does not return then, unless
    a profiler or a tracer watches the process (pyinstrument, cProfile, coverage: they
    write their findings at the interpreter's exit).
    """
    command, code = _main(argv)
    if argv is None:
        gc.freeze()
        if command == "run" and sys.getprofile() is None and sys.gettrace() is None:
            _end_process(code)
    return code


def _end_process(code: int) -> None:
    """End the process with ``code`` without tearing down its objects and modules.

    What the interpreter's exit would do that matters is done first: the standard
    streams and the log handlers are flushed (:func:`logging.shutdown`, the one exit
    handler of ``muster run`` besides two of pyarrow and certifi that have nothing to
    release); ``muster run`` has joined its threads and processes and closed its files
    by then.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``muster run | head``)
            pass
    logging.shutdown()
    os._exit(code)


def _main(argv: Sequence[str] | None) -> tuple[str, int]:
    parser = _parser()
    args = parser.parse_args(argv)
    command = args.command or "run"
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    # --lang, else $MUSTER_LANG, else English: the printed lines, the map and the report
    lang = language_code(getattr(args, "lang", None) or os.environ.get("MUSTER_LANG"))
    _setup_logging(args.verbose, lang)
    if getattr(args, "lang", "") is None:
        args.lang = lang
    with language(lang):
        return command, _dispatch(command, args)


def _dispatch(command: str, args: argparse.Namespace) -> int:
    """Run one command in the current language; turn errors into messages and exit codes."""
    try:
        if command == "scenarios":
            return _cmd_scenarios()
        if command == "validate":
            return _cmd_validate(args.files)
        if command in args.handlers:
            return int(args.handlers[command](args))
        return _cmd_run(args)
    except MusterError as exc:
        print(_("error: {message}").format(message=error_text(exc)), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:  # an internal bug: no traceback on screen, but kept
        from musterpoint.crash_log import write_crash_log

        log = write_crash_log(traceback.format_exc())
        where = (_("The details are in {path}").format(path=log) if log
                 else _("The details could not be saved"))
        print(_("internal error: {kind}: {message}\nThis is a bug in musterpoint. {where}; "
                "please report it.").format(kind=type(exc).__name__, message=exc, where=where),
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
