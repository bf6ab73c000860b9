"""Serving a web app from the command line (``muster drill``, ``muster studio``): the
address options, and serving in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Terminated", "add_serving_arguments", "serve_in_foreground", "sigterm_raises"]


def add_serving_arguments(parser: argparse.ArgumentParser, port: int) -> None:
    """``--host``, ``--port``, ``--token`` and ``--allow-host`` of a served web app."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to serve on (default 127.0.0.1; any other address "
                             "requires the access token)")
    parser.add_argument("--port", type=int, default=port,
                        help=f"port (default {port}; 0: any free)")
    parser.add_argument("--token", default=None,
                        help="access token (at least 16 characters) required on every "
                             "request; made up when --host is not a loopback address and "
                             "none is given")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another name the app is reached by (a DNS name of this "
                             "machine); requests naming any other host are refused")


def serve_in_foreground(server: Any) -> str:
    """Serve until Ctrl-C or SIGTERM, then shut the server down; say how it ended.

    Parameters
    ----------
    server : DrillServer or StudioServer
        Anything with ``serve_forever()`` and ``shutdown()``.

    Returns
    -------
    str
        ``stopped``, ``interrupted`` or ``terminated (SIGTERM)``.
    """
    how = "stopped"
    try:
        with sigterm_raises():
            server.serve_forever()
    except KeyboardInterrupt:
        how = "interrupted"
    except Terminated:
        how = "terminated (SIGTERM)"
    finally:
        server.shutdown()
    return how


class Terminated(BaseException):
    """SIGTERM arrived: leave like Ctrl-C (stop serving, close the session file)."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within: SIGTERM raises :class:`Terminated` in the main thread (elsewhere: as is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
