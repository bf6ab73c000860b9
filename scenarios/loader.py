"""Load and validate scenario and plan files, reporting every problem at once.

Each problem names the file, the field path inside it (``shelters[2].capacity``) and the
reason. Paths inside a file are resolved against that file's folder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from musterpoint.scenarios._base import NAME_PATTERN
from musterpoint.scenarios.errors import InputError, Problem
from musterpoint.scenarios.schema import Plan, Scenario
from musterpoint.scenarios.validation_text import schema_message

__all__ = [
    "BUNDLED_DIR",
    "CheckedFiles",
    "LoadedScenario",
    "bundled_scenarios",
    "check_files",
    "load_plan",
    "load_scenario",
    "parse_yaml",
    "read_yaml_mapping",
    "resolve_scenario",
    "validate_mapping",
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


#: Largest scenario or plan file read (bytes).
MAX_YAML_BYTES = 8 * 1024 * 1024
#: Deepest nesting of mappings and lists allowed in a scenario or plan file.
MAX_YAML_DEPTH = 64
#: Most values a file may stand for once its YAML aliases are expanded.
MAX_YAML_NODES = 1_000_000


#: libyaml's parser when PyYAML was built with it (a tenth of the pure-Python time).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


def _yaml_limits(text: str) -> str | None:
    """The first limit ``text`` breaks (depth, alias expansion), or None.

    Walks the YAML event stream (no recursion, no objects built), counting nesting depth
    and the size every anchor stands for, so a deeply nested file or an alias bomb is
    refused before :func:`yaml.safe_load` would recurse or a consumer would expand it.
    The events come from libyaml when PyYAML has it (a tenth of the time: a fifth of
    reading the default scenario); a text libyaml refuses is walked again by PyYAML, so
    that its error is PyYAML's as before.
    """
    if _FAST_LOADER is not None:
        try:
            return _limits_of(yaml.parse(text, Loader=_FAST_LOADER))
        except yaml.YAMLError:
            pass
    return _limits_of(yaml.parse(text, Loader=yaml.SafeLoader))


def _limits_of(events: Iterable[Any]) -> str | None:
    """:func:`_yaml_limits` of a YAML event stream."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, size so far]
    total = 0
    for ev in events:
        if isinstance(ev, yaml.CollectionStartEvent):
            stack.append([ev.anchor, 1])
            if len(stack) > MAX_YAML_DEPTH:
                return (f"nested more than {MAX_YAML_DEPTH} levels deep; "
                        "flatten the structure")
            continue
        if isinstance(ev, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(ev, yaml.AliasEvent):
            anchor, size = None, sizes.get(str(ev.anchor), 1)
        elif isinstance(ev, yaml.ScalarEvent):
            anchor, size = ev.anchor, 1
        else:
            continue
        if anchor is not None:
            sizes[str(anchor)] = size
        if stack:
            stack[-1][1] += size
        else:
            total += size
        if total + sum(s for _, s in stack) > MAX_YAML_NODES:
            return (f"its aliases (*name) expand to more than {MAX_YAML_NODES:,} values; "
                    "write the values out or use fewer aliases")
    return None


def parse_yaml(text: str) -> Any:
    """:func:`yaml.safe_load` of ``text``, parsed by libyaml when it is there.

    Both parsers feed the same safe constructor, so a text both accept gives the same
    values; a text libyaml refuses is parsed again by PyYAML, so that its error (and
    message) is PyYAML's as before.
    """
    if _FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=_FAST_LOADER)  # CSafeLoader: safe
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    if not path.exists():
        problems.append(Problem(str(path), "", "file not found; check the path"))
        return None
    if path.is_dir():
        problems.append(Problem(str(path), "", "is a folder, not a YAML file"))
        return None
    if not path.is_file():
        problems.append(Problem(str(path), "", "is not a regular file; give a YAML file"))
        return None
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(str(path), "", f"cannot read the file ({exc.strerror})"))
        return None
    if len(raw) > MAX_YAML_BYTES:
        problems.append(Problem(str(path), "", f"larger than {MAX_YAML_BYTES // 2**20} MiB; "
                                "a scenario or plan file is a few kilobytes: put data in "
                                "the files it names"))
        return None
    if not raw.strip():
        problems.append(Problem(str(path), "", "the file is empty; it must hold a mapping "
                                "of keys (key: value lines)"))
        return None
    try:
        text = raw.decode("utf-8")
        limit = _yaml_limits(text)
        data = None if limit else parse_yaml(text)
    except UnicodeDecodeError:
        problems.append(Problem(str(path), "", "not UTF-8 text; save the file as UTF-8"))
        return None
    except yaml.YAMLError as exc:
        # only the position and the parser's words: no quoted lines of the file
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(s) for s in (getattr(exc, "context", None),
                                         getattr(exc, "problem", None)) if s)
        problems.append(Problem(str(path), where, f"not valid YAML: {what or 'syntax error'}"))
        return None
    if limit:
        problems.append(Problem(str(path), "", f"the YAML is {limit}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "", "the file must hold a mapping of keys "
                                f"(key: value lines), not {_kind(data)}"))
        return None
    return data


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file of the user's (weights, plans, scenarios) read with the same limits as
    scenarios: size, depth and alias expansion; raise one InputError naming the file."""
    problems: list[Problem] = []
    data = _read_yaml(Path(path), problems)
    if data is None:
        raise InputError(problems)
    return data


def _kind(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a single text"
    return "a single value"


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
            problems.append(Problem(str(path), _loc(err["loc"]) or "(file)",
                                    schema_message(err)))
        return None


def validate_mapping(kind: str, data: dict[str, Any], path: Path) -> list[Problem]:
    """Problems of a scenario or plan given as parsed YAML, by field, without reading files.

    Parameters
    ----------
    kind : str
        ``scenario`` or ``plan``.
    data : dict
        The file's content, as YAML would parse it.
    path : Path
        The file it is (or will be) saved as, named in each problem.

    Returns
    -------
    list of Problem
        Every schema problem (empty: the content is a valid scenario or plan).
    """
    problems: list[Problem] = []
    _validate(Scenario if kind == "scenario" else Plan, data, path, problems)
    return problems


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
            return
        if p.is_char_device() or p.is_block_device() or p.is_fifo() or p.is_socket():
            problems.append(Problem(str(path), fieldname,
                                    f"{rel!r} is a device or a pipe, not a data file; give "
                                    "the path of a file"))
            return
        try:
            p.resolve().relative_to(base.resolve())
        except ValueError:  # allowed (shared extracts), but said: a path may be a mistake
            logger.warning("%s: %s reads %s, outside the scenario's folder", path, fieldname,
                           p.resolve())

    need(sc.network.osm, "network.osm")
    need(sc.network.layer, "network.layer")
    need(sc.network.nodes, "network.nodes")
    need(sc.network.links, "network.links")
    need(sc.network.sumo, "network.sumo")
    if sc.population is not None:
        need(sc.population.file, "population.file")
        need(sc.population.area, "population.area")
        need(sc.population.zones, "population.zones")
    need(sc.trips, "trips")
    need(sc.routes, "routes")
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
        plan_problem = False
        for i, rel in enumerate(sc.plans):
            p = Path(rel)
            p = p if p.is_absolute() else path.parent / p
            sub: list[Problem] = []
            pdata = _read_yaml(p, sub)
            if pdata is None:
                plan_problem = True
                for prob in sub:
                    if prob.field:
                        problems.append(prob)
                    else:
                        problems.append(Problem(str(path), f"plans[{i}]",
                                                f"plan file {rel!r}: {prob.reason}"))
                continue
            plan = _validate(Plan, pdata, p, sub)
            problems.extend(sub)
            if plan is None:
                plan_problem = True
                continue
            if plan.name in plans:
                problems.append(
                    Problem(str(p), "name", f"plan name {plan.name!r} is used twice")
                )
            plans[plan.name] = plan
            plan_paths[plan.name] = p
        # a plan that failed to load is named in its own problem, not again here
        if sc.default_plan is not None and not plan_problem and sc.default_plan not in plans:
            problems.append(Problem(str(path), "default_plan",
                                    f"no plan named {sc.default_plan!r} among {sorted(plans)}"))
    if problems:
        raise InputError(problems)
    assert sc is not None
    return LoadedScenario(sc, path, plans, plan_paths)


def _bundled_name(f: Path) -> str:
    """The name a bundled scenario file gives itself (its folder's name if it is broken)."""
    try:
        return str(parse_yaml(f.read_text(encoding="utf-8"))["name"])
    except Exception:  # a broken bundled file is still listed by folder
        return f.parent.name


def bundled_scenarios() -> dict[str, Path]:
    """Names and files of the bundled scenarios."""
    return {_bundled_name(f): f for f in sorted(BUNDLED_DIR.glob("*/scenario.yaml"))}


def _bundled_by_folder(name: str) -> Path | None:
    """The bundled scenario called ``name`` when its folder is named after it
    (``porto-alegre-flood`` in ``porto_alegre_flood/``): one file read, not all of them.
    Bundled names are unique (``tests/scenarios/test_bundled_scenarios.py``)."""
    f = BUNDLED_DIR / name.replace("-", "_") / "scenario.yaml"
    return f if f.is_file() and _bundled_name(f) == name else None


def resolve_scenario(name_or_path: str | None) -> Path:
    """A scenario file from a bundled name, a file path or a folder holding scenario.yaml.

    A bundled name wins over a file of that name. Only a text that can be a scenario's
    name (:data:`NAME_PATTERN`) is looked up among the bundled scenarios, first in the
    folder named after it, so a path or the default name reads at most one bundled file.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO
    if re.fullmatch(NAME_PATTERN, name_or_path):
        found = _bundled_by_folder(name_or_path) or bundled_scenarios().get(name_or_path)
        if found is not None:
            return found
    p = Path(name_or_path)
    if p.is_dir():
        p = p / "scenario.yaml"
    if not p.exists():
        known = ", ".join(sorted(bundled_scenarios())) or "none"
        raise InputError.single(
            str(name_or_path), "",
            f"no such scenario file or bundled scenario (bundled: {known})",
        )
    return p


#: Keys only a scenario has: a file with one of them is checked as a scenario.
_SCENARIO_ONLY = frozenset(Scenario.model_fields) - frozenset(Plan.model_fields)


@dataclass(frozen=True)
class CheckedFiles:
    """Files that passed :func:`check_files`: scenarios with their plans, and lone plans."""

    scenarios: list[LoadedScenario]
    plans: list[tuple[Path, Plan]]


def check_files(paths: Sequence[Path]) -> CheckedFiles:
    """Load scenario or plan files; raise one InputError listing every problem once.

    A file with any scenario-only key (``plans``, ``network``, ``shelters``, ...) is read
    as a scenario, with its plans; any other file as a plan. A plan file that a scenario
    given alongside already lists is checked once, as part of that scenario.
    """
    problems: list[Problem] = []
    scenarios: list[LoadedScenario] = []
    lone: list[tuple[Path, Plan]] = []
    datas: list[tuple[Path, dict[str, Any] | None]] = []
    for p in paths:
        sub: list[Problem] = []
        datas.append((p, _read_yaml(p, sub)))
        problems.extend(sub)
    covered: set[Path] = set()
    for p, data in datas:
        if data is not None and _SCENARIO_ONLY & set(data):
            covered.add(p.resolve())
            try:
                ls = load_scenario(p)
            except InputError as exc:
                problems.extend(exc.problems)
                base = p.parent
                for rel in data.get("plans") or []:
                    if isinstance(rel, str):
                        covered.add((base / rel).resolve())
                continue
            covered.update(q.resolve() for q in ls.plan_paths.values())
            scenarios.append(ls)
    for p, data in datas:
        if data is None or p.resolve() in covered:
            continue
        sub = []
        plan = _validate(Plan, data, p, sub)
        problems.extend(sub)
        if plan is not None:
            lone.append((p, plan))
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    return CheckedFiles(scenarios, lone)
