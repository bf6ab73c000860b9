"""The map's fast paths give what the plain ones give, to the bit (issue 18).

Vectorised rounding and WKT parsing, the link-id shortcut, and the deferred page data of
:func:`musterpoint.maps.offline.write_offline_page`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from musterpoint.maps import map_layout, timeline_bounds, write_run_map
from musterpoint.maps.geometry import link_key, round_array, wkt_geometries, wkt_geometry
from tests.helpers.run_fixture import make_run_result


def _bits(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).view(np.int64)


def test_round_array_is_python_round_to_the_bit() -> None:
    rng = np.random.default_rng(18)
    parts = [rng.normal(size=50_000) * s for s in (1e-4, 1.0, 60.0, 1e6, 1e13, 1e300)]
    # values on the half-way points of the 1e-5 grid, where a careless product flips
    parts.append((np.round(rng.normal(size=50_000) * 1e6) + 0.5) / 1e5)
    parts.append(np.array([0.0, -0.0, -1e-7, 5e-6, -5e-6, 1.5e-5, 2.5e-5, 1e-320,
                           123.456785, -51.249027777677966, np.inf, -np.inf]))
    values = np.concatenate(parts)
    expected = np.array([round(v, 5) for v in values.tolist()])
    assert (_bits(round_array(values, 5)) == _bits(expected)).all()
    with np.errstate(invalid="ignore"):
        assert np.isnan(round_array(np.array([np.nan]), 5)).all()


def test_wkt_geometries_equal_one_by_one_parsing(caplog: object) -> None:
    texts = [
        "LINESTRING (-51.2490277776 -30.0973611117, -51.24930555545 -30.09708333393)",
        "LINESTRING (1.123456789 2.5, 3.000005 4.0000049, 7 8)",
        "MULTILINESTRING ((1 2, 3 4), (5 6, 7 8))",
        "LINESTRING Z (1 2 3, 4 5 6)",
        "POLYGON ((0 0, 1 0, 1 1, 0 0))",
        "POINT (1.000004 2.000006)",
        "LINESTRING EMPTY",
        "not wkt",
        "",
        "   ",
        None,
        5,
        float("nan"),
    ]
    assert wkt_geometries(texts) == [wkt_geometry(t) for t in texts]
    assert wkt_geometries([]) == []
    assert wkt_geometries(texts)[1] == {"type": "LineString", "coordinates": [
        [1.12346, 2.5], [3.0, 4.0], [7.0, 8.0]]}


def test_link_key_shortcut_keeps_every_answer() -> None:
    cases = {"26786712:293823205-3618665294": "26786712:293823205-3618665294",
             " 12 ": "12", "1_0": "10", "+5": "5", "-3": "-3", "\u0661\u0662": "12",
             "1.0": "1.0", "x": "x", "12 3": "12 3", "-": "-", 1.0: "1", 7: "7"}
    for value, key in cases.items():
        assert link_key(value) == key, value


def test_link_keys_of_a_parquet_text_column_are_link_key_of_each_id() -> None:
    """The vectorised path of :func:`link_keys` (text surely not a number kept as it is)
    gives the Series mapping :func:`link_key` over the distinct ids gives: values, type,
    index and name; with digits, Unicode digits and spaces, missing ids and mixtures."""
    import numpy as np
    import pandas as pd

    from musterpoint.maps.geometry import link_keys

    def by_each(ids: pd.Series) -> pd.Series:
        return ids.map({v: link_key(v) for v in pd.unique(ids)})

    texts = ["26786712:293823205-3618665294", " 12 ", "1_0", "+5", "-3", "\u0661\u0662",
             "1.0", "x", "12 3", "-", None, "\u0663:\u0664", "\u00a012", "\u00e9", "12e3", "a b"]
    arrow = pd.StringDtype("pyarrow", na_value=np.nan)
    cases = [pd.Series(texts, dtype=arrow, name="link_id"),
             pd.Series(["a:1", "b:2", "c:3"], dtype=arrow, index=[7, 3, 5]),
             pd.Series(texts, dtype=pd.StringDtype("python", na_value=np.nan)),
             pd.Series(texts, dtype="string"), pd.Series(texts, dtype=object),
             pd.Series([1, 2, 3]), pd.Series([], dtype=arrow)]
    for ids in cases:
        fast, slow = link_keys(ids), by_each(ids)
        pd.testing.assert_series_equal(fast, slow, check_exact=True)
        assert fast.dtype == slow.dtype
        assert [repr(v) for v in fast] == [repr(v) for v in slow]


def _ids_numbered(page: str) -> str:
    """The page with folium's random element ids numbered in order of appearance."""
    seen: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda m: seen.setdefault(m.group(0), f"id{len(seen)}"),
                  page)


def test_deferred_page_data_gives_the_same_page(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    result = make_run_result()
    page = write_run_map(result, tmp_path / "map.html").read_text("utf-8")
    for module in (map_layout, timeline_bounds):  # folium renders the data itself
        monkeypatch.setattr(module, "defer_text", lambda *args, **kwargs: None)
    plain = write_run_map(result, tmp_path / "plain.html").read_text("utf-8")
    assert "__musterpoint_deferred_" not in page + plain
    assert page.count("L.timeline(") == 2 and "musterRoads(" in page
    assert _ids_numbered(page) == _ids_numbered(plain)
