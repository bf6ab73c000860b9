"""Start-up cost of the ``muster`` command: its parser imports no heavy library.

Timing is measured by ``bench/bench_startup.py``, not here; these tests pin the cause of
a slow start (an import at module level), which does not depend on the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Modules that must not be imported to build the parser and print the help.
HEAVY = ("numpy", "pandas", "scipy", "pyarrow", "simpy", "networkx", "pydantic", "yaml",
         "shapely", "geopandas", "rasterio", "pyproj", "osmium", "folium", "jinja2", "rich",
         "pyvrp", "dask", "starlette", "uvicorn", "musterpoint.sim.drill",
         "musterpoint.sim.world", "musterpoint.maps", "musterpoint.reports")

_PROBE = """
import json, sys
import musterpoint.cli as cli
cli._parser().format_help()
print(json.dumps(sorted(sys.modules)))
"""


def _imported_by_help() -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout))


def test_building_the_parser_imports_no_heavy_library():
    """``muster --help`` needs argparse and the command modules, not the engine."""
    loaded = _imported_by_help()
    assert [m for m in HEAVY if m in loaded] == []


def test_help_prints_every_command_and_exits_cleanly():
    """The lazy imports leave the commands and their options in the help."""
    out = subprocess.run([sys.executable, "-m", "musterpoint.cli", "--help"],
                         capture_output=True, text=True, check=True)
    for command in ("run", "validate", "scenarios", "compare", "drill"):
        assert command in out.stdout
    run = subprocess.run([sys.executable, "-m", "musterpoint.cli", "run", "--help"],
                         capture_output=True, text=True, check=True)
    assert "--no-bound" in run.stdout


def test_python_dash_m_musterpoint_is_the_muster_command():
    """``python -m musterpoint --help`` works like ``muster --help``."""
    out = subprocess.run([sys.executable, "-m", "musterpoint", "--help"], capture_output=True,
                         text=True, check=True)
    assert "usage: muster" in out.stdout and "run" in out.stdout


_EXIT_PROBE = """
import gc, sys
import musterpoint.cli as cli
sys.argv = ["muster", "scenarios"]
assert cli.main(["scenarios"]) == 0 and gc.get_freeze_count() == 0
assert cli.main() == 0
print(gc.get_freeze_count())
"""


def test_the_command_leaves_its_objects_to_the_exit_not_to_the_collector():
    """``muster`` (no argv: the executable) freezes the heap before exiting, so that the
    interpreter's last collections do not walk it (1.3 s after the default run); a call
    with argv (a program, a test) leaves the collector alone."""
    out = subprocess.run([sys.executable, "-c", _EXIT_PROBE], capture_output=True, text=True,
                         check=True)
    assert int(out.stdout.strip().splitlines()[-1]) > 1000


_RUN_HELP_PROBE = """
import json, sys
import musterpoint.cli as cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def test_muster_help_and_run_help_import_no_heavy_library():
    """``muster --help`` and ``muster run --help`` as run, not only the parser built."""
    for argv in (["--help"], ["run", "--help"]):
        out = subprocess.run([sys.executable, "-c", _RUN_HELP_PROBE, *argv],
                             capture_output=True, text=True, check=True)
        loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
        assert "musterpoint.cli" in loaded
        assert [m for m in (*HEAVY, "matplotlib", "pyarrow") if m in loaded] == [], argv


def test_the_run_summary_imports_no_report_writer():
    """``muster run --no-report`` prints its summary from
    :mod:`musterpoint.reports.run_summary` without importing jinja2 or the HTML report
    (about 40 ms); ``musterpoint.reports.write_run_report`` is still there when asked."""
    probe = ("import json, sys\nimport musterpoint.reports.run_summary\n"
             "before = sorted(sys.modules)\n"
             "from musterpoint.reports import write_run_report\n"
             "print(json.dumps([before, write_run_report.__module__]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    before, module = json.loads(out.stdout)
    assert "jinja2" not in before and "musterpoint.reports.run_report" not in before
    assert module == "musterpoint.reports.run_report"
