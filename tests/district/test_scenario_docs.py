"""The scenario-file reference is generated from the schema, is current, and explains every
field of the scenario and plan models in English and Chinese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import write_scenario_docs as docs  # noqa: E402
from scenario_doc_text import FIELDS  # noqa: E402


def test_scenario_docs_are_current() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "write_scenario_docs.py"),
                           "--check"], capture_output=True, check=False)
    assert done.returncode == 0, "run: python tools/write_scenario_docs.py"


def test_every_field_has_a_meaning_in_both_languages() -> None:
    core = docs.models()
    assert {"Scenario", "Plan", "Shelter", "Closure", "PopulationSource", "Epidemic",
            "ReliefPlan", "Inject"} <= {m.__name__ for m in core}
    missing = [f"{m.__name__}.{n}" for m in core for n, f in m.model_fields.items()
               if not docs.meaning(m, n, f, "en")
               or not (FIELDS.get(f"{m.__name__}.{n}") or FIELDS.get(n))]
    assert missing == [], ("give these fields a description in the schema and a Chinese "
                           "meaning in tools/scenario_doc_text.py FIELDS, then run "
                           "python tools/write_scenario_docs.py")


def test_pages_document_the_review_gaps() -> None:
    en = docs.render("en")
    zh = docs.render("zh")
    for text in ("speed_mps", "capacity_vph", "network node id", "from_h", "容纳人数"):
        assert text in en, text
    for text in ("路网节点 id", "道路封闭", "避难场所", "必填"):
        assert text in zh, text
