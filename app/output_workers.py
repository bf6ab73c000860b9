"""Write a run's outputs side by side: each step in a forked worker process.

After the tables are saved, ``map.html``, ``report.html`` (and its PDF) and the GIS files
depend only on the finished run, and on a second run they are most of what is left
(about 1.2, 0.5 and 0.5 s on the default scenario). :class:`ForkedSteps` forks one worker
per step given to it; the caller writes its own step meanwhile (the map, which also
updates the cache), then :meth:`ForkedSteps.wait` waits for each worker in turn.

A worker is a ``fork`` of the process: it has the run in memory, writes its files into the
result folder and ends with ``os._exit`` (no clean-up of the parent's state runs twice). A
failed step sends its exception back through a pipe; :meth:`~ForkedSteps.wait` raises it
with a note naming the step, and the result folder is then discarded as for any failure
(:func:`~musterpoint.atomic.atomic_folder`). If the caller fails, or is interrupted, the
workers are ended and waited for before the error goes on, so nothing writes into a folder
being deleted.

Steps run one after the other in this process instead when forking is not safe or not
worth it: not Linux (macOS frameworks do not survive ``fork``), one usable CPU, or
``MUSTER_SERIAL_OUTPUTS=1`` in the environment (for debugging and benchmarks).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

__all__ = ["SERIAL_ENV", "ForkedSteps", "can_fork", "plain_logging"]

logger = logging.getLogger(__name__)

#: Environment variable that makes the output steps run one after the other (``1``).
SERIAL_ENV = "MUSTER_SERIAL_OUTPUTS"


def can_fork() -> bool:
    """Whether output steps may run in forked workers here (see the module's notes)."""
    if os.environ.get(SERIAL_ENV, "").strip() not in ("", "0"):
        return False
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    return len(os.sched_getaffinity(0)) >= 2


@dataclass
class _Worker:
    step: str
    pid: int
    fd: int
    done: bool = False


def plain_logging() -> None:
    """In a worker (or the output process, :mod:`musterpoint.output_process`): log
    handlers that draw on a live terminal display (rich's, while the progress bar shows)
    become plain standard-error ones with the same level.

    The display's locks belong to the parent's threads (the bar refreshes in one): one
    held at the fork would never be released here.
    """
    loggers = [logging.getLogger(), *(x for x in logging.Logger.manager.loggerDict.values()
                                      if isinstance(x, logging.Logger))]
    for log in loggers:
        for handler in list(log.handlers):
            if type(handler).__module__.split(".")[0] != "rich":
                continue
            plain = logging.StreamHandler(sys.stderr)
            plain.setLevel(handler.level)
            plain.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
            log.removeHandler(handler)
            log.addHandler(plain)


def _child(step: str, write: Callable[[], None], fd: int) -> None:
    """The worker's life: write the step, send back any exception, exit."""
    code = 0
    payload = b""
    try:
        plain_logging()
        write()
    except BaseException as exc:  # everything goes back to the parent
        code = 1
        text = traceback.format_exc()
        try:
            payload = pickle.dumps((exc, text))
        except Exception:  # an exception that cannot be pickled: its text
            payload = pickle.dumps((RuntimeError(f"{type(exc).__name__}: {exc}"), text))
    finally:
        try:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os._exit(code)


class ForkedSteps:
    """Output steps written by forked workers while the caller writes its own.

    Use as a context manager::

        with ForkedSteps({"report": write_report, "gis": write_gis}) as steps:
            write_map()
            steps.wait("report")
            steps.wait("gis")

    Parameters
    ----------
    steps : dict of str to callable
        Step name (as the progress shows it) and the function that writes it.
    fork : bool, optional
        Fork workers (default: :func:`can_fork`); otherwise each step runs in this
        process when it is waited for.
    """

    def __init__(self, steps: dict[str, Callable[[], None]], fork: bool | None = None) -> None:
        self._steps = dict(steps)
        self._fork = can_fork() if fork is None else fork
        self._workers: dict[str, _Worker] = {}

    def __enter__(self) -> ForkedSteps:
        if not self._fork:
            return self
        # objects made so far stay out of garbage collection until the workers are done,
        # here and in them: a collection touches every object, which copies the memory
        # the processes share page by page (a run with its World in memory: about 0.5 s
        # of CPU per process)
        gc.freeze()
        try:
            for step, write in self._steps.items():
                read_fd, write_fd = os.pipe()
                try:
                    pid = os.fork()
                except OSError as exc:  # no memory or process left: do it here instead
                    os.close(read_fd)
                    os.close(write_fd)
                    logger.info("cannot fork a worker for %s (%s); writing it here", step, exc)
                    continue
                if pid == 0:
                    os.close(read_fd)
                    _child(step, write, write_fd)
                os.close(write_fd)
                self._workers[step] = _Worker(step, pid, read_fd)
        except BaseException:
            self._end_workers()
            raise
        return self

    def wait(self, step: str) -> None:
        """Wait until ``step`` is written (write it here if it has no worker).

        Raises
        ------
        Exception
            The step's own error, with a note naming the step.
        """
        worker = self._workers.get(step)
        if worker is None:
            self._steps.pop(step)()
            return
        chunks = []
        while chunk := os.read(worker.fd, 1 << 16):
            chunks.append(chunk)
        os.close(worker.fd)
        _, status = os.waitpid(worker.pid, 0)
        worker.done = True
        code = os.waitstatus_to_exitcode(status)
        if code == 0:
            return
        if chunks:
            exc, text = pickle.loads(b"".join(chunks))
            exc.add_note(f"(writing {step} in worker process {worker.pid}; its traceback:\n"
                         f"{text})")
            raise exc
        raise RuntimeError(f"the worker process writing {step} ended with status {code}")

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """End and reap the workers not waited for (after an error)."""
        self._end_workers()

    def _end_workers(self) -> None:
        """End and reap the workers not waited for; collect garbage again."""
        for worker in self._workers.values():
            if worker.done:
                continue
            try:
                os.kill(worker.pid, signal.SIGKILL)  # its files go with the folder
            except ProcessLookupError:
                pass
            os.waitpid(worker.pid, 0)
            os.close(worker.fd)
            worker.done = True
        if self._fork:
            gc.unfreeze()
