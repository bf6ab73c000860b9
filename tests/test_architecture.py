"""Architecture rules, checked on the import graph of the package as it is laid out.

Layers, lowest first: scenarios → sim → display → maps | reports → app, with no arrow back
(the bare ``musterpoint`` package counts as app). Inside ``sim`` the subpackages form an
acyclic graph in the order of :data:`SIM_ORDER` (``TYPE_CHECKING`` imports included, so a
type-only back-reference cannot hide a cycle). Only ``sim/evacuation`` knows
``EvacuationRun``'s class (and the engine, which assembles a run with its services);
every other part goes through a narrow interface (``RunContext``, ``LiveRun``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = {"musterpoint": "app", "musterpoint.sim": "sim", "musterpoint.display": "display",
          "musterpoint.scenarios": "scenarios", "musterpoint.maps": "maps",
          "musterpoint.reports": "reports"}
LAYERS = {"scenarios": 0, "sim": 1, "display": 2, "maps": 3, "reports": 3, "app": 4}
#: sim's parts, lowest first: a part may import only parts before it (and the root modules
#: listed with it); ``root`` are the small shared modules at the top of ``sim/``.
SIM_ORDER = ["root", "network", "hazards", "demand", "traffic", "world", "kpis",
             "evacuation", "bounds", "relief", "health", "levels", "all_tables", "engine",
             "experiments", "drill"]
SIM_ROOT_LOW = {"rng", "geo", "intervals", "des", "_accel", "tables", "result", "__init__",
                "lazy"}
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out: dict[str, Path] = {}
    for pkg, folder in FOLDER.items():
        for py in (ROOT / folder).rglob("*.py"):
            if "bundled" in py.parts:  # data-preparation scripts shipped with a scenario
                continue
            rel = py.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([pkg, *parts])
            if pkg == "musterpoint" and parts and parts[0] in ("sim", "display", "scenarios",
                                                               "maps", "reports"):
                continue
            out[name] = py
    return out


MODULES = _modules()


def _imports(path: Path) -> list[str]:
    """Every module named by an import in ``path`` (top level, lazy and type-only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out.extend(f"{node.module}.{a.name}" for a in node.names
                       if f"{node.module}.{a.name}" in MODULES)
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def _folder_of(module: str) -> str:
    best = max((p for p in FOLDER if module == p or module.startswith(p + ".")), key=len)
    return FOLDER[best]


def _sim_part(module: str) -> str:
    """The part of sim a module belongs to (see SIM_ORDER)."""
    rest = module.removeprefix("musterpoint.sim").lstrip(".").split(".")
    head = rest[0] or "__init__"
    if head in SIM_ROOT_LOW:
        return "root"
    return head


def test_importing_the_engine_pulls_in_neither_folium_nor_jinja2():
    """The engine stays light: no map, report or GIS-writing library is loaded with it."""
    code = (
        "import sys\n"
        "import musterpoint.sim, musterpoint.sim.engine, musterpoint.sim.world\n"
        "import musterpoint.gis_export\n"
        "bad = [m for m in ('folium', 'jinja2', 'branca', 'starlette', 'geopandas',\n"
        "                   'pyogrio') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_module_map_finds_every_part():
    """The walk sees the subpackages (a guard against a test that checks nothing)."""
    assert "musterpoint.sim.evacuation.run" in MODULES
    assert "musterpoint.sim.drill.session" in MODULES
    assert "musterpoint.cli" in MODULES and len(MODULES) > 100


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module):
    """No import goes to a higher layer, the bare ``musterpoint`` package included."""
    path = MODULES[module]
    mine = _folder_of(module)
    for mod in _imports(path):
        parts = mod.split(".")
        if parts[0] in ("sim", "maps", "reports", "scenarios", "app", "display"):
            pytest.fail(f"{path}: bare import of {mod}; use musterpoint.{mod}")
        if parts[0] != "musterpoint":
            continue
        other = _folder_of(mod)
        if {mine, other} == {"maps", "reports"}:
            pytest.fail(f"{path}: maps and reports are siblings; {mod} crosses over")
        assert LAYERS[other] <= LAYERS[mine], f"{path} imports {mod}: a higher layer"


def test_app_init_imports_nothing_of_the_package():
    """``musterpoint/__init__`` runs on every import of any layer: it stays a leaf."""
    mods = [m for m in _imports(ROOT / "app" / "__init__.py") if m.startswith("musterpoint")]
    assert mods == []


def test_sim_parts_form_no_cycle_and_follow_their_order():
    """Every import inside sim goes to the same part or to one listed before it."""
    bad = []
    for module, path in MODULES.items():
        if _folder_of(module) != "sim":
            continue
        mine = _sim_part(module)
        if mine == "root" and module == "musterpoint.sim":
            continue
        for mod in _imports(path):
            if not mod.startswith("musterpoint.sim.") or mod not in MODULES:
                continue
            other = _sim_part(mod)
            if other != mine and SIM_ORDER.index(other) > SIM_ORDER.index(mine):
                bad.append(f"{module} ({mine}) imports {mod} ({other})")
    assert not bad, "\n".join(bad)


def test_every_sim_part_is_in_the_order():
    """A new subpackage must be placed in SIM_ORDER."""
    parts = {_sim_part(m) for m in MODULES if _folder_of(m) == "sim"}
    assert parts <= set(SIM_ORDER), parts - set(SIM_ORDER)


def test_only_the_evacuation_part_knows_the_run_class():
    """Extensions see a RunContext, the drill a LiveRun; only the engine, which assembles
    a run with its built-in services, names the class outside ``sim/evacuation``."""
    bad = []
    for module, path in MODULES.items():
        if module.startswith("musterpoint.sim.evacuation") or module == "musterpoint.sim.engine":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(a.name == "EvacuationRun"
                                                        for a in node.names):
                bad.append(f"{path}:{node.lineno}")
    assert not bad, "EvacuationRun imported outside sim/evacuation: " + ", ".join(bad)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_the_line_limit(module):
    """Small modules: none over 500 lines."""
    n = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{MODULES[module]} has {n} lines"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_public_modules_declare_all(module):
    """Each module says what it exports (an empty ``__init__`` has nothing to say)."""
    path = MODULES[module]
    text = path.read_text(encoding="utf-8")
    if path.name == "__main__.py" or (path.name == "__init__.py" and not text.strip()):
        return
    assert "__all__" in text, f"{path} has no __all__"


def test_every_package_folder_is_installed():
    """Each folder with an ``__init__.py`` is listed in pyproject's packages (or the wheel
    silently lacks it)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(conf["tool"]["setuptools"]["packages"])
    found = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert found == listed
