"""Append-only, hash-chained event store of a drill session (one SQLite file per session).

Every command of a drill (clock actions, injects, decisions, observations) is one row of
``records``, written in its own transaction before the command is acknowledged, with the
wall-clock time (UTC), the simulated time, the role (``trainer``, ``participant`` or
``script``), the command and a free-text rationale. Rows are never changed or deleted:
triggers refuse ``UPDATE`` and ``DELETE``, on the records and on the session's metadata
(written once, when the file is created).

Tamper evidence. Each record carries ``prev_hash``, the hash of the record before it (for
record 1, the hash of the metadata), and ``hash``, the SHA-256 of its own content and
``prev_hash`` (:func:`record_digest`); the metadata's hash (:func:`meta_digest`: seed,
scenario path, plan, ...) is kept in the metadata as ``meta_sha256``. Opening a file
checks its layout (tables and triggers as musterpoint makes them), the metadata's hash,
every record's hash and link, that ``seq`` has no gap (also at the end), that the
arguments are a JSON object, and that wall-clock and simulated times never go back. A
file that fails is refused with a message naming the first bad record. The chain has no
secret: it detects records edited, deleted, inserted or reordered with an SQLite tool, not
a forger who recomputes every hash with this module; to anchor a session, note
:attr:`DrillStore.head` (the last record's hash) somewhere else.

Durability. The journal is SQLite's rollback journal (``journal_mode=DELETE``) with
``synchronous=FULL``: a committed record is in the ``.sqlite`` file itself, so a copy of
that one file holds every acknowledged record, and a record survives the process being
killed (a kill in the middle of a commit leaves a ``-journal`` beside the file, which
SQLite uses to roll the unfinished record back on the next open).

The session (:mod:`musterpoint.sim.drill`) rebuilds its state by replaying the records
in ``seq`` order on the same scenario, plan and seed.

Table ``records``:

==============  ======  ==========================================================
column          type    meaning
==============  ======  ==========================================================
seq             int     1, 2, 3, ... in the order the commands were applied
wall_time       text    ISO 8601 UTC time the command was recorded
sim_time_s      real    simulated time (s since the scenario start) it applied at
role            text    ``trainer``, ``participant`` or ``script``
type            text    ``clock``, ``inject``, ``decision`` or ``note``
kind            text    the command kind (``close_links``, ...; clock: the action)
args            text    JSON arguments
rationale       text    free text: why (decisions), what (injects), the observation
actor           text    who (a participant's post or team), optional
inject_id       text    the exercise-script inject it fires, if any
title           text    short title (injects) or evaluation section (notes)
prev_hash       text    ``hash`` of the record before (record 1: ``meta_sha256``)
hash            text    SHA-256 (hex) of this record's content and ``prev_hash``
==============  ======  ==========================================================
"""


from __future__ import annotations

import json
import logging
import math
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from musterpoint.scenarios.errors import InputError, SimulationError
from musterpoint.sim.drill.chain import (
    COLUMNS,
    DDL,
    RECORD_TYPES,
    ROLES,
    ROOT_KEY,
    SCHEMA_VERSION,
    CheckedFile,
    Record,
    check_header,
    meta_digest,
    parse_wall_time,
    record_digest,
    verify_file,
)

__all__ = ["RECORD_TYPES", "ROLES", "SCHEMA_VERSION", "DrillStore", "Record", "meta_digest",
           "record_digest"]

logger = logging.getLogger(__name__)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")



class DrillStore:
    """The SQLite event store of one drill session.

    Use :meth:`create` for a new session file and :meth:`open` for an existing one; both
    check the whole file (see the module's docstring) and refuse one that fails.

    Parameters
    ----------
    path : Path
        The session file.
    conn : sqlite3.Connection
        An open connection (made by :meth:`create` or :meth:`open`).

    Raises
    ------
    InputError
        When the file fails the checks (it names the first bad record).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        checked = self._checked()
        self._meta = checked.meta
        self._root = checked.root

    @staticmethod
    def _durable(conn: sqlite3.Connection, p: Path) -> None:
        """Rollback journal, fsync at every commit: the ``.sqlite`` file alone holds every
        committed record (a WAL left by an older version is checkpointed into it)."""
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise InputError.single(str(p), "--session", f"cannot set the journal mode "
                                    f"(SQLite says {mode!r}); is another program holding "
                                    "the file? Close it and try again")
        conn.execute("PRAGMA synchronous=FULL")

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, Any]) -> DrillStore:
        """Create a new session file holding ``meta``; refuse to overwrite one.

        Parameters
        ----------
        path : str or Path
            Where to write it (its folder is created).
        meta : dict
            JSON-serialisable metadata (scenario, plan, seed, ...), written once and
            covered by the hash chain.

        Returns
        -------
        DrillStore
            The open store.

        Raises
        ------
        InputError
            When the file exists already.
        """
        p = Path(path)
        if p.exists():
            raise InputError.single(str(p), "--session", "a session file exists there; "
                                    "open it to resume, or choose another name")
        if ROOT_KEY in meta:
            raise SimulationError(f"drill metadata may not use the key {ROOT_KEY!r}")
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(p), check_same_thread=False, isolation_level=None)
        cls._durable(conn, p)
        rows = [(k, json.dumps(v, ensure_ascii=False, sort_keys=True, allow_nan=False))
                for k, v in meta.items()]
        rows.append((ROOT_KEY, json.dumps(meta_digest(rows))))
        # one transaction: a kill while creating leaves no half-made session
        conn.executescript(f"BEGIN IMMEDIATE;\n{DDL}\nPRAGMA user_version={SCHEMA_VERSION};")
        try:
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        logger.info("created drill session %s", p)
        return cls(p, conn)

    @classmethod
    def open(cls, path: str | Path) -> DrillStore:
        """Open an existing session file after checking all of it.

        A file that is empty, not an SQLite database or not a drill session is refused
        and left as it was.

        Raises
        ------
        InputError
            When the file is missing, not a drill session of this version, or fails the
            checks of its hash chain (the message names the first bad record).
        """
        p = Path(path)
        if not p.is_file():
            raise InputError.single(str(p), "--session", "no such session file")
        check_header(p)
        conn: sqlite3.Connection | None = None
        try:
            # mode=rw: never create a file; no PRAGMA that writes before the checks pass
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=rw", uri=True,
                                   check_same_thread=False, isolation_level=None)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "records"} <= tables or version != SCHEMA_VERSION:
                older = (" (written by an older musterpoint, without the hash chain: open "
                         "it with the version that recorded it)" if 0 < version
                         < SCHEMA_VERSION else "")
                raise InputError.single(str(p), "--session", "not a drill session file of "
                                        f"this musterpoint version (layout {version}, need "
                                        f"{SCHEMA_VERSION}){older}")
            store = cls(p, conn)
            cls._durable(conn, p)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise InputError.single(str(p), "--session",
                                    f"not a drill session file ({exc})") from exc
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return store

    def _checked(self) -> CheckedFile:
        try:
            return verify_file(self._conn, self.path)
        except sqlite3.DatabaseError as exc:
            raise InputError.single(str(self.path), "--session",
                                    f"not a readable drill session file ({exc})") from exc

    def verify(self) -> list[Record]:
        """Check the whole file again (layout, metadata, every record, the chain).

        Returns
        -------
        list of Record
            Every record, in order.

        Raises
        ------
        InputError
            Naming the first bad record.
        """
        return self._checked().records

    @property
    def meta(self) -> dict[str, Any]:
        """The session's metadata (a copy)."""
        return dict(self._meta)

    @property
    def head(self) -> str:
        """The hash of the last record (of the metadata while there is none): note it
        outside the file to be able to tell later that nothing was appended or recomputed."""
        row = self._conn.execute(
            "SELECT hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        return str(row[0]) if row is not None else self._root

    def append(self, *, sim_time_s: float, role: str, type: str, kind: str = "",
               args: dict[str, Any] | None = None, rationale: str = "", actor: str = "",
               inject_id: str = "", title: str = "", wall_time: str | None = None) -> Record:
        """Write one record, chained to the last one, and commit it; return it.

        Parameters
        ----------
        sim_time_s : float
            Simulated time the command applied at (never before the last record's).
        role, type, kind, args, rationale, actor, inject_id, title
            See :class:`Record`.
        wall_time : str, optional
            ISO time to record (when copying a record into a branch); default now, or
            the last record's time if the system clock went back.

        Returns
        -------
        Record
            The record as stored.
        """
        if role not in ROLES:
            raise InputError.single("command", "role", f"role must be one of {ROLES}")
        if type not in RECORD_TYPES:
            raise InputError.single("command", "type", f"type must be one of {RECORD_TYPES}")
        sim = float(sim_time_s)
        args_json = json.dumps(args or {}, ensure_ascii=False, sort_keys=True, allow_nan=False)
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            last = self._conn.execute("SELECT seq, wall_time, sim_time_s, hash FROM records "
                                      "ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(last[0]) + 1, str(last[3])) if last else (1, self._root)
            wall = wall_time or _utc_now()
            if last is not None:
                last_wall, this_wall = parse_wall_time(last[1]), parse_wall_time(wall)
                if last_wall is None or this_wall is None:
                    raise SimulationError(f"{self.path}: wall time {wall!r} or "
                                          f"{last[1]!r} is not an ISO time with a zone")
                if this_wall < last_wall:
                    if wall_time is not None:
                        raise SimulationError(f"{self.path}: record {seq} would be dated "
                                              f"{wall}, before record {seq - 1}")
                    logger.info("the system clock went back; record %d keeps the time of "
                                "record %d", seq, seq - 1)
                    wall = str(last[1])
                if sim < float(last[2]):
                    raise SimulationError(f"{self.path}: record {seq} at {sim} s would go "
                                          f"back in simulated time from {last[2]} s")
            if not (math.isfinite(sim) and sim >= 0):
                raise SimulationError(f"{self.path}: simulated time {sim} is not a time")
            content = (seq, wall, sim, role, type, kind, args_json, rationale, actor,
                       inject_id, title)
            self._conn.execute(
                f"INSERT INTO records ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(COLUMNS))})",
                (*content, prev, record_digest(prev, content)))
        return Record(seq, wall, sim, role, type, kind, json.loads(args_json), rationale,
                      actor, inject_id, title)

    def records(self, since: int = 0) -> list[Record]:
        """Records with ``seq > since``, in order, after checking the whole file.

        Raises
        ------
        InputError
            When the file fails the checks (see :meth:`verify`).
        """
        return [r for r in self.verify() if r.seq > since]

    def last_seq(self) -> int:
        """Sequence number of the last record (0 when there is none)."""
        row = self._conn.execute("SELECT MAX(seq) FROM records").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        """Close the file (every record is committed already)."""
        self._conn.close()
