"""``history.sqlite3``: one row per run (an analysed video, a live run, one exercise of a session)
and one per repetition, next to the session logs in the per-user data folder.

The session logs (``events.jsonl``) and the ``report.json`` files stay the source of truth; this
database is an index over them that ``formcheck history --rebuild`` can always recreate
(``rebuild``). So that two processes (a session and an ``analyze`` in another terminal) can write
at once and a crash can never leave half a run: WAL mode, a busy timeout, and each run written
in one ``BEGIN IMMEDIATE`` transaction. Each run has a unique ``origin`` (the report's path, or
the session log's path and the exercise's place in it): writing the same run again replaces it,
so recording and rebuilding never duplicate.

The schema has a version (table ``schema_version``) and ``MIGRATIONS``, a list of steps of SQL:
step ``i`` takes a database from version ``i`` to ``i + 1``. Add a step; never edit an old one.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from formcheck.core.errors import FormcheckError

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_MS = 10_000  # another process's transaction is short (one run): wait for it, do not fail

MIGRATIONS: list[list[str]] = [
    # 1: runs and repetitions
    ["""CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            origin TEXT NOT NULL UNIQUE,      -- report path, or session log path + '#' + exercise number
            kind TEXT NOT NULL,               -- analyze | live | session
            started TEXT NOT NULL,            -- ISO date and time, local
            exercise TEXT NOT NULL,
            exercise_name TEXT,
            level TEXT,
            unit TEXT,
            source TEXT,                      -- the video, camera or clip
            reps INTEGER NOT NULL,
            target_reps INTEGER,
            target_hold_s REAL,
            best_hold_s REAL,
            holds_completed INTEGER,
            peak_angle_deg REAL,              -- the furthest repetition towards the target, in unit
            warnings TEXT NOT NULL DEFAULT '{}',   -- JSON {code: count}
            symptoms TEXT NOT NULL DEFAULT '[]',   -- JSON list: better / same / worse (sessions)
            pain TEXT NOT NULL DEFAULT '[]',       -- JSON list of 0-9 ratings (sessions)
            end_reason TEXT,
            detection_rate REAL,
            report_path TEXT,                 -- report.json, re-read by --rebuild
            log_path TEXT                     -- events.jsonl, re-read by --rebuild
        )""",
     """CREATE TABLE reps (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            side TEXT,
            start_s REAL,
            end_s REAL,
            peak_angle_deg REAL,
            hold_s REAL,
            warnings TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (run_id, idx)
        )""",
     "CREATE INDEX runs_by_exercise ON runs (exercise, started)"],
    # 2: spinal and hip flexion per repetition, where the analysis measures them (issue 11)
    ["ALTER TABLE reps ADD COLUMN peak_spine_flexion_deg REAL",
     "ALTER TABLE reps ADD COLUMN peak_hip_flexion_deg REAL"],
]
SCHEMA_VERSION = len(MIGRATIONS)

RUN_FIELDS = ("origin", "kind", "started", "exercise", "exercise_name", "level", "unit", "source", "reps",
              "target_reps", "target_hold_s", "best_hold_s", "holds_completed", "peak_angle_deg", "warnings",
              "symptoms", "pain", "end_reason", "detection_rate", "report_path", "log_path")
JSON_FIELDS = ("warnings", "symptoms", "pain")
REP_FIELDS = ("idx", "side", "start_s", "end_s", "peak_angle_deg", "hold_s", "warnings",
              "peak_spine_flexion_deg", "peak_hip_flexion_deg")


def data_root(data_dir: Path | None = None) -> Path:
    """The per-user data folder (``--data-dir`` where given): the same one the sessions use."""
    from formcheck.session.log import sessions_root

    return sessions_root(data_dir).parent


def history_path(data_dir: Path | None = None) -> Path:
    return data_root(data_dir) / DB_NAME


def _damaged(path: Path, exc: Exception) -> FormcheckError:
    return FormcheckError(f"The history database {path} cannot be read ({exc}).",
                          "Rebuild it from the session logs and reports with `formcheck history --rebuild` "
                          "(the damaged file is kept beside it), or delete it.")


def _is_busy(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so), waiting out another process that is doing the same.

    SQLite's busy handler does not cover changing the journal mode: while a second process creates
    or converts the same file the change fails at once with "database is locked", so it is retried
    here for the same time the busy handler would wait.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _unreadable(path: Path, exc: Exception) -> FormcheckError:
    """Busy (another program holds it past the wait) or damaged: each with its own remedy."""
    if _is_busy(exc):
        return FormcheckError(f"The history database {path} is kept busy by another program ({exc}).",
                              "Close the other formcheck windows, or the program holding the file open, "
                              "and run this again.")
    return _damaged(path, exc)


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """An open, migrated database; ``FormcheckError`` if it cannot be opened or is damaged."""
    path = Path(path)
    if not create and not path.exists():
        raise FileNotFoundError(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise FormcheckError(f"Cannot open the history database {path}: {exc}.",
                             "Choose another data folder with --data-dir.") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc).lower():
            raise FormcheckError(f"Cannot write the history database {path}: {exc}.",
                                 "Choose another data folder with --data-dir.") from exc
        raise _unreadable(path, exc) from exc
    except FormcheckError:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone() is None:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, migrations: list[list[str]] = MIGRATIONS) -> int:
    """Bring the schema to ``len(migrations)``, each step in its own transaction; returns the version."""
    target = len(migrations)
    if schema_version(conn) == target:
        return target  # the usual case: no write lock needed just to read
    conn.execute("BEGIN IMMEDIATE")  # two first starts at once: only one creates the tables
    try:
        version = schema_version(conn)
        if version > target:
            raise FormcheckError(f"The history database was written by a newer formcheck (schema {version}, "
                                 f"this one knows {target}).", "Update formcheck, or use another --data-dir.")
        if version == 0:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for step in range(version, target):
            for sql in migrations[step]:
                conn.execute(sql)
            conn.execute("UPDATE schema_version SET version = ?", (step + 1,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target


def _json(value) -> str:
    return json.dumps(value if value is not None else {}, separators=(",", ":"), sort_keys=True)


def write_runs(conn: sqlite3.Connection, runs: Iterable[dict], *, replace_all: bool = False) -> int:
    """Insert (or replace, by ``origin``) runs with their ``rep_rows``, in one transaction."""
    n = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        if replace_all:
            conn.execute("DELETE FROM runs")
        for run in runs:
            values = [(_json(run.get(k)) if k in JSON_FIELDS else run.get(k)) for k in RUN_FIELDS]
            conn.execute("DELETE FROM runs WHERE origin = ?", (run["origin"],))  # the reps go with it
            cur = conn.execute(f"INSERT INTO runs ({', '.join(RUN_FIELDS)}) "
                               f"VALUES ({', '.join('?' * len(RUN_FIELDS))})", values)
            for rep in run.get("rep_rows") or ():
                conn.execute(f"INSERT INTO reps (run_id, {', '.join(REP_FIELDS)}) "
                             f"VALUES (?, {', '.join('?' * len(REP_FIELDS))})",
                             [cur.lastrowid] + [(_json(rep.get(k) or []) if k == "warnings" else rep.get(k))
                                                for k in REP_FIELDS])
            n += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return n


def record(runs: list[dict], data_dir: Path | None = None) -> Path:
    """Write ``runs`` into the history of ``data_dir``; returns the database's path."""
    path = history_path(data_dir)
    conn = connect(path)
    try:
        write_runs(conn, runs)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()
    return path


def record_quietly(runs: list[dict], data_dir: Path | None, warn) -> None:
    """``record``, but a history that cannot be written costs one warning line, never the run itself
    (its report and log are on disk; ``--rebuild`` picks it up later)."""
    try:
        record(runs, data_dir)
    except FormcheckError as exc:
        from formcheck.i18n import error_text, t

        warn(t("formcheck: not recorded in the history: {error}", error=error_text(exc)))


def read_runs(conn: sqlite3.Connection, exercise: str | None = None) -> list[dict]:
    """Runs oldest first, JSON fields decoded, each with its ``rep_rows``."""
    conn.row_factory = sqlite3.Row
    sql, args = "SELECT * FROM runs", ()
    if exercise:
        sql, args = sql + " WHERE exercise = ?", (exercise,)
    runs = []
    for row in conn.execute(sql + " ORDER BY started, id", args):
        run = dict(row)
        for key in JSON_FIELDS:
            run[key] = json.loads(run[key] or "null")
        runs.append(run)
    for run in runs:
        run["rep_rows"] = [dict(r, warnings=json.loads(r["warnings"] or "[]")) for r in conn.execute(
            "SELECT * FROM reps WHERE run_id = ? ORDER BY idx", (run["id"],))]
    return runs


def load_runs(data_dir: Path | None = None, exercise: str | None = None) -> list[dict]:
    """The history's runs ([] where there is no history yet)."""
    path = history_path(data_dir)
    if not path.exists():
        return []
    conn = connect(path)
    try:
        return read_runs(conn, exercise)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()


def now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")
