"""The drill session file: its hash chain, the checks on resume, and what a failed open
leaves behind.

Each tamper test edits a copy of a real session file with plain SQL (as someone with
``sqlite3`` and write access would) and checks that resuming it is refused with a
message naming the file and the first bad record. Some tests play a forger who knows the
chain's algorithm and recomputes every hash (:func:`_reseal`): the chain cannot catch
that, so they check the second line of defence, the checks of what a session could have
written (valid JSON, times that never go back, nothing past the scenario's end).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from musterpoint.scenarios.errors import InputError, MusterError
from musterpoint.sim.drill import DrillSession
from musterpoint.sim.drill.chain import COLUMNS, ROOT_KEY, meta_digest, record_digest
from musterpoint.sim.drill.store import DrillStore
from tests.helpers.scenario_factory import make_scenario

SCRIPT = [
    {"id": "levee", "time_h": 0.25, "title": "Levee breach",
     "effect": {"kind": "close_links", "args": {"links": ["L1", "L2"]}}},
]
TRIGGERS = {
    "records_no_update": "BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, "
                         "'drill records are append-only'); END",
    "records_no_delete": "BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, "
                         "'drill records are append-only'); END",
    "meta_no_update": "BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, "
                      "'drill metadata is written once'); END",
    "meta_no_delete": "BEFORE DELETE ON meta BEGIN SELECT RAISE(ABORT, "
                      "'drill metadata is written once'); END",
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A scenario and a closed session file of 9 records (clock, inject, decisions,
    a note), made once for the module; tests work on copies."""
    root = tmp_path_factory.mktemp("store")
    scenario = make_scenario(root / "grid", injects=SCRIPT)
    s = DrillSession.create(root / "s.sqlite", scenario, "late", 3)
    s.step(20)                                                    # 1 inject, 2 step
    s.decide("order_zones", {"zones": ["Z00-00"]}, rationale="levee", actor="EOC")  # 3
    s.set_speed(120)                                              # 4
    s.step(5)                                                     # 5
    s.decide("shelter_capacity", {"shelter": "north", "capacity": 900})  # 6
    s.note("slow call", section="improvement")                    # 7
    s.step(10)                                                    # 8
    s.decide("close_links", {"links": ["L7"]}, rationale="bridge")  # 9
    assert s.last_seq() == 9
    s.close()
    return scenario, root / "s.sqlite"


@pytest.fixture
def copy(recorded: tuple[Path, Path], tmp_path: Path) -> Path:
    """A fresh copy of the recorded session file."""
    dst = tmp_path / "copy.sqlite"
    shutil.copyfile(recorded[1], dst)
    return dst


def _tamper(path: Path, script: str, *, drop: tuple[str, ...] = tuple(TRIGGERS),
            restore: bool = True) -> None:
    """Drop the named triggers, run ``script``, and (by default) put the triggers back as
    they were, so that only the records tell."""
    con = sqlite3.connect(path)
    con.executescript("".join(f"DROP TRIGGER {t};" for t in drop) + script)
    if restore:
        con.executescript("".join(f"CREATE TRIGGER {t} {TRIGGERS[t]};" for t in drop))
    con.commit()
    con.close()


def _refusal(path: Path) -> str:
    """The message with which resuming ``path`` is refused."""
    with pytest.raises(MusterError) as err:
        DrillSession.open(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: "), msg
    return msg


def _reseal(path: Path) -> None:
    """Play a forger who knows the algorithm: recompute the metadata hash and every
    record's hash and link, and put the triggers back, so the chain is intact again."""
    _tamper(path, "", restore=False)
    con = sqlite3.connect(path)
    meta = [(k, v) for k, v in con.execute("SELECT key, value FROM meta") if k != ROOT_KEY]
    prev = meta_digest(meta)
    con.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(prev), ROOT_KEY))
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM records ORDER BY seq").fetchall()
    for row in rows:
        content = (row[0], row[1], float(row[2]), *row[3:11])
        own = record_digest(prev, content)
        con.execute("UPDATE records SET prev_hash = ?, hash = ? WHERE seq = ?",
                    (prev, own, row[0]))
        prev = own
    con.executescript("".join(f"CREATE TRIGGER {t} {sql};" for t, sql in TRIGGERS.items()))
    con.commit()
    con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------- the chain holds
def test_an_untouched_copy_resumes_with_every_record(recorded: tuple[Path, Path],
                                                     copy: Path) -> None:
    """The control: a byte copy of a closed session resumes, records and all."""
    s = DrillSession.open(copy)
    try:
        assert s.last_seq() == 9 and s.store.meta["seed"] == 3
        assert [r.kind for r in s.records() if r.type == "decision"] == [
            "order_zones", "shelter_capacity", "close_links"]
        assert s.speed == 120.0
    finally:
        s.close()


def test_resealing_an_untouched_file_changes_nothing(copy: Path) -> None:
    """The forger's helper recomputes exactly the hashes the store wrote (so the tests
    below that use it test the later checks, not a mistake in the helper)."""
    before = sqlite3.connect(copy).execute("SELECT hash FROM records").fetchall()
    _reseal(copy)
    after = sqlite3.connect(copy).execute("SELECT hash FROM records").fetchall()
    assert before == after
    DrillStore.open(copy).close()


# ---------------------------------------------------------------------- tampering
def test_an_edited_record_behind_a_dropped_trigger_is_named(copy: Path) -> None:
    """The review's S2 case: drop the trigger, change a decision's arguments."""
    _tamper(copy, "UPDATE records SET args = '{\"capacity\": 1, \"shelter\": \"north\"}' "
            "WHERE seq = 6;", drop=("records_no_update",))
    msg = _refusal(copy)
    assert "record 6: its content does not match its hash" in msg
    assert "resume from a copy of the session you trust" in msg


def test_a_dropped_trigger_alone_is_refused(copy: Path) -> None:
    """Without its append-only triggers the file is not as musterpoint made it."""
    _tamper(copy, "", drop=("records_no_delete",), restore=False)
    msg = _refusal(copy)
    assert "layout: the tables and append-only triggers are not as musterpoint made them" \
        in msg and "records_no_delete removed or changed" in msg


def test_a_deleted_record_is_named(copy: Path) -> None:
    """A record deleted from the middle leaves a gap that names it."""
    _tamper(copy, "DELETE FROM records WHERE seq = 4;", drop=("records_no_delete",))
    assert "record 4: it is missing (the records jump from 3 to 5)" in _refusal(copy)


def test_deleted_last_records_are_named(copy: Path) -> None:
    """Cutting the tail leaves no gap, but the file's own counter remembers it."""
    _tamper(copy, "DELETE FROM records WHERE seq >= 8;")
    assert "record 8: it is missing: records up to 9 were written but the file ends at 7" \
        in _refusal(copy)


def test_deleted_and_renumbered_records_break_the_chain(copy: Path) -> None:
    """Deleting record 4, renumbering the rest and the counter closes every gap; the
    links do not fit."""
    _tamper(copy, "DELETE FROM records WHERE seq = 4; "
            "UPDATE records SET seq = seq - 1 WHERE seq > 4; "
            "UPDATE sqlite_sequence SET seq = 8 WHERE name = 'records';")
    msg = _refusal(copy)
    assert "record 4: it does not follow record 3" in msg
    assert "records were deleted, inserted or reordered" in msg


def test_a_forged_record_appended_at_the_end_is_named(copy: Path) -> None:
    """A plain INSERT (the triggers allow it) of a decision, linked to the last hash but
    with a hash the forger did not compute."""
    con = sqlite3.connect(copy)
    head = con.execute("SELECT hash FROM records WHERE seq = 9").fetchone()[0]
    con.execute("INSERT INTO records (seq, wall_time, sim_time_s, role, type, kind, args, "
                "prev_hash, hash) VALUES (10, '2030-01-01T00:00:00.000+00:00', 3000, "
                "'participant', 'decision', 'close_links', '{\"links\": [\"L3\"]}', ?, ?)",
                (head, "0" * 64))
    con.commit()
    con.close()
    assert "record 10: its content does not match its hash" in _refusal(copy)


def test_a_well_formed_record_inserted_in_the_middle_is_named(copy: Path) -> None:
    """The forger shifts records 5.. up by one and inserts a record 5 whose own hash and
    link are right: record 6 (the old 5) no longer follows it."""
    _tamper(copy, "UPDATE records SET seq = -seq WHERE seq >= 5; "
            "UPDATE records SET seq = 1 - seq WHERE seq < 0;")
    con = sqlite3.connect(copy)
    prev, sim = con.execute("SELECT hash, sim_time_s FROM records WHERE seq = 4").fetchone()
    content = (5, "2030-01-01T00:00:00.000+00:00", float(sim), "participant", "decision",
               "close_links", '{"links":["L3"]}', "", "", "", "")
    con.execute(f"INSERT INTO records ({', '.join(COLUMNS)}) VALUES "
                f"({', '.join('?' * len(COLUMNS))})",
                (*content, prev, record_digest(prev, content)))
    con.commit()
    con.close()
    assert "record 6: it does not follow record 5" in _refusal(copy)


def test_two_swapped_records_are_named(copy: Path) -> None:
    """Records 6 and 7 exchange places (every column but seq)."""
    cols = ", ".join(f"{c} = (SELECT {c} FROM t WHERE t.seq = 13 - records.seq)"
                     for c in COLUMNS[1:])
    _tamper(copy, "CREATE TEMP TABLE t AS SELECT * FROM records WHERE seq IN (6, 7); "
            f"UPDATE records SET {cols} WHERE seq IN (6, 7);", drop=("records_no_update",))
    assert "record 6: it does not follow record 5" in _refusal(copy)


def test_a_changed_seed_is_detected(copy: Path) -> None:
    """The metadata (seed, scenario path, plan) is the root of the chain."""
    _tamper(copy, "UPDATE meta SET value = '7' WHERE key = 'seed';", drop=("meta_no_update",))
    assert "metadata: the session's metadata (scenario, plan, seed, ...) does not match " \
        "its hash" in _refusal(copy)


def test_an_added_metadata_row_is_detected(copy: Path) -> None:
    """The triggers allow INSERT into meta; the chain does not."""
    _tamper(copy, "INSERT INTO meta (key, value) VALUES ('note', '\"x\"');", drop=())
    assert "does not match its hash" in _refusal(copy)


# ---------------------------------------------------------------------- a forger who reseals
def test_args_that_are_not_json_are_refused_with_a_message(copy: Path) -> None:
    """Even behind a recomputed chain, non-JSON arguments are a clear refusal, not an
    internal error."""
    _tamper(copy, "UPDATE records SET args = '{bad' WHERE seq = 3;")
    _reseal(copy)
    assert "record 3: its arguments are not valid JSON" in _refusal(copy)


def test_args_that_are_not_json_end_muster_drill_with_exit_code_2(
        copy: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The review's C1 line: ``muster drill`` said "internal error: JSONDecodeError"."""
    from musterpoint.cli import main

    _tamper(copy, "UPDATE records SET args = '[1' WHERE seq = 3;")
    _reseal(copy)
    monkeypatch.setattr(sys, "stdin", io.StringIO("quit\n"))
    assert main(["drill", "--session", str(copy), "--terminal"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {copy}: record 3: its arguments are not valid JSON")
    assert "internal error" not in err


def test_a_backdated_record_is_refused(copy: Path) -> None:
    """A record dated before the one it follows."""
    _tamper(copy, "UPDATE records SET wall_time = '2020-01-01T00:00:00.000+00:00' "
            "WHERE seq = 7;")
    _reseal(copy)
    assert "record 7: it is dated 2020-01-01T00:00:00.000+00:00, before record 6" \
        in _refusal(copy)


def test_a_record_going_back_in_simulated_time_is_refused(copy: Path) -> None:
    """The review's forged decision at 100 s after records at 2,000 s and more."""
    _tamper(copy, "UPDATE records SET sim_time_s = 100 WHERE seq = 9;")
    _reseal(copy)
    assert "record 9: its simulated time 100.0 s is before that of record 8" \
        in _refusal(copy)


def test_a_record_beyond_the_scenarios_end_is_refused(copy: Path) -> None:
    """The review's forged tick at 1e12 s: refused on resume, naming the record."""
    con = sqlite3.connect(copy)
    con.execute("INSERT INTO records (seq, wall_time, sim_time_s, role, type, kind, args, "
                "prev_hash, hash) VALUES (10, '2030-01-01T00:00:00.000+00:00', 1e12, "
                "'trainer', 'clock', 'step', '{}', '', '')")
    con.commit()
    con.close()
    _reseal(copy)
    msg = _refusal(copy)
    assert "record 10: it is at 1e+12 s, beyond the scenario's end (10800 s)" in msg


def test_an_impossible_clock_speed_is_refused(copy: Path) -> None:
    """The review's forged speed of 1e9 (the console allows at most 36,000)."""
    _tamper(copy, "UPDATE records SET args = '{\"speed\": 1e9}' WHERE seq = 4;")
    _reseal(copy)
    assert "record 4: its speed 1000000000.0 is not from 0.1 to 36,000" in _refusal(copy)


# ---------------------------------------------------------------------- broken files
@pytest.mark.parametrize(("content", "expected"), [
    (b"", "the file is empty (0 bytes), not a drill session; it was left untouched"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 4000, "not an SQLite file, so not a drill session"),
])
def test_an_empty_or_foreign_file_is_refused_and_left_untouched(
        tmp_path: Path, content: bytes, expected: str) -> None:
    """The review's U4: the failed open used to turn a 0-byte file into an SQLite file."""
    path = tmp_path / "s.sqlite"
    path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(f"--session: {expected}")):
        DrillSession.open(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sqlite"]


def test_a_truncated_file_is_refused_and_left_untouched(copy: Path) -> None:
    """Half a session file: SQLite's own error, as a message, and the bytes unchanged."""
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 2])
    before = _digest(copy)
    with pytest.raises(InputError, match=r"not a .*drill session file"):
        DrillSession.open(copy)
    assert _digest(copy) == before


def test_a_session_of_the_layout_before_the_chain_is_refused_with_the_reason(
        tmp_path: Path) -> None:
    """A layout-1 file (no hash columns) cannot be checked, and says so."""
    path = tmp_path / "old.sqlite"
    _tamper(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); "
            "CREATE TABLE records (seq INTEGER PRIMARY KEY AUTOINCREMENT); "
            "PRAGMA user_version = 1;", drop=())
    with pytest.raises(InputError, match=r"\(layout 1, need 2\) \(written by an older "
                       "musterpoint, without the hash chain"):
        DrillStore.open(path)


# ---------------------------------------------------------------------- durability
def test_a_copy_of_the_sqlite_file_alone_holds_every_committed_record(
        recorded: tuple[Path, Path], tmp_path: Path) -> None:
    """The review's L2, in-process: while the session is still open, the ``.sqlite``
    file holds every record written so far; no ``-wal`` is ever made."""
    s = DrillSession.create(tmp_path / "live.sqlite", recorded[0], "late", 3)
    s.step(20)
    s.decide("order_zones", {"zones": ["Z00-00"]}, rationale="now")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.sqlite"]
    shutil.copyfile(tmp_path / "live.sqlite", tmp_path / "copy.sqlite")
    c = DrillSession.open(tmp_path / "copy.sqlite")
    try:
        assert c.records() == s.records() and len(c.records()) == 3
        assert c.agent_state()["digest"] == s.agent_state()["digest"]
    finally:
        c.close()
        s.close()


def test_a_system_clock_that_goes_back_does_not_backdate_a_record(
        recorded: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records keep the last time instead, so an honest session always passes its own
    check."""
    import musterpoint.sim.drill.store as store_mod

    s = DrillSession.create(tmp_path / "d.sqlite", recorded[0], "late", 3)
    s.note("first")
    first = s.records()[-1].wall_time
    monkeypatch.setattr(store_mod, "_utc_now", lambda: "2001-01-01T00:00:00.000+00:00")
    s.note("second")
    assert s.records()[-1].wall_time == first
    s.close()
    DrillStore.open(tmp_path / "d.sqlite").close()


def test_the_head_hash_moves_with_every_record_and_branches_chain_anew(
        recorded: tuple[Path, Path], tmp_path: Path) -> None:
    """:attr:`DrillStore.head` is what to note outside the file; a branch is a chain of
    its own that passes the same checks."""
    s = DrillSession.open(recorded[1])
    try:
        head = s.store.head
        assert len(head) == 64
        b = s.branch(tmp_path / "b.sqlite", at_seq=6, rationale="try again")
        assert b.store.head != head and b.records()[-1].kind == "branch"
        b.close()
        again = DrillStore.open(tmp_path / "b.sqlite")
        assert [r.seq for r in again.verify()] == list(range(1, 7))
        again.close()
    finally:
        s.close()
