"""Words formcheck writes in English and shows in the person's language: a routine's notices, a
headless session's progress lines, a batch's per-video error line, argparse's own messages in a
usage error and the labels of the history plot."""
from __future__ import annotations

import argparse
import ast
import inspect
import re

import pytest

from formcheck.commands import cli
from formcheck.definitions.exercises import load_exercises
from formcheck.definitions.routines import load_routine
from formcheck.i18n import get_language, set_language, using
from formcheck.session import types as S
from formcheck.session.flow import Session
from formcheck.session.progress import Progress

EXERCISES = load_exercises()


@pytest.fixture
def keep_language():
    before = get_language()
    yield
    set_language(before)


# --- a routine's notices ----------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [("ko", "bridge은(는) 이 버전에 없어 건너뜁니다"),
                                         ("zh-TW", "這個版本還沒有 bridge，先跳過")])
def test_a_skipped_exercise_is_noticed_in_the_language_and_logged_in_english(lang, words):
    available = {k: v for k, v in EXERCISES.items() if k != "bridge"}
    routine = load_routine("default", available)
    assert routine.notices == ("bridge is not available in this version, skipping",)
    records = []
    with using(lang):
        session = Session(routine, log=records.append)
        session.start(0.0)
        lines = session.view().lines
    assert words in lines and routine.notices[0] not in lines
    assert [r["message"] for r in records if r["type"] == "notice"] == list(routine.notices)  # the log: English


# --- a headless session's progress lines ------------------------------------------------------

def _progress_lines(lang: str) -> list[str]:
    routine = load_routine("default", EXERCISES)
    lines: list[str] = []
    with using(lang):
        progress = Progress(routine, lines.append)
        records = []

        def log(record):
            records.append(record)
            progress.record(record)

        session = Session(routine, log=log)
        session.start(0.0)
        progress.check(session)
        for i, key in enumerate(["space", *["n"] * len(S.RED_FLAGS)], start=1):
            session.key(i * 0.1, key)
            progress.check(session)
        session.no_input(5.0, 10.0, "and the --keys script has no more keys")
    return lines


def test_the_progress_lines_stay_english_by_default():
    lines = _progress_lines("en")
    assert lines[0] == "Welcome screen: press space to continue"
    assert f"Safety question 1 of {len(S.RED_FLAGS)}: {S.RED_FLAGS[0][1]} (y/n)" in lines
    assert "  answer: No" in lines
    assert any(line.startswith("Exercise 1 of ") and line.endswith(" (space: start, n: skip)") for line in lines)
    assert any(line.endswith("and the --keys script has no more keys: ending the session.") for line in lines)
    assert lines[-1] == "Session ended (no input)"


@pytest.mark.parametrize("lang, expected", [
    ("ko", ["시작 화면: 스페이스 키를 눌러 계속하세요", "  답: 아니요", "(--keys 스크립트에 남은 키가 없음)",
            "운동 종료 (키 입력 없음)", "운동 1/"]),
    ("zh-TW", ["歡迎畫面：請按空白鍵繼續", "  回答：否", "，--keys 腳本裡也沒有按鍵了", "運動結束（沒有按任何按鍵）",
               "第 1 個運動"]),
])
def test_the_progress_lines_are_in_the_active_language(lang, expected):
    lines = _progress_lines(lang)
    text = "\n".join(lines)
    for words in expected:
        assert words in text, text
    english = ("Welcome screen", "Safety question", "answer:", "Exercise 1 of", "space: start", "waited",
               "ending the session", "Session ended")
    assert not [line for line in lines if any(w in line for w in english)], text


# --- a batch's per-video error line -------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [("ko", "영상을 찾을 수 없습니다"), ("zh-TW", "找不到影片")])
def test_a_batch_prints_each_failed_video_in_the_language(lang, words, tmp_path, capsys, keep_language):
    videos = [str(tmp_path / "missing one.mp4"), str(tmp_path / "missing-two.mp4")]
    code = cli.main(["analyze", *videos, "-e", "bridge", "--jobs", "1", "--no-history", "--quiet",
                     "--out", str(tmp_path / "out"), "--language", lang])
    captured = capsys.readouterr()
    assert code == 2
    failures = [line for line in captured.err.splitlines() if line.startswith("formcheck: missing")]
    assert len(failures) == 2, captured.err
    for line in failures:
        assert words in line and "not found" not in line and "Check the path" not in line, line
    assert str(tmp_path / "missing one.mp4") in failures[0]  # the path as it is, spaces and all
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert words in index and "Video not found" not in index  # the index page says it in the language too


@pytest.mark.parametrize("lang, error, expected", [
    ("zh-TW", "cannot read it: Permission denied", "無法讀取：Permission denied"),
    ("ko", "its worker process stopped unexpectedly (out of memory?); run it again on its own",
     "이 영상을 처리하던 프로세스가 갑자기 멈췄습니다 (메모리가 부족할 수 있습니다). 이 영상만 따로 다시 분석하세요"),
    ("en", "cannot read it: Permission denied", "cannot read it: Permission denied"),
])
def test_a_batch_failure_of_its_own_is_translated(lang, error, expected):
    from formcheck.commands.analyze import error_line

    with using(lang):
        assert error_line({"video": "v.mp4", "ok": False, "error": error}) == expected


# --- argparse's own words in a usage error ------------------------------------------------------

def _usage_error(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if not line.startswith(("usage", "用法", "사용법", " "))]
    assert len(errors) == 1, err
    return errors[0]


ENGLISH_WORDS = re.compile(r"\b(argument|arguments|invalid|choice|choose|expected|required|unrecognized|allowed|"
                           r"ambiguous|could match|error)\b")
USAGE_ERRORS = [  # argv, what must be kept as typed
    (["analyze", "--jobs", "x", "-e", "bridge", "v.mp4"], ["--jobs/-j", "'x'"]),
    (["session", "--source-end", "sometimes"], ["--source-end", "'sometimes'", "'loop', 'stop'"]),
    (["analyse", "v.mp4"], ["COMMAND", "'analyse'", "'analyze'"]),
    (["analyze", "v.mp4"], ["--exercise/-e"]),
    (["history", "--bogus", "1"], ["--bogus 1"]),
    (["analyze", "v.mp4", "-e"], ["--exercise/-e"]),
    (["live", "-e", "bridge", "--camera", "1", "--source", "a.mp4"], ["--source", "--camera"]),
    (["session", "--sou", "a.mp4"], ["--sou", "--source", "--source-end"]),
    (["live", "-e", "bridge", "--camera", "x"], ["--camera", "int", "'x'"]),
    (["session", "--no-audio=yes"], ["--no-audio", "'yes'"]),
    (["analyze"], ["video", "--exercise/-e"]),
]


@pytest.mark.parametrize("argv, kept", USAGE_ERRORS)
def test_argparse_messages_are_in_english_by_default(argv, kept, capsys, keep_language):
    line = _usage_error([*argv, "--language", "en"], capsys)
    assert ": error: " in line and ENGLISH_WORDS.search(line.split(": error: ", 1)[1]), line
    assert all(k in line for k in kept), line


@pytest.mark.parametrize("lang, marker", [("zh-TW", "錯誤："), ("ko", "오류: ")])
@pytest.mark.parametrize("argv, kept", USAGE_ERRORS)
def test_argparse_messages_are_translated(argv, kept, lang, marker, capsys, keep_language):
    line = _usage_error([*argv, "--language", lang], capsys)
    assert marker in line, line
    message = line.split(marker, 1)[1]
    assert not ENGLISH_WORDS.search(message), line
    assert all(k in line for k in kept), line  # option names, values and choices as typed


def test_the_one_line_error_of_the_brief(capsys, keep_language):
    line = _usage_error(["analyze", "--jobs", "x", "-e", "bridge", "v.mp4", "--language", "zh-TW"], capsys)
    assert line == "formcheck analyze：錯誤：參數 --jobs/-j：必須是 1 到 64 的整數，不能是 'x'"


# argparse's messages that are about how a program builds its parser, or about argparse.FileType
# (formcheck uses none): never a user's doing.
NOT_FOR_USERS = {"'required' is an invalid argument for positionals", "%r is not callable", ".__call__() not defined",
                 'argument "-" with mode %r', "can't open '%(filename)s': %(error)s",
                 "cannot have multiple subparser arguments", "cannot merge actions - two groups are named %r",
                 "conflicting subparser alias: %s", "conflicting subparser: %s",
                 "dest= is required for options like %r",
                 "invalid conflict_resolution value: %r", "mutually exclusive arguments must be optional",
                 "invalid option string %(option)r: must start with a character %(prefix_chars)r",
                 "conflicting option string: %s", "conflicting option strings: %s",
                 # translated where formcheck has them (cli.toml) or its own (_Parser.error's line)
                 "usage: ", "positional arguments", "options", "show this help message and exit",
                 "%(prog)s: error: %(message)s\n"}


def _argparse_messages() -> set[str]:
    """Every text argparse hands to ``_()`` or ``ngettext()``, as this Python's argparse writes it."""
    found = set()
    for call in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) in ("_", "ngettext"):
            for arg in call.args[:2]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
                elif isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Constant):  # 'a ' 'b' continued
                    found.add(arg.left.value)
    return found


def _shape(text: str) -> str:
    """A message with each field as "*": "%(value)r", "%s" (argparse) and "{value}" (formcheck) alike."""
    return re.sub(r"%\(\w+\)[rsd]|%[rsd]|\{\w+\}", "*", text)


def test_the_templates_are_argparse_own_wording():
    messages = _argparse_messages()
    assert {"unrecognized arguments: %s", "invalid choice: %(value)r (choose from %(choices)s)",
            "expected one argument"} <= messages, "the collector is broken"
    shapes = {_shape(m) for m in messages}
    assert not [m for m in cli.ARGPARSE_MESSAGES if _shape(m) not in shapes]  # each is argparse's text
    ours = {_shape(m) for m in cli.ARGPARSE_MESSAGES}
    missing = sorted(m for m in messages - NOT_FOR_USERS if _shape(m) not in ours and m.strip())
    assert not missing, f"argparse messages with no template in ARGPARSE_MESSAGES: {missing}"


# --- the history plot ---------------------------------------------------------------------------

RUNS = [{"exercise": "bridge", "started": "2025-03-01T10:00:00", "reps": 5, "peak_angle_deg": 30.0,
         "best_hold_s": 4.0, "pain_before": 2},
        {"exercise": "bridge", "started": "2025-03-20T10:00:00", "reps": 6, "peak_angle_deg": 32.0,
         "best_hold_s": 5.0}]


def _drawn_texts(monkeypatch, lang):
    """The plot's PNG and every text drawn into it: (text, the font file matplotlib used)."""
    import warnings

    from matplotlib import font_manager
    from matplotlib.text import Text

    from formcheck.history import views

    drawn = []
    draw = Text.draw

    def record(self, renderer):
        if self.get_visible() and self.get_text():
            drawn.append((self.get_text(), font_manager.findfont(self.get_fontproperties(), fallback_to_default=False)))
        return draw(self, renderer)

    monkeypatch.setattr(Text, "draw", record)
    with using(lang), warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")  # a box instead of a letter fails
        png = views.plot_png(RUNS)
    return png, drawn


@pytest.mark.parametrize("lang, words", [("zh-TW", ["最大角度", "每週的進展", "3月"]),
                                         ("ko", ["반복 횟수", "주별 변화", "3월"])])
def test_the_history_plot_is_drawn_in_the_language_with_the_cjk_font(lang, words, monkeypatch, capsys):
    import os

    from formcheck.ui import text_render

    if text_render.font_path() is None:
        pytest.skip("no Noto Sans CJK (fonts-noto-cjk) here")
    png, drawn = _drawn_texts(monkeypatch, lang)
    texts = [text for text, _ in drawn]
    for w in words:
        assert any(w in text for text in texts), texts
    assert not any("progress over the weeks" in text or text == "repetitions" for text in texts)
    cjk = os.path.realpath(text_render.font_path())
    wrong = [(text, font) for text, font in drawn if not text.isascii() and os.path.realpath(font) != cjk]
    assert not wrong, f"Chinese or Korean text drawn with another font: {wrong}"
    assert png.startswith(b"\x89PNG") and capsys.readouterr().err == ""
    with using("en"):
        from formcheck.history import views

        assert views.plot_png(RUNS) != png


def test_without_the_font_the_plot_is_english_and_says_so(monkeypatch, capsys):
    from formcheck.history import views
    from formcheck.ui import text_render

    monkeypatch.setattr(text_render, "font_path", lambda: None)
    png, drawn = _drawn_texts(monkeypatch, "ko")
    texts = [text for text, _ in drawn]
    assert "formcheck: progress over the weeks" in texts and all(text.isascii() for text in texts), texts
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fonts-noto-cjk" in err and "FORMCHECK_FONT" in err, err
    with using("en"):
        assert views.plot_png(RUNS) == png  # the English plot, as English gets it
