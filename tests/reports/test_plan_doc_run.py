"""``muster plan-doc --run DIR``: the review checklist's run checks (shelters over
capacity, bottleneck streets, persons without transport apart from those never ordered,
sheltering in place) equal what the run's tables say, and the run's evacuation curve is
drawn with the flow bound."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
import yaml

from musterpoint.cli import main
from musterpoint.reports.plan_doc.run_checks import curve_series, read_run
from tests.helpers.browser_support import needs_libreoffice, pdf_text
from tests.helpers.levels_factory import level, make_level_scenario
from tests.helpers.scenario_factory import make_scenario

LOW = [[0, 0.0], [1, 0.2], [3, 0.2]]
#: The plan orders three of the eight zones out: the others are never ordered.
ORDERED = ["Z00-00", "Z01-00", "Z02-00"]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A level plan ordering three zones, North school with 200 places (it fills), run
    through the CLI with the flow bound."""
    root = tmp_path_factory.mktemp("plandocrun")
    order = [{"order": {"zones": ORDERED}, "role": "cd"}]
    path = make_level_scenario(root / "sc", {"part": [level(0.1, actions=order)],
                                             "all": [level(0.1)]}, stage=LOW)
    sc = yaml.safe_load(path.read_text())
    sc["shelters"][0]["capacity"] = 200
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    out = root / "run"
    assert main(["run", str(path), "--plan", "part", "--out", str(out), "--no-map",
                 "--no-report", "--no-catalog"]) == 0
    return path, out


def _checklist(path: Path, run: Path, out: Path, lang: str = "en") -> list[str]:
    assert main(["plan-doc", str(path), "--plan", "part", "--run", str(run), "--lang", lang,
                 "--out", str(out)]) == 0
    d = docx.Document(str(out))
    texts = [p.text for p in d.paragraphs]
    head = "Annex 3 Plan review checklist" if lang == "en" else "附件3 预案评估问题清单"
    return texts[texts.index(head) + 1:]


def _count(items: list[str], pattern: str) -> int:
    hits = [m for m in (re.search(pattern, x) for x in items) if m]
    assert len(hits) == 1, (pattern, items)
    return int(hits[0].group(1).replace(",", ""))


def test_the_checklist_counts_are_those_of_the_run_tables(ran, tmp_path):
    path, run = ran
    items = _checklist(path, run, tmp_path / "en.docx")
    ag = pd.read_parquet(run / "agents.parquet")
    ev = ag[ag["role"] == "evacuee"]
    never = ev[ev["status"] == "never_departed"]
    ordered = np.isfinite(never["order_s"].astype(float))
    not_ordered = int(never.loc[~ordered, "persons"].sum())
    no_car = int(never.loc[ordered & never["reason"].str.startswith("no transport"),
                           "persons"].sum())
    sip = int(ev.loc[ev["status"] == "sheltering_in_place", "persons"].sum())
    # the scenario has both kinds, so the two counts are told apart
    zones = pd.read_parquet(run / "zones.parquet")
    assert not_ordered > 0 and no_car > 0
    assert not_ordered <= int(zones.loc[~zones["zone"].isin(ORDERED), "evacuees"].sum())
    assert _count(items, r"^Run \(seed 1\): ([\d,]+) persons never left home because their "
                         r"zone was never ordered out\.$") == not_ordered
    assert _count(items, r"^Run \(seed 1\): ([\d,]+) persons in ordered zones never left "
                         r"home for want of transport\. By reason: no car in the household, "
                         r"and no bus in this plan picks them up: [\d,]+\.$") == no_car
    assert _count(items, r"no bus in this plan picks them up: ([\d,]+)\.$") == no_car
    assert _count(items, r"^Run \(seed 1\): ([\d,]+) persons were sheltering in "
                         r"place") == sip
    # North school (200 places) filled up; the table says so too
    sh = pd.read_parquet(run / "shelters.parquet").set_index("shelter")
    ts = pd.read_parquet(run / "shelter_timeseries.parquet")
    assert ts.loc[ts["shelter"] == "north", "occupancy"].max() == sh.loc["north", "capacity"]
    assert "Run (seed 1): shelter North school was full (200 places); later arrivals had to " \
        "go elsewhere." in items
    assert sum("exceeded its capacity:" in x for x in items) == 0
    # the bottleneck item follows kpis.json's bounds
    b = json.loads((run / "kpis.json").read_text())["bounds"]
    if b["bottleneck_streets"]:
        assert any(", ".join(b["bottleneck_streets"]) in x for x in items)
    else:
        assert any("the flow bound found no road bottleneck" in x for x in items)


def test_shelters_over_capacity_and_bottleneck_streets_come_from_the_run(ran, tmp_path):
    """A run whose shelters table and bounds say otherwise: the document follows them."""
    path, run = ran
    other = tmp_path / "run"
    shutil.copytree(run, other)
    sh = pd.read_parquet(other / "shelters.parquet")
    peak = pd.read_parquet(other / "shelter_timeseries.parquet").groupby("shelter")[
        "occupancy"].max()
    sh.loc[sh["shelter"] == "south", "capacity"] = float(peak["south"]) - 10.0
    sh.to_parquet(other / "shelters.parquet", index=False)
    kpis = json.loads((other / "kpis.json").read_text())
    kpis["bounds"].update(bottleneck_streets=["Rua A", "Avenida B"], limited_by="network",
                          bottleneck_link_labels=["Rua A (1)", "Rua A (2)", "Avenida B (3)"])
    (other / "kpis.json").write_text(json.dumps(kpis))
    items = _checklist(path, other, tmp_path / "zh.docx", "zh")
    cap = float(peak["south"]) - 10.0
    assert f"模拟运行（随机种子1）：避难场所South gym超出容量：最多容纳{peak['south']:,.0f}人，" \
        f"容量{cap:,.0f}人。" in items
    assert "模拟运行（随机种子1）：流量上界的瓶颈街道：Rua A、Avenida B（3个路段；受道路通行能力" \
        "限制）。" in items


def test_the_run_curve_is_drawn_with_the_flow_bound(ran, tmp_path):
    path, run = ran
    out = tmp_path / "zh.docx"
    _checklist(path, run, out, "zh")
    d = docx.Document(str(out))
    texts = [p.text for p in d.paragraphs]
    assert "图2 单次模拟的疏散曲线与流量上界（随机种子1）" in texts
    assert len(d.inline_shapes) == 2  # the map and the run's curve
    facts = read_run(run, "grid-test", "part")
    s = curve_series(facts)
    assert s is not None and s["bound"]
    # the bound is an upper bound: by every time, at least as many safe as the run has
    for h, arrived in zip(s["hours"], s["arrived"], strict=True):
        before = [b for x, b in zip(s["bound_h"], s["bound"], strict=True) if x <= h]
        if before:
            assert before[-1] >= arrived - 1e-9, (h, before[-1], arrived)


def test_a_run_of_another_plan_or_scenario_is_a_clear_input_error(ran, tmp_path, capsys):
    path, run = ran
    out = tmp_path / "x.docx"
    args = ["plan-doc", str(path), "--plan", "all", "--out", str(out), "--run"]
    assert main([*args, str(run)]) == 2
    err = capsys.readouterr().err
    # plan-doc speaks Chinese unless --lang en: the reason too
    assert f"{run / 'run.json'}：plan：本次运行的方案是 'part'，而不是 'all'；" in err
    assert "--plan all --out DIR 运行，并把该 DIR 交给 --run" in err
    other = tmp_path / "other"
    shutil.copytree(run, other)
    meta = json.loads((other / "run.json").read_text())
    meta["scenario"] = "porto-alegre-flood"
    (other / "run.json").write_text(json.dumps(meta))
    assert main([*args[:3], "part", *args[4:], str(other)]) == 2
    assert "scenario：本次运行的情景是 'porto-alegre-flood'，而不是 'grid-test'" in \
        capsys.readouterr().err
    assert main([*args[:-1], "--lang", "en", "--run", str(tmp_path)]) == 2
    assert "has no run.json; give a folder written by muster run" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_the_run_checks_print_in_chinese_in_the_pdf(ran, tmp_path):
    needs_libreoffice()
    path, run = ran
    out = tmp_path / "zh.docx"
    assert main(["plan-doc", str(path), "--plan", "part", "--run", str(run), "--out",
                 str(out), "--pdf"]) == 0
    text = "".join("\n".join(pdf_text(out.with_suffix(".pdf"))).split())
    assert "\x00" not in text, "Chinese printed as boxes: install fonts-noto-cjk"
    assert "单次模拟的疏散曲线与流量上界" in text and "所在区域未下达疏散令" in text
    assert "因无交通工具未能出发" in text and "就地避险" in text


def test_bottleneck_streets_of_a_network_limited_run(tmp_path):
    """Named streets of 40 PCU/h and departures within minutes: the flow bound is limited
    by the network, and the checklist names the bound's bottleneck streets."""
    path = make_scenario(tmp_path / "sc")
    nodes = pd.read_csv(tmp_path / "sc" / "nodes.csv").set_index("id")
    links = pd.read_csv(tmp_path / "sc" / "links.csv")
    rows = {y: k + 1 for k, y in enumerate(sorted(nodes["y"].unique()))}
    cols = {x: k + 1 for k, x in enumerate(sorted(nodes["x"].unique()))}
    links["capacity_vph"] = 40.0
    links["name"] = [f"Rua {rows[nodes.loc[a, 'y']]}" if nodes.loc[a, "y"] == nodes.loc[b, "y"]
                     else f"Avenida {cols[nodes.loc[a, 'x']]}"
                     for a, b in zip(links["from"], links["to"], strict=True)]
    links.to_csv(tmp_path / "sc" / "links.csv", index=False)
    plan = tmp_path / "sc" / "plan-now.yaml"
    p = yaml.safe_load(plan.read_text())
    p["departure"] = {"curve": "rayleigh", "sigma_min": 1}
    plan.write_text(yaml.safe_dump(p))
    run = tmp_path / "run"
    assert main(["run", str(path), "--plan", "now", "--out", str(run), "--no-map",
                 "--no-report", "--no-catalog"]) == 0
    b = json.loads((run / "kpis.json").read_text())["bounds"]
    assert b["limited_by"] == "network" and b["bottleneck_streets"]
    out = tmp_path / "en.docx"
    assert main(["plan-doc", str(path), "--plan", "now", "--run", str(run), "--lang", "en",
                 "--out", str(out)]) == 0
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert (f"Run (seed 1): bottleneck streets of the flow bound: "
            f"{', '.join(b['bottleneck_streets'])} ({len(b['bottleneck_link_labels'])} links; "
            "limited by road capacity).") in texts
