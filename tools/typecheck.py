"""Type-check the whole package as ``musterpoint`` (the way it is installed).

The source folders map to one import name through setuptools' ``package-dir``, which
mypy cannot follow in an editable install (it would see every ``musterpoint.*`` import
as untyped). This script lays the folders out as the installed package in a temporary
directory of symbolic links and runs ``mypy -p musterpoint`` on it.

Usage: ``python tools/typecheck.py`` (exit code of mypy).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("sim", "display", "scenarios", "maps", "reports")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / "musterpoint"
        pkg.mkdir()
        for f in (ROOT / "app").iterdir():
            if f.suffix in (".py", ".typed") or (f / "__init__.py").is_file():
                (pkg / f.name).symlink_to(f)
        for sub in SUBPACKAGES:
            (pkg / sub).symlink_to(ROOT / sub)
        env = {**os.environ, "MYPYPATH": tmp}
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "-p", "musterpoint"]
        return subprocess.call(cmd, cwd=tmp, env=env)


if __name__ == "__main__":
    sys.exit(main())
