"""Write ``docs/outputs.md``: every output table of a run, its columns, units and meaning,
from the one schema (:data:`musterpoint.sim.engine.ALL_TABLES`), and the bound's KPI family
(:data:`musterpoint.sim.bounds.kpi_schema.BOUNDS_KPIS`) and the keys of ``suggestions.json``
(:data:`musterpoint.sim.experiments.suggestions.SUGGESTIONS_KEYS`); a test checks the file is
current.

Usage: ``python tools/write_output_docs.py`` (``--check``: exit 1 if the file is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

from musterpoint.sim.bounds.kpi_schema import BOUNDS_KPIS
from musterpoint.sim.engine import ALL_TABLES
from musterpoint.sim.experiments.suggestions import SUGGESTIONS_KEYS
from musterpoint.sim.tables import geometry_columns

OUT = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"


def render() -> str:
    """The Markdown page."""
    lines = ["# Output tables", "",
             "Each run folder holds `run.json` (metadata), `kpis.json` and one Parquet file",
             "per table below. Times are seconds since the scenario start. This page is",
             "generated from `sim/tables.py` and the services' `tables.py` by",
             "`tools/write_output_docs.py`; do not edit it. Tables of a service (relief_*,",
             "health_*) are written only by plans that use it.",
             "",
             "`muster run` also writes the spatial tables (those marked *GIS* below) for",
             "QGIS and other GIS software: one GeoPackage, `run.gpkg`, with a layer per table",
             "(plus `bound_bottlenecks`, the links of the flow bound's bottleneck cut, when it",
             "found any), and one GeoParquet file per layer, `<layer>.geo.parquet`. Both are in",
             "EPSG:4326 (WGS 84 lon/lat); the geometry replaces the `wkt` or `geojson` column.",
             "`muster run --no-gis` skips these GIS files (the Parquet tables are written all",
             "the same), as `--no-map` skips `map.html` and `--no-report` skips `report.html`.",
             ""]
    for t in ALL_TABLES.values():
        geo = geometry_columns(t)
        gis = (f" *GIS*: layer `{t.name}` of `run.gpkg` and `{t.name}.geo.parquet`, "
               f"geometry from `{'`/`'.join(geo)}`." if geo else "")
        lines += [f"## `{t.name}`", "", f"One row: {t.row}.{gis}", "",
                  "| column | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.unit} | {c.description.replace('|', '/')} |"
                  for c in t.columns]
        lines.append("")
    lines += ["## `kpis.json`: `bounds`", "",
              "The flow-over-time bound's family of `kpis.json` (runs with the bound).", "",
              "| key | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{k}` | {u} | {m.replace('|', '/')} |" for k, u, m in BOUNDS_KPIS]
    lines += ["", "## `suggestions.json`", "",
              "Written by `muster run --suggest-plan` (with `suggested-plan.yaml` and",
              "`scenario-with-suggestion.yaml` when a change helped): every candidate change",
              "simulated on common seeds with the base plan, kept only if its score is higher",
              "(95 % interval of the paired difference above zero) or it meets a standard on",
              "more seeds, and never if it meets a standard on fewer seeds.", "",
              "| key | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{k}` | {u} | {m.replace('|', '/')} |" for k, u, m in SUGGESTIONS_KEYS]
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
