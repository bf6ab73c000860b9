"""The message catalogs: current with the code, compiled, and read per call or per context."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from types import ModuleType

import pytest

from musterpoint.display.i18n import (
    LOCALE_DIR,
    P_,
    _,
    bilingual,
    current_language,
    labels,
    language,
    language_code,
    ngettext,
    tr,
)

ROOT = Path(__file__).resolve().parents[2]


def _catalog_tool() -> ModuleType:
    pytest.importorskip("babel", reason="Babel (in the [test] extra) extracts the catalog")
    spec = importlib.util.spec_from_file_location("i18n_catalog", ROOT / "tools/i18n_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalog_is_current_with_the_code() -> None:
    """Every msgid marked in the code is translated, none is fuzzy or stale, and the
    shipped .mo is the .po compiled (else: ``python tools/i18n_catalog.py update``,
    translate, ``compile``)."""
    tool = _catalog_tool()
    assert tool.problems() == []
    template = tool.extract()
    assert len([m for m in template if m.id]) > 600  # the tables of maps/ and reports/


def test_catalog_check_finds_a_stale_mo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a .mo that is not the .po compiled is reported."""
    tool = _catalog_tool()
    po = tool.po_path("zh")
    copy = tmp_path / "zh" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    (copy / po.name).write_bytes(po.read_bytes())
    (copy / "musterpoint.mo").write_bytes(b"stale")
    monkeypatch.setattr(tool, "LOCALE_DIR", tmp_path)
    found = tool.problems()
    assert len(found) == 1 and "is not musterpoint.po compiled" in found[0]


def test_catalog_is_shipped_as_package_data() -> None:
    assert (LOCALE_DIR / "zh" / "LC_MESSAGES" / "musterpoint.mo").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"musterpoint.display" = ["py.typed", "locale/**/*"]' in pyproject


def test_translate_per_call() -> None:
    assert tr("zh", "Shelters") == "避难场所"
    assert tr("zh-Hans", "Shelters") == "避难场所"
    assert tr("en", "Shelters") == "Shelters"
    assert tr(None, "Shelters") == "Shelters"
    assert tr("fr", "Shelters") == "Shelters"  # no catalog: English
    assert tr("zh", "a text nobody marked") == "a text nobody marked"


def test_context_tells_two_translations_apart() -> None:
    assert tr("zh", "Capacity") == "容量"
    assert tr("zh", P_("road", "Capacity")) == "通行能力"
    assert tr("en", P_("road", "Capacity")) == "Capacity"


def test_language_per_context_does_not_leak() -> None:
    assert current_language() == "en"
    with language("zh_CN") as code:
        assert code == "zh"
        assert _("Shelters") == "避难场所"
        with language("en"):
            assert _("Shelters") == "Shelters"
        assert _("Shelters") == "避难场所"
        seen: list[str] = []
        worker = threading.Thread(target=lambda: seen.append(_("Shelters")))
        worker.start()
        worker.join()
        assert seen == ["Shelters"]  # another thread starts in English
    assert current_language() == "en"
    assert _("Shelters") == "Shelters"


def test_plural_forms() -> None:
    assert ngettext("{n} person", "{n} people", 1) == "{n} person"
    assert ngettext("{n} person", "{n} people", 2) == "{n} people"


def test_tables_in_both_languages() -> None:
    table = {"a": "Shelters", "b": P_("road", "Capacity")}
    assert labels(table, "zh") == {"a": "避难场所", "b": "通行能力"}
    assert labels(table, "en") == {"a": "Shelters", "b": "Capacity"}
    assert bilingual(table) == {"a": ("Shelters", "避难场所"), "b": ("Capacity", "通行能力")}


@pytest.mark.parametrize(("setting", "code"), [("zh", "zh"), ("ZH-hant", "zh"), ("en-GB", "en"),
                                               ("", "en"), (None, "en"), ("de", "en")])
def test_language_code(setting: str | None, code: str) -> None:
    assert language_code(setting) == code


def test_engine_notes_are_translated_with_their_figures() -> None:
    from musterpoint.display.engine_text import translate_engine_text

    note = "coordinates reprojected from EPSG:32722 to EPSG:4326"
    assert translate_engine_text("zh", note) == "坐标已从 EPSG:32722 转换为 EPSG:4326"
    assert translate_engine_text("en", note) == note
    assert (translate_engine_text("zh", "default speed of the road class used on 12 of 3,400 ways")
            == "3,400 条道路中有 12 条使用该道路等级的默认车速")
    assert translate_engine_text("zh", "an unknown note") == "an unknown note"


def test_map_controls_are_labelled_in_chinese_only() -> None:
    from musterpoint.maps.control_text import control_labels

    assert control_labels("en") is None
    zh = control_labels("zh")
    assert zh is not None and zh[".leaflet-control-zoom-in"] == "放大"


def test_instants_are_shown_in_the_scenario_time_zone() -> None:
    from datetime import UTC, datetime

    from musterpoint.display.timefmt import format_instant

    moment = datetime(2026, 5, 3, 9, 12, tzinfo=UTC)
    assert format_instant(moment, "America/Sao_Paulo") == "2026-05-03 06:12 (America/Sao_Paulo)"
    shanghai = format_instant("2026-05-03T09:12:00", "Asia/Shanghai")
    assert shanghai == "2026-05-03 17:12 (Asia/Shanghai)"
    assert format_instant(moment, None) == "2026-05-03 09:12 (UTC)"
    assert format_instant(None, "Asia/Shanghai") == "—"


def test_console_page_carries_the_catalog_labels() -> None:
    import json
    import re

    from musterpoint.maps.drill_console import console_page

    page = console_page("</script><b>x", "zh")
    block = re.search(r'<script type="application/json" id="musterpoint-l10n">(.*?)</script>',
                      page, re.S)
    assert block is not None
    l10n = json.loads(block.group(1))
    assert l10n["zh"]["layer_shelters"] == "避难场所" and l10n["en"]["start"] == "Start"
    assert l10n["zh"]["closed"] == "关闭" and l10n["zh"]["s_observation"] == "观察"
    assert "<b>x" not in page  # the title stays escaped


def test_units_in_chinese() -> None:
    from musterpoint.display.units import unit
    from musterpoint.reports.run_summary import plain_value

    assert [unit("zh", k) for k in ("min", "h", "d", "person-hours")] == ["分钟", "小时", "天",
                                                                           "人时"]
    assert unit("en", "person-hours") == "person-hours"
    assert plain_value("evacuation.exposed_person_s", 7200.0, True) == "2.0 人时"
    assert plain_value("evacuation.exposed_person_s", 7_200_000.0, False) == "2,000.0 person-hours"
