"""A guided session's review page per exercise (the same renderer as `formcheck analyze`), linked
from summary.html, built from the session's log records."""
import json

from formcheck.session.log import exercise_reports, write_summary


def records():
    ex = "straight_leg_raise"
    rep = {"exercise": ex, "type": "rep", "peak_angle_deg": 50.0, "hold_s": 2.0, "warnings": []}
    return [
        {"t_s": 0.0, "type": "session_start", "time": "2026-11-02T09:30:00", "source": "camera 0"},
        {"t_s": 10.0, "exercise": ex, "set": 1, "type": "exercise_start", "name": "Straight leg raise",
         "target_reps": 5, "target_hold_s": 2.0, "sets": 2},
        {"t_s": 14.0, "exercise": ex, "set": 1, "type": "warning", "code": "knee_bent",
         "message": "Keep the knee straight", "rep": 1, "set_t_s": 4.0},
        dict(rep, t_s=16.0, set=1, index=1, start_s=1.0, end_s=6.0, hold_start_s=3.0, hold_end_s=5.0, side="left",
             warnings=["knee_bent"]),
        dict(rep, t_s=56.0, set=2, index=1, start_s=2.0, end_s=8.0, hold_start_s=4.0, hold_end_s=6.0, side="right"),
        {"t_s": 57.0, "exercise": ex, "set": 2, "type": "exercise_end", "reason": "completed"},
        {"t_s": 60.0, "exercise": "bridge", "set": 0, "type": "exercise_end", "reason": "skipped"},  # never started
    ]


def test_one_report_per_exercise_started_in_session_time():
    (report,) = exercise_reports(records())
    assert (report["exercise"], report["reps"], report["reps_by_side"]) == ("straight_leg_raise", 2,
                                                                            {"left": 1, "right": 1})
    assert report["target_reps"] == 10 and report["measured_signal"]["unit"] == "deg"
    # Set 1 began at 10 s, set 2 at 48 s of the session: the reps' own clocks are shifted to it.
    assert [(r["index"], r["start_s"], r["end_s"]) for r in report["rep_details"]] == [(1, 11.0, 16.0), (2, 50.0, 56.0)]
    assert [e["message"] for e in report["events"]] == ["Keep the knee straight"]


def test_the_summary_links_each_exercise_page(tmp_path):
    summary = {"routine": "Mine", "started": "2026-11-02T09:30:00", "duration_s": 60.0, "exercises": [],
               "lines": []}
    write_summary(tmp_path, summary, records())
    page = (tmp_path / "exercise-1-straight_leg_raise.html").read_text()
    assert page.count("<tr class=rep>") == 2 and "Keep the knee straight" in page
    assert "A guided session records no video" in page
    assert 'href="exercise-1-straight_leg_raise.html"' in (tmp_path / "summary.html").read_text()
    assert json.loads((tmp_path / "summary.json").read_text())["pages"] == [
        {"name": "Straight leg raise", "page": "exercise-1-straight_leg_raise.html"}]
