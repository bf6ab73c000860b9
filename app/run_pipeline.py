"""The one run pipeline: load → build world → simulate → bound → save → map/report.

``muster run`` (:mod:`musterpoint.cli`) and the planner's studio
(:mod:`musterpoint.studio`) both call :func:`run_pipeline`, so a run started from the
studio writes exactly the folder the command line writes for the same files and seed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint.atomic import atomic_folder
from musterpoint.scenarios.errors import InputError

if TYPE_CHECKING:
    from musterpoint.scenarios.loader import LoadedScenario
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

__all__ = ["STAGES", "OutputWriter", "Progress", "RunOptions", "run_pipeline",
           "write_outputs"]

logger = logging.getLogger(__name__)

#: The pipeline's stages, in order, as reported to a :data:`Progress` callback.
STAGES = ("world", "simulate", "bound", "suggest", "tables", "map", "report", "pdf", "gis",
          "catalog")
#: Progress callback: stage name (one of :data:`STAGES`) and its fraction done (0 to 1).
Progress = Callable[[str, float], None]
#: What writes the map, report and GIS files of a saved run: :func:`write_outputs` or
#: :meth:`musterpoint.output_process.OutputProcess.write` (result, folder, options,
#: progress, suggestions).
OutputWriter = Callable[["RunResult", Path, "RunOptions", Progress, "dict[str, Any] | None"],
                        None]


@dataclass(frozen=True)
class RunOptions:
    """What a run writes besides the tables (the options of ``muster run``).

    Parameters
    ----------
    seed : int
        Random seed.
    lang : str
        Report language (``en`` or ``zh``).
    link_events : bool
        Also log every link entry and exit.
    write_map, write_report, pdf : bool
        Write ``map.html``, ``report.html``, ``report.pdf``.
    write_gis : bool
        Write the GIS files (``run.gpkg`` and ``*.geo.parquet``).
    bound : bool
        Compute the flow-over-time bound.
    suggest_plan : bool
        Also propose changes, test them on common seeds and write those that help.
    cache : bool
        Read and write the world cache.
    tiles, tiles_attribution : str or None
        Base-map tiles of the map (None: no base map).
    record : bool
        Record the run in the results catalog.
    catalog : Path or None
        That catalog (None: the default one).
    """

    seed: int = 1
    lang: str = "en"
    link_events: bool = False
    write_map: bool = True
    write_report: bool = True
    pdf: bool = False
    write_gis: bool = True
    bound: bool = True
    suggest_plan: bool = False
    cache: bool = True
    tiles: str | None = None
    tiles_attribution: str | None = None
    record: bool = True
    catalog: Path | None = None


def _no_progress(stage: str, fraction: float) -> None:
    """The default :data:`Progress` callback: nothing shown."""


def write_outputs(result: RunResult, tmp: Path, options: RunOptions, tell: Progress,
                  suggestions: dict[str, Any] | None = None) -> None:
    """Write the map, the report (and its PDF) and the GIS files of a saved run (those asked for).

    The report and the GIS files are written by forked workers while this process writes
    the map (:mod:`musterpoint.output_workers`; one after the other where forking is not
    possible), in the same files either way.

    Parameters
    ----------
    result : RunResult
        The finished run.
    tmp : Path
        The folder being written (the run's hidden temporary folder).
    options : RunOptions
        What to write (``write_map``, ``write_report``, ``pdf``, tiles, cache).
    tell : Progress
        Told each stage as it starts.
    suggestions : dict, optional
        The suggested plan changes for the report.
    """
    from musterpoint.output_workers import ForkedSteps

    def report() -> None:
        from musterpoint.reports import write_run_report

        write_run_report(result, tmp / "report.html", suggestions)
        if options.pdf:
            from musterpoint.reports.pdf import pdf_beside

            pdf_beside(tmp / "report.html")

    def gis() -> None:
        from musterpoint.gis_export import write_gis

        write_gis(result, tmp)  # run.gpkg and *.geo.parquet (about 0.5 s on the default run)

    steps: dict[str, Callable[[], None]] = {"report": report} if options.write_report else {}
    if options.write_gis:
        steps["gis"] = gis
    if options.write_map:  # imported before the fork: the workers share jinja2, shapely...
        from musterpoint.map_step import write_map
        from musterpoint.maps import run_map  # noqa: F401
    with ForkedSteps(steps) as workers:
        if options.write_map:
            tell("map", 0.0)
            write_map(result, tmp / "map.html", options.tiles, options.tiles_attribution,
                      cache=options.cache)
        if options.write_report:
            tell("report", 0.0)
            workers.wait("report")
            if options.pdf:
                tell("pdf", 0.0)
        if options.write_gis:
            tell("gis", 0.0)
            workers.wait("gis")


def run_pipeline(loaded: LoadedScenario, plan: Plan, out: Path, options: RunOptions,
                 progress: Progress | None = None, world: World | None = None,
                 outputs: OutputWriter | None = None) -> RunResult:
    """Simulate ``plan`` on ``loaded`` and write the complete result folder ``out``.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario with its plans.
    plan : Plan
        The plan to run (one of ``loaded.plans``).
    out : Path
        Result folder; written all at once (:func:`~musterpoint.atomic.atomic_folder`),
        replacing an old one. The caller checks that it may be written.
    options : RunOptions
        Seed and what to write.
    progress : Progress, optional
        Told each stage as it starts (fraction 0) and the simulation's progress.
    world : World, optional
        The World of ``loaded`` already in memory (the studio's spare worker loads it
        before the job comes, and passes it only when the world cache's key of ``loaded``
        is still the one it was loaded under); None loads it from the cache or builds it.
    outputs : OutputWriter, optional
        Writes the map, report and GIS files once the tables are saved (``muster run``
        passes its :class:`~musterpoint.output_process.OutputProcess`'s); default
        :func:`write_outputs`, in this process.

    Returns
    -------
    RunResult
        The run, as saved.

    Raises
    ------
    InputError
        For standards or an exercise script that do not fit the world.
    """
    from musterpoint.derived_cache import remember, run_key
    from musterpoint.sim.drill.checks import check_standard_names, run_script_problems
    from musterpoint.sim.engine import new_run
    from musterpoint.world_cache import world_for, world_key

    tell = progress or _no_progress
    tell("world", 0.0)
    key = world_key(loaded) if options.cache else None  # once: it hashes every input file
    if world is None:
        world = world_for(loaded, cache=options.cache, key=key)
    memo = run_key(loaded, plan, key) if options.cache else None  # what a second run reuses
    problems = remember("standards", memo or {}, lambda: check_standard_names(world, plan),
                        enabled=memo is not None)
    if problems:
        raise InputError(problems)
    tell("simulate", 0.0)
    run = new_run(world, plan, options.seed, record_link_events=options.link_events,
                  progress=lambda f: tell("simulate", f))
    # the exercise script is part of the scenario: a broken one is refused here as in drill
    problems = run_script_problems(world, run)
    if problems:
        raise InputError(problems)
    result = run.run()
    bound = None
    if options.bound:
        from musterpoint.bound_step import attach_bound

        tell("bound", 0.0)
        bound = attach_bound(result, world, plan, memo)
    suggestions = None
    if options.suggest_plan and bound is not None:
        from musterpoint.suggest_step import run_suggestions

        tell("suggest", 0.0)
        t_suggest = time.perf_counter()
        suggestions = run_suggestions(result, world, plan, bound,
                                      progress=lambda n, total: tell("suggest", n / total))
        result.meta["suggest_wall_s"] = round(time.perf_counter() - t_suggest, 1)
    result.meta["language"] = options.lang
    with atomic_folder(out) as tmp:
        tell("tables", 0.0)
        result.save(tmp)
        (outputs or write_outputs)(result, tmp, options, tell,
                                   suggestions.to_dict() if suggestions is not None else None)
        if suggestions is not None:
            from musterpoint.suggest_step import write_suggestion

            write_suggestion(suggestions, world, tmp)
    if options.record:
        from musterpoint.compare_cmd import record_run

        tell("catalog", 0.0)
        record_run(result, out, options.catalog)
    tell("catalog", 1.0)
    return result
