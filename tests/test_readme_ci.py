"""The README's set-up commands and CI stay in step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```(?:bash|sh)\n(.*?)\n```", text, flags=re.S)


def test_ci_runs_the_readme_test_command():
    test_cmd = [c for c in _commands() if "pytest" in c]
    assert len(test_cmd) == 1, "the README must show one test command"
    assert test_cmd[0].strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_has_the_run_command():
    assert any("muster run" in c and "pip install" in c for c in _commands())
