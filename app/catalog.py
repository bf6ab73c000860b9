"""The results catalog: every run and comparison, recorded in an embedded SQLite database.

Location: ``--catalog PATH``, else the environment variable ``MUSTER_CATALOG``, else
``./muster-runs/catalog.sqlite`` (created on first use).

Tables (``PRAGMA user_version`` is the schema version, 1):

``comparisons``
    id, created_at (UTC ISO), scenario, plans (JSON list), replications, base_seed,
    version, executor, wall_time_s, out_dir, comparison_json (the whole comparison.json,
    so a report can be re-rendered without re-running).
``runs``
    id, created_at, kind (``run`` for ``muster run``, ``replication`` for a run of a
    comparison), scenario, plan, seed, replication, version, comparison_id, wall_time_s,
    out_dir, kpis_json (the whole KPI tree).
``run_kpis``
    run_id, kpi (dotted name, as in comparison.json), value (NULL if not reached), for
    queries such as ``SELECT plan, avg(value) FROM runs JOIN run_kpis ...``.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musterpoint.scenarios.errors import InputError, MusterError
from musterpoint.sim.kpis.statistics import flatten_kpis

if TYPE_CHECKING:
    from musterpoint.sim.experiments.jobs import RunSummary

__all__ = ["DEFAULT_CATALOG", "ENV_VAR", "Catalog", "catalog_path", "comparison_json"]

#: Where the catalog is when neither ``--catalog`` nor ``MUSTER_CATALOG`` says otherwise.
DEFAULT_CATALOG = Path("muster-runs") / "catalog.sqlite"
#: Environment variable naming the catalog file.
ENV_VAR = "MUSTER_CATALOG"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS comparisons (
  id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, scenario TEXT NOT NULL,
  plans TEXT NOT NULL, replications INTEGER NOT NULL, base_seed INTEGER NOT NULL,
  version TEXT NOT NULL, executor TEXT, wall_time_s REAL, out_dir TEXT,
  comparison_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, kind TEXT NOT NULL,
  scenario TEXT NOT NULL, plan TEXT NOT NULL, seed INTEGER NOT NULL, replication INTEGER,
  version TEXT NOT NULL, comparison_id INTEGER REFERENCES comparisons(id),
  wall_time_s REAL, out_dir TEXT, kpis_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_kpis (
  run_id INTEGER NOT NULL REFERENCES runs(id), kpi TEXT NOT NULL, value REAL,
  PRIMARY KEY (run_id, kpi));
CREATE INDEX IF NOT EXISTS runs_by_scenario ON runs (scenario, plan);
PRAGMA user_version = 1;
"""


def catalog_path(explicit: str | Path | None = None) -> Path:
    """The catalog file: ``explicit``, else ``$MUSTER_CATALOG``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_CATALOG


def _tidy(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _tidy(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_tidy(v) for v in x]
    if isinstance(x, float):
        return float(f"{x:.10g}") if math.isfinite(x) else None
    return x


def comparison_json(comparison: Mapping[str, Any]) -> str:
    """Canonical JSON text of a comparison (floats to 10 significant digits, no NaN)."""
    return json.dumps(_tidy(comparison), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Catalog:
    """A connection to the catalog database (created with its tables on first use).

    Parameters
    ----------
    path : str or Path, optional
        The database file; see :func:`catalog_path`.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = catalog_path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30.0)
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise MusterError(f"{self.path}: cannot open the results catalog ({exc}); choose "
                              f"another file with --catalog or {ENV_VAR}") from None

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        try:
            with self._db:  # one transaction
                yield self._db.cursor()
        except sqlite3.Error as exc:
            raise MusterError(f"{self.path}: cannot write to the results catalog ({exc})") \
                from None

    def _insert_run(self, cur: sqlite3.Cursor, row: dict[str, Any],
                    kpis: Mapping[str, Any]) -> int:
        cur.execute(
            "INSERT INTO runs (created_at, kind, scenario, plan, seed, replication, version, "
            "comparison_id, wall_time_s, out_dir, kpis_json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (row["created_at"], row["kind"], row["scenario"], row["plan"], row["seed"],
             row.get("replication"), row["version"], row.get("comparison_id"),
             row.get("wall_time_s"), row.get("out_dir"),
             json.dumps(_tidy(kpis), ensure_ascii=False, allow_nan=False)))
        run_id = int(cur.lastrowid or 0)
        cur.executemany("INSERT INTO run_kpis (run_id, kpi, value) VALUES (?,?,?)",
                        [(run_id, k, v) for k, v in flatten_kpis(kpis).items()])
        return run_id

    def record_run(self, meta: Mapping[str, Any], kpis: Mapping[str, Any],
                   out_dir: str | Path | None = None) -> int:
        """Record one ``muster run`` (its ``run.json`` meta and KPIs); return its id."""
        row = {"created_at": _now(), "kind": "run", "scenario": str(meta.get("scenario")),
               "plan": str(meta.get("plan")), "seed": int(meta.get("seed", 0)),
               "version": str(meta.get("version")), "wall_time_s": meta.get("wall_time_s"),
               "out_dir": None if out_dir is None else str(Path(out_dir).resolve())}
        with self._write() as cur:
            return self._insert_run(cur, row, kpis)

    def record_comparison(self, comparison: Mapping[str, Any],
                          summaries: Sequence[RunSummary], *, executor: str,
                          wall_time_s: float | None, out_dir: str | Path | None) -> int:
        """Record a comparison and each of its runs in one transaction; return its id."""
        now = _now()
        sc = str(comparison["scenario"]["name"])
        out = None if out_dir is None else str(Path(out_dir).resolve())
        with self._write() as cur:
            cur.execute(
                "INSERT INTO comparisons (created_at, scenario, plans, replications, "
                "base_seed, version, executor, wall_time_s, out_dir, comparison_json) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (now, sc, json.dumps([p["name"] for p in comparison["plans"]]),
                 int(comparison["replications"]), int(comparison["base_seed"]),
                 str(comparison["version"]), executor, wall_time_s, out,
                 comparison_json(comparison)))
            cid = int(cur.lastrowid or 0)
            for s in summaries:
                self._insert_run(cur, {"created_at": now, "kind": "replication",
                                       "scenario": sc, "plan": s.plan, "seed": s.seed,
                                       "replication": s.replication, "version": s.version,
                                       "comparison_id": cid, "wall_time_s": s.wall_time_s,
                                       "out_dir": out}, s.kpis)
        return cid

    def _rows(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        cur = self._db.execute(sql, tuple(args))
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def comparisons(self, scenario: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recorded comparisons, newest first (without their JSON)."""
        where, args = ("WHERE scenario = ?", [scenario]) if scenario else ("", [])
        return self._rows(
            "SELECT id, created_at, scenario, plans, replications, base_seed, version, "
            f"executor, wall_time_s, out_dir FROM comparisons {where} "
            "ORDER BY id DESC LIMIT ?", [*args, limit])

    def runs(self, scenario: str | None = None, plan: str | None = None,
             kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recorded runs, newest first, with a few headline KPIs."""
        cond, args = [], []
        for col, val in (("scenario", scenario), ("plan", plan), ("kind", kind)):
            if val:
                cond.append(f"{col} = ?")
                args.append(val)
        where = ("WHERE " + " AND ".join(cond)) if cond else ""
        rows = self._rows(
            "SELECT id, created_at, kind, scenario, plan, seed, replication, version, "
            f"comparison_id, wall_time_s, out_dir FROM runs {where} ORDER BY id DESC LIMIT ?",
            [*args, limit])
        for r in rows:
            kp = self._rows("SELECT kpi, value FROM run_kpis WHERE run_id = ?", [r["id"]])
            r["kpis"] = {k["kpi"]: k["value"] for k in kp}
        return rows

    def comparison(self, ident: int | str) -> dict[str, Any]:
        """The comparison.json of a recorded comparison (``3`` or ``C3``)."""
        text = str(ident).strip()
        num = text[1:] if text[:1] in ("C", "c") else text
        if not num.isdigit():
            raise InputError.single("--from-catalog", "", f"{ident!r} is not a comparison id; "
                                    "use a number (or C<number>) that 'muster runs' lists")
        rows = self._rows("SELECT comparison_json FROM comparisons WHERE id = ?", [int(num)])
        if not rows:
            raise InputError.single(str(self.path), "comparisons",
                                    f"no comparison with id {num}; 'muster runs "
                                    "--comparisons' lists them")
        data: dict[str, Any] = json.loads(rows[0]["comparison_json"])
        return data
