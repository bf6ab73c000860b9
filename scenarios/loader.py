"""Load and validate scenario and plan files, reporting every problem at once.

Each problem names the file, the field path inside it (``shelters[2].capacity``) and the
reason. Paths inside a file are resolved against that file's folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Plan, Scenario

__all__ = [
    "BUNDLED_DIR",
    "LoadedScenario",
    "bundled_scenarios",
    "load_plan",
    "load_scenario",
    "resolve_scenario",
    "validate_files",
]

logger = logging.getLogger(__name__)

#: Folder of the scenarios that ship with musterpoint.
BUNDLED_DIR = Path(__file__).parent / "bundled"
DEFAULT_SCENARIO = "porto-alegre-flood"


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its plans and the folder its paths are relative to."""

    scenario: Scenario
    path: Path
    plans: dict[str, Plan] = field(default_factory=dict)
    plan_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def base(self) -> Path:
        """Folder the scenario's relative paths start from."""
        return self.path.parent

    def file(self, rel: str) -> Path:
        """Resolve a path written in the scenario file."""
        p = Path(rel)
        return p if p.is_absolute() else self.base / p

    def plan(self, name: str | None) -> Plan:
        """The named plan, or the default plan when ``name`` is None."""
        if name is None:
            name = self.scenario.default_plan or next(iter(self.plans))
        if name not in self.plans:
            known = ", ".join(sorted(self.plans))
            raise InputError.single(
                str(self.path), "plans", f"no plan named {name!r}; this scenario has: {known}"
            )
        return self.plans[name]


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    if not path.exists():
        problems.append(Problem(str(path), "", "file not found; check the path"))
        return None
    if path.is_dir():
        problems.append(Problem(str(path), "", "is a folder, not a YAML file"))
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(str(path), "", "not UTF-8 text; save the file as UTF-8"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(Problem(str(path), where, f"not valid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "", "the file must hold a mapping of keys"))
        return None
    return data


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _validate(
    model: type[BaseModel], data: dict[str, Any], path: Path, problems: list[Problem]
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key; remove it or check its spelling"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(Problem(str(path), _loc(err["loc"]) or "(file)", msg))
        return None


def load_plan(path: Path) -> Plan:
    """Read and validate one plan file."""
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    plan = _validate(Plan, data, path, problems) if data is not None else None
    if problems:
        raise InputError(problems)
    assert isinstance(plan, Plan)
    return plan


def _check_files(sc: Scenario, path: Path, problems: list[Problem]) -> None:
    base = path.parent

    def need(rel: str | None, fieldname: str) -> None:
        if rel is None:
            return
        p = Path(rel)
        p = p if p.is_absolute() else base / p
        if not p.exists():
            problems.append(Problem(str(path), fieldname,
                                    f"file {rel!r} not found (looked in {p.parent})"))

    need(sc.network.osm, "network.osm")
    need(sc.network.layer, "network.layer")
    need(sc.network.nodes, "network.nodes")
    need(sc.network.links, "network.links")
    if sc.population is not None:
        need(sc.population.file, "population.file")
        need(sc.population.area, "population.area")
    need(sc.trips, "trips")
    if sc.hazard.flood is not None:
        need(sc.hazard.flood.elevation, "hazard.flood.elevation")
    for i, poly in enumerate(sc.hazard.polygons):
        need(poly.file, f"hazard.polygons[{i}].file")


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read a scenario file and all its plans; raise one InputError listing every problem."""
    path = Path(path)
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    sc: Scenario | None = _validate(Scenario, data, path, problems) if data else None
    plans: dict[str, Plan] = {}
    plan_paths: dict[str, Path] = {}
    if sc is not None:
        _check_files(sc, path, problems)
        for i, rel in enumerate(sc.plans):
            p = Path(rel)
            p = p if p.is_absolute() else path.parent / p
            sub: list[Problem] = []
            pdata = _read_yaml(p, sub)
            if pdata is None and sub and sub[0].reason.startswith("file not found"):
                problems.append(Problem(str(path), f"plans[{i}]", f"plan file {rel!r} not found"))
                continue
            plan = _validate(Plan, pdata, p, sub) if pdata is not None else None
            problems.extend(sub)
            if plan is not None:
                if plan.name in plans:
                    problems.append(
                        Problem(str(p), "name", f"plan name {plan.name!r} is used twice")
                    )
                plans[plan.name] = plan
                plan_paths[plan.name] = p
        if sc.default_plan is not None and plans and sc.default_plan not in plans:
            problems.append(Problem(str(path), "default_plan",
                                    f"no plan named {sc.default_plan!r} among {sorted(plans)}"))
    if problems:
        raise InputError(problems)
    assert sc is not None
    return LoadedScenario(sc, path, plans, plan_paths)


def bundled_scenarios() -> dict[str, Path]:
    """Names and files of the bundled scenarios."""
    out: dict[str, Path] = {}
    for f in sorted(BUNDLED_DIR.glob("*/scenario.yaml")):
        try:
            name = yaml.safe_load(f.read_text(encoding="utf-8"))["name"]
        except Exception:  # a broken bundled file is still listed by folder
            name = f.parent.name
        out[str(name)] = f
    return out


def resolve_scenario(name_or_path: str | None) -> Path:
    """A scenario file from a bundled name, a file path or a folder holding scenario.yaml."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO
    bundled = bundled_scenarios()
    if name_or_path in bundled:
        return bundled[name_or_path]
    p = Path(name_or_path)
    if p.is_dir():
        p = p / "scenario.yaml"
    if not p.exists():
        known = ", ".join(sorted(bundled)) or "none"
        raise InputError.single(
            str(name_or_path), "",
            f"no such scenario file or bundled scenario (bundled: {known})",
        )
    return p


def validate_files(paths: list[Path]) -> list[str]:
    """Validate scenario or plan files; return a line per valid file, raise on problems."""
    problems: list[Problem] = []
    ok: list[str] = []
    for p in paths:
        sub: list[Problem] = []
        data = _read_yaml(p, sub)
        if data is not None and "plans" in data:
            try:
                ls = load_scenario(p)
                ok.append(f"{p}: scenario {ls.scenario.name!r} with plans "
                          f"{', '.join(ls.plans)}: OK")
            except InputError as exc:
                sub.extend(exc.problems)
        elif data is not None:
            if _validate(Plan, data, p, sub) is not None:
                ok.append(f"{p}: plan {data.get('name')!r}: OK")
        problems.extend(sub)
    if problems:
        raise InputError(problems)
    return ok
