"""The ``muster compare``, ``muster runs`` and ``muster report`` commands.

``muster compare SCENARIO --plans A B --replications 30`` runs every plan on the seeds
``--seed`` .. ``--seed + N - 1`` (common random numbers), in local processes (default),
serially (``--workers 1``) or on a Dask cluster (``--scheduler tcp://HOST:PORT``), and
writes, into ``--out``: ``comparison.json`` (identical whichever executor ran it),
``comparison_report.html``, one ``difference_map_<A>_vs_<B>.html`` per plan against the
first one, ``replications.csv`` (one row per run) and ``timing.json`` (wall-clock figures,
kept out of comparison.json). Every comparison and its runs go into the results catalog
(:mod:`musterpoint.catalog`); ``muster runs`` lists it and ``muster report
--from-catalog ID`` re-renders a comparison's report without re-running.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint.atomic import atomic_folder
from musterpoint.progress import add_progress_argument, command_progress
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.tiles_args import add_tiles_arguments, check_tiles_arguments

if TYPE_CHECKING:
    from musterpoint.progress import CommandProgress
    from musterpoint.scenarios.loader import LoadedScenario
    from musterpoint.scenarios.schema import Plan
    from musterpoint.sim.experiments.jobs import RunSummary
    from musterpoint.sim.experiments.runner import Executor
    from musterpoint.sim.result import RunResult
    from musterpoint.sim.world import World

__all__ = ["record_run", "register"]

logger = logging.getLogger("musterpoint.compare")

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> dict[str, Handler]:
    """Add ``compare``, ``runs`` and ``report`` to the ``muster`` parser; return handlers."""
    c = subparsers.add_parser("compare", help="compare plans over replications with statistics")
    c.add_argument("scenario", nargs="?", default=None,
                   help="scenario file, folder or bundled name (default: the bundled default)")
    c.add_argument("--plans", nargs="+", default=None, metavar="PLAN",
                   help="plan names of the scenario or plan files; the first is the baseline "
                        "(default: every plan of the scenario)")
    c.add_argument("--replications", "-n", type=int, default=10,
                   help="replications (seeds) per plan (default 10)")
    c.add_argument("--seed", type=int, default=1,
                   help="seed of replication 0; replication i uses seed + i (default 1)")
    c.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: one per CPU; 1 runs serially)")
    c.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler instead of locally; 'local' "
                        "or 'local:N' starts a Dask LocalCluster of N worker processes")
    c.add_argument("--confidence", type=float, default=0.95, help="interval level (0.95)")
    c.add_argument("--target-halfwidth", action="append", default=None, metavar="SPEC",
                   help="wanted interval half-width: KPI=VALUE (KPI units), KPI=PCT%% (of "
                        "the mean) or PCT%% for every KPI; repeatable (default: 1 point for "
                        "score.composite, 5%% of the mean for each standard's KPI)")
    c.add_argument("--weights", type=Path, default=None, help="score weights YAML file")
    c.add_argument("--out", type=Path, default=None,
                   help="output folder (default: a new folder under ./muster-runs)")
    c.add_argument("--force", action="store_true", help="replace an existing --out folder")
    c.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="report language (default: $MUSTER_LANG, else en)")
    c.add_argument("--no-map", action="store_true", help="skip the difference maps")
    add_tiles_arguments(c)
    c.add_argument("--no-report", action="store_true", help="skip the HTML report")
    c.add_argument("--pdf", action="store_true",
                   help="also print comparison_report.pdf (A4, needs Chromium)")
    c.add_argument("--catalog", default=None, help="results catalog file (default: "
                   "$MUSTER_CATALOG or ./muster-runs/catalog.sqlite)")
    c.add_argument("--no-catalog", action="store_true", help="do not record in the catalog")
    add_progress_argument(c)
    c.add_argument("--no-cache", action="store_true",
                   help="build the scenario's world from its files, without reading or "
                   "writing the world cache ($MUSTER_CACHE_DIR)")

    r = subparsers.add_parser("runs", help="list the runs and comparisons in the catalog")
    r.add_argument("--catalog", default=None, help="results catalog file")
    r.add_argument("--scenario", default=None, help="only this scenario")
    r.add_argument("--plan", default=None, help="only this plan (runs)")
    r.add_argument("--comparisons", action="store_true", help="list comparisons only")
    r.add_argument("--all", action="store_true", help="include the runs of comparisons")
    r.add_argument("--limit", type=int, default=20, help="at most this many rows (20)")

    p = subparsers.add_parser("report", help="re-render a comparison report from the catalog")
    p.add_argument("--from-catalog", required=True, metavar="ID",
                   help="comparison id as 'muster runs' lists it (3 or C3)")
    p.add_argument("--catalog", default=None, help="results catalog file")
    p.add_argument("--out", type=Path, default=None,
                   help="report file (default: ./muster-runs/comparison-<ID>-report.html)")
    p.add_argument("--lang", choices=("en", "zh"), default=None,
                   help="report language (default: $MUSTER_LANG, else en)")
    p.add_argument("--pdf", action="store_true", help="also print it to PDF (A4, needs Chromium)")
    return {"compare": _cmd_compare, "runs": _cmd_runs, "report": _cmd_report}


# ---------------------------------------------------------------------- plans
def _owner(plan_file: Path) -> tuple[Path, str] | None:
    """The scenario file (next to or above the plan) that lists this plan file, if any."""
    from musterpoint.scenarios.loader import read_yaml_mapping

    target = plan_file.resolve()
    for folder in (plan_file.parent, plan_file.parent.parent):
        for cand in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            try:
                data = read_yaml_mapping(cand)
            except InputError:
                continue
            if not isinstance(data, dict) or not isinstance(data.get("plans"), list):
                continue
            for rel in data["plans"]:
                p = Path(str(rel))
                if (p if p.is_absolute() else cand.parent / p).resolve() == target:
                    return cand, str(data.get("name", cand.parent.name))
    return None


def _resolve_plans(loaded: LoadedScenario, wanted: Sequence[str] | None) -> list[
        tuple[Plan, Path]]:
    from musterpoint.scenarios.loader import bundled_scenarios, load_plan, read_yaml_mapping

    sc = loaded.scenario
    if not wanted:
        return [(p, loaded.plan_paths[n]) for n, p in loaded.plans.items()]
    out: list[tuple[Plan, Path]] = []
    for w in wanted:
        if w in loaded.plans:
            out.append((loaded.plans[w], loaded.plan_paths[w]))
            continue
        path = Path(w)
        if path.suffix in (".yaml", ".yml") or path.exists():
            plan = load_plan(path)
            own = _owner(path)
            if own is not None and own[0].resolve() != loaded.path.resolve():
                raise InputError.single(
                    str(path), "",
                    f"this plan belongs to scenario {own[1]!r} ({own[0]}), not to {sc.name!r} "
                    f"({loaded.path}); compare plans of one scenario, or list the plan under "
                    f"'plans' in {loaded.path.name} if it is meant for it")
            if plan.name in loaded.plans and \
                    loaded.plan_paths[plan.name].resolve() != path.resolve():
                raise InputError.single(str(path), "name", f"scenario {sc.name!r} already has a "
                                        f"plan named {plan.name!r}; give this plan another name")
            out.append((plan, path))
            continue
        elsewhere = []
        for name, f in bundled_scenarios().items():
            if f.resolve() != loaded.path.resolve():
                data = read_yaml_mapping(f)
                names = [Path(str(x)).stem for x in data.get("plans", [])]
                if w in names:
                    elsewhere.append(name)
        hint = (f"; {w!r} is a plan of scenario {elsewhere[0]!r}, and plans of different "
                "scenarios cannot be compared" if elsewhere else "; or give a plan file")
        raise InputError.single(str(loaded.path), "plans", f"no plan named {w!r} in scenario "
                                f"{sc.name!r} (its plans: {', '.join(loaded.plans)}){hint}")
    names = [p.name for p, _ in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError.single("--plans", "", f"plan {dup[0]!r} is listed twice")
    return out


def _check_plan_zones(world: World, plans: Sequence[tuple[Plan, Path]]) -> None:
    known = set(world.zones.ids)
    problems = []
    for plan, path in plans:
        for i, stage in enumerate(plan.stages):
            if stage.zones and not known.intersection(stage.zones):
                problems.append(Problem(
                    str(path), f"stages[{i}].zones",
                    f"none of these zones is in scenario {world.loaded.scenario.name!r} (its "
                    f"zones are like {', '.join(sorted(known)[:3])}); is the plan written for "
                    "another scenario?"))
    if problems:
        raise InputError(problems)


# ---------------------------------------------------------------------- compare
def _check_options(args: argparse.Namespace) -> list[Any]:
    from musterpoint.sim.kpis.statistics import parse_target

    if args.replications < 1:
        raise InputError.single("--replications", "", f"got {args.replications}; give at "
                                "least 1 (10 to 30 is typical; the report says when more are "
                                "needed)")
    if args.seed < 0:
        raise InputError.single("--seed", "", "the seed must be a non-negative integer")
    check_tiles_arguments(args)
    if not 0.5 <= args.confidence < 1.0:
        raise InputError.single("--confidence", "", "give a level between 0.5 and 1, e.g. 0.95")
    if args.workers is not None and args.workers < 1:
        raise InputError.single("--workers", "", "give at least 1 worker")
    try:
        return [parse_target(t) for t in args.target_halfwidth] \
            if args.target_halfwidth else []
    except ValueError as exc:
        raise InputError.single("--target-halfwidth", "", str(exc)) from None


def _executor(args: argparse.Namespace, n_jobs: int) -> Executor:
    from musterpoint.sim.experiments.runner import (
        DaskExecutor,
        LocalProcessExecutor,
        SerialExecutor,
    )

    if args.scheduler:
        return DaskExecutor(args.scheduler)
    local = LocalProcessExecutor(args.workers)
    if local.workers == 1 or n_jobs == 1:
        return SerialExecutor()
    return local


def _run_replications(jobs: Sequence[Any], executor: Executor, check: Callable[..., None],
                      progress: CommandProgress,
                      hook: Callable[[int, int], None] | None = None) -> list[RunSummary]:
    from musterpoint.sim.experiments.runner import run_replications

    if hook is not None:  # the studio's worker: (done, total)
        told: list[RunSummary] = run_replications(
            jobs, executor, check=check, progress=lambda n, _: hook(n, len(jobs)))
        return told
    with progress.step("replications", total=len(jobs)) as step:
        done: list[RunSummary] = run_replications(jobs, executor, check=check,
                                                  progress=step.advance_to)
    return done


def _geometry(world: World, comparison: dict[str, Any]) -> tuple[Any, Any]:
    import pandas as pd

    from musterpoint.sim.network.graph import wkt_line

    z = world.zones
    zones = pd.DataFrame({"zone": list(z.ids), "lon": z.lon, "lat": z.lat, "wkt": list(z.wkt)})
    net = world.network
    pos = net.link_positions()
    rows = []
    for lid in comparison["links"]["changed"]:
        if lid in pos:
            rows.append((lid, wkt_line(net.link_coords(pos[lid]))))
    return zones, pd.DataFrame(rows, columns=["link_id", "wkt"])


def _write_outputs(tmp: Path, comparison: dict[str, Any], world: World,
                   args: argparse.Namespace) -> None:
    import pandas as pd

    from musterpoint.catalog import comparison_json

    text = comparison_json(comparison)
    (tmp / "comparison.json").write_text(text, encoding="utf-8")
    comparison = json.loads(text)  # render exactly what the file (and the catalog) holds
    pd.DataFrame([{"plan": r["plan"], "replication": r["replication"], "seed": r["seed"],
                   "score": r["score"], **r["kpis"]} for r in comparison["runs"]]
                 ).to_csv(tmp / "replications.csv", index=False)
    if not args.no_report:
        from musterpoint.reports.comparison_report import write_comparison_report

        write_comparison_report(comparison, tmp / "comparison_report.html", lang=args.lang)
        if args.pdf:
            from musterpoint.reports.pdf import pdf_beside

            pdf_beside(tmp / "comparison_report.html")
    if not args.no_map and len(comparison["plans"]) > 1:
        from musterpoint.maps.difference_map import write_difference_map
        from musterpoint.maps.geometry import pack_road_lines

        zones, links = _geometry(world, comparison)
        net = world.network
        roads = pack_road_lines(net.link_coords(i).tolist() for i in range(net.n_links))
        base = comparison["baseline"]
        for p in comparison["plans"][1:]:
            write_difference_map(comparison, zones, links,
                                 tmp / f"difference_map_{base}_vs_{p['name']}.html",
                                 plan=p["name"], lang=args.lang, roads=roads,
                                 tiles=args.tiles, tiles_attribution=args.tiles_attribution)


def _merge(trees: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Deep union of KPI trees (plans may have different families, e.g. buses or not)."""
    out: dict[str, Any] = {}
    for t in trees:
        for k, v in t.items():
            if isinstance(v, dict) and isinstance(out.get(k), dict):
                out[k] = _merge([out[k], v])
            elif k not in out or out[k] is None:
                out[k] = v
    return out


def _cmd_compare(args: argparse.Namespace) -> int:
    from musterpoint.scenarios.loader import load_scenario, resolve_scenario
    from musterpoint.sim import experiments as ex
    from musterpoint.sim.kpis.scoring import check_terms, load_weights
    from musterpoint.sim.kpis.standards import check_known, collect_standards
    from musterpoint.sim.kpis.statistics import flatten_kpis
    from musterpoint.world_cache import world_for

    targets = _check_options(args)
    if args.pdf and args.no_report:
        raise InputError.single("--pdf", "", "the PDF is printed from the report; drop --no-report")
    weights = load_weights(args.weights)
    loaded = load_scenario(resolve_scenario(args.scenario))
    plans = _resolve_plans(loaded, args.plans)
    sc = loaded.scenario
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out: Path = args.out or Path("muster-runs") / f"compare-{sc.name}-{stamp}"
    if out.exists() and any(out.iterdir()) and not args.force:
        raise InputError.single(str(out), "--out",
                                "folder exists and is not empty; choose another or add --force")
    scoped = collect_standards(sc.standards, str(loaded.path),
                               [(p.name, p.standards, str(f)) for p, f in plans])
    t0 = time.perf_counter()
    with command_progress(args) as progress:
        with progress.step("world"):
            world = world_for(loaded, cache=not args.no_cache)
        _check_plan_zones(world, plans)
        path = loaded.path.resolve()
        ex.prime_world(path, world)
        jobs = ex.make_jobs(path, [p for p, _ in plans], args.replications, args.seed)
        executor = _executor(args, len(jobs))

        def check(firsts: list[RunSummary]) -> None:
            kpis = _merge([s.kpis for s in firsts])
            check_known(scoped, kpis)
            check_terms(weights, kpis)
            known = set(flatten_kpis(kpis)) | {"score.composite"}
            bad = [t.kpi for t in targets if t.kpi is not None and t.kpi not in known]
            if bad:
                raise InputError.single("--target-halfwidth", "", f"unknown KPI {bad[0]!r}; "
                                        f"use one of: {', '.join(sorted(known))}")

        summaries = _run_replications(jobs, executor, check, progress,
                                      getattr(args, "progress_hook", None))
        for w in dict.fromkeys(w for s in summaries for w in s.warnings):
            if w not in world.warnings:
                logger.warning(w)
        run_wall = time.perf_counter() - t0
        with progress.step("comparison"):
            comparison = ex.build_comparison(
                summaries, base_seed=args.seed, confidence=args.confidence,
                targets=targets or None, standards=scoped, weights=weights,
                scenario={"name": sc.name, "title": sc.title.en, "title_zh": sc.title.zh,
                          "start": sc.start.isoformat(), "timezone": sc.timezone,
                          "duration_s": float(sc.duration_h) * 3600.0},
                plans=[{"name": p.name, "title": p.title.en, "title_zh": p.title.zh,
                        "file": f.name} for p, f in plans])
        with atomic_folder(out) as tmp, progress.step("outputs"):
            _write_outputs(tmp, comparison, world, args)
            timing = {"executor": executor.name, "workers": getattr(executor, "workers", None),
                      "scheduler": args.scheduler, "runs": len(summaries),
                      "wall_time_s": round(time.perf_counter() - t0, 3),
                      "simulation_wall_time_s": round(run_wall, 3),
                      "sum_of_run_wall_times_s": round(sum(s.wall_time_s for s in summaries),
                                                       3)}
            (tmp / "timing.json").write_text(json.dumps(timing, indent=1) + "\n",
                                             encoding="utf-8")
    cid = None
    if not args.no_catalog:
        from musterpoint.catalog import Catalog

        with Catalog(args.catalog) as cat:
            cid = cat.record_comparison(comparison, summaries, executor=executor.name,
                                        wall_time_s=timing["wall_time_s"], out_dir=out)
    _print_summary(comparison, out, timing, cid, args)
    return 0


def _fmt(v: float | None, hw: float | None = None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.1f}" + ("" if hw is None else f" ± {hw:.1f}")


def _print_summary(comp: dict[str, Any], out: Path, timing: dict[str, Any], cid: int | None,
                   args: argparse.Namespace) -> None:
    seeds = comp["seeds"]
    print(f"compared {len(comp['plans'])} plans x {comp['replications']} replications (seeds "
          f"{seeds[0]}-{seeds[-1]}, common random numbers) on {timing['executor']}: "
          f"{timing['wall_time_s']:.1f} s")
    score = comp["kpis"]["score.composite"]["plans"]
    print("ranking by composite score (0-100, higher is better):")
    for r in comp["score"]["ranking"]:
        vs = r["vs_best"]
        tail = ""
        if r["rank"] > 1:
            best = comp["score"]["ranking"][0]["plan"]
            tail = (f"  worse than {best} by {_fmt(-vs['mean'])} (95 % CI {_fmt(-vs['hi'])} "
                    f"to {_fmt(-vs['lo'])})" if r["verdict"] == "worse"
                    else f"  not distinguishable from {best} with "
                    f"{comp['replications']} replication(s)")
        print(f"  {r['rank']}. {r['plan']:<24} {_fmt(r['score'], score[r['plan']]['half_width'])}"
              f"{tail}")
    for s in comp["standards"]:
        marks = ", ".join(f"{p}: {v['n_met']}/{v['n']}" for p, v in s["plans"].items())
        print(f"standard {s['id']} ({s['label']['en']}): {marks}")
    for line in comp["replications_check"]["too_few"][:5]:
        print(f"too few replications: {line}")
    more = len(comp["replications_check"]["too_few"]) - 5
    if more > 0:
        print(f"too few replications: ... and {more} more (see the report)")
    print(f"results: {out}")
    if (out / "comparison_report.pdf").exists():
        print(f"pdf:     {out / 'comparison_report.pdf'}")
    if cid is not None:
        print(f"catalog: comparison C{cid} (muster report --from-catalog C{cid})")


# ---------------------------------------------------------------------- runs, report
def _cmd_runs(args: argparse.Namespace) -> int:
    from musterpoint.catalog import Catalog

    with Catalog(args.catalog) as cat:
        comps = cat.comparisons(args.scenario, args.limit)
        print(f"catalog: {cat.path}")
        print("comparisons:" if comps else "comparisons: none")
        for c in comps:
            print(f"  C{c['id']}\t{c['created_at']}\t{c['scenario']}\t"
                  f"{', '.join(json.loads(c['plans']))}\t{c['replications']} replications "
                  f"from seed {c['base_seed']}\t{c['executor']}\tv{c['version']}\t"
                  f"{c['out_dir'] or ''}")
        if args.comparisons:
            return 0
        runs = cat.runs(args.scenario, args.plan, None if args.all else "run", args.limit)
        print("runs:" if runs else "runs: none")
        for r in runs:
            k = r["kpis"]
            ete = k.get("evacuation.ete50_s")
            where = f"C{r['comparison_id']}#{r['replication']}" if r["comparison_id"] else "run"
            print(f"  R{r['id']}\t{r['created_at']}\t{where}\t{r['scenario']}\t{r['plan']}\t"
                  f"seed {r['seed']}\tv{r['version']}\tarrived {_fmt(k.get('evacuation.arrived'))}"
                  f"\tstranded {_fmt(k.get('evacuation.stranded'))}\tETE50 "
                  f"{'not reached' if ete is None else f'{ete / 60:.0f} min'}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from musterpoint.catalog import Catalog
    from musterpoint.reports.comparison_report import write_comparison_report

    with Catalog(args.catalog) as cat:
        comparison = cat.comparison(args.from_catalog)
    ident = str(args.from_catalog).lstrip("Cc")
    out = args.out or Path("muster-runs") / f"comparison-C{ident}-report.html"
    write_comparison_report(comparison, out, lang=args.lang)
    print(f"report: {out}")
    if args.pdf:
        from musterpoint.reports.pdf import pdf_beside

        pdf = pdf_beside(out)
        if pdf is not None:
            print(f"pdf:    {pdf}")
    return 0


def record_run(result: RunResult, out: Path, catalog: str | Path | None = None) -> int | None:
    """Record a finished ``muster run`` in the results catalog (hook for ``_cmd_run``).

    The run's outputs are already written, so a catalog that cannot be written only gives
    a warning; returns the run's catalog id, or None.
    """
    from musterpoint.catalog import Catalog
    from musterpoint.scenarios.errors import MusterError

    try:
        with Catalog(catalog) as cat:
            rid: int = cat.record_run(result.meta, result.kpis, out)
            return rid
    except MusterError as exc:
        logger.warning("%s (the run itself is saved)", exc)
        return None
