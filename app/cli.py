"""The ``muster`` command line: run, validate and list scenarios.

Every user error ends in one clear message (file, field, what to do) and exit code 2,
never a traceback; outputs are written to a temporary folder and moved into place only
when complete, so a failed run leaves nothing half written.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint import __version__
from musterpoint.atomic import atomic_folder
from musterpoint.compare_cmd import register
from musterpoint.display.i18n import _, current_language, language, language_code
from musterpoint.drill_cmd import register as register_drill
from musterpoint.new_cmd import register as register_new
from musterpoint.plan_doc_cmd import register as register_plan_doc
from musterpoint.scenarios.errors import InputError, MusterError, Problem
from musterpoint.tiles_args import add_tiles_arguments, check_tiles_arguments

if TYPE_CHECKING:
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

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
    r.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="language of the report, map and printed summary (default: "
                   "$MUSTER_LANG, else en)")
    r.add_argument("--pdf", action="store_true",
                   help="also print report.pdf (A4, needs Chromium)")
    r.add_argument("--force", action="store_true", help="replace an existing --out folder")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--catalog", type=Path, default=None,
                   help="results catalog (default: $MUSTER_CATALOG, else "
                   "./muster-runs/catalog.sqlite)")
    r.add_argument("--no-catalog", action="store_true", help="do not record the run")
    r.add_argument("--no-bound", action="store_true",
                   help="skip the flow-over-time bound (the best any plan could do)")
    r.add_argument("--suggest-plan", action="store_true",
                   help="also write a staged plan derived from the bound")
    r.add_argument("--no-cache", action="store_true",
                   help="build the scenario's world from its files, without reading or "
                   "writing the world cache ($MUSTER_CACHE_DIR)")

    v = sub.add_parser("validate", help="check scenario and plan files without running")
    v.add_argument("files", nargs="+", type=Path,
                   help="scenario files (or bundled names) and plan files")

    sub.add_parser("scenarios", help="list the bundled scenarios")
    p.set_defaults(handlers={**register(sub), **register_drill(sub), **register_new(sub),
                             **register_plan_doc(sub)})
    return p


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
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
            lines.append(_("warning: {message}").format(message=w))
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
    from musterpoint.scenarios.loader import load_scenario, resolve_scenario
    from musterpoint.sim.drill.checks import check_standard_names
    from musterpoint.world_cache import world_for

    if args.seed < 0:
        raise InputError.single("--seed", "", "the seed must be a non-negative integer")
    check_tiles_arguments(args)
    if args.pdf and args.no_report:
        raise InputError.single("--pdf", "", "the PDF is printed from the report; drop --no-report")
    loaded = load_scenario(resolve_scenario(args.scenario))
    plan = loaded.plan(args.plan)
    out: Path = args.out or _default_out(loaded.scenario.name, plan.name, args.seed)
    _check_out(out, args.force)
    t0 = time.perf_counter()
    world = world_for(loaded, cache=not args.no_cache)
    problems = check_standard_names(world, plan)
    if problems:
        raise InputError(problems)
    result = _simulate_with_progress(world, plan, args)
    bound = None
    if not args.no_bound:
        from musterpoint.bound_step import attach_bound

        bound = attach_bound(result, world, plan)
    result.meta["language"] = current_language()
    with atomic_folder(out) as tmp:
        result.save(tmp)
        if not args.no_map:
            from musterpoint.maps import write_run_map

            write_run_map(result, tmp / "map.html", args.tiles, args.tiles_attribution)
        if not args.no_report:
            from musterpoint.reports import write_run_report

            write_run_report(result, tmp / "report.html")
            if args.pdf:
                from musterpoint.reports.pdf import pdf_beside

                pdf_beside(tmp / "report.html")
        from musterpoint.gis_export import write_gis

        write_gis(result, tmp)  # run.gpkg and *.geo.parquet (about 0.5 s on the default run)
        if args.suggest_plan and bound is not None:
            from musterpoint.bound_step import write_suggestion

            write_suggestion(result, world, plan, bound, tmp)
    if not args.no_catalog:
        from musterpoint.compare_cmd import record_run

        record_run(result, out, args.catalog)
    from musterpoint.reports.run_summary import reason_lines

    _summary(result.kpis, out, time.perf_counter() - t0, args,
             reason_lines(result, current_language()))
    return 0


def _simulate_with_progress(world: World, plan: Plan,
                            args: argparse.Namespace) -> RunResult:
    from musterpoint.sim.drill.checks import run_script_problems
    from musterpoint.sim.engine import new_run

    progress: Callable[[float], None] | None = None
    show = not args.no_progress and sys.stderr.isatty()
    if show:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("simulating"), BarColumn(),
                       TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                       transient=True)
        task = bar.add_task("sim", total=1.0)

        def progress(f: float) -> None:
            bar.update(task, completed=f)

    run = new_run(world, plan, args.seed, record_link_events=args.link_events,
                  progress=progress)
    # the exercise script is part of the scenario: a broken one is refused here as in drill
    problems = run_script_problems(world, run)
    if problems:
        raise InputError(problems)
    if not show:
        return run.run()
    with bar:
        return run.run()


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
    """Entry point of the ``muster`` command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    command = args.command or "run"
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    # --lang, else $MUSTER_LANG, else English: the printed lines, the map and the report
    lang = language_code(getattr(args, "lang", None) or os.environ.get("MUSTER_LANG"))
    if getattr(args, "lang", "") is None:
        args.lang = lang
    with language(lang):
        return _dispatch(command, args)


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
        print(_("error: {message}").format(message=exc), file=sys.stderr)
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
