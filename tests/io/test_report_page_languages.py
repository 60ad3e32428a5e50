"""The review page and the session summary page in the language of the run (``language`` in
report.json / summary.json); English where a report has none."""
from __future__ import annotations

import pytest

from formcheck.definitions.exercises import load_exercises
from formcheck.io.report_page import render_report_page
from formcheck.session.log import summary_html


@pytest.fixture(autouse=True, scope="module")
def _exercise_translations():
    load_exercises()  # the exercises' names come with their definitions


def report(**fields):
    rep = {"index": 1, "start_s": 1.0, "end_s": 6.0, "peak_angle_deg": 61.0, "hold_s": 2.5, "hold_start_s": 2.5,
           "hold_end_s": 5.0, "warnings": ["knee_bent"], "side": None}
    base = {"report_version": 1, "exercise": "standing_flexion", "exercise_name": "Standing flexion",
            "level": "measured", "level_reason": "", "source": "clips/monday.mp4", "reps": 1, "reps_by_side": None,
            "target_reps": 10, "target_hold_s": 2.0, "target_angle_deg": 50.0, "rep_details": [rep],
            "events": [{"t_s": 3.0, "code": "knee_bent", "message": "Knees bent: keep them straight", "rep": 1}],
            "frames": 300, "detected_frames": 285, "detection_rate": 0.95, "duration_s": 20.0, "fps": 15.0,
            "measured_signal": {"name": "trunk inclination", "field": "trunk_inclination_deg", "unit": "deg",
                                "description": "Hip-to-shoulder line from vertical.", "expected_error_deg": 5.0},
            "hold_timing": {"unit": "s", "expected_error_s": 0.3, "definition": "time held still"},
            "timing": {}, "outputs": {}}
    return base | fields


@pytest.mark.parametrize("language, expected, absent", [
    ("zh-TW", ['<html lang="zh-TW"', "<h1>站姿前彎</h1>", "<h2>次數</h2>", "膝蓋彎了：請保持伸直", "最大軀幹前傾角度",
               "目標", "10 下，停留 2 秒", "第 1 下"], ["<h2>Repetitions</h2>", "Knees bent"]),
    ("ko", ['<html lang="ko"', "<h1>서서 허리 숙이기</h1>", "<h2>반복 횟수</h2>", "무릎이 굽혀졌어요", "1번째 반복"],
     ["<h2>Repetitions</h2>"]),
    (None, ['<html lang="en"', "<h1>Standing flexion</h1>", "<h2>Repetitions</h2>", "Knees bent: keep them straight",
            "10 repetitions, hold 2 s"], ["站姿"]),
])
def test_review_page_in_the_reports_language(language, expected, absent):
    page = render_report_page(report(**({"language": language} if language else {})))
    for words in expected:
        assert words in page
    for words in absent:
        assert words not in page


def summary(language):
    return {"routine": "Default", "language": language, "started": "2026-12-02T10:00:00", "duration_s": 600,
            "end_reason": "completed",
            "safety_questions": [{"question": "Have you had a recent fall or injury?", "answer": "no"}],
            "exercises": [{"exercise": "bridge", "name": "Bridge", "target_reps": 5, "target_sets": 1, "sides": [],
                           "reps": 5, "reps_per_set": [5], "holds_completed": 5, "warnings": {"over_arch": 1},
                           "warning_messages": {"over_arch": "Hips too high: lower a little"},
                           "symptoms": ["better"], "pain": [], "end_reason": "completed", "flags": []}],
            "lines": []}


@pytest.mark.parametrize("language, expected", [
    ("zh-TW", ["橋式", "臀部抬太高了：請放低一點 (1x)", "比較好", "最近是否跌倒或受傷過？", "<b>否</b>", "安全問題",
               "已完成"]),
    ("ko", ["브리지", "엉덩이가 너무 높아요", "나아짐", "최근에 넘어지거나 다친 적이 있나요?", "<b>아니요</b>",
            "완료"]),
    ("en", ["Bridge", "Hips too high: lower a little (1x)", "better", "Have you had a recent fall", "<b>No</b>"]),
])
def test_session_summary_page_in_the_sessions_language(language, expected):
    page = summary_html(summary(language))
    assert f'<html lang="{language}"' in page
    for words in expected:
        assert words in page
