"""The output tables match their one schema (sim/tables.py), and the docs are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from musterpoint.sim.engine import simulate
from musterpoint.sim.result import RunResult
from musterpoint.sim.tables import TABLES, Event

ROOT = Path(__file__).resolve().parents[2]


def test_every_table_of_a_run_has_exactly_its_schema_columns(grid_world):
    """The writer, the readers and the docs rely on the schema: a run must keep it."""
    loaded, world = grid_world
    result = simulate(world, loaded.plan("now"), seed=2)
    engine_tables = [n for n in result.tables if n in TABLES]
    assert {"agents", "events", "links", "zones", "timeseries"} <= set(engine_tables)
    for name in engine_tables:
        assert list(result.tables[name].columns) == TABLES[name].names, name


def test_the_event_table_columns_are_the_event_record_fields():
    """Events are typed records; the table's columns come from the record."""
    assert TABLES["events"].names == list(Event._fields)


def test_saving_a_table_that_breaks_its_schema_is_refused(tmp_path):
    """A renamed column is a bug caught at the writer, before anything is written."""
    bad = RunResult(meta={}, kpis={}, tables={"zones": pd.DataFrame({"zone_id": ["a"]})})
    with pytest.raises(ValueError, match="zones"):
        bad.save(tmp_path / "out")
    assert not (tmp_path / "out" / "zones.parquet").exists()


def test_the_output_docs_are_generated_from_the_schema():
    """docs/outputs.md is current (regenerate with tools/write_output_docs.py)."""
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "write_output_docs.py"),
                           "--check"], cwd=ROOT)
    assert done.returncode == 0, "run: python tools/write_output_docs.py"


def test_a_loaded_run_has_the_tables_that_were_saved(grid_world, tmp_path):
    """Save and load round-trip every table with its columns."""
    loaded, world = grid_world
    result = simulate(world, loaded.plan("now"), seed=2)
    again = RunResult.load(result.save(tmp_path / "run"))
    assert set(again.tables) == set(result.tables)
    for name, table in result.tables.items():
        assert list(again.tables[name].columns) == list(table.columns)


@pytest.mark.slow
@pytest.mark.parametrize("name,plan", [("porto-alegre-flood", "relief-need-driven"),
                                       ("helsinki-ammonia", "downwind-first"),
                                       ("wuhan-optics-valley", "three-sites-gate-delivery"),
                                       ("wuhan-optics-valley", "six-sites-pickup-points")])
def test_the_services_tables_are_all_documented(name, plan):
    """Every table a bundled plan writes, the services' included, has its schema."""
    from musterpoint.sim.engine import ALL_TABLES
    from tests.helpers.golden import short_world

    world = short_world(name)
    result = simulate(world, world.loaded.plan(plan), seed=1)
    for table, df in result.tables.items():
        assert table in ALL_TABLES, table
        assert list(df.columns) == ALL_TABLES[table].names, table
