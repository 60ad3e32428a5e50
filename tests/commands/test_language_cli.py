"""Choosing the language: --language on every command, the locale as the default, a routine's
own `language`; an unknown one is one clear line and exit code 2."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from formcheck import i18n
from formcheck.commands.cli import build_parser, main
from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import load_exercises
from formcheck.definitions.routines import parse_routine

from support import ROOT


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")  # main() sets the language for the whole process


@pytest.fixture
def no_locale(monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


def test_every_command_has_the_language_option():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    missing = [name for name, p in sub.choices.items() if "--language" not in p._option_string_actions]
    assert not missing and len(sub.choices) >= 8


@pytest.mark.parametrize("args, env, expected, not_expected", [
    (["--language", "ko"], {}, ["서서 허리 숙이기", "- 천천히 일어서세요. 10회 반복합니다.", "목표: 10회"],
     ["Standing flexion"]),
    (["--language", "zh-TW"], {}, ["站姿前彎", "- 慢慢站起來。做 10 下。", "目標"], ["Standing flexion"]),
    (["--language", "zh_TW.UTF-8"], {}, ["站姿前彎"], []),
    ([], {"LANG": "ko_KR.UTF-8"}, ["서서 허리 숙이기"], ["Standing flexion"]),  # the locale is the default
    ([], {"LANG": "fr_FR.UTF-8"}, ["Standing flexion", "why tracked:"], ["서서"]),  # no catalogue: English
    (["--language", "en"], {"LANG": "ko_KR.UTF-8"}, ["Standing flexion"], ["서서"]),  # the option beats it
])
def test_exercises_in_the_chosen_language(args, env, expected, not_expected, capsys, monkeypatch, no_locale):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["exercises", *args]) == 0
    out = capsys.readouterr().out
    for words in expected:
        assert words in out
    for words in not_expected:
        assert words not in out


@pytest.mark.parametrize("command", [["exercises"], ["history"], ["session", "--no-window"]])
def test_unknown_language_is_one_line_and_exit_2(command, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "formcheck", *command, "--language", "fr", "--data-dir" if
                           command[0] != "exercises" else "--exercises-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert lines == ["formcheck: Unknown language 'fr'. Use one of: en, zh-TW, ko."]
    assert not any(tmp_path.iterdir())  # nothing was written before the check


ROUTINE = {"name": "Mine", "exercise": [{"id": "bridge"}]}


@pytest.mark.parametrize("value, expected", [("ko", "ko"), ("zh-TW", "zh-TW"), ("zh_TW", "zh-TW"), (None, None)])
def test_a_routine_may_choose_its_language(value, expected):
    data = ROUTINE | ({"language": value} if value else {})
    assert parse_routine(data, "mine.toml", load_exercises(), skip_unknown=False).language == expected


@pytest.mark.parametrize("value", ["fr", 3, ""])
def test_a_routine_with_an_unknown_language_is_named(value):
    with pytest.raises(FormcheckError, match=r"Routine mine.toml: field 'language' is .*use one of en, zh-TW, ko"):
        parse_routine(ROUTINE | {"language": value}, "mine.toml", load_exercises(), skip_unknown=False)
