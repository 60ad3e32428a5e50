"""Text in Chinese and Korean is really drawn (glyphs, not boxes or question marks), fast, and
the font is found as the README says; without one, English still draws and one line says why."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from formcheck.core.events import HOLD, Feedback
from formcheck.i18n import using
from formcheck.i18n.feedback import translated
from formcheck.ui import drawing, text_render
from formcheck.ui.screens import wrap

needs_font = pytest.mark.skipif(not text_render.available(), reason="no font with Han and Hangul glyphs "
                                "(install fonts-noto-cjk or set FORMCHECK_FONT)")
MISSING = "\U0010fffd"  # a private-use code point no font has: drawn as the font's .notdef box ("tofu")


def drawn(text: str, lang: str = "zh-TW", scale: float = 1.5) -> np.ndarray:
    scene = np.zeros((120, 600, 3), np.uint8)
    with using(lang):
        drawing.put_text(scene, text, (10, 80), scale, (255, 255, 255), 3)
    return scene


def ink(scene: np.ndarray) -> int:
    return int((scene.max(axis=2) > 128).sum())


@needs_font
@pytest.mark.parametrize("text, lang", [("深呼吸", "zh-TW"), ("숨을", "ko"), ("請把身體側面轉向鏡頭", "zh-TW"),
                                        ("천천히 내리세요", "ko")])
def test_non_latin_text_is_drawn_as_glyphs_not_tofu_or_question_marks(text, lang):
    glyphs = drawn(text, lang)
    tofu = drawn(MISSING * len(text.replace(" ", "")), lang)
    hershey = np.zeros_like(glyphs)  # what Hershey makes of it: one "?" per character
    cv2.putText(hershey, "?" * len(text), (10, 80), drawing.FONT, 1.5, (255, 255, 255), 3, cv2.LINE_AA)
    assert ink(glyphs) > 200, "hardly anything was drawn"
    assert ink(tofu) > 0, "the missing-glyph reference drew nothing: the comparison would prove nothing"
    assert not np.array_equal(glyphs, tofu) and not np.array_equal(glyphs, hershey)
    # Each character on its own differs from the .notdef box: no character fell back to it.
    for ch in set(text) - {" "}:
        assert not np.array_equal(drawn(ch, lang), drawn(MISSING, lang)), f"{ch!r} is drawn as a missing glyph"


@needs_font
def test_different_characters_draw_differently():
    assert not np.array_equal(drawn("深"), drawn("呼"))
    assert not np.array_equal(drawn("숨", "ko"), drawn("을", "ko"))


@needs_font
def test_width_matches_the_ink_and_grows_with_the_scale():
    scene = drawn("深呼吸", scale=1.5)
    cols = np.flatnonzero(scene.max(axis=(0, 2)) > 0)
    width = drawing.text_width("深呼吸", 1.5, 3)
    assert abs((cols[-1] - 10) - width) <= 8  # the measured width is where the ink ends
    assert drawing.text_width("深呼吸", 3.0, 3) > 1.8 * drawing.text_width("深呼吸", 1.5, 3)


@needs_font
def test_ideographs_are_as_tall_as_hershey_capitals():
    rows_cjk = np.flatnonzero(drawn("深呼吸").max(axis=(1, 2)) > 128)
    latin = np.zeros((120, 600, 3), np.uint8)
    cv2.putText(latin, "HOLD", (10, 80), drawing.FONT, 1.5, (255, 255, 255), 3, cv2.LINE_AA)
    rows_latin = np.flatnonzero(latin.max(axis=(1, 2)) > 128)
    assert abs(rows_cjk[0] - rows_latin[0]) <= 6  # tops line up: layouts measured in capitals still fit


@needs_font
def test_fit_text_fits_chinese_into_the_width():
    text = "畫面裡有其他人：formcheck 只會追蹤一開始的那個人"
    scale, thickness = drawing.fit_text(text, 2.0, 4, 300)
    assert drawing.text_width(text, scale, thickness) <= 300 < drawing.text_width(text, 2.0, 4)


@needs_font
def test_rendered_text_is_cached():
    text_render.render.cache_clear()
    drawn("快取測試")
    drawn("快取測試")
    info = text_render.render.cache_info()
    assert (info.misses, info.hits) == (1, 1)


@needs_font
def test_outline_draws_a_dark_rim_around_the_glyphs():
    scene = np.full((120, 600, 3), 128, np.uint8)
    with using("zh-TW"):
        drawing.put_text(scene, "停住", (10, 80), 1.5, (255, 255, 255), 3, outline=True)
    assert (scene.max(axis=2) < 40).sum() > 100 and (scene.min(axis=2) > 220).sum() > 100


def test_ascii_text_stays_with_hershey():
    scene = np.zeros((120, 600, 3), np.uint8)
    drawing.put_text(scene, "Hold 3 / 10", (10, 80), 1.5, (255, 255, 255), 3)
    expected = np.zeros_like(scene)
    cv2.putText(expected, "Hold 3 / 10", (10, 80), drawing.FONT, 1.5, (255, 255, 255), 3, cv2.LINE_AA)
    assert np.array_equal(scene, expected)


@pytest.fixture
def fresh_font_search(monkeypatch):
    """Forget the font found, and the one-time warning, for this test and after it."""
    text_render.font_path.cache_clear()
    text_render.drawing_font_path.cache_clear()
    text_render._font.cache_clear()
    text_render.render.cache_clear()
    text_render._width.cache_clear()
    monkeypatch.setattr(text_render, "_warned", False)
    yield
    monkeypatch.undo()
    for cached in (text_render.font_path, text_render.drawing_font_path, text_render._font, text_render.render,
                   text_render._width, drawing.fit_text):
        cached.cache_clear()


def test_without_a_font_english_still_draws_and_one_line_says_what_to_install(fresh_font_search, monkeypatch,
                                                                             capsys):
    monkeypatch.delenv(text_render.FONT_ENV, raising=False)
    monkeypatch.setattr(text_render, "CANDIDATES", ())
    monkeypatch.setattr(text_render, "_fc_match", lambda: None)
    assert not text_render.available()
    scene = np.zeros((120, 600, 3), np.uint8)
    drawing.put_text(scene, "深呼吸", (10, 80), 1.5, (255, 255, 255), 3)  # Hershey's "?": no crash
    drawing.put_text(scene, "숨을", (10, 80), 1.5, (255, 255, 255), 3)
    assert drawing.text_width("深呼吸", 1.5, 3) > 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fonts-noto-cjk" in err[0] and text_render.FONT_ENV in err[0]


@needs_font
def test_font_override_is_used_and_a_bad_one_is_said_once(fresh_font_search, monkeypatch, tmp_path, capsys):
    found = text_render.font_path()
    monkeypatch.setenv(text_render.FONT_ENV, found)
    text_render.font_path.cache_clear()
    assert text_render.font_path() == found
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("not a font")
    monkeypatch.setenv(text_render.FONT_ENV, str(not_a_font))
    text_render.font_path.cache_clear()
    assert text_render.font_path() not in (None, str(not_a_font))  # falls back to the usual search
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(not_a_font) in err[0]


@needs_font
@pytest.mark.parametrize("face, lang", [(" TC", "zh-TW"), (" KR", "ko")])
def test_a_collection_gives_each_language_its_own_glyph_shapes(face, lang):
    from PIL import ImageFont

    path = text_render.drawing_font_path()
    if not path.endswith(".ttc"):
        pytest.skip(f"{path} is a single face")
    family = ImageFont.truetype(path, 12, index=text_render._face_index(path, lang)).getname()[0]
    assert family.endswith(face)


@needs_font
def test_wrap_breaks_chinese_between_characters_but_not_before_punctuation():
    text = "任何運動若讓腿痛、麻木或無力加重，請立即停止。"
    lines = wrap(text, 1.2, 2, 200)
    assert len(lines) > 1 and "".join(lines) == text
    assert all(drawing.text_width(line, 1.2, 2) <= 200 for line in lines)
    assert not any(line[0] in "，。、" for line in lines)


@needs_font
def test_wrap_breaks_korean_between_words():
    text = "다리 통증, 저림, 힘 빠짐이 심해지는 운동은 바로 멈추세요."
    lines = wrap(text, 1.2, 2, 220)
    assert len(lines) > 1 and " ".join(lines) == text


def test_wrap_still_breaks_english_between_words():
    text = "Stop any exercise that makes leg pain, numbness or weakness worse."
    lines = wrap(text, 1.0, 2, 250)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(drawing.text_width(line, 1.0, 2) <= 250 for line in lines)


FEEDBACK = dict(t_s=1.0, phase=HOLD, signal_name="hip angle (shoulder-hip-knee)", signal_field="hip_angle_deg",
                signal_deg=170.0, rest_deg=140.0, target_deg=170.0, limit_deg=190.0, reps=1, target_reps=5,
                hold_s=1.0, target_hold_s=5.0, cue="Hold", warnings=[])


@pytest.mark.parametrize("lang, cue, warnings, expected_cue, expected_name", [
    ("en", "Hold", [], "Hold", "hip angle (shoulder-hip-knee)"),
    ("zh-TW", "Hold", [], "停住", "髖關節角度"),
    ("ko", "Lower slowly", [], "천천히 내리세요", "엉덩관절 각도"),
    ("zh-TW", "", ["over_arch"], "臀部抬太高了：請放低一點", "髖關節角度"),  # no cue: the warning's words
])
def test_the_overlay_gets_its_words_in_the_active_language(lang, cue, warnings, expected_cue, expected_name):
    from formcheck.definitions.exercises import load_exercises

    load_exercises()  # the cues' translations come with the definitions
    with using(lang):
        out = translated(Feedback(**(FEEDBACK | {"cue": cue, "warnings": warnings})))
    assert (out.cue or cue, out.signal_name) == (expected_cue, expected_name)
