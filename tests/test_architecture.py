"""Architecture rules: the engine stays light and the layers import one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_engine_pulls_in_neither_folium_nor_jinja2():
    code = (
        "import sys\n"
        "import musterpoint.sim, musterpoint.sim.evacuation, musterpoint.sim.world\n"
        "bad = [m for m in ('folium', 'jinja2', 'branca') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


LAYERS = {"scenarios": 0, "sim": 1, "maps": 2, "reports": 2, "app": 3}
PACKAGE = {"scenarios": "scenarios", "sim": "sim", "maps": "maps", "reports": "reports",
           "app": ""}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_imports_run_one_way(folder):
    mine = LAYERS[folder]
    for py in (ROOT / folder).rglob("*.py"):
        for mod in _imports(py):
            parts = mod.split(".")
            if parts[0] in ("sim", "maps", "reports", "scenarios", "app"):
                pytest.fail(f"{py}: bare import of {mod}; use musterpoint.{mod}")
            if parts[0] != "musterpoint" or len(parts) < 2:
                continue
            other = parts[1] if parts[1] in LAYERS else "app"
            if {folder, other} == {"maps", "reports"}:
                pytest.fail(f"{py}: maps and reports are siblings; {mod} crosses over")
            assert LAYERS[other] <= mine, f"{py} imports {mod}: a higher layer"


@pytest.mark.parametrize("folder", ["scenarios", "sim", "maps", "reports", "app"])
def test_public_modules_declare_all(folder):
    for py in (ROOT / folder).glob("*.py"):
        if py.name == "__init__.py" and not py.read_text().strip():
            continue
        assert "__all__" in py.read_text(encoding="utf-8"), f"{py} has no __all__"
