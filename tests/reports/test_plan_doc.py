"""``muster plan-doc``: the contingency-plan document opens with python-docx, has the
national structure's headings, and its tested figures are those of comparison.json."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import docx
import pytest
import yaml

from musterpoint.cli import main
from tests.helpers.browser_support import is_a4, needs_libreoffice, pdf_text
from tests.helpers.levels_factory import level, make_level_scenario

LOW = [[0, 0.0], [1, 0.2], [3, 0.2]]
ZH_HEADINGS = ["1 总则", "1.1 编制目的", "1.2 编制依据", "1.3 适用范围", "1.4 工作原则",
               "2 组织指挥体系与职责", "3 风险评估与情景", "3.1 灾害情景", "3.2 受威胁区域与人口",
               "4 监测预警", "5 应急响应", "5.1 响应目标（量化指标）", "6 应急保障",
               "6.1 疏散安置", "6.2 交通运输", "6.3 物资保障", "6.4 医疗卫生", "6.5 通信保障",
               "7 后期处置", "8 预案管理", "8.1 演练与模拟检验", "8.2 预案修订", "9 附件",
               "附件1 假设与数据来源", "附件2 图件", "附件3 预案评估问题清单"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A level plan on a forecast that is right and one that is 30 min late, compared
    over 3 replications (a real comparison, through the CLI)."""
    root = tmp_path_factory.mktemp("plandoc")
    path = make_level_scenario(root / "sc", {"exact": [level(0.1, forecast="exact")],
                                             "late": [level(0.1, forecast="late")]},
                               stage=LOW)
    sc = yaml.safe_load(path.read_text())
    sc["standards"] = [{"id": "half-1h", "kpi": "evacuation.ete50_s", "op": "<=",
                        "threshold": 3600, "label": {"en": "Half out in 1 h",
                                                     "zh": "1小时内半数撤离"}}]
    path.write_text(yaml.safe_dump(sc, allow_unicode=True, sort_keys=False))
    out = root / "cmp"
    assert main(["compare", str(path), "--plans", "exact", "late", "-n", "3", "--workers",
                 "1", "--out", str(out), "--no-map", "--no-report", "--no-catalog"]) == 0
    return path, out


def _doc(compared: tuple[Path, Path], tmp_path: Path, lang: str) -> tuple[docx.Document, dict]:
    path, cmp_dir = compared
    out = tmp_path / f"plan-{lang}.docx"
    t0 = time.perf_counter()
    assert main(["plan-doc", str(path), "--plan", "late", "--compare", str(cmp_dir),
                 "--lang", lang, "--out", str(out)]) == 0
    assert time.perf_counter() - t0 < 20.0
    return docx.Document(str(out)), json.loads((cmp_dir / "comparison.json").read_text())


def _table(d: docx.Document, header: str) -> list[list[str]]:
    """The table whose header row reads ``header`` (cells joined by ``|``)."""
    for t in d.tables:
        rows = [[c.text for c in r.cells] for r in t.rows]
        if rows and "|".join(rows[0]) == header:
            return rows
    raise AssertionError(f"no table headed {header!r}")


def test_chinese_document_structure_and_tested_figures(compared, tmp_path):
    d, cmp = _doc(compared, tmp_path, "zh")
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert heads == ZH_HEADINGS
    assert not any(re.search("[A-Za-z]", h) for h in heads)
    # the levels table: the trigger in words, the responsible role
    levels = _table(d, "应急响应等级|启动条件|主要措施|责任单位")
    assert levels[1][0] == "II级响应" and "测试水位站预报（late，提前0小时） ≥ 0.1" in levels[1][1]
    assert levels[1][3] == "民防部门"
    # ETE: mean and interval (minutes) of every plan and ETE, from comparison.json
    ete = _table(d, "方案|指标|均值（分钟）|下限|上限|有效次数")
    key = {"50%疏散时间": "evacuation.ete50_s", "90%疏散时间": "evacuation.ete90_s",
           "100%疏散时间": "evacuation.ete100_s"}
    checked = 0
    for plan, ind, mean, lo, hi, runs in ete[1:]:
        v = cmp["kpis"][key[ind]]["plans"][plan]
        assert runs == f"{v['n']}/{v['n_total']}"
        for cell, x in ((mean, v["mean"]), (lo, v["lo"]), (hi, v["hi"])):
            if x is None:
                assert cell == "—"
            else:
                assert float(cell) == pytest.approx(x / 60.0, abs=0.05)
                checked += 1
    assert len(ete) == 1 + 2 * 3 and checked >= 6
    # the late forecast's ETE50 is about 30 min later, paired by seed
    e = cmp["kpis"]["evacuation.ete50_s"]["plans"]
    assert e["late"]["mean"] >= e["exact"]["mean"] + 1800.0 - 1e-6
    diff = _table(d, "对比|指标|差值（分钟，配对）|下限|上限|有效次数")
    paired = cmp["differences"][0]["kpis"]["evacuation.ete50_s"]["paired"]
    assert diff[1][:2] == ["late − exact", "50%疏散时间"]
    assert [float(x) for x in diff[1][2:5]] == [
        pytest.approx(paired[k] / 60.0, abs=0.05) for k in ("mean", "lo", "hi")]
    assert float(diff[1][2]) >= 30.0
    # standards: share of replications meeting each, with its interval
    rows = _table(d, "方案|指标|达标比例|下限|上限|判定")[1:]
    std = cmp["standards"][0]["plans"]
    assert {r[0]: float(r[2]) for r in rows} == {p: pytest.approx(std[p]["share"], abs=0.005)
                                                 for p in ("exact", "late")}
    assert [float(r[3]) for r in rows] == [pytest.approx(std[p]["share_lo"], abs=0.005)
                                          for p in ("exact", "late")]
    # figures: the map and the evacuation curve
    assert len(d.inline_shapes) == 2


def test_english_document_and_the_checklist(compared, tmp_path):
    d, cmp = _doc(compared, tmp_path, "en")
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert heads[0] == "1 General provisions" and heads[-1] == "Annex 3 Plan review checklist"
    texts = [p.text for p in d.paragraphs]
    checklist = texts[texts.index("Annex 3 Plan review checklist") + 1:]
    # the late forecast misses "half out in 1 h" in every replication: the checklist says so
    assert cmp["standards"][0]["plans"]["late"]["share"] == 0.0
    assert checklist[0] == "\u201clate\u201d does not always meet \u201cHalf out in 1 h\u201d " \
        "(met in 0%)."
    nd = cmp["kpis"]["evacuation.never_departed"]["plans"]["late"]["mean"]
    assert checklist[-2].endswith(f"{nd:.0f} persons on average never departed (no "
                                  "transport or not ordered).")
    # without --run, the checks only a run shows are marked as to be completed
    assert checklist[-1].startswith("Shelters over capacity, bottleneck streets, persons "
                                    "without transport") and \
        checklist[-1].endswith("[to be completed]")


def test_a_comparison_without_the_plan_is_an_input_error(compared, tmp_path, capsys):
    path, cmp_dir = compared
    args = ["plan-doc", str(path), "--plan", "late", "--out", str(tmp_path / "x.docx")]
    assert main([*args, "--compare", str(tmp_path)]) == 2
    assert "has no comparison.json" in capsys.readouterr().err
    cmp = json.loads((cmp_dir / "comparison.json").read_text())
    cmp["plans"] = [p for p in cmp["plans"] if p["name"] == "exact"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "comparison.json").write_text(json.dumps(cmp))
    assert main([*args, "--compare", str(other)]) == 2
    assert "did not test plan 'late'" in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.slow
def test_the_chinese_document_converts_to_a_pdf_whose_text_is_chinese(compared, tmp_path):
    needs_libreoffice()
    path, cmp_dir = compared
    out = tmp_path / "zh.docx"
    assert main(["plan-doc", str(path), "--plan", "late", "--compare", str(cmp_dir),
                 "--out", str(out), "--pdf"]) == 0
    pdf = out.with_suffix(".pdf")
    assert is_a4(pdf), "the plan document prints on A4"
    text = "\n".join(pdf_text(pdf))
    assert "\x00" not in text, "Chinese printed as boxes: install fonts-noto-cjk"
    assert "组织指挥体系与职责" in text and "应急响应" in text and "量化指标" in text


def test_an_office_template_gives_its_letterhead_and_wording(compared, tmp_path):
    path, _ = compared
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    letter = docx.Document()
    letter.sections[0].header.paragraphs[0].text = "东湖新区应急管理局"
    letter.save(str(tpl / "template.docx"))
    (tpl / "wording.yaml").write_text(yaml.safe_dump({"s7": {"zh": "7 善后处置"}},
                                                     allow_unicode=True), encoding="utf-8")
    out = tmp_path / "office.docx"
    assert main(["plan-doc", str(path), "--plan", "late", "--template", str(tpl),
                 "--out", str(out)]) == 0
    d = docx.Document(str(out))
    assert d.sections[0].header.paragraphs[0].text == "东湖新区应急管理局"
    heads = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert "7 善后处置" in heads and "7 后期处置" not in heads
    # without --compare the evidence is marked as missing, not invented
    assert any(p.text.startswith("尚无模拟检验结果") for p in d.paragraphs)
