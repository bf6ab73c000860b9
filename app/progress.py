"""One progress display for the long commands (run, compare, new, plan-doc, drill-report).

The library never prints: it logs through named loggers and, where a step can say how far
it is, calls a ``progress`` callback. The command owns the display, through one
:class:`CommandProgress` per command, which it splits into named steps::

    with command_progress(args) as progress:
        with progress.step("world"):
            world = world_for(loaded)
        with progress.step("simulate", total=1.0) as step:
            result = new_run(world, plan, seed, progress=step.update).run()

On a terminal
    a rich progress bar on standard error (the step's words, a bar when the step has a
    total, the time spent), removed when the command ends. While it shows, the
    ``musterpoint`` logger writes through rich's :class:`~rich.logging.RichHandler` on the
    same console, so warnings print above the bar instead of through it.
Not on a terminal (a pipe, a log file, CI)
    one line every :data:`LOG_INTERVAL_S` seconds through the ``musterpoint.progress``
    logger (level INFO): the step, how far it is when known, its time and the command's.
    A command shorter than the interval logs nothing.
``--no-progress``
    neither.

The words are in :mod:`musterpoint.progress_text` (English and Chinese, following the
command's ``--lang``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from musterpoint.display.i18n import tr
from musterpoint.progress_text import LINE, step_label

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["LOG_INTERVAL_S", "CommandProgress", "Step", "add_progress_argument",
           "command_progress", "hms"]

#: Seconds between two progress lines in the log when standard error is not a terminal.
LOG_INTERVAL_S = 10.0

logger = logging.getLogger("musterpoint.progress")
_PACKAGE_LOGGER = "musterpoint"


def hms(seconds: float) -> str:
    """``h:mm:ss`` of a non-negative duration in seconds."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Step:
    """One step of a command: its words, how far it is (when it has a total), its start.

    Attributes
    ----------
    key : str
        The step's name (a key of :data:`musterpoint.progress_text.STEP_LABELS`).
    total : float or None
        What ``completed`` reaches at the end, or None when the step cannot say.
    """

    def __init__(self, owner: CommandProgress, key: str, total: float | None) -> None:
        self.key = key
        self.total = total
        self.completed = 0.0
        self.started = owner.clock()
        self.started_cpu = time.process_time()
        self._owner = owner

    def update(self, completed: float, total: float | None = None) -> None:
        """Say how far the step is (``completed`` out of ``total``, default the step's)."""
        if total is not None:
            self.total = total
        self.completed = completed
        self._owner._show(self)

    def advance_to(self, completed: int, total: int) -> None:
        """``update`` with the ``(done, total)`` arguments of a count callback."""
        self.update(float(completed), float(total))

    def fraction(self) -> float | None:
        """How far the step is, 0..1, or None when it has no total."""
        if not self.total:
            return None
        return min(max(self.completed / self.total, 0.0), 1.0)


class CommandProgress(AbstractContextManager["CommandProgress"]):
    """The progress display of one command; see the module's description.

    Parameters
    ----------
    lang : str
        ``en`` or ``zh``.
    enabled : bool
        False for ``--no-progress``: steps are still timed, nothing is shown.
    tty : bool, optional
        Whether to draw a bar (default: whether ``stream`` is a terminal).
    stream : file, optional
        Where the bar is drawn (default standard error).
    interval_s : float
        Seconds between two log lines when not on a terminal.
    clock : callable
        Monotonic seconds (a test gives its own).
    """

    def __init__(self, lang: str = "en", *, enabled: bool = True, tty: bool | None = None,
                 stream: TextIO | None = None, interval_s: float = LOG_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lang = lang
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(tty if tty is not None else _isatty(self.stream))
        self.interval_s = interval_s
        self.clock = clock
        self.started = clock()
        self.current: Step | None = None
        #: Seconds spent in each step so far (a step run twice adds up).
        self.times: dict[str, float] = {}
        self._bar: Progress | None = None
        self._tasks: dict[int, TaskID] = {}
        self._saved: tuple[list[logging.Handler], int] | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- the command's side ---------------------------------------------------------------

    @contextmanager
    def step(self, key: str, total: float | None = None) -> Iterator[Step]:
        """Run one step of the command (a ``with`` block); yields its :class:`Step`."""
        previous = self.current
        step = Step(self, key, total)
        self.current = step
        self._show(step)
        try:
            yield step
        finally:
            self.current = previous
            self._hide(step)
            seconds = self.clock() - step.started
            self.times[key] = self.times.get(key, 0.0) + seconds
            logger.debug("step %s: %.3f s (cpu %.3f s)", key, seconds,
                         time.process_time() - step.started_cpu)

    def tick(self) -> str | None:
        """Log the one-line progress of the current step now (off a terminal); returns it."""
        step = self.current
        if not self.enabled or self.tty or step is None:
            return None
        now = self.clock()
        frac = step.fraction()
        line = tr(self.lang, LINE).format(
            step=step_label(step.key, self.lang),
            done="" if frac is None else f" {100.0 * frac:.0f} %",
            step_time=hms(now - step.started), total_time=hms(now - self.started))
        logger.info("%s", line)
        return line

    # -- the display ----------------------------------------------------------------------

    def __enter__(self) -> CommandProgress:
        self.started = self.clock()
        if not self.enabled:
            return self
        if self.tty:
            self._start_bar()
        else:
            self._start_ticker()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._saved is not None:
            handlers, level = self._saved
            logger.setLevel(level)
            pkg = logging.getLogger(_PACKAGE_LOGGER)
            pkg.handlers[:] = handlers
            self._saved = None
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.logging import RichHandler
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(file=self.stream, force_terminal=True)
        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                             TaskProgressColumn(), TimeElapsedColumn(), console=console,
                             transient=True)
        pkg = logging.getLogger(_PACKAGE_LOGGER)
        self._saved = (list(pkg.handlers), logger.level)
        rich_handler = RichHandler(console=console, show_time=False, show_path=False,
                                   markup=False, rich_tracebacks=False)
        rich_handler.setLevel(min((h.level for h in pkg.handlers), default=logging.NOTSET))
        pkg.handlers[:] = [rich_handler]
        self._bar.start()

    def _start_ticker(self) -> None:
        self._saved = (list(logging.getLogger(_PACKAGE_LOGGER).handlers), logger.level)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)  # the lines show whatever the package's level
        self._stop.clear()

        def run() -> None:
            while not self._stop.wait(self.interval_s):
                self.tick()

        self._ticker = threading.Thread(target=run, name="muster-progress", daemon=True)
        self._ticker.start()

    def _show(self, step: Step) -> None:
        """Draw the step on the bar: a line of its own while it runs (a pulsing bar when
        it has no total)."""
        if self._bar is None or step is not self.current:
            return
        task = self._tasks.get(id(step))
        if task is None:
            self._tasks[id(step)] = self._bar.add_task(step_label(step.key, self.lang),
                                                       total=step.total)
            if step.completed:
                self._bar.update(self._tasks[id(step)], completed=step.completed)
        else:
            self._bar.update(task, total=step.total, completed=step.completed)

    def _hide(self, step: Step) -> None:
        task = self._tasks.pop(id(step), None)
        if self._bar is not None and task is not None:
            self._bar.remove_task(task)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def command_progress(args: argparse.Namespace) -> CommandProgress:
    """The progress display of a command, from its ``--no-progress`` and ``--lang``."""
    return CommandProgress(str(getattr(args, "lang", "en") or "en"),
                           enabled=not getattr(args, "no_progress", False),
                           interval_s=LOG_INTERVAL_S)


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """Give a long command ``--no-progress``."""
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (on a terminal) and no progress lines in the "
                        "log (elsewhere)")
