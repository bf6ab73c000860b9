"""``muster plan-doc``: write a plan as a contingency-plan document (应急预案, .docx).

    muster plan-doc SCENARIO --plan NAME [--compare DIR] [--run DIR] [--lang zh|en]
                    [--template DIR] [--pdf] --out FILE.docx

With ``--compare`` (a folder written by ``muster compare`` that tested the plan) the
document carries the tested figures: ETE with intervals, the share of replications
meeting each standard, ETE by zone and the review checklist. With ``--run`` (a folder
written by ``muster run`` of the same scenario and plan) it also carries the evacuation
curve with the flow bound and the checks only a run shows: shelters over capacity,
bottleneck streets, persons without transport apart from those never ordered, persons
sheltering in place. ``--pdf`` also converts the
document with LibreOffice (``soffice``), when it is installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from musterpoint.progress import add_progress_argument, command_progress
from musterpoint.scenarios.errors import InputError

__all__ = ["register"]

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> dict[str, Handler]:
    """Add ``plan-doc`` to the ``muster`` parser; return its handler."""
    d = subparsers.add_parser("plan-doc", help="write a plan as a contingency-plan document "
                                               "(应急预案, .docx)")
    d.add_argument("scenario", nargs="?", default=None,
                   help="scenario file, folder or bundled name (default: the bundled default)")
    d.add_argument("--plan", default=None, help="plan name (default: the scenario's default)")
    d.add_argument("--compare", type=Path, default=None, metavar="DIR",
                   help="a muster compare output folder that tested the plan")
    d.add_argument("--run", type=Path, default=None, metavar="DIR",
                   help="a muster run output folder of the same scenario and plan (curve "
                        "with the flow bound; shelters over capacity, bottlenecks, people "
                        "without transport in the review checklist)")
    d.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    d.add_argument("--template", type=Path, default=None, metavar="DIR",
                   help="folder with template.docx (letterhead, styles) and/or wording.yaml")
    d.add_argument("--pdf", action="store_true", help="also write a PDF with LibreOffice")
    d.add_argument("--out", type=Path, required=True, help="the .docx file to write")
    add_progress_argument(d)
    return {"plan-doc": _cmd_plan_doc}


def _comparison(folder: Path, plan: str) -> dict[str, Any]:
    f = folder / "comparison.json"
    if not f.is_file():
        raise InputError.single(str(folder), "--compare", "has no comparison.json; give a "
                                "folder written by muster compare")
    try:
        cmp: dict[str, Any] = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(str(f), "--compare", f"cannot be read ({exc})") from exc
    names = [p.get("name") for p in cmp.get("plans", [])]
    if plan not in names:
        raise InputError.single(str(f), "plans", f"the comparison did not test plan {plan!r} "
                                f"(it has {names}); run muster compare with --plans ... {plan}")
    return cmp


def _cmd_plan_doc(args: argparse.Namespace) -> int:
    from musterpoint.reports.plan_doc import write_plan_doc
    from musterpoint.reports.plan_doc.run_checks import read_run
    from musterpoint.scenarios.loader import load_scenario, resolve_scenario
    from musterpoint.world_cache import world_for

    t0 = time.perf_counter()
    out: Path = args.out
    if out.suffix.lower() != ".docx":
        raise InputError.single(str(out), "--out", "give a file name ending in .docx")
    if not out.parent.is_dir():
        raise InputError.single(str(out), "--out", "its folder does not exist")
    if args.template is not None and not args.template.is_dir():
        raise InputError.single(str(args.template), "--template", "is not a folder")
    loaded = load_scenario(resolve_scenario(args.scenario))
    plan = loaded.plan(args.plan)
    cmp = _comparison(args.compare, plan.name) if args.compare is not None else None
    run = None
    if args.run is not None:
        run = read_run(args.run, loaded.scenario.name, plan.name, args.scenario)
    with command_progress(args) as progress:
        with progress.step("world"):
            world = world_for(loaded)
        z = world.zones
        zones = [{"id": zid, "elevation": float(z.elevation[k]),
                  "population": float(z.population[k]), "evacuees": float(z.evacuees[k]),
                  "lon": float(z.lon[k]), "lat": float(z.lat[k])}
                 for k, zid in enumerate(z.ids)]
        with progress.step("document"):
            write_plan_doc(out, loaded.scenario, plan, zones, cmp, args.lang, args.template,
                           run=run)
    print(f"document: {out} ({time.perf_counter() - t0:.1f} s)")
    if args.pdf:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise InputError.single(str(out), "--pdf", "LibreOffice (soffice) is not "
                                    "installed; the .docx was written; install LibreOffice "
                                    "(apt-get install libreoffice-writer) or open it in Word")
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir",
                        str(out.parent), str(out)], check=True, capture_output=True,
                       timeout=300)
        print(f"pdf:      {out.with_suffix('.pdf')}")
    return 0
