"""Spoken cues in the chosen language: the text is translated where it is spoken, with the
matching espeak-ng voice; a missing voice means silence, as a missing espeak-ng does."""
from __future__ import annotations

import time

import pytest

from formcheck.ui import audio
from formcheck.ui.audio import Audio

FAKE_ESPEAK = """#!/bin/sh
if [ "$1" = "--voices" ]; then
  echo "Pty Language       Age/Gender VoiceName          File                 Other Languages"
  for v in $VOICES; do echo " 5  $v              --/M      $v                 $v"; done
  exit 0
fi
echo "$@" >> "$LOG"
"""


def spoken(language: str, *texts: str) -> list[str]:
    heard: list[str] = []
    with Audio(player=lambda samples: None, speaker=heard.append, language=language) as sound:
        for text in texts:
            sound.say(text)
        deadline = time.monotonic() + 5
        while len(heard) < len(texts) and time.monotonic() < deadline:
            time.sleep(0.01)
    return heard


@pytest.mark.parametrize("language, text, expected", [
    ("ko", "Set complete", "한 세트 끝났습니다"),
    ("zh-TW", "Set complete", "這一組完成了"),
    ("zh-TW", "Turn sideways to the camera", "請把身體側面轉向鏡頭"),
    ("en", "Set complete", "Set complete"),
    ("ko", "Something new and untranslated", "Something new and untranslated"),
])
def test_cues_are_spoken_in_the_chosen_language(language, text, expected):
    assert spoken(language, text) == [expected]


@pytest.fixture
def fake_espeak(tmp_path, monkeypatch):
    exe = tmp_path / "espeak-ng"
    exe.write_text(FAKE_ESPEAK)
    exe.chmod(0o755)
    log = tmp_path / "calls.txt"
    monkeypatch.setenv("LOG", str(log))
    monkeypatch.setattr(audio.shutil, "which", lambda name: str(exe) if name == "espeak-ng" else None)

    def calls():
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return calls


@pytest.mark.parametrize("language, voices, text, expected", [
    ("ko", "en ko", "천천히 내리세요", "-v ko -s 150 천천히 내리세요"),
    ("zh-TW", "en cmn cmn-latn-pinyin", "慢慢放下", "-v cmn-latn-pinyin -s 150 慢慢放下"),
    ("zh-TW", "en cmn", "慢慢放下", "-v cmn -s 150 慢慢放下"),  # an older espeak-ng: plain cmn
    ("zh-TW", "en cmn", "Hold still", "-v en -s 150 Hold still"),  # no translation: the English voice reads it
    ("en", "en", "Lower slowly", "-v en -s 150 Lower slowly"),
])
def test_espeak_uses_the_languages_voice(fake_espeak, monkeypatch, language, voices, text, expected):
    monkeypatch.setenv("VOICES", voices)
    say = audio._espeak_speaker(language)
    say(text)
    assert fake_espeak() == [expected]


@pytest.mark.parametrize("language, voices", [("zh-TW", "en ko"), ("ko", "en cmn")])
def test_without_the_languages_voice_speech_is_off(fake_espeak, monkeypatch, language, voices):
    monkeypatch.setenv("VOICES", voices)
    assert audio._espeak_speaker(language) is None
    with Audio(player=lambda samples: None, language=language) as sound:
        assert "speech" not in sound.backends
