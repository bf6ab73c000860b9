"""Write ``docs/outputs.md``: every output table of a run, its columns, units and meaning,
from the one schema (:data:`musterpoint.sim.engine.ALL_TABLES`; a test checks the file is
current).

Usage: ``python tools/write_output_docs.py`` (``--check``: exit 1 if the file is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

from musterpoint.sim.engine import ALL_TABLES

OUT = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"


def render() -> str:
    """The Markdown page."""
    lines = ["# Output tables", "",
             "Each run folder holds `run.json` (metadata), `kpis.json` and one Parquet file",
             "per table below. Times are seconds since the scenario start. This page is",
             "generated from `sim/tables.py` and the services' `tables.py` by",
             "`tools/write_output_docs.py`; do not edit it. Tables of a service (relief_*,",
             "health_*) are written only by plans that use it.",
             ""]
    for t in ALL_TABLES.values():
        lines += [f"## `{t.name}`", "", f"One row: {t.row}.", "",
                  "| column | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.unit} | {c.description.replace('|', '/')} |"
                  for c in t.columns]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if OUT.exists() and OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
