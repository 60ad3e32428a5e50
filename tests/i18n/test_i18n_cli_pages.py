"""The command line's help, the console summaries, the history and the clinician's pages in the
chosen language; English stays the default."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime

import pytest

from formcheck import i18n
from formcheck.commands.cli import language_from_argv
from formcheck.core.text import date_text, date_time_text, display_width
from formcheck.definitions.exercises import load_exercises

from support import ROOT


@pytest.fixture(autouse=True)
def _english_afterwards():
    load_exercises()  # the exercises' names come with their definitions
    yield
    i18n.set_language("en")


def run_cli(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**clean, **(env or {})}, timeout=120)


@pytest.mark.parametrize("args, env, expected, absent", [
    (["--language", "zh-TW", "--help"], {},
     ["用法：formcheck", "選項", "分析錄好的影片", "列出所有運動", "顯示這份說明後結束"],
     ["show this help message", "analyse recorded videos"]),
    (["analyze", "--help", "--language", "ko"], {},
     ["사용법: formcheck analyze", "영상 하나, 여러 개, 또는 영상 폴더", "--no-video", "formcheck-out",
      "모델이 찾을 수 있는 최대 인원 (1-4"],
     ["skip the annotated video"]),
    (["history", "--language=zh-TW", "--help"], {}, ["只看這個運動", "--rebuild", "--csv FILE"], ["past runs"]),
    (["--help"], {"LANG": "ko_KR.UTF-8"}, ["사용법:", "운동 목록"], ["usage:"]),  # the locale is the default
    (["--help"], {}, ["usage: formcheck", "analyse recorded videos", "show this help message and exit"], ["用法"]),
    (["--language", "fr", "--help"], {"LANG": "ko_KR.UTF-8"}, ["usage: formcheck", "options:"], ["사용법"]),
])
def test_help_in_the_chosen_language(args, env, expected, absent):
    proc = run_cli(*args, env=env)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    for words in expected:
        assert words in proc.stdout, proc.stdout
    for words in absent:
        assert words not in proc.stdout, proc.stdout


def test_translated_help_lines_fit_the_terminal():
    proc = run_cli("analyze", "--help", "--language", "zh-TW", env={"COLUMNS": "80"})
    assert proc.returncode == 0
    assert max(display_width(line) for line in proc.stdout.splitlines()) <= 80  # a Chinese letter takes 2


def test_the_help_does_not_load_opencv():
    code = ("import sys; from formcheck.commands import cli; from formcheck.i18n import set_language; "
            "set_language('zh-TW'); cli.build_parser().format_help(); print('cv2' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


def test_a_bad_option_value_is_one_translated_error_line_and_exit_2():
    proc = run_cli("analyze", "x.mp4", "-e", "bridge", "--jobs", "x", "--language", "zh-TW")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "formcheck analyze：錯誤：參數 --jobs/-j：必須是 1 到 64 的整數，不能是 'x'"  # argparse's words too
    assert [line for line in proc.stderr.splitlines() if "錯誤" in line] == [last]


@pytest.mark.parametrize("argv, env, expected", [
    (["--language", "ko", "history"], {}, "ko"), (["history", "--language=zh_TW.UTF-8"], {}, "zh-TW"),
    (["history", "--lang", "ko"], {}, "ko"), (["history", "--language", "fr"], {"LANG": "ko_KR.UTF-8"}, "en"),
    (["history", "--language"], {}, "en"), (["history"], {"LANG": "zh_TW.UTF-8"}, "zh-TW"), (["history"], {}, "en"),
    (["history", "--", "--language", "ko"], {}, "en"),
])
def test_the_language_is_known_before_the_parser(argv, env, expected, monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(i18n.locale, "getlocale", lambda *_: (None, None))
    assert language_from_argv(argv) == expected


def test_language_before_the_command_counts():
    from formcheck.commands.cli import build_parser

    assert build_parser().parse_args(["--language", "ko", "exercises"]).language == "ko"
    assert build_parser().parse_args(["exercises", "--language", "zh-TW"]).language == "zh-TW"
    assert build_parser().parse_args(["exercises"]).language is None


@pytest.mark.parametrize("lang, day, moment", [
    ("en", "2 Dec 2026", "2 Dec 2026, 09:05"), ("zh-TW", "2026年12月2日", "2026年12月2日 09:05"),
    ("ko", "2026년 12월 2일", "2026년 12월 2일 09:05"),
])
def test_dates_in_each_language(lang, day, moment):
    with i18n.using(lang):
        assert date_text(date(2026, 12, 2)) == day
        assert date_time_text(datetime(2026, 12, 2, 9, 5)) == moment


# -- the history, its page, the review page and the batch index -------------------------------------

def a_run(started, reps, peak, pain=()):
    return {"origin": started, "kind": "session", "started": started, "exercise": "bridge", "exercise_name": "Bridge",
            "unit": "deg", "reps": reps, "target_reps": 5, "best_hold_s": 3.0, "peak_angle_deg": peak,
            "warnings": {"over_arch": 1}, "symptoms": ["better"] if pain else [], "pain": list(pain)}


RUNS = [a_run("2026-11-02T10:00:00", 2, 175.0), a_run("2026-11-16T10:00:00", 5, 182.0, (2,))]


def test_history_table_and_trend_in_chinese():
    from formcheck.history import views

    with i18n.using("zh-TW"):
        table = views.table_lines(RUNS)
        trend = views.trend_lines(RUNS, "bridge")
    assert table[0].split()[:3] == ["日期", "運動", "來源"]
    assert "臀部抬太高了：請放低一點 x1" in table[2] and "2/9 (比較好)" in table[2]
    widths = {display_width(line.split("  臀部")[0]) for line in table[1:]}
    assert len(widths) == 1  # the columns line up, Chinese letters counted twice
    assert trend[0] == "橋式：2 次，2026年11月2日至2026年11月16日"
    assert trend[-1] == "從第一次到最近一次：下數 2 -> 5，最大角度 175 deg -> 182 deg，最長停留 3.0 s -> 3.0 s。"


@pytest.mark.parametrize("lang, expected, absent", [
    ("zh-TW", ['<html lang="zh-TW"', "formcheck 進展：bridge", "2026年11月2日至2026年11月16日共 2 次。", "每週變化",
               "<th>最長停留</th>", "最大角度：最接近這個運動目標的那一下。"], ["Week by week", "Peak angle:"]),
    ("ko", ['<html lang="ko"', "2026년 11월 2일부터 2026년 11월 16일까지 2번.", "주별 기록", "<th>최대 각도</th>"],
     ["Week by week"]),
    ("en", ['<html lang="en"', "2 runs from 2 Nov 2026 to 16 Nov 2026.", "Week by week", "<th>best hold</th>"],
     ["2026年"]),
])
def test_history_page_in_the_language(lang, expected, absent, monkeypatch):
    from formcheck.history import views

    monkeypatch.setattr(views, "plot_png", lambda runs: b"png")  # matplotlib is not what is tested here
    with i18n.using(lang):
        page = views.html_page(RUNS, "bridge")
    for words in expected:
        assert words in page
    for words in absent:
        assert words not in page


def a_report(**fields):
    from formcheck.analysis.report import measured_signal
    from formcheck.definitions.exercises import get_exercise

    ex = get_exercise("hip_raise")
    rep = {"index": 1, "start_s": 1.0, "end_s": 4.0, "peak_angle_deg": 20.0, "hold_s": 2.1, "hold_start_s": 2.0,
           "hold_end_s": 4.0, "warnings": [], "side": "left"}
    return {"exercise": ex.id, "exercise_name": ex.name, "level": ex.level, "level_reason": ex.level_reason,
            "source": "monday.mp4", "reps": 1, "reps_by_side": {"left": 1, "right": 0}, "target_reps": 10,
            "target_hold_s": 2.0, "target_angle_deg": None, "rep_details": [rep], "events": [], "frames": 300,
            "detected_frames": 285, "detection_rate": 0.95, "duration_s": 20.0, "fps": 15.0,
            "measured_signal": measured_signal(ex), "outputs": {},
            "hold_timing": {"unit": "s", "expected_error_s": 0.3, "definition": "time held still at the end of the "
                            "range with valid tracking; dropouts pause it"}} | fields


@pytest.mark.parametrize("lang, expected", [
    ("zh-TW", ["這個運動沒有已知答案的影片。", "每條腿髖到腳踝的連線高於地面的角度", "預期誤差約",
               "2D 側面畫面，使用 MediaPipe 姿勢關鍵點", "在動作終點、追蹤正常時保持不動的時間",
               "95% 的畫格（300 個畫格中的 285 個）有拍到這個人", "每邊 1 / 10（左 1，右 0）", "<td>左</td>",
               "20.0 s，每秒 15.0 格（fps）"]),
    ("ko", ["이 운동에는 정답을 아는 영상이 없습니다.", "다리마다 엉덩이-발목 선이 바닥에서 올라간 각도입니다",
            "예상 오차 약", "한쪽에 1 / 10 (왼쪽 1, 오른쪽 0)", "<td>왼쪽</td>"]),
    ("en", ["No clip with known truth for this exercise.", "Expected error about", "1 / 10 per side (left 1, right 0)",
            "95% of frames (285 of 300 frames) had the person in view", "<td>left</td>"]),
])
def test_review_page_descriptions_in_the_reports_language(lang, expected):
    from formcheck.io.report_page import render_report_page

    page = render_report_page(a_report(language=lang))
    for words in expected:
        assert words in page, words


def test_batch_index_in_the_active_language():
    from formcheck.io.report_page import render_index_page

    entries = [{"video": "a.mp4", "folder": "a", "ok": True, "page": True, "report": a_report()},
               {"video": "b.mp4", "folder": "b", "ok": False, "error": "No person was found in b.mp4.", "report": None}]
    with i18n.using("zh-TW"):
        page = render_index_page(entries)
    for words in ['<html lang="zh-TW"', "<h1>formcheck：已分析的影片</h1>", "2 部影片，1 部失敗。",
                  "<th>拍到人的比例</th>", "輕柔抬腿", "正常", "失敗："]:
        assert words in page, words
    assert "videos analysed" in render_index_page(entries)  # English by default


def test_analyze_summary_in_korean(capsys):
    from formcheck.commands.analyze import print_report

    with i18n.using("ko"):
        print_report(a_report(timing={"speed_x_real_time": 3.2}))
    out = capsys.readouterr().out
    for words in ["1회 (왼쪽 1, 오른쪽 0) (목표 한쪽에 10회, 2초 유지), 285/300프레임에서 사람을 찾음", "측정 항목:",
                  "예상 오차 약", "  1회 왼쪽:", "속도: 실제 시간의 3.2배"]:
        assert words in out, out
