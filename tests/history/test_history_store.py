"""``history.sqlite3``: schema and migrations, one transaction per run, two writers at once, a damaged file."""
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from formcheck.core.errors import FormcheckError
from formcheck.history import store

from support import ROOT


def run(origin, reps=2, **extra):
    return {"origin": origin, "kind": "analyze", "started": "2026-11-02T10:00:00", "exercise": "bridge",
            "exercise_name": "Bridge", "reps": reps, "target_reps": 5, "warnings": {"over_arch": 1},
            "symptoms": [], "pain": [], "rep_rows": [{"idx": i, "peak_angle_deg": 180.0 + i, "hold_s": 3.0,
                                                      "warnings": ["over_arch"] if i == 1 else []}
                                                     for i in range(1, reps + 1)], **extra}


def test_a_new_history_is_at_the_current_schema_in_wal_mode(tmp_path):
    conn = store.connect(tmp_path / "h.sqlite3")
    assert store.schema_version(conn) == store.SCHEMA_VERSION == len(store.MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS
    conn.close()


def test_an_older_schema_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "h.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    assert store.migrate(old, store.MIGRATIONS[:1]) == 1  # a history written by the first release
    old.execute("INSERT INTO runs (origin, kind, started, exercise, reps) VALUES ('old', 'analyze', "
                "'2026-10-01T09:00:00', 'bridge', 3)")
    old.execute("INSERT INTO reps (run_id, idx, peak_angle_deg) VALUES (1, 1, 181.5)")
    old.close()
    conn = store.connect(path)
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    store.write_runs(conn, [run("new", reps=1) | {"rep_rows": [{"idx": 1, "peak_spine_flexion_deg": 31.0}]}])
    runs = store.read_runs(conn)
    conn.close()
    assert [(r["origin"], r["reps"]) for r in runs] == [("old", 3), ("new", 1)]
    old_rep = runs[0]["rep_rows"][0]
    assert old_rep["peak_angle_deg"] == 181.5 and old_rep["peak_spine_flexion_deg"] is None
    assert runs[1]["rep_rows"][0]["peak_spine_flexion_deg"] == 31.0


def test_a_history_from_a_newer_formcheck_is_refused_in_one_line(tmp_path):
    path = tmp_path / "h.sqlite3"
    store.connect(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(FormcheckError, match="newer formcheck"):
        store.connect(path)


@pytest.mark.parametrize("content", [b"garbage, not a database\n" * 10, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_damaged_history_says_how_to_rebuild(tmp_path, content):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    with pytest.raises(FormcheckError, match="--rebuild"):
        store.connect(path)


def test_the_same_run_written_again_replaces_it(tmp_path):
    conn = store.connect(tmp_path / "h.sqlite3")
    store.write_runs(conn, [run("a", reps=3)])
    store.write_runs(conn, [run("a", reps=1), run("b")])
    runs = store.read_runs(conn)
    assert [(r["origin"], r["reps"], len(r["rep_rows"])) for r in runs] == [("a", 1, 1), ("b", 2, 2)]
    assert conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 3  # the old reps went with the old run
    conn.close()


def test_a_failure_half_way_through_a_transaction_writes_nothing(tmp_path):
    conn = store.connect(tmp_path / "h.sqlite3")

    def runs():
        yield run("a")
        raise RuntimeError("the process failed here")

    with pytest.raises(RuntimeError):
        store.write_runs(conn, runs())
    assert store.read_runs(conn) == []
    conn.close()


WRITER = textwrap.dedent("""
    import sys
    from formcheck.history import store
    name, n = sys.argv[1], int(sys.argv[2])
    for i in range(n):
        store.record([{"origin": f"{name}-{i}", "kind": "analyze", "started": f"2026-11-02T10:{i % 60:02d}:00",
                       "exercise": "bridge", "reps": 3, "warnings": {}, "symptoms": [], "pain": [],
                       "rep_rows": [{"idx": k, "hold_s": 1.0, "warnings": []} for k in (1, 2, 3)]}], sys.argv[3])
""")


def test_two_processes_writing_at_once_lose_nothing_and_corrupt_nothing(tmp_path):
    data = tmp_path / "data"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, name, "60", str(data)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for name in ("one", "two")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    conn = store.connect(store.history_path(data))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    runs = store.read_runs(conn)
    conn.close()
    assert len(runs) == 120 and {r["origin"] for r in runs} == {f"{n}-{i}" for n in ("one", "two") for i in range(60)}
    assert all(len(r["rep_rows"]) == 3 for r in runs)


OPENER = "import sys; from formcheck.history import store; store.connect(store.Path(sys.argv[1])).close()"


@pytest.mark.parametrize("trial", range(6))
def test_four_first_starts_at_once_all_open_the_new_history(tmp_path, trial):
    # Turning a new file to WAL while another process does the same can fail at once with
    # "database is locked" (SQLite's busy handler does not cover it); about 1 in 40 opens did.
    path = tmp_path / "h.sqlite3"
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(path)], cwd=ROOT, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    errors = [err for proc in procs for _, err in [proc.communicate(timeout=60)] if proc.returncode != 0]
    assert errors == []
    conn = store.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    conn.close()


def test_a_history_kept_busy_past_the_wait_is_named_busy_not_damaged(tmp_path, monkeypatch):
    path = store.history_path(tmp_path)
    store.connect(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)
    try:
        with pytest.raises(FormcheckError) as caught:
            store.record([run("a")], tmp_path)  # record() finds the file through the data folder
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "busy" in str(caught.value) and "rebuild" not in str(caught.value).lower()
