"""Write a run's map, report and GIS files in a process forked before the simulation.

On a second run of a scenario (its World cached) most of what is left after the
simulation is the outputs, and a good part of that is importing what writes them:
folium, jinja2 and shapely for the map, matplotlib for the report's chart, geopandas and
pyogrio for the GIS files (about 0.5 s of the default run's wall time on a quiet
machine, before any of them writes a byte). :class:`OutputProcess` forks, while the
command line's process has imported little more than pandas, a process that imports
them while the simulation runs (on the second core, idle otherwise) and then waits. When
the run's tables are saved, it is told where: it reads them back (a tenth of a second on
the default run), writes the outputs there with
:func:`~musterpoint.run_pipeline.write_outputs` (the report and the GIS files in forked
workers of its own, the map itself) and says when each stage starts and when it is
done.

The files are the same: the map, the report and the GIS files read only the
:class:`~musterpoint.sim.result.RunResult`, whose ``meta`` and ``kpis`` are sent as they
are (pickled) and whose tables are read from the Parquet files just written, in the same
order, with the same columns, types and values (tested against the tables in memory for
every kind of bundled plan).

Forked early, before the World and the simulation are in memory, the process shares
little with the one that simulates: no copy-on-write of a simulation's pages, no 34 MB
run to hand over (an earlier try forked after the simulation's set-up: 0.9 s more CPU).
It costs reading the tables back.

It pays only on a machine with a CPU to spare: its imports run beside the simulation
instead of after it, but in all it costs more CPU (about 0.3 to 0.6 s on the default
run: reading the tables back, and pages that the two processes shared and copy as they
write). With every CPU busy (another program, another run), that is lost time. So by
default (:func:`wanted`) it is forked only when a CPU is free: the load average of the
last minute leaves at least half a CPU idle (below 1.5 on two CPUs), or right now no more
processes are runnable than the CPUs less one (Linux's count in ``/proc/loadavg``, this
process included). The second reading is for runs made one after another (a planner
trying plan after plan, a benchmark): their own last minute raises the load average,
though nothing else runs when the next one starts. ``MUSTER_OUTPUT_PROCESS=1`` in
the environment (:data:`EARLY_ENV`) forks it whatever the load, ``0`` never, and the
outputs are then written in the run's process as before (``MUSTER_SERIAL_OUTPUTS=1``:
one after the other). If the process cannot be forked, or ends before it has begun to
write (killed, out of memory), the outputs are written in the calling process as before.
An error while it writes is raised in the calling process with a note, and the result
folder is discarded as for any failure. A run that fails or is interrupted ends the
process (and its workers: it leads its own process group) before the error goes on.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from musterpoint.output_workers import can_fork, plain_logging

if TYPE_CHECKING:
    from musterpoint.run_pipeline import Progress, RunOptions
    from musterpoint.sim.result import RunResult

__all__ = ["EARLY_ENV", "LOADAVG", "OutputProcess", "runnable_now", "wanted", "warm_modules"]

logger = logging.getLogger(__name__)

#: Environment variable: ``1`` forks the output process whatever the load, ``0`` never
#: (the outputs are written in the run's own process); unset, :func:`wanted` decides.
EARLY_ENV = "MUSTER_OUTPUT_PROCESS"


#: Linux's load figures; its fourth field is ``runnable/total`` scheduling entities.
LOADAVG = Path("/proc/loadavg")


def runnable_now() -> int | None:
    """Processes and threads runnable at this moment, the caller included (Linux's
    ``/proc/loadavg``); None where it cannot be read."""
    try:
        return int(LOADAVG.read_text(encoding="ascii").split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def wanted() -> bool:
    """Whether to fork the output process (see the module's notes): ``$MUSTER_OUTPUT_PROCESS``
    ``1`` yes, ``0`` no; otherwise yes when the load average of the last minute is below
    the number of usable CPUs less one half, or when no more processes are runnable now
    (:func:`runnable_now`) than the usable CPUs less one."""
    setting = os.environ.get(EARLY_ENV, "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    cpus = len(os.sched_getaffinity(0))
    try:
        if os.getloadavg()[0] < cpus - 0.5:
            return True
    except OSError:  # not known here
        pass
    now = runnable_now()
    return now is not None and now <= cpus - 1


def warm_modules(*, write_map: bool, write_report: bool, write_gis: bool) -> list[str]:
    """The modules the output process imports before it is told to write.

    Parameters
    ----------
    write_map, write_report, write_gis : bool
        Which outputs the run writes.

    Returns
    -------
    list of str
        Module names, in import order.
    """
    names = ["musterpoint.sim.result", "pyarrow.parquet", "pyarrow.dataset",
             "pyarrow.pandas_compat", "musterpoint.run_pipeline", "musterpoint.output_workers"]
    if write_map:
        names += ["musterpoint.map_step", "musterpoint.maps", "musterpoint.maps.run_map",
                  "musterpoint.maps.run_map_explain", "musterpoint.derived_cache"]
    if write_report:
        names += ["musterpoint.reports", "musterpoint.reports.run_report",
                  "musterpoint.reports.charts", "matplotlib.figure",
                  "matplotlib.font_manager", "matplotlib.ticker",
                  "matplotlib.backends.backend_svg"]
    if write_gis:
        names += ["musterpoint.gis_export", "geopandas", "geopandas.io._geoarrow", "pyogrio",
                  "shapely"]
    return names


def _import_all(names: list[str]) -> None:
    """Import ``names``; one that fails is left to fail where it is used."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the step that needs it raises the same error
            logger.debug("output process: %s not imported (%s)", name, exc)


def _read_tables(folder: Path, names: list[str]) -> dict[str, Any]:
    """The tables ``names`` as :meth:`RunResult.save` wrote them into ``folder``."""
    import pandas as pd

    # one thread: the same frame, without starting Arrow's thread pool (system time)
    return {name: pd.read_parquet(folder / f"{name}.parquet", use_threads=False)
            for name in names}


def _serve(requests: IO[bytes], replies: IO[bytes], modules: list[str]) -> int:
    """The output process's life: import, wait to be told, write, report back."""
    gc.freeze()  # what the fork shares stays untouched by this process's collections
    _import_all(modules)
    try:
        request = pickle.load(requests)
    except EOFError:  # the run ended before its outputs: nothing to do
        return 0
    from musterpoint.run_pipeline import write_outputs
    from musterpoint.sim.result import RunResult

    def tell(stage: str, fraction: float) -> None:
        pickle.dump(("tell", stage, fraction), replies)
        replies.flush()

    folder: Path = request["folder"]
    try:
        pickle.dump(("began",), replies)  # from here on, files may be written
        replies.flush()
        result = RunResult(meta=request["meta"], kpis=request["kpis"],
                           tables=_read_tables(folder, request["tables"]))
        write_outputs(result, folder, request["options"], tell, request["suggestions"])
    except BaseException as exc:  # everything goes back to the parent
        text = traceback.format_exc()
        try:
            payload = pickle.dumps(("error", exc, text))
        except Exception:  # an exception that cannot be pickled: its text
            payload = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}"),
                                    text))
        replies.write(payload)
        replies.flush()
        return 1
    pickle.dump(("done",), replies)
    replies.flush()
    return 0


class OutputProcess:
    """A forked process that writes the outputs of the run this process is about to make.

    Use as a context manager around the run, and pass :meth:`write` as
    :func:`~musterpoint.run_pipeline.run_pipeline`'s ``outputs``::

        with OutputProcess.start(options) as outputs:
            run_pipeline(loaded, plan, out, options, outputs=outputs.write)

    Parameters
    ----------
    pid : int
        The process.
    requests, replies : file
        This side's ends of the pipes to and from it.
    """

    def __init__(self, pid: int, requests: IO[bytes], replies: IO[bytes]) -> None:
        self.pid = pid
        self._requests = requests
        self._replies = replies
        self._done = False

    @classmethod
    def start(cls, options: RunOptions) -> OutputProcess | None:
        """Fork the process if the run writes a map, report or GIS files and forking is
        possible (:func:`~musterpoint.output_workers.can_fork`); else None.

        Call it before any thread is started (the progress display's) and before the
        World is loaded.
        """
        if not (options.write_map or options.write_report or options.write_gis):
            return None
        if not can_fork() or not wanted():
            return None
        import pyarrow.parquet  # noqa: F401  both processes need pandas and Parquet

        import musterpoint.sim.result  # noqa: F401

        modules = warm_modules(write_map=options.write_map,
                               write_report=options.write_report, write_gis=options.write_gis)
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            stream.flush()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        try:
            pid = os.fork()
        except OSError as exc:  # no memory or process left: the outputs are written here
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            logger.info("cannot fork the output process (%s); writing the outputs here", exc)
            return None
        if pid == 0:  # pragma: no cover - the child (covered through the parent's tests)
            code = 1
            try:
                os.setpgid(0, 0)
                # out of the terminal's foreground group: its log lines must still show
                signal.signal(signal.SIGTTOU, signal.SIG_IGN)
                os.close(req_w)
                os.close(rep_r)
                plain_logging()
                with os.fdopen(req_r, "rb") as requests, os.fdopen(rep_w, "wb") as replies:
                    code = _serve(requests, replies, modules)
            except BaseException:  # interrupted, or the parent went away
                code = 1
            finally:
                os._exit(code)
        try:
            os.setpgid(pid, pid)  # also here: whichever runs first, the group exists
        except OSError:  # it has already set it, or ended
            pass
        os.close(req_r)
        os.close(rep_w)
        return cls(pid, os.fdopen(req_w, "wb"), os.fdopen(rep_r, "rb"))

    def write(self, result: RunResult, folder: Path, options: RunOptions, tell: Progress,
              suggestions: dict[str, Any] | None = None) -> None:
        """Have the process write the outputs of ``result``, saved in ``folder``.

        The signature of :func:`~musterpoint.run_pipeline.write_outputs`, which it runs
        there; here if the process has ended without writing anything.

        Raises
        ------
        Exception
            The error of a failed step, with a note naming the process.
        """
        request = {"folder": folder, "options": options, "meta": result.meta,
                   "kpis": result.kpis, "tables": list(result.tables),
                   "suggestions": suggestions}
        try:
            pickle.dump(request, self._requests)
            self._requests.flush()
        except (BrokenPipeError, OSError):
            pass  # it has ended: the replies say nothing and the outputs are written here
        began = False
        while True:
            try:
                message = pickle.load(self._replies)
            except EOFError:
                break
            if message[0] == "began":
                began = True
            elif message[0] == "tell":
                tell(message[1], message[2])
            elif message[0] == "done":
                self._reap()
                return
            else:
                exc, text = message[1], message[2]
                code = self._reap()
                exc.add_note(f"(writing the outputs in process {self.pid}, status {code}; "
                             f"its traceback:\n{text})")
                raise exc
        code = self._reap()
        if began:
            raise RuntimeError(f"the process writing the outputs ({self.pid}) ended with "
                               f"status {code}")
        logger.info("the output process ended (status %s) before writing; writing the "
                    "outputs here", code)
        from musterpoint.run_pipeline import write_outputs

        write_outputs(result, folder, options, tell, suggestions)

    def _reap(self) -> int:
        """Wait for the process; its exit code."""
        self._done = True
        for f in (self._requests, self._replies):
            try:
                f.close()
            except OSError:
                pass
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """End the process and its workers if they still run (the run failed), and reap it."""
        if self._done:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)  # its files go with the result folder
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._reap()

    def __enter__(self) -> OutputProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

