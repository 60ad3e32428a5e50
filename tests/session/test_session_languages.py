"""A whole headless session in each language: the summary, its page and the log say which
language was used, and what the patient reads is in it. (The screenshots of the window are
made by tools/language_screenshots.py; tests/ui/test_text_render.py checks the glyphs.)"""
from __future__ import annotations

import json

import pytest

from formcheck.io.jsonl import read_jsonl

from support import TO_FIRST_EXERCISE, finish, session_folder, start_session

pytestmark = pytest.mark.model

EXPECTED = {  # words of the end-of-session summary printed on stdout
    "en": ["You finished early.", "Safety questions: you answered No to all of them.", "Standing flexion:"],
    "zh-TW": ["您提早結束了。", "安全問題：您全部回答「否」。", "站姿前彎：", "紀錄和摘要在"],
    "ko": ["일찍 마치셨습니다.", "안전 질문: 모두 '아니요'라고 답하셨습니다.", "서서 허리 숙이기:", "기록과 요약은"],
}


@pytest.mark.parametrize("language", ["en", "zh-TW", "ko"])
def test_a_whole_headless_session_in_each_language(tmp_path, language):
    keys = TO_FIRST_EXERCISE + [(10.0, "q"), (10.5, "space")]
    proc = start_session(tmp_path, keys, "--language", language)
    out, err = finish(proc, 120)
    assert proc.returncode == 0, err
    for words in EXPECTED[language]:
        assert words in out
    folder = session_folder(tmp_path)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["language"] == language
    assert summary["end_reason"] == "quit"  # the codes stay English whatever the language
    assert f'<html lang="{language}"' in (folder / "summary.html").read_text(encoding="utf-8")
    start = read_jsonl(folder / "events.jsonl")[0]
    assert start["type"] == "session_start" and start["language"] == language


def test_a_routine_chooses_its_language_and_the_option_overrides_it(tmp_path):
    routine = tmp_path / "mine.toml"
    routine.write_text('name = "Mine"\nlanguage = "ko"\n[[exercise]]\nid = "standing_flexion"\n', encoding="utf-8")
    keys = TO_FIRST_EXERCISE + [(8.0, "q"), (8.5, "space")]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    out, err = finish(start_session(tmp_path / "a", keys, "--routine", routine), 120)
    assert "서서 허리 숙이기" in out, err
    out, err = finish(start_session(tmp_path / "b", keys, "--routine", routine, "--language", "zh-TW"), 120)
    assert "站姿前彎" in out and "서서" not in out, err
