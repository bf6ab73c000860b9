"""The run's text columns made from their distinct values are the columns a table makes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from musterpoint.sim.evacuation.tables import text_column


@pytest.mark.parametrize("values", [
    ["e1", "e2", "e1", "e3", "e2"],
    ["only"],
    [],
    ["a", None, "b", None],
    [None, "x", np.nan],
    ["中文", "", "中文"],
])
def test_text_column_is_the_tables_column(values: list[object]) -> None:
    a = np.array(values, dtype=object)
    made = pd.DataFrame({"c": text_column(a)})["c"]
    expected = pd.DataFrame({"c": a})["c"] if len(a) else pd.Series(a.astype(str), name="c")
    pd.testing.assert_series_equal(made, expected, check_dtype=bool(len(a)))
    # missing values stay missing (none taken from the last distinct text)
    assert made.isna().tolist() == [v is None or v is np.nan for v in values]
