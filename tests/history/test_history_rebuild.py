"""The history from its sources of truth: session logs (``events.jsonl``), live folders and
recorded ``report.json`` files; ``--rebuild`` recreates the same runs."""
import json

from formcheck.history import store
from formcheck.history.rebuild import LOG_ENDS_EARLY, rebuild, run_from_report, runs_from_session_log
from formcheck.io.jsonl import read_jsonl


def rep_record(t, exercise, set_no, index, peak, hold, warnings=(), side=None):
    return {"t_s": t, "exercise": exercise, "set": set_no, "type": "rep", "index": index, "start_s": t - 6,
            "end_s": t, "peak_angle_deg": peak, "hold_s": hold, "hold_start_s": t - 4, "hold_end_s": t - 4 + hold,
            "warnings": list(warnings), "side": side}


def session_records(killed=False):
    """A session: two sets of standing flexion (a warning, a symptom answer after each set), then
    a bridge stopped for pain; ``killed``: the process died during the bridge (torn last line)."""
    ex, br = "standing_flexion", "bridge"
    records = [
        {"t_s": 0.0, "type": "session_start", "routine": "Default", "exercises": [ex, br],
         "time": "2026-11-02T09:30:00", "source": "camera 0", "folder": "x"},
        {"t_s": 1.0, "type": "red_flag", "question": "bladder_bowel", "answer": "no"},
        {"t_s": 5.0, "exercise": ex, "set": 1, "type": "exercise_start", "name": "Standing flexion",
         "target_reps": 3, "target_hold_s": 2.0, "sets": 2, "rest_s": 30},
        {"t_s": 5.0, "exercise": ex, "set": 1, "type": "set_start"},
        {"t_s": 12.0, "exercise": ex, "set": 1, "type": "warning", "code": "knee_bent", "message": "Knees", "rep": 1},
        rep_record(14.0, ex, 1, 1, 61.5, 2.1, ["knee_bent"]),
        {"t_s": 16.0, "exercise": ex, "set": 1, "type": "hold_complete", "rep": 2, "hold_s": 2.0},
        rep_record(20.0, ex, 1, 2, 66.0, 2.6),
        {"t_s": 21.0, "exercise": ex, "set": 1, "type": "set_end", "reps": 2, "how": "completed"},
        {"t_s": 23.0, "exercise": ex, "set": 1, "type": "symptom", "answer": "same"},
        {"t_s": 55.0, "exercise": ex, "set": 2, "type": "set_start"},
        rep_record(63.0, ex, 2, 1, 70.2, 3.0),  # a new set counts from 1 again
        {"t_s": 64.0, "exercise": ex, "set": 2, "type": "set_end", "reps": 1, "how": "completed"},
        {"t_s": 66.0, "exercise": ex, "set": 2, "type": "symptom", "answer": "better"},
        {"t_s": 66.0, "exercise": ex, "set": 2, "type": "exercise_end", "reason": "completed", "reps": 3,
         "sets_done": 2},
        {"t_s": 70.0, "exercise": br, "set": 1, "type": "exercise_start", "name": "Bridge", "target_reps": 5,
         "target_hold_s": 5.0, "sets": 1, "rest_s": 30},
        rep_record(80.0, br, 1, 1, 185.0, 4.0),
    ]
    if killed:
        return records
    return records + [
        {"t_s": 82.0, "exercise": br, "set": 1, "type": "pain", "state": "tracking"},
        {"t_s": 84.0, "exercise": br, "set": 1, "type": "pain_rating", "rating": 6},
        {"t_s": 84.0, "exercise": br, "set": 1, "type": "exercise_end", "reason": "pain", "reps": 1, "sets_done": 1},
        {"t_s": 85.0, "type": "session_end", "reason": "completed", "reps": 4},
    ]


def write_log(path, records, torn=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in records)
    path.write_text(text + ('{"t_s": 90.0, "type": "rep", "exer' if torn else ""))
    return path


def test_a_session_log_gives_one_run_per_exercise_with_answers_and_reps():
    flexion, bridge = runs_from_session_log(session_records(), "/data/sessions/s1/events.jsonl")
    assert flexion["origin"].endswith("s1/events.jsonl#1") and bridge["origin"].endswith("#2")
    assert (flexion["kind"], flexion["exercise"], flexion["reps"], flexion["target_reps"]) == \
        ("session", "standing_flexion", 3, 6)  # 3 a set, 2 sets
    assert flexion["started"] == "2026-11-02T09:30:05"
    assert [r["idx"] for r in flexion["rep_rows"]] == [1, 2, 3]
    assert flexion["peak_angle_deg"] == 70.2 and flexion["best_hold_s"] == 3.0 and flexion["holds_completed"] == 1
    assert flexion["warnings"] == {"knee_bent": 1} and flexion["rep_rows"][0]["warnings"] == ["knee_bent"]
    assert flexion["symptoms"] == ["same", "better"] and flexion["pain"] == []
    assert flexion["end_reason"] == "completed"
    assert (bridge["reps"], bridge["pain"], bridge["end_reason"]) == (1, [6], "pain")


def test_an_exercise_cut_off_by_a_kill_is_kept_with_what_its_log_has(tmp_path):
    log = write_log(tmp_path / "events.jsonl", session_records(killed=True), torn=True)
    runs = runs_from_session_log(read_jsonl(log), log)
    assert [(r["exercise"], r["reps"], r["end_reason"]) for r in runs] == [
        ("standing_flexion", 3, "completed"), ("bridge", 1, LOG_ENDS_EARLY)]


def test_a_live_log_is_not_a_session():
    assert runs_from_session_log([{"t_s": 0.0, "type": "start", "exercise": "bridge"}], "x") == []


def report(reps=2, exercise="knees_to_chest", peaks=(75.0, 62.0)):
    return {"exercise": exercise, "exercise_name": "Knees to chest", "level": "measured", "source": "/v/a.mp4",
            "reps": reps, "target_reps": 10, "target_hold_s": 5.0, "detection_rate": 1.0,
            "measured_signal": {"unit": "deg"},
            "rep_details": [{"index": i + 1, "start_s": 1.0, "end_s": 5.0, "peak_angle_deg": p, "hold_s": 4.9,
                             "warnings": []} for i, p in enumerate(peaks)]}


def test_the_peak_is_the_repetition_furthest_towards_the_target(tmp_path):
    """Knees to chest closes the hip angle: its best repetition has the smallest angle."""
    path = tmp_path / "report.json"
    path.write_text("{}")
    assert run_from_report(report(), path)["peak_angle_deg"] == 62.0
    assert run_from_report(report(exercise="bridge", peaks=(185.0, 190.0)), path)["peak_angle_deg"] == 190.0
    assert run_from_report(report(), path)["holds_completed"] == 2  # 4.9 s of 5: within the 0.3-s timing error


def test_rebuild_recreates_sessions_live_runs_and_recorded_reports_and_survives_a_damaged_file(tmp_path):
    data = tmp_path / "data"
    sessions = data / "sessions"
    write_log(sessions / "20261102-093000" / "events.jsonl", session_records())
    write_log(sessions / "20261103-093000" / "events.jsonl", session_records(killed=True), torn=True)
    # A `formcheck live` run killed before its report: only its log.
    write_log(sessions / "20261104-100000" / "events.jsonl", [
        {"t_s": 0.0, "type": "start", "exercise": "bridge", "source": "camera 0", "time": "2026-11-04T10:00:00"},
        {"t_s": 9.0, "type": "rep", "index": 1, "start_s": 2.0, "end_s": 9.0, "peak_angle_deg": 188.0,
         "hold_s": 3.0, "warnings": []}])
    analysed = tmp_path / "analysed" / "report.json"
    analysed.parent.mkdir()
    analysed.write_text(json.dumps(report()))
    store.record([run_from_report(report(), analysed)], data)  # as `formcheck analyze` records it

    def runs():
        return sorted((r["kind"], r["exercise"], r["reps"], r["end_reason"]) for r in store.load_runs(data))

    everything = sorted([("session", "standing_flexion", 3, "completed"), ("session", "bridge", 1, "pain"),
                         ("session", "standing_flexion", 3, "completed"), ("session", "bridge", 1, LOG_ENDS_EARLY),
                         ("live", "bridge", 1, LOG_ENDS_EARLY), ("analyze", "knees_to_chest", 2, "completed")])
    done = rebuild(data)
    assert done["runs"] == 6 and done["moved"] is None and done["problems"] == []
    assert runs() == everything
    assert rebuild(data)["runs"] == 6 and runs() == everything  # again: the same, never doubled
    # A report that has gone since is left out, and said so.
    analysed.unlink()
    done = rebuild(data)
    assert done["runs"] == 5 and "no longer there" in done["problems"][0]
    # A damaged database is moved aside and the history rebuilt from the logs.
    store.history_path(data).write_bytes(b"not a database" * 100)
    done = rebuild(data)
    assert done["moved"] is not None and done["moved"].read_bytes().startswith(b"not a database")
    assert runs() == [r for r in everything if r[0] != "analyze"]
