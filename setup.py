"""Install hook: compile the traffic core with mypyc (an accelerator, never a second truth).

Everything else about the package is in ``pyproject.toml``. This compiles copies of
``sim/des.py`` and ``sim/traffic/{vehicles,links,queue_model,fixed_routes}.py``
(:data:`SOURCES`, as in ``sim/_accel.py``, read from there) as the modules
``musterpoint.sim._des_c``, ``musterpoint.sim.traffic._queue_model_c``, ...: each copy is
the source down to its "compiled core" line, importing the other copies; with them, in the
same library, the module ``musterpoint.sim._stamps_c`` holds the sha256 of every file they
were made from. At import the traffic core uses them only if every stamp matches the source
files as they are then, so an edited source in an editable install runs as pure Python until
the next install, never as an old build (``_accel.compiled``).

If mypyc, the C compiler or the build fails, the install goes on without the compiled
modules (pure Python, same results), with a warning. ``MUSTER_NO_COMPILE=1`` skips it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def _load_accel() -> Any:
    """``sim/_accel.py`` read from its file (standard library only; the package is not
    importable while it is being built): the one list of compiled modules and their names."""
    spec = importlib.util.spec_from_file_location("_musterpoint_accel", ROOT / "sim" / "_accel.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ACCEL = _load_accel()
#: The compiled modules of sim/ (``sim/_accel.SOURCES``).
SOURCES: tuple[str, ...] = _ACCEL.SOURCES
#: ``traffic.queue_model`` -> ``musterpoint.sim.traffic._queue_model_c`` (``sim/_accel``).
compiled_name = _ACCEL.compiled_name
#: A source is compiled down to this line; what follows stays pure Python.
MARKER = "# ---- compiled core:"
#: Where the copies are written (under build/, which git ignores).
STAGE = ROOT / "build" / "mypyc-src"
PACKAGE = "musterpoint.sim"
#: The compiled module of the sha256 of every source as built (``sim/_accel.STAMPS``).
STAMPS: str = _ACCEL.STAMPS.rpartition(".")[2]


def _warn(message: str) -> None:
    sys.stderr.write(f"musterpoint setup: WARNING: {message}; the traffic core runs as "
                     "pure Python (same results, slower)\n")


def staged_copies(stage: Path = STAGE) -> list[Path]:
    """Write the copies to compile under ``stage`` (as package ``musterpoint``), and the
    module of their stamps."""
    if stage.exists():
        shutil.rmtree(stage)
    for d in ("musterpoint", "musterpoint/sim", "musterpoint/sim/traffic"):
        (stage / d).mkdir(parents=True)
        (stage / d / "__init__.py").write_text("", encoding="utf-8")
    (stage / "mypy.ini").write_text(
        "[mypy]\nignore_missing_imports = True\nfollow_imports = skip\n"
        "warn_unused_ignores = False\n", encoding="utf-8")
    out, stamps = [], {}
    for name in SOURCES:
        raw = (ROOT / "sim").joinpath(*name.split(".")).with_suffix(".py").read_bytes()
        stamps[name] = hashlib.sha256(raw).hexdigest()
        body = raw.decode("utf-8")
        if MARKER not in body:
            raise ValueError(f"the source of {name} has no line {MARKER!r}")
        body = body[:body.index(MARKER)].rstrip() + "\n"
        for other in SOURCES:
            body = body.replace(f"from {PACKAGE}.{other} import",
                                f"from {compiled_name(other)} import")
        path = stage.joinpath(*compiled_name(name).split(".")).with_suffix(".py")
        path.write_text(body, encoding="utf-8")
        out.append(path)
    path = stage / "musterpoint" / "sim" / f"{STAMPS}.py"
    path.write_text(f'"""sha256 of each source as compiled."""\n\nBUILT_FROM = {stamps!r}\n',
                    encoding="utf-8")
    return [*out, path]


#: The setup commands that build extensions (pip also runs setup.py for metadata only).
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}


def compiled_extensions() -> list[Any]:
    """The mypyc extensions of the traffic core, or none (with a warning) if they
    cannot be made (or when nothing is built)."""
    if os.environ.get("MUSTER_NO_COMPILE", "") not in ("", "0") or not BUILDS & set(sys.argv):
        return []
    try:
        from mypyc.build import mypycify

        paths = staged_copies()
        cwd = os.getcwd()
        os.chdir(STAGE)  # mypyc names the modules from the paths it is given
        try:
            return list(mypycify(
                ["--config-file", "mypy.ini",
                 *[str(p.relative_to(STAGE)) for p in paths]],
                opt_level="3", debug_level="0", group_name=f"{PACKAGE}._core",
                target_dir=str(STAGE / "c")))
        finally:
            os.chdir(cwd)
    except (Exception, SystemExit) as exc:  # mypyc reports errors with sys.exit
        _warn(f"mypyc could not compile the traffic core ({exc!r})")
        return []


class OptionalBuildExt(build_ext):
    """build_ext that warns instead of failing: the compiled core is optional."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            _warn(f"building the compiled traffic core failed ({exc!r})")

    def build_extension(self, ext: Any) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            _warn(f"building {ext.name} failed ({exc!r})")


if __name__ == "__main__":  # as setuptools runs it (a test imports it for SOURCES)
    setup(ext_modules=compiled_extensions(), cmdclass={"build_ext": OptionalBuildExt})
