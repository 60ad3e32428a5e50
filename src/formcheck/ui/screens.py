"""Drawing a session ``Screen`` onto a camera frame.

Video screens (set-up, countdown, tracking) show the camera with the usual overlay
(``overlay.OverlayRenderer``) plus a message, a big countdown and the keys. Card screens
(questions, instructions, summary) dim the picture and put large, wrapped text over it: the
person may be standing two or three metres away.
"""
from __future__ import annotations

import cv2
import numpy as np

from formcheck.session.types import Screen
from formcheck.ui.drawing import (
    AMBER,
    CAP_HEIGHT,
    CUE_SIZE,
    LIMIT_RED,
    WHITE,
    Layout,
    fit_text,
    put_text,
    shade,
    text_width,
)
from formcheck.ui.overlay import OverlayRenderer

TITLE_SIZE = 1.7
BODY_SIZE = 1.15
KEYS_SIZE = 0.9
BIG_SIZE = 6.0
DIM_ALPHA = 0.8  # card screens: how dark the picture behind the text gets


# Chinese is written without spaces: a line may break before any Han character, but never
# before closing punctuation (it stays with the character it follows).
_NO_LINE_START = set("，。、：；！？）」』》〉…．,.:;!?)")


def _is_han(ch: str) -> bool:
    """CJK punctuation, kana, Han and full-width forms; not Hangul (Korean breaks at spaces)."""
    return ("\u3000" <= ch <= "\u9fff" and not "\u3130" <= ch <= "\u318f") or "\uf900" <= ch <= "\ufaff" \
        or "\uff00" <= ch <= "\uffef"


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, space before it): words, and single Han characters with their punctuation."""
    tokens: list[tuple[str, bool]] = []
    for i, word in enumerate(text.split()):
        part, space = "", i > 0
        for ch in word:
            if part and (_is_han(ch) or _is_han(part[-1])) and ch not in _NO_LINE_START:
                tokens.append((part, space))
                part, space = "", False
            part += ch
        tokens.append((part, space))
    return tokens


def wrap(text: str, scale: float, thickness: int, max_width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` pixels (long words stay whole;
    Chinese breaks between characters, Korean between words)."""
    lines, line = [], ""
    for token, space in _tokens(text):
        candidate = f"{line} {token}" if line and space else line + token
        if line and text_width(candidate, scale, thickness) > max_width:
            lines.append(line)
            line = token
        else:
            line = candidate
    return lines + [line] if line else lines


def _strip_height(layout: Layout) -> int:
    return layout.cap(KEYS_SIZE) + 2 * layout.pad


def _strip(scene: np.ndarray, layout: Layout, text: str, bottom: int) -> None:
    """One line (key hints, a timer) on a dark strip whose lower edge is ``bottom``."""
    scale, thickness = layout.font(KEYS_SIZE)
    height = _strip_height(layout)
    shade(scene, 0, bottom - height, layout.width, bottom, alpha=0.7)
    scale, thickness = fit_text(text, scale, thickness, layout.width - 2 * layout.margin)
    put_text(scene, text, (layout.margin, bottom - layout.pad), scale, WHITE, thickness)


def _banner(scene: np.ndarray, layout: Layout, text: str, colour=WHITE) -> None:
    """A message across the bottom, in the cue banner's place and size."""
    scale, thickness = layout.font(CUE_SIZE)
    height = 2 * layout.cap(CUE_SIZE)
    y0 = layout.height - height
    shade(scene, 0, y0, layout.width, layout.height, alpha=0.65)
    scale, thickness = fit_text(text, scale, thickness, layout.width - 2 * layout.margin)
    width = text_width(text, scale, thickness)
    put_text(scene, text, ((layout.width - width) // 2, y0 + (height + round(CAP_HEIGHT * scale)) // 2),
              scale, colour, thickness)


def _big(scene: np.ndarray, layout: Layout, text: str) -> None:
    scale, thickness = fit_text(text, *layout.font(BIG_SIZE), layout.width - 2 * layout.margin)
    width = text_width(text, scale, thickness)
    put_text(scene, text, ((layout.width - width) // 2, (layout.height + layout.cap(BIG_SIZE)) // 2),
              scale, WHITE, thickness, outline=True)


def _card(scene: np.ndarray, layout: Layout, screen: Screen) -> None:
    shade(scene, 0, 0, layout.width, layout.height, alpha=DIM_ALPHA)
    accent = LIMIT_RED if screen.alert else AMBER
    if screen.alert:
        cv2.rectangle(scene, (0, 0), (layout.width - 1, layout.height - 1), LIMIT_RED, 2 * layout.thickness + 2)
    x, width = 2 * layout.margin, layout.width - 4 * layout.margin
    y = 2 * layout.margin
    scale, thickness = layout.font(TITLE_SIZE)
    for line in wrap(screen.title, scale, thickness, width):
        y += layout.cap(TITLE_SIZE)
        line_scale, line_thick = fit_text(line, scale, thickness, width)  # a word too long to wrap
        put_text(scene, line, (x, y), line_scale, accent, line_thick)
        y += layout.pad * 2
    y += layout.pad * 2
    scale, thickness = layout.font(BODY_SIZE)
    line_gap = layout.cap(BODY_SIZE) + 2 * layout.pad
    for paragraph in screen.lines:
        for line in wrap(paragraph, scale, thickness, width):
            y += line_gap
            line_scale, line_thick = fit_text(line, scale, thickness, width)
            put_text(scene, line, (x, y), line_scale, WHITE, line_thick)
        y += layout.pad * 2
    if screen.big:
        _big(scene, layout, screen.big)


def draw_screen(scene: np.ndarray, screen: Screen, renderer: OverlayRenderer, stats: str = "") -> np.ndarray:
    """Draw ``screen`` onto ``scene`` in place; ``stats`` (fps, pose rate) goes on the status line."""
    layout = Layout.of(scene)
    status = " | ".join(s for s in (screen.status, stats) if s)
    if screen.video:
        bottom = layout.height
        if screen.result is not None:
            r = screen.result
            renderer.render(scene, r.keypoints, r.angles, r.feedback, status=status)
            bottom -= 2 * layout.cap(CUE_SIZE) if (r.feedback.cue or r.feedback.warnings) else 0
        else:
            renderer.skeleton.annotate(scene, screen.keypoints)
            renderer.status.annotate(scene, status)
        if screen.message and screen.result is None:
            _banner(scene, layout, screen.message, AMBER if screen.state == "setup" else WHITE)
            bottom = layout.height - 2 * layout.cap(CUE_SIZE)
        elif screen.message:  # tracking with a timer (standing extension): above the keys
            _strip(scene, layout, screen.message, bottom - _strip_height(layout))
        if screen.big:
            _big(scene, layout, screen.big)
        _strip(scene, layout, screen.keys, bottom)
    else:
        _card(scene, layout, screen)
        keys = f"{screen.keys}    {stats}" if stats else screen.keys
        _strip(scene, layout, keys, layout.height)
    return scene
