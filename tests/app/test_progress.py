"""The progress display of the long commands (musterpoint.progress)."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator

import pytest

import musterpoint.progress as progress_module
from musterpoint.cli import main
from musterpoint.progress import CommandProgress, hms
from musterpoint.progress_text import STEP_LABELS, step_label
from tests.helpers.scenario_factory import make_scenario


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def lines() -> Iterator[list[str]]:
    """The messages of the ``musterpoint.progress`` logger (whatever its parents do)."""
    log = logging.getLogger("musterpoint.progress")
    handler = _Lines()
    log.addHandler(handler)
    try:
        yield handler.lines
    finally:
        log.removeHandler(handler)


def test_hms():
    assert hms(0) == "0:00:00"
    assert hms(3725.9) == "1:02:05"
    assert hms(-3) == "0:00:00"


def test_the_log_line_names_the_step_how_far_and_the_times(lines):
    clock = _Clock()
    with CommandProgress("en", tty=False, clock=clock, interval_s=3600) as prog:
        clock.now += 55
        with prog.step("simulate", total=1.0) as step:
            clock.now += 65
            step.update(0.454)
            assert prog.tick() == ("progress: simulating 45 % (0:01:05 in this step, "
                                   "0:02:00 in all)")
        with prog.step("world"):
            clock.now += 3600
            prog.tick()
    assert lines[-1] == ("progress: building the world (roads, zones, hazard) (1:00:00 in "
                         "this step, 1:02:00 in all)")
    assert len(lines) == 2


def test_the_log_line_in_chinese(lines):
    clock = _Clock()
    with CommandProgress("zh", tty=False, clock=clock, interval_s=3600) as prog:
        with prog.step("replications", total=30) as step:
            clock.now += 10
            step.advance_to(3, 30)
            assert prog.tick() == "进度：重复运行 10 %（本步已用 0:00:10，共 0:00:10）"


def test_every_step_has_english_and_chinese_words():
    for key in STEP_LABELS:
        assert step_label(key, "en") and step_label(key, "zh"), key
        assert step_label(key, "zh") != step_label(key, "en"), key
    assert step_label("no-such-step", "zh") == "no-such-step"


def test_off_a_terminal_a_line_comes_every_interval(lines):
    with CommandProgress("en", tty=False, interval_s=0.05) as prog, prog.step("bound"):
        time.sleep(0.5)
    assert 3 <= len(lines) <= 11, lines
    assert all(line.startswith("progress: computing the best") for line in lines)
    n = len(lines)
    time.sleep(0.2)
    assert len(lines) == n, "the ticker must stop with the command"


def test_no_progress_shows_nothing(lines):
    out = io.StringIO()
    with CommandProgress("en", enabled=False, tty=True, stream=out,
                         interval_s=0.01) as prog, prog.step("simulate", total=1.0) as step:
        step.update(0.5)
        time.sleep(0.1)
        assert prog.tick() is None
    assert lines == [] and out.getvalue() == ""


def test_on_a_terminal_warnings_print_above_the_bar_and_logging_is_put_back():
    pkg = logging.getLogger("musterpoint")
    before = list(pkg.handlers)
    out = io.StringIO()
    with CommandProgress("en", tty=True, stream=out) as prog:
        with prog.step("simulate", total=1.0) as step:
            step.update(0.5)
            logging.getLogger("musterpoint.sim.test").warning("shelter S1 is below the flood")
            assert [type(h).__name__ for h in pkg.handlers] == ["RichHandler"]
    assert pkg.handlers == before
    text = out.getvalue()
    assert "shelter S1 is below the flood" in text
    assert "simulating" in text


def test_muster_run_off_a_terminal_logs_progress_lines(tmp_path, monkeypatch, capsys):
    sc = make_scenario(tmp_path / "sc")
    monkeypatch.setattr(progress_module, "LOG_INTERVAL_S", 0.001)
    code = main(["run", str(sc), "--out", str(tmp_path / "out"), "--no-map", "--no-report",
                 "--no-catalog", "--no-cache", "--lang", "zh"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "信息：进度：" in captured.err  # the level too is in the run's language
    assert "疏散人员" in captured.out and "进度" not in captured.out
    code = main(["run", str(sc), "--out", str(tmp_path / "out2"), "--no-map", "--no-report",
                 "--no-catalog", "--no-cache", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "progress" not in captured.err
