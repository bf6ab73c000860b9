"""A ``muster drill`` server as a real child process, for the kill tests.

:class:`DrillProcess` starts ``python -m musterpoint.cli drill ... --port 0``, reads the
console's address from its first ``console:`` line, sends JSON requests the way the
console page does (every POST with ``Content-Type: application/json`` and the server's
own ``Origin``, which both the standard-library and the Starlette servers accept), and
ends it with SIGKILL: no clean-up of any kind runs in the server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["DrillProcess"]

STARTUP_S = 90.0


class DrillProcess:
    """One drill server process on a session file.

    Parameters
    ----------
    proc : subprocess.Popen
        The running ``muster drill``.
    base : str
        Its address, ``http://127.0.0.1:PORT``.
    """

    def __init__(self, proc: subprocess.Popen[str], base: str) -> None:
        self.proc, self.base = proc, base

    @classmethod
    def start(cls, scenario: Path | None, session: Path, *options: str) -> DrillProcess:
        """Start the server on ``session`` and wait for its address.

        Parameters
        ----------
        scenario : Path or None
            The scenario (None to resume ``session`` without naming one).
        session : Path
            The session file (made when missing, resumed when there).
        *options : str
            More ``muster drill`` options (``--plan``, ``--seed``, ...).
        """
        cmd = [sys.executable, "-m", "musterpoint.cli", "drill",
               *([str(scenario)] if scenario is not None else []), "--session", str(session),
               "--port", "0", "--no-tiles", *options]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert proc.stdout is not None and proc.stderr is not None
        end = time.monotonic() + STARTUP_S
        for line in proc.stdout:
            if line.startswith("console: "):
                url = line.split()[1]
                return cls(proc, url.split("/?")[0].rstrip("/"))
            if time.monotonic() > end:
                break
        proc.kill()
        proc.wait(timeout=10)
        raise AssertionError(f"muster drill did not start: {proc.stderr.read()}")

    def request(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """GET ``path``, or POST ``body`` as JSON; return the status and the JSON reply."""
        headers = {} if body is None else {"Content-Type": "application/json",
                                           "Origin": self.base}
        req = urllib.request.Request(self.base + path, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=60) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def ok(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """:meth:`request`, asserting that the server acknowledged it (200)."""
        status, reply = self.request(path, body)
        assert status == 200, (path, body, reply)
        return reply

    def kill(self) -> None:
        """SIGKILL the server and reap it."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
