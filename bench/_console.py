"""Shared helpers of the console benchmarks: a ``muster drill`` process on loopback and a
small keep-alive HTTP/1.1 client on asyncio streams (light enough for hundreds of
pollers in one process)."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def start_drill(session: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    """Start ``muster drill`` (the default scenario) on 127.0.0.1, any free port."""
    cmd = [sys.executable, "-m", "musterpoint.cli", "drill", "--session", str(session),
           "--port", "0", "--no-tiles", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("console: "):
            return proc, int(line.strip().rstrip("/").rsplit(":", 1)[1])
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("muster drill did not start")


def stop_drill(proc: subprocess.Popen[str]) -> str:
    """SIGTERM the drill process (it saves the session); its remaining output."""
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return out


class Client:
    """One keep-alive connection to the console (same-origin headers on POSTs)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str,
                   body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """Send one request; (status, parsed JSON). Reconnects when the server closed."""
        if self._r is not None and self._r.at_eof():  # closed by the server while idle
            await self.close()
        if self._w is None or self._w.is_closing():
            self._r, self._w = await asyncio.open_connection("127.0.0.1", self.port)
        assert self._r is not None and self._w is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Accept-Encoding: gzip",
                f"Content-Length: {len(data)}"]
        if body is not None:
            head += ["Content-Type: application/json", f"Origin: http://{self.host}"]
        self._w.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self._w.drain()
        status_line = await self._r.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self._r.readline()) not in (b"\r\n", b""):
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        raw = await self._r.readexactly(int(headers.get("content-length", "0")))
        if headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, json.loads(raw) if raw else None

    async def close(self) -> None:
        """Close the connection."""
        if self._w is not None:
            self._w.close()
            try:
                await self._w.wait_closed()
            except ConnectionError:
                pass
            self._w = None


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s)) - 1))] if s else float("nan")
