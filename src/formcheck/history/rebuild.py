"""Runs for the history, from the files that are the source of truth: a ``report.json`` (analyze,
live) or a session's ``events.jsonl``. The same functions record a run as it happens and rebuild
the history later (``rebuild``), so the two always agree.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from formcheck.core.errors import FormcheckError
from formcheck.history import store
from formcheck.io.jsonl import read_jsonl

EVENTS_FILE = "events.jsonl"  # session.log.EVENTS_FILE (not imported: keep this module light)
LOG_ENDS_EARLY = "log_ends_early"  # a run whose log stops before its end: killed, or a power cut


@functools.lru_cache(maxsize=1)
def _exercises() -> dict:
    """The built-in definitions (read once: a session records its history at every exercise's end)."""
    from formcheck.definitions.exercises import load_exercises

    try:
        return load_exercises()
    except FormcheckError:
        return {}


def _direction(exercise_id: str) -> int:
    """+1 where the exercise moves to higher values (trunk forward, hip open), -1 where lower."""
    ex = _exercises().get(exercise_id)
    if ex is None or ex.target_deg == ex.rest_deg:
        return 0
    return 1 if ex.target_deg > ex.rest_deg else -1


def best_peak(exercise_id: str, peaks: list) -> float | None:
    """The repetition that went furthest towards the target (its direction from the definition)."""
    peaks = [p for p in peaks if p is not None]
    if not peaks:
        return None
    direction = _direction(exercise_id)
    if direction > 0:
        return max(peaks)
    if direction < 0:
        return min(peaks)
    return max(peaks, key=abs)


def _rep_rows(reps: list[dict]) -> list[dict]:
    return [{"idx": i, "side": r.get("side"), "start_s": r.get("start_s"), "end_s": r.get("end_s"),
             "peak_angle_deg": r.get("peak_angle_deg"), "hold_s": r.get("hold_s"),
             "warnings": list(r.get("warnings") or []),
             "peak_spine_flexion_deg": r.get("peak_spine_flexion_deg"),
             "peak_hip_flexion_deg": r.get("peak_hip_flexion_deg")}
            for i, r in enumerate(reps, start=1)]


def _warning_counts(reps: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rep in reps:
        for code in rep.get("warnings") or ():
            counts[code] = counts.get(code, 0) + 1
    return counts


def _mtime_iso(path: Path) -> str:
    try:
        return datetime.fromtimestamp(Path(path).stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        return store.now_iso()


def run_from_report(report: dict, report_path: Path, *, kind: str = "analyze", origin: str | None = None,
                    started: str | None = None, log_path: Path | None = None) -> dict:
    """A run from a ``report.json`` (the dict and where it is)."""
    reps = report.get("rep_details") or []
    holds = [r.get("hold_s") or 0.0 for r in reps]
    target_hold = report.get("target_hold_s") or 0.0
    signal = report.get("measured_signal") or {}
    return {
        "origin": origin or str(Path(report_path).resolve()), "kind": kind,
        "started": started or _mtime_iso(report_path),
        "exercise": report["exercise"], "exercise_name": report.get("exercise_name"), "level": report.get("level"),
        "unit": signal.get("unit"), "source": report.get("source"), "reps": int(report.get("reps") or 0),
        "target_reps": report.get("target_reps"), "target_hold_s": target_hold,
        "best_hold_s": max(holds) if holds else None,
        "holds_completed": sum(1 for h in holds if target_hold and h >= target_hold - 0.3),
        "peak_angle_deg": best_peak(report["exercise"], [r.get("peak_angle_deg") for r in reps]),
        "warnings": _warning_counts(reps), "symptoms": [], "pain": [],
        "end_reason": "interrupted" if report.get("interrupted") else "completed",
        "detection_rate": report.get("detection_rate"),
        "report_path": str(Path(report_path).resolve()), "log_path": str(log_path) if log_path else None,
        "rep_rows": _rep_rows(reps),
    }


def _at(start_iso: str, t_s) -> str:
    try:
        return (datetime.fromisoformat(start_iso) + timedelta(seconds=float(t_s or 0))).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return start_iso or store.now_iso()


def runs_from_session_log(records: list[dict], log_path: Path) -> list[dict]:
    """One run per exercise a guided session started, from its log records (in order).

    An exercise whose log stops before its ``exercise_end`` (a kill, a crash) is kept, with what
    it had, and ends ``log_ends_early``.
    """
    if not records or records[0].get("type") != "session_start":
        return []
    log_path = Path(log_path).resolve()
    started = records[0].get("time") or _mtime_iso(log_path)
    runs: list[dict] = []
    current: dict | None = None
    for r in records:
        kind = r.get("type")
        if kind == "exercise_start":
            current = {"exercise": r.get("exercise"), "name": r.get("name"), "t_s": r.get("t_s"),
                       "target_reps": r.get("target_reps"), "target_hold_s": r.get("target_hold_s"),
                       "sets": r.get("sets") or 1, "reps": [], "warnings": {}, "symptoms": [], "pain": [],
                       "holds": 0, "end": None}
            runs.append(current)
            continue
        if current is None or r.get("exercise") != current["exercise"] or current["end"] is not None:
            continue
        if kind == "rep":
            current["reps"].append(r)
        elif kind == "warning":
            current["warnings"][r["code"]] = current["warnings"].get(r["code"], 0) + 1
        elif kind == "symptom":
            current["symptoms"].append(r.get("answer"))
        elif kind == "pain_rating":
            current["pain"].append(r.get("rating"))
        elif kind == "hold_complete":
            current["holds"] += 1
        elif kind == "exercise_end":
            current["end"] = r.get("reason") or "completed"
    out = []
    for n, seg in enumerate(runs, start=1):
        reps = seg["reps"]
        holds = [r.get("hold_s") or 0.0 for r in reps]
        ex = _exercises().get(seg["exercise"])
        sides = len(ex.sides) if ex is not None and ex.sides else 1
        out.append({
            "origin": f"{log_path}#{n}", "kind": "session", "started": _at(started, seg["t_s"]),
            "exercise": seg["exercise"], "exercise_name": seg["name"],
            "level": ex.level if ex else None, "unit": ex.unit if ex else None,
            "source": records[0].get("source"), "reps": len(reps),
            "target_reps": (seg["target_reps"] or 0) * seg["sets"] * sides,
            "target_hold_s": seg["target_hold_s"], "best_hold_s": max(holds) if holds else None,
            "holds_completed": seg["holds"],
            "peak_angle_deg": best_peak(seg["exercise"], [r.get("peak_angle_deg") for r in reps]),
            "warnings": seg["warnings"], "symptoms": seg["symptoms"], "pain": seg["pain"],
            "end_reason": seg["end"] or LOG_ENDS_EARLY, "detection_rate": None,
            "report_path": None, "log_path": str(log_path), "rep_rows": _rep_rows(reps)})
    return out


def run_from_live_folder(folder: Path) -> dict | None:
    """A `formcheck live` run: its report.json where it was written, else its log (killed runs)."""
    log_path = (Path(folder) / EVENTS_FILE).resolve()
    records = read_jsonl(log_path) if log_path.is_file() else []
    if not records or records[0].get("type") != "start":
        return None
    started = records[0].get("time") or _mtime_iso(log_path)
    report_path = Path(folder) / "report.json"
    if report_path.is_file():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
            return run_from_report(report, report_path, kind="live", origin=str(log_path), started=started,
                                   log_path=log_path)
        except (ValueError, KeyError, OSError):
            pass  # a damaged report: fall back to the log, which is the source of truth
    reps = [r for r in records if r.get("type") == "rep"]
    ex_id = records[0].get("exercise")
    return {"origin": str(log_path), "kind": "live", "started": started, "exercise": ex_id,
            "exercise_name": None, "level": None, "unit": None, "source": records[0].get("source"),
            "reps": len(reps), "target_reps": None, "target_hold_s": None,
            "best_hold_s": max((r.get("hold_s") or 0.0 for r in reps), default=None), "holds_completed": None,
            "peak_angle_deg": best_peak(ex_id, [r.get("peak_angle_deg") for r in reps]),
            "warnings": _warning_counts(reps), "symptoms": [], "pain": [],
            "end_reason": "interrupted" if any(r.get("type") == "interrupted" for r in records)
            else ("completed" if records[-1].get("type") == "end" else LOG_ENDS_EARLY),
            "detection_rate": None, "report_path": None, "log_path": str(log_path), "rep_rows": _rep_rows(reps)}


def collect_runs(data_dir: Path | None, report_paths: list[str],
                 live_folders: list[str] = ()) -> tuple[list[dict], list[str]]:
    """Every run the files support: session and live folders under DATA/sessions/ (and the live
    folders named in ``live_folders``, from ``--out``), and the analysis reports named in
    ``report_paths``. Returns (runs, problems)."""
    runs: list[dict] = []
    problems: list[str] = []
    sessions = store.data_root(data_dir) / "sessions"
    folders = sorted(d.resolve() for d in sessions.iterdir() if d.is_dir()) if sessions.is_dir() else []
    folders += [f for f in map(Path, dict.fromkeys(live_folders)) if f.resolve() not in folders]
    for folder in folders:
        log_path = folder / EVENTS_FILE
        if not log_path.is_file():
            continue
        records = read_jsonl(log_path)
        if records and records[0].get("type") == "session_start":
            runs += runs_from_session_log(records, log_path)
        else:
            live = run_from_live_folder(folder)
            if live is not None:
                runs.append(live)
    for path in dict.fromkeys(report_paths):  # each once, in order
        try:
            report = json.loads(Path(path).read_text(encoding="utf-8"))
            runs.append(run_from_report(report, Path(path)))
        except FileNotFoundError:
            problems.append(f"{path}: no longer there (left out)")
        except (OSError, ValueError, KeyError) as exc:
            problems.append(f"{path}: cannot be read ({exc}; left out)")
    return runs, problems


def rebuild(data_dir: Path | None = None) -> dict:
    """Recreate the history from the files; returns {"runs", "problems", "path", "moved"}.

    A database that cannot be read is moved aside (``history.sqlite3.damaged-STAMP``) and a new
    one made; the analysis reports it named are then unknown (their folders are not searched).
    """
    path = store.history_path(data_dir)
    report_paths: list[str] = []
    live_folders: list[str] = []
    moved = None
    if path.exists():
        try:
            conn = store.connect(path)
            try:
                report_paths = [row[0] for row in conn.execute(
                    "SELECT report_path FROM runs WHERE kind = 'analyze' AND report_path IS NOT NULL ORDER BY id")]
                live_folders = [str(Path(row[0]).parent) for row in conn.execute(
                    "SELECT log_path FROM runs WHERE kind = 'live' AND log_path IS NOT NULL ORDER BY id")]
            finally:
                conn.close()
        except (FormcheckError, sqlite3.DatabaseError):
            moved = path.with_name(f"{path.name}.damaged-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
            os.replace(path, moved)
            for suffix in ("-wal", "-shm"):  # the damaged file's journal must not be applied to the new one
                side = path.with_name(path.name + suffix)
                if side.exists():
                    shutil.move(side, moved.with_name(moved.name + suffix))
    runs, problems = collect_runs(data_dir, report_paths, live_folders)
    conn = store.connect(path)
    try:
        store.write_runs(conn, runs, replace_all=True)
    finally:
        conn.close()
    return {"runs": len(runs), "problems": problems, "path": path, "moved": moved}
