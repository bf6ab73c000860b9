"""``muster drill --terminal --lang zh`` (scripted input) talks Chinese from start to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scenario_factory import make_scenario

#: An exercise script with a Chinese side (shown) and one inject without (its English title,
#: a name from the scenario, is shown as written).
SCRIPT = [
    {"id": "levee", "time_h": 0.25, "title": {"en": "Levee breach reported", "zh": "堤防决口"},
     "description": {"en": "Police report water on the western roads.",
                     "zh": "警方报告西部道路进水。"},
     "effect": {"kind": "close_links", "args": {"links": ["L1", "L2"], "reason": "levee"}},
     "expected_action": {"en": "Order the western zones out now.", "zh": "立即疏散西部区域。"}},
]

#: What the user types, with a typo and a bad time: the errors must come back in Chinese.
TYPED = "\n".join([
    "help", "help step", "injects", "step 20", "status",
    "decide order_zones zones=Z00-00 actor=指挥部 -- 水位上涨",
    "note improvement 后勤响应慢",
    "blah", "step soon", "decide", "decide order_zones zones", "pause_on_inject off",
    "timeline", "commands", "quit"]) + "\n"

#: ASCII words that may appear in the Chinese console: what the user types (command names,
#: argument keys, section ids), ids of the scenario (zones, links, inject ids), the clock's
#: time zone, file extensions and format names, and the product name.
ALLOWED = {
    # commands and their keywords, typed as they are in every language
    "help", "status", "step", "run_to", "pause_on_inject", "on", "off", "injects", "fire",
    "inject", "info", "title", "decide", "actor", "note", "commands", "timeline", "report",
    "zh", "branch", "quit", "key", "value", "json", "JSON", "links", "close_links",
    "order_zones", "zones", "open_shelter", "shelter", "pucrs", "EOC", "observation",
    "strength", "improvement", "execution", "plan", "coordination", "personnel",
    "equipment", "reason", "capacity", "factor", "shelter_capacity", "reopen_links",
    "close_shelter", "capacity_factor", "link", "text", "number", "integer", "list",
    "add_m", "over_h", "contraflow", "towards", "road", "max_angle_deg", "max_gap_m",
    "reissue_forecast", "delay_h", "bias", "flood_surge", "mobilise_buses", "buses",
    "levee", "ids", "float", "Z", "L", "blah", "soon", "builtin", "source", "HTML", "PDF",
    "SIGTERM", "musterpoint", "sqlite", "seed", "late", "UTC", "America", "Sao_Paulo",
    "Etc", "GMT", "Brazil", "stopped_by", "minutes", "flood_stage", "link_capacity",
}


def _english_words(text: str, tmp: Path) -> set[str]:
    text = re.sub(re.escape(str(tmp)) + r"\S*", "", text)
    words = set(re.findall(r"[A-Za-z_]{2,}", text))
    return {w for w in words if w not in ALLOWED and not re.fullmatch(r"[A-Z]\d*", w)}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_scenario(tmp_path_factory.mktemp("drill"), injects=SCRIPT)


@pytest.mark.parametrize(("flag", "env_lang"), [(["--lang", "zh"], None), ([], "zh")])
def test_terminal_drill_prints_chinese(scenario: Path, tmp_path: Path, flag: list[str],
                                       env_lang: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MUSTER_LANG"}
    if env_lang:
        env["MUSTER_LANG"] = env_lang
    session = tmp_path / "d.sqlite"
    done = subprocess.run([sys.executable, "-m", "musterpoint", "drill", str(scenario),
                           "--terminal", "--session", str(session), *flag],
                          input=TYPED, capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith(f"会话：{session}（0 条记录；当前 0:00，已暂停）")
    assert "musterpoint 演练控制台。输入 help 查看指令" in out
    assert "演练 0:15> " in out                          # the prompt, at the stop
    assert "*** 注入事件 0:15 堤防决口" in out and "    警方报告西部道路进水。" in out
    assert "    预期处置：立即疏散西部区域。" in out
    assert "step 分钟数 [-- 理由]：推进演练时钟（遇到到期的注入事件即停）。" in out
    assert re.search(r"时间 0:15／共 \d+:\d\d（当地 .+）；\d+ 条记录", out), out
    assert re.search(r"  已到达 +[\d,]+", out)            # a live figure with its Chinese label
    assert "未知指令 'blah'；输入 help 查看可用指令" in out
    assert "错误：时间：请写成 时:分 或分钟数，而不是 'soon'" in out
    assert "错误：指令：请指明指令类型（见 commands）" in out
    assert "错误：指令：zones：参数请写成 键=值" in out
    assert "遇注入事件暂停：关" in out
    assert re.search(r"#\d+ 0:15 参演：order_zones \{\"zones\": \[\"Z00-00\"\]\} -- 水位上涨 "
                     r"\[指挥部\]", out), out
    assert "[待改进] 后勤响应慢" in out
    assert re.search(r"#1 0:15 脚本：堤防决口 -> close_links", out), out  # the script's title
    assert f"会话已保存：{session}" in out
    assert _english_words(out, tmp_path) == set()


def test_terminal_drill_stays_english_by_default(scenario: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MUSTER_LANG"}
    done = subprocess.run([sys.executable, "-m", "musterpoint", "drill", str(scenario),
                           "--terminal", "--session", str(tmp_path / "d.sqlite")],
                          input="step soon\nstatus\nquit\n", capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "error: time: give h:mm or minutes, not 'soon'" in done.stdout
    assert "drill 0:00> " in done.stdout and "session saved: " in done.stdout
