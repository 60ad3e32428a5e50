"""Exercise definitions carry their own translations ([i18n.LANG]); bad tables are named precisely."""
from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import parse_exercise
from formcheck.i18n import t, using


def english_only(ex_id: str = "standing_flexion") -> dict:
    text = resources.files("formcheck.definitions").joinpath("exercise_defs", f"{ex_id}.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data.pop("i18n", None)
    data["id"] = data["name"] = "My own flexion"  # an English none of the built-ins use
    return data


def with_i18n(table: dict) -> dict:
    return english_only() | {"i18n": table}


def test_a_users_own_definition_brings_its_translations_to_t():
    table = {"ko": {"name": "나만의 숙이기", "cues": {"hold": "그대로 계세요 잠깐"}}}
    ex = parse_exercise(with_i18n(table), "mine.toml")
    assert ex.i18n["ko"]["My own flexion"] == "나만의 숙이기"
    with using("ko"):
        assert t("My own flexion") == "나만의 숙이기"
    with using("zh-TW"):  # no zh-TW table: English
        assert t("My own flexion") == "My own flexion"


def test_lists_are_translated_item_by_item():
    data = english_only()
    items = [f"第 {i} 步" for i in range(len(data["instructions"]))]
    ex = parse_exercise(with_i18n({"zh-TW": {"instructions": items}}), "mine.toml")
    assert [ex.i18n["zh-TW"][line] for line in ex.instructions] == items


def test_the_clinicians_words_of_an_added_definition_are_translated_too():
    data = english_only() | {"level": "tracked", "level_reason": "Not yet checked against my own clips."}
    data["signal"] = data["signal"] | {"description": "How far my own trunk leans."}
    table = {"zh-TW": {"description": "我自己的軀幹前傾多少。", "level_reason": "還沒有用我自己的影片驗證。"}}
    parse_exercise(data | {"i18n": table}, "mine.toml")
    with using("zh-TW"):
        assert t("How far my own trunk leans.") == "我自己的軀幹前傾多少。"
        assert t("Not yet checked against my own clips.") == "還沒有用我自己的影片驗證。"


BAD = [
    ({"fr": {"name": "Flexion"}}, "field 'i18n.fr' is not a language formcheck has"),
    ({"en": {"name": "Flexion"}}, "field 'i18n.en' is not a language formcheck has"),
    ({"ko": {"nmae": "x"}}, "field 'i18n.ko.nmae' is not a known field"),
    ({"ko": {"name": 3}}, "field 'i18n.ko.name' must be str"),
    ({"ko": {"instructions": ["하나"]}}, "field 'i18n.ko.instructions' has 1 items; the English has 4"),
    ({"ko": {"cues": {"sitting": "x"}}}, "field 'i18n.ko.cues.sitting' is not a known field"),
    ({"ko": {"messages": {"knee_bent": "x"}}}, "field 'i18n.ko.messages.knee_bent' is not a known field"),
    ({"ko": "이름"}, "field 'i18n.ko' must be dict"),
]


@pytest.mark.parametrize("table, words", BAD, ids=[w.split("'")[1] + " " + w.split("' ")[1][:12] for _, w in BAD])
def test_bad_translation_tables_are_named(table, words):
    with pytest.raises(FormcheckError, match="Exercise definition mine.toml") as err:
        parse_exercise(with_i18n(table), "mine.toml")
    assert words in str(err.value)
