"""The catalogue mechanism: lookups, fallback to English, templates, and choosing the language."""
from __future__ import annotations

import pytest

from formcheck import i18n
from formcheck.core.errors import FormcheckError
from formcheck.i18n import LANGUAGES, catalog, placeholders, resolve_language, system_language, t, using

TRANSLATED = [lang for lang in LANGUAGES if lang != i18n.SOURCE]


@pytest.mark.parametrize("lang, english, expected", [
    ("zh-TW", "Rest", "休息"),
    ("ko", "Rest", "휴식"),
    ("zh-TW", "Turn sideways to the camera", "請把身體側面轉向鏡頭"),
    ("ko", "Turn sideways to the camera", "몸을 옆으로 돌려 카메라에 옆면이 보이게 해 주세요"),
    ("en", "Rest", "Rest"),
])
def test_lookup_in_the_active_language(lang, english, expected):
    with using(lang):
        assert t(english) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_text_without_an_entry_falls_back_to_the_english(lang):
    with using(lang):
        assert t("A sentence nobody has translated") == "A sentence nobody has translated"
        assert t("Only {n} of these", n=3) == "Only 3 of these"


@pytest.mark.parametrize("lang, expected", [("en", "Safety question 2 of 5"), ("zh-TW", "安全問題 2／5"),
                                            ("ko", "안전 질문 2/5")])
def test_templates_are_translated_then_filled_in(lang, expected):
    with using(lang):
        assert t("Safety question {n} of {total}", n=2, total=5) == expected


def test_explicit_language_beats_the_active_one_and_using_restores_it():
    before = i18n.get_language()
    with using("ko"):
        assert t("Rest", lang="zh-TW") == "休息"
        with using("zh-TW"):
            assert t("Rest") == "休息"
        assert t("Rest") == "휴식"
    assert i18n.get_language() == before


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalogue_entry_keeps_the_fields_of_its_english(lang):
    bad = {k: v for k, v in catalog(lang).items() if placeholders(k) != placeholders(v)}
    assert not bad, f"{lang}: translations whose {{fields}} differ from the English: {bad}"


# punctuation and fields only: Korean writes them alike
SAME_IN_TRANSLATION = {", ", "{name}: {reps}", " ({reason})", " ({sides})"}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_catalogue_entry_is_left_in_english_or_empty(lang):
    same = [k for k, v in catalog(lang).items() if not v.strip() or (v == k and k not in SAME_IN_TRANSLATION)]
    assert not same, f"{lang}: entries not translated: {same}"


@pytest.mark.parametrize("code, expected", [
    ("zh-TW", "zh-TW"), ("zh_TW.UTF-8", "zh-TW"), ("zh-Hant-TW", "zh-TW"), ("zh_HK", "zh-TW"), ("ZH-tw", "zh-TW"),
    ("ko", "ko"), ("ko_KR.UTF-8", "ko"), ("en_GB.UTF-8", "en"), ("en", "en"),
    ("zh_CN.UTF-8", None), ("fr_FR", None), ("C.UTF-8", None), ("POSIX", None), ("", None), (None, None),
])
def test_normalize_language_tags_and_locale_names(code, expected):
    assert i18n.normalize(code) == expected


@pytest.mark.parametrize("bad", ["fr", "zh-CN", "klingon", " "])
def test_unknown_language_is_a_clear_error(bad):
    with pytest.raises(FormcheckError, match=r"Unknown language .*Use one of: en, zh-TW, ko"):
        i18n.parse_language(bad)


@pytest.mark.parametrize("explicit, routine, env, expected", [
    ("ko", "zh-TW", {"LANG": "en_US.UTF-8"}, "ko"),  # --language beats everything
    (None, "zh-TW", {"LANG": "ko_KR.UTF-8"}, "zh-TW"),  # then the routine
    (None, None, {"LANG": "ko_KR.UTF-8"}, "ko"),  # then the locale
    (None, None, {"LC_ALL": "zh_TW.UTF-8", "LANG": "ko_KR.UTF-8"}, "zh-TW"),  # LC_ALL beats LANG
    (None, None, {"LANGUAGE": "fr:ko", "LANG": "en_US.UTF-8"}, "ko"),  # LANGUAGE is a priority list
    (None, None, {"LANG": "fr_FR.UTF-8"}, "en"),  # a locale formcheck has no catalogue for: English
    (None, None, {"LC_ALL": "fr_FR.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),  # the first set variable decides
    (None, None, {}, "en"),
])
def test_resolution_order(explicit, routine, env, expected):
    assert resolve_language(explicit, routine, environ=env) == expected


def test_system_language_reads_only_the_mapping_it_is_given():
    assert system_language({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert system_language({"LANG": "C"}) is None


def test_set_language_rejects_an_unknown_language_and_keeps_the_old_one():
    before = i18n.get_language()
    with pytest.raises(FormcheckError):
        i18n.set_language("fr")
    assert i18n.get_language() == before


@pytest.mark.parametrize("lang, english, expected", [
    ("zh-TW", "That repetition did not come back to the start within 120 s: it was closed",
     "這一下在 120 秒內沒有回到起始姿勢：已結束計算"),
    ("ko", "That repetition did not come back to the start within 90 s: it was closed",
     "이번 동작은 90초 안에 시작 자세로 돌아오지 않아 끝난 것으로 처리했습니다"),
    # The analyzer's own message, with the exercise's label translated inside it and "°" for "deg".
    ("zh-TW", "Your starting trunk inclination reads 69 deg; this exercise expects -40 to 40 deg: start from the "
              "position in the instructions",
     "您起始姿勢的軀幹前傾角度是 69°；這個運動需要在 -40 到 40° 之間：請從說明中的姿勢開始"),
    # Short templates are never matched in reverse: "X: Y" is not "{name}: {reps}".
    ("zh-TW", "Unknown: thing", "Unknown: thing"),
    ("ko", "Camera 0 stopped: it was closed", "Camera 0 stopped: it was closed"),
])
def test_text_filled_in_before_it_reaches_the_screen_is_recognised(lang, english, expected):
    from formcheck.definitions.exercises import load_exercises

    load_exercises()  # the label "trunk inclination" comes with the definitions
    with using(lang):
        assert t(english) == expected
