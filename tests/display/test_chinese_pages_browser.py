"""A DOM scan of each Chinese page finds no English word outside the allow-list
(:mod:`tests.helpers.dom_scan`: units, formats, product names) and the page's own proper
names and ids (scenario, plan, zones, shelters, streets, time zone, reason codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from musterpoint.cli import main
from tests.helpers.dom_scan import english_words, page_texts

#: Every popup a map binds (zones, shelters, bottlenecks), read from Leaflet's layers: they
#: are not in the DOM until clicked.
_POPUPS = """() => {
  const out = [];
  const text = function (html) {
    const d = document.createElement('div'); d.innerHTML = html; const parts = [];
    const w = document.createTreeWalker(d, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) parts.push(n.textContent);
    return parts.join(' ');
  };
  for (const key of Object.keys(window)) {
    const m = window[key];
    if (!(m instanceof L.Map)) continue;
    m.eachLayer(function (l) {
      const p = l.getPopup && l.getPopup();
      if (p && typeof p.getContent() === 'string') out.push(text(p.getContent()));
      const t = l.getTooltip && l.getTooltip();
      if (t && typeof t.getContent() === 'string') out.push(text(t.getContent()));
    });
  }
  return out;
}"""


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the grid scenario written in Chinese (map and report)."""
    from tests.helpers.scenario_factory import make_scenario

    base = tmp_path_factory.mktemp("zh-run")
    scenario = make_scenario(base / "sc")
    out = base / "out"
    assert main(["run", str(scenario), "--lang", "zh", "--out", str(out), "--no-catalog"]) == 0
    return out


@pytest.fixture(scope="module")
def zh_compare(zh_run: Path) -> Path:
    """A Chinese comparison (report and difference map) of two plans, 3 replications."""
    out = zh_run.parent / "cmp"
    assert main(["compare", str(zh_run.parent / "sc"), "--plans", "now", "late", "-n", "3",
                 "--workers", "1", "--lang", "zh", "--out", str(out), "--no-progress",
                 "--no-catalog"]) == 0
    return out


@pytest.fixture(scope="module")
def zh_after_action(zh_run: Path) -> Path:
    """The Chinese after-action report of a terminal drill with a decision and a note."""
    session = zh_run.parent / "t.sqlite"
    script = "step 20\ndecide order_zones zones=Z00-00 -- 河水上涨\nnote 交通拥堵\nquit\n"
    done = subprocess.run([sys.executable, "-m", "musterpoint", "drill", str(zh_run.parent / "sc"),
                           "--plan", "late", "--session", str(session), "--terminal"],
                          input=script, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = zh_run.parent / "aar"
    assert main(["drill-report", str(session), "--out", str(out), "--lang", "zh"]) == 0
    return out / "t-after-action.html"


def _names(out: Path) -> tuple[list[str], list[str]]:
    """(proper names, ids) of a run folder: what a Chinese page may show as is."""
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    names = [str(meta.get(k) or "") for k in ("scenario", "scenario_title", "plan",
                                              "plan_title", "timezone", "version")]
    names += ["now", "Now", "late", "Late"]  # the grid scenario's plans (scenario_factory)
    names += pd.read_parquet(out / "zones.parquet")["zone"].astype(str).tolist()
    shelters = pd.read_parquet(out / "shelters.parquet")
    names += shelters["shelter"].astype(str).tolist() + shelters["name"].astype(str).tolist()
    links = pd.read_parquet(out / "links.parquet")
    names += links["link_id"].astype(str).tolist()
    if "name" in links:
        names += links["name"].dropna().astype(str).tolist()
    from musterpoint.display.reasons import reason_group

    reasons = pd.read_parquet(out / "agents.parquet")["reason"].dropna().astype(str)
    return names, sorted({reason_group(r) for r in reasons})


def _scan(browser: Any, page_path: Path, popups: bool = False) -> list[str]:
    page = browser.new_page()
    try:
        page.goto(page_path.as_uri())
        page.wait_for_timeout(300)
        texts = page_texts(page)
        if popups:
            texts += page.evaluate(_POPUPS)
        return texts
    finally:
        page.close()


@pytest.mark.browser
def test_chinese_run_map_has_no_english(browser: Any, zh_run: Path) -> None:
    names, ids = _names(zh_run)
    texts = _scan(browser, zh_run / "map.html", popups=True)
    assert any("避难场所" in t for t in texts)  # the scan read the page and its popups
    assert any("区域" in t for t in texts)
    assert english_words(texts, names, ids) == {}


@pytest.mark.browser
def test_chinese_run_report_has_no_english(browser: Any, zh_run: Path) -> None:
    names, ids = _names(zh_run)
    texts = _scan(browser, zh_run / "report.html")
    assert any("这个方案管用吗" in t for t in texts)
    assert english_words(texts, names, ids) == {}


@pytest.mark.browser
def test_chinese_comparison_pages_have_no_english(browser: Any, zh_run: Path,
                                                   zh_compare: Path) -> None:
    names, ids = _names(zh_run)
    report = _scan(browser, zh_compare / "comparison_report.html")
    assert any("方案比较" in t for t in report)
    assert english_words(report, names, ids) == {}
    dmap = _scan(browser, zh_compare / "difference_map_now_vs_late.html", popups=True)
    assert english_words(dmap, names, ids) == {}


@pytest.mark.browser
def test_chinese_after_action_report_has_no_english(browser: Any, zh_run: Path,
                                                     zh_after_action: Path) -> None:
    names, ids = _names(zh_run)
    texts = _scan(browser, zh_after_action)
    assert any("演练评估报告" in t for t in texts) and any("河水上涨" in t for t in texts)
    assert english_words(texts, names, ids) == {}


@pytest.mark.browser
def test_chinese_drill_console_has_no_english(browser: Any, zh_run: Path) -> None:
    from musterpoint.console import DrillServer
    from musterpoint.sim.drill import DrillSession

    names, ids = _names(zh_run)
    session = DrillSession.create(zh_run.parent / "console.sqlite", zh_run.parent / "sc"
                                  / "scenario.yaml", "late", 3)
    commands = session.commands()
    names += list(commands) + [a for spec in commands.values() for a in spec["args"]]
    names.append(session.path.name)
    server = DrillServer(session, "127.0.0.1", 0, tiles=None, tick_s=0.1, lang="zh")
    server.start()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{server.port}/")
        page.wait_for_selector("#clock-status:not(:empty)")
        page.wait_for_timeout(1000)
        texts = page_texts(page)
    finally:
        page.close()
        server.shutdown()
    assert any("演练脚本" in t for t in texts) and any("立即下达区域疏散令" in t for t in texts)
    assert english_words(texts, names, ids) == {}


def test_the_scan_finds_english() -> None:
    found = english_words(["疏散人员 12 人", "cut off at home", "ETE50 0:15", "kpis.json 中"],
                          names=["North school"], ids=["no transport"])
    assert set(found) == {"cut", "off", "at", "home"}
