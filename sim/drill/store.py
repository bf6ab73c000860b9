"""Append-only event store of a drill session (one SQLite file per session).

Every command of a drill (clock actions, injects, decisions, observations) is one row of
``records``, written in its own transaction before the command is acknowledged, with the
wall-clock time (UTC), the simulated time, the role (``trainer``, ``participant`` or
``script``), the command and a free-text rationale. Rows are never changed or deleted:
triggers refuse ``UPDATE`` and ``DELETE``, on the records and on the session's metadata
(written once, when the file is created). The journal is SQLite's write-ahead log with
``synchronous=FULL``, so a row that was committed survives the process being killed.

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
==============  ======  ==========================================================
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from musterpoint.scenarios.errors import InputError

__all__ = ["RECORD_TYPES", "ROLES", "SCHEMA_VERSION", "DrillStore", "Record"]

logger = logging.getLogger(__name__)

#: Version of the file layout (``PRAGMA user_version``).
SCHEMA_VERSION = 1
#: Who may give a command.
ROLES = ("trainer", "participant", "script")
#: What a record is.
RECORD_TYPES = ("clock", "inject", "decision", "note")

_DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    wall_time TEXT NOT NULL,
    sim_time_s REAL NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('trainer', 'participant', 'script')),
    type TEXT NOT NULL CHECK (type IN ('clock', 'inject', 'decision', 'note')),
    kind TEXT NOT NULL DEFAULT '',
    args TEXT NOT NULL DEFAULT '{}',
    rationale TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL DEFAULT '',
    inject_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'drill records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'drill records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS meta_no_update BEFORE UPDATE ON meta
BEGIN SELECT RAISE(ABORT, 'drill metadata is written once'); END;
CREATE TRIGGER IF NOT EXISTS meta_no_delete BEFORE DELETE ON meta
BEGIN SELECT RAISE(ABORT, 'drill metadata is written once'); END;
"""

_COLUMNS = ("seq", "wall_time", "sim_time_s", "role", "type", "kind", "args", "rationale",
            "actor", "inject_id", "title")


@dataclass(frozen=True)
class Record:
    """One recorded command.

    Attributes
    ----------
    seq : int
        Position in the log (from 1).
    wall_time : str
        ISO 8601 UTC time it was recorded.
    sim_time_s : float
        Simulated time it applied at.
    role : str
        ``trainer``, ``participant`` or ``script``.
    type : str
        ``clock``, ``inject``, ``decision`` or ``note``.
    kind : str
        Command kind (empty for an informational inject and for notes); for clock
        records the action (``start``, ``pause``, ``step``, ``run_to``, ``tick``,
        ``speed``, ``settings``).
    args : dict
        Arguments of the command.
    rationale : str
        Free text.
    actor : str
        Who gave it (optional).
    inject_id : str
        The exercise-script inject it fires (empty if none).
    title : str
        Inject title, or the evaluation section of a note.
    """

    seq: int
    wall_time: str
    sim_time_s: float
    role: str
    type: str
    kind: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    rationale: str = ""
    actor: str = ""
    inject_id: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-serialisable dict."""
        return asdict(self)

    @property
    def is_command(self) -> bool:
        """True when replaying it applies a command to the simulation."""
        return self.type in ("inject", "decision") and bool(self.kind)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class DrillStore:
    """The SQLite event store of one drill session.

    Use :meth:`create` for a new session file and :meth:`open` for an existing one.

    Parameters
    ----------
    path : Path
        The session file.
    conn : sqlite3.Connection
        An open connection (made by :meth:`create` or :meth:`open`).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._meta: dict[str, Any] = {
            k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")
        }

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, Any]) -> DrillStore:
        """Create a new session file holding ``meta``; refuse to overwrite one.

        Parameters
        ----------
        path : str or Path
            Where to write it (its folder is created).
        meta : dict
            JSON-serialisable metadata (scenario, plan, seed, ...), written once.

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
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = cls._connect(p)
        conn.executescript(_DDL)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        with conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                             [(k, json.dumps(v, ensure_ascii=False, sort_keys=True))
                              for k, v in meta.items()])
        logger.info("created drill session %s", p)
        return cls(p, conn)

    @classmethod
    def open(cls, path: str | Path) -> DrillStore:
        """Open an existing session file.

        Raises
        ------
        InputError
            When the file is missing or not a drill session.
        """
        p = Path(path)
        if not p.is_file():
            raise InputError.single(str(p), "--session", "no such session file")
        try:
            conn = cls._connect(p)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise InputError.single(str(p), "--session",
                                    f"not a drill session file ({exc})") from exc
        if not {"meta", "records"} <= tables or version != SCHEMA_VERSION:
            conn.close()
            raise InputError.single(str(p), "--session", "not a drill session file of this "
                                    f"musterpoint version (layout {version}, need "
                                    f"{SCHEMA_VERSION})")
        return cls(p, conn)

    @property
    def meta(self) -> dict[str, Any]:
        """The session's metadata (a copy)."""
        return dict(self._meta)

    def append(self, *, sim_time_s: float, role: str, type: str, kind: str = "",
               args: dict[str, Any] | None = None, rationale: str = "", actor: str = "",
               inject_id: str = "", title: str = "", wall_time: str | None = None) -> Record:
        """Write one record and commit it; return it with its ``seq``.

        Parameters
        ----------
        sim_time_s : float
            Simulated time the command applied at.
        role, type, kind, args, rationale, actor, inject_id, title
            See :class:`Record`.
        wall_time : str, optional
            ISO time to record (when copying a record into a branch); default now.

        Returns
        -------
        Record
            The record as stored.
        """
        if role not in ROLES:
            raise InputError.single("command", "role", f"role must be one of {ROLES}")
        if type not in RECORD_TYPES:
            raise InputError.single("command", "type", f"type must be one of {RECORD_TYPES}")
        args_json = json.dumps(args or {}, ensure_ascii=False, sort_keys=True, allow_nan=False)
        wall = wall_time or _utc_now()
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            cur = self._conn.execute(
                "INSERT INTO records (wall_time, sim_time_s, role, type, kind, args, "
                "rationale, actor, inject_id, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (wall, float(sim_time_s), role, type, kind, args_json, rationale, actor,
                 inject_id, title),
            )
            seq = int(cur.lastrowid or 0)
        return Record(seq, wall, float(sim_time_s), role, type, kind, json.loads(args_json),
                      rationale, actor, inject_id, title)

    def records(self, since: int = 0) -> list[Record]:
        """Records with ``seq > since``, in order."""
        rows = self._conn.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM records WHERE seq > ? ORDER BY seq", (since,)
        ).fetchall()
        return [Record(int(r[0]), r[1], float(r[2]), r[3], r[4], r[5], json.loads(r[6]),
                       r[7], r[8], r[9], r[10]) for r in rows]

    def last_seq(self) -> int:
        """Sequence number of the last record (0 when there is none)."""
        row = self._conn.execute("SELECT MAX(seq) FROM records").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        """Close the file (every record is committed already)."""
        self._conn.close()
