"""The hash chain of a drill session file: its layout, the digests, and the checks.

:mod:`musterpoint.sim.drill.store` writes session files and tells the layout, the chain
and the journal; this module holds what both writing and checking need: the tables
(:data:`DDL`), :class:`Record`, the digests (:func:`meta_digest`, :func:`record_digest`) and
:func:`verify_file`, which checks a whole file and names the first bad record.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from musterpoint.scenarios.errors import InputError

__all__ = ["COLUMNS", "DDL", "RECORD_TYPES", "ROLES", "ROOT_KEY", "SCHEMA_VERSION",
           "CheckedFile", "Record", "check_header", "meta_digest", "parse_wall_time",
           "record_digest", "verify_file"]


#: Version of the file layout (``PRAGMA user_version``); 2 added the hash chain.
SCHEMA_VERSION = 2
#: Who may give a command.
ROLES = ("trainer", "participant", "script")
#: What a record is.
RECORD_TYPES = ("clock", "inject", "decision", "note")

DDL = """
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
    title TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
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

COLUMNS = ("seq", "wall_time", "sim_time_s", "role", "type", "kind", "args", "rationale",
            "actor", "inject_id", "title", "prev_hash", "hash")
#: Metadata key holding :func:`meta_digest` of the other metadata rows.
ROOT_KEY = "meta_sha256"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_RESTORE = ("the file was changed outside musterpoint; resume from a copy of the session "
            "you trust, or start a new session")


def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def meta_digest(rows: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of a session's metadata: the root of its hash chain.

    Parameters
    ----------
    rows : iterable of (str, str)
        The metadata rows as stored: key and JSON text of the value (without
        ``meta_sha256`` itself).

    Returns
    -------
    str
        The digest, 64 hex digits.
    """
    return hashlib.sha256(_canonical(["musterpoint drill meta", SCHEMA_VERSION,
                                      sorted(rows)])).hexdigest()


def record_digest(prev_hash: str, content: Sequence[object]) -> str:
    """SHA-256 (hex) of one record, chained to the record before it.

    Parameters
    ----------
    prev_hash : str
        The hash of the record before (for record 1, :func:`meta_digest`).
    content : sequence
        The record's columns as stored, in table order from ``seq`` to ``title``
        (``args`` as its JSON text, ``sim_time_s`` as a finite float).

    Returns
    -------
    str
        The digest, 64 hex digits.
    """
    return hashlib.sha256(_canonical(["musterpoint drill record", SCHEMA_VERSION,
                                      prev_hash, *content])).hexdigest()


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


def parse_wall_time(text: str) -> datetime | None:
    """The recorded wall time as an aware datetime (None when it is not one)."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


@functools.cache
def _expected_schema() -> frozenset[tuple[str, str, str]]:
    """(type, name, sql) of every object :data:`DDL` makes, from a scratch database."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.executescript(DDL)
        return frozenset(mem.execute("SELECT type, name, sql FROM sqlite_master"))
    finally:
        mem.close()


def check_header(p: Path) -> None:
    """Refuse, without opening it with SQLite, a file that is not an SQLite database."""
    with p.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if not head:
        raise InputError.single(str(p), "--session", "the file is empty (0 bytes), not a "
                                "drill session; it was left untouched. Give the session "
                                "file the drill wrote, or a new name to start one")
    if head != _SQLITE_MAGIC:
        raise InputError.single(str(p), "--session", "not an SQLite file, so not a drill "
                                "session; it was left untouched. Give the session file the "
                                "drill wrote, or a new name to start one")


def _bad(p: Path, where: str, reason: str) -> InputError:
    return InputError.single(str(p), where, f"{reason}; {_RESTORE}")


def _norm_sql(sql: object) -> str:
    return " ".join(str(sql).split()) if sql is not None else ""


@dataclass(frozen=True)
class CheckedFile:
    """What :func:`verify_file` found in a file that passed: metadata, chain root,
    records and the last hash."""

    meta: dict[str, Any]
    root: str
    records: list[Record]
    head: str


def _check_layout(conn: sqlite3.Connection, p: Path) -> None:
    have = {(t, n, _norm_sql(s)) for t, n, s in conn.execute(
        "SELECT type, name, sql FROM sqlite_master")}
    want = {(t, n, _norm_sql(s)) for t, n, s in _expected_schema()}
    changed = sorted({n for _, n, _ in want - have})
    added = sorted({n for _, n, _ in have - want} - set(changed))
    if changed or added:
        what = ([f"{', '.join(changed)} removed or changed"] if changed else []) + \
               ([f"{', '.join(added)} added"] if added else [])
        raise _bad(p, "layout", "the tables and append-only triggers are not as musterpoint "
                   f"made them ({'; '.join(what)})")


def _check_meta(conn: sqlite3.Connection, p: Path) -> tuple[dict[str, Any], str]:
    rows = conn.execute("SELECT key, value FROM meta").fetchall()
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in rows):
        raise _bad(p, "metadata", "a metadata row is not text")
    root_text = [v for k, v in rows if k == ROOT_KEY]
    others = [(k, v) for k, v in rows if k != ROOT_KEY]
    root = meta_digest(others)
    if root_text != [json.dumps(root)]:
        raise _bad(p, "metadata", "the session's metadata (scenario, plan, seed, ...) does "
                   "not match its hash (meta_sha256): it was changed after the session was "
                   "created")
    meta: dict[str, Any] = {}
    for k, v in others:
        try:
            meta[k] = json.loads(v)
        except ValueError:
            raise _bad(p, f"metadata {k}", "the value is not valid JSON") from None
    return meta, root


def _check_row(p: Path, row: Sequence[Any], prev: str, last: Record | None) -> Record:
    """One record, given the hash and the record before it; raise on the first problem."""
    seq, sim = int(row[0]), row[2]
    where = f"record {seq}"
    before = f"record {last.seq}" if last is not None else "the metadata"
    if isinstance(sim, bool) or not isinstance(sim, int | float) or not math.isfinite(sim) \
            or sim < 0:
        raise _bad(p, where, f"its sim_time_s {sim!r} is not a simulated time (s >= 0)")
    text = [row[1], *row[3:]]
    for name, value in zip(COLUMNS[1:2] + COLUMNS[3:], text, strict=True):
        if not isinstance(value, str):
            raise _bad(p, where, f"its {name} {value!r} is not text")
    wall, role, type_, kind, args_text, rationale, actor, inject_id, title, prev_hash, own = \
        (str(v) for v in text)
    if prev_hash != prev:
        raise _bad(p, where, f"it does not follow {before} (its prev_hash is not that "
                   "record's hash): records were deleted, inserted or reordered")
    content = (seq, wall, float(sim), role, type_, kind, args_text, rationale, actor,
               inject_id, title)
    if record_digest(prev, content) != own:
        raise _bad(p, where, "its content does not match its hash: it was edited after it "
                   "was written, or forged")
    try:
        args = json.loads(args_text)
    except ValueError as exc:
        raise _bad(p, where, f"its arguments are not valid JSON ({exc})") from None
    if not isinstance(args, dict):
        raise _bad(p, where, "its arguments are not a JSON object")
    when = parse_wall_time(wall)
    if when is None:
        raise _bad(p, where, f"its wall time {wall!r} is not an ISO 8601 time with a "
                   "time zone")
    if last is not None:
        last_when = parse_wall_time(last.wall_time)
        if last_when is not None and when < last_when:
            raise _bad(p, where, f"it is dated {wall}, before {before} ({last.wall_time}): "
                       "a backdated record")
        if float(sim) < last.sim_time_s:
            raise _bad(p, where, f"its simulated time {sim} s is before that of {before} "
                       f"({last.sim_time_s} s): the simulated clock never goes back")
    return Record(seq, wall, float(sim), role, type_, kind, args, rationale, actor,
                  inject_id, title)


def verify_file(conn: sqlite3.Connection, p: Path) -> CheckedFile:
    """Check a whole session file: layout, metadata hash, every record and the chain."""
    _check_layout(conn, p)
    meta, root = _check_meta(conn, p)
    prev, records = root, []
    last: Record | None = None
    for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM records ORDER BY seq"):
        expected = last.seq + 1 if last is not None else 1
        if row[0] != expected:
            if row[0] < expected:
                raise _bad(p, f"record {row[0]}", "not a record number (they count from 1)")
            raise _bad(p, f"record {expected}", f"it is missing (the records jump from "
                       f"{expected - 1} to {row[0]}): records were deleted")
        last = _check_row(p, row, prev, last)
        prev = str(row[12])
        records.append(last)
    top = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
    n = len(records)
    if top is not None and isinstance(top[0], int) and top[0] > n:
        raise _bad(p, f"record {n + 1}", f"it is missing: records up to {top[0]} were "
                   f"written but the file ends at {n}: the last records were deleted")
    return CheckedFile(meta, root, records, prev)
