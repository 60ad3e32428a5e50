"""Text in any script (Chinese, Korean, accents), drawn with FreeType through Pillow.

OpenCV's Hershey fonts only have ASCII, so ``ui.drawing`` sends every non-ASCII text here. The
font must cover Latin, Han and Hangul: Noto Sans CJK (Debian/Ubuntu ``fonts-noto-cjk``). It is
found deliberately, in this order: ``$FORMCHECK_FONT`` (a .ttf/.otf/.ttc file), the usual
install paths of Noto Sans CJK, then ``fc-match``; ``font_path()`` says which. Without one,
``available()`` is False, callers fall back to Hershey, and one line on stderr says what to
install.

Sizes follow Hershey's: text of font scale ``s`` has its ideographs as tall as Hershey capitals
at ``s`` (``CAP_HEIGHT`` px at 1.0), so layouts measured in capitals still fit. Rendered text
is cached as an alpha mask (LRU by text, pixel size and outline; the colour is applied when
blending), so a cue that stays on screen costs a small blend per frame, not a FreeType run.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.i18n import t

CAP_HEIGHT = 21  # ui.drawing.CAP_HEIGHT: Hershey capitals at scale 1.0, in pixels
IDEOGRAPH_TOP = 0.88  # Noto Sans CJK ideographs rise this far above the baseline, in em
FONT_ENV = "FORMCHECK_FONT"
# Where Noto Sans CJK lives on common systems (Debian/Ubuntu first: fonts-noto-cjk).
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKtc-Regular.otf",
)
# Face of a .ttc collection to prefer per language: Han glyph shapes differ between TC and KR.
FACE_FOR_LANGUAGE = {"zh-TW": " TC", "ko": " KR", "en": " TC"}
SAMPLE = "深呼吸숨을A"  # one Han, one Hangul and one Latin glyph: what the font must cover

_warned = False


def _covers(path: str) -> bool:
    """Whether the font at ``path`` has real glyphs (not .notdef) for Han, Hangul and Latin."""
    try:
        from PIL import ImageFont

        font = ImageFont.truetype(path, 32)
        missing = font.getmask("\U0010fffd").getbbox()  # a private-use code point: the .notdef box
        return all(font.getmask(ch).getbbox() != missing for ch in SAMPLE)
    except Exception:  # unreadable, not a font, Pillow without FreeType
        return False


def _fc_match() -> str | None:
    exe = shutil.which("fc-match")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{file}", "Noto Sans CJK TC:lang=zh-tw"], capture_output=True, text=True,
                             timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


@functools.lru_cache(maxsize=1)
def font_path() -> str | None:
    """The font file used for non-ASCII text, or None when there is none that covers it."""
    override = os.environ.get(FONT_ENV)
    if override:
        if Path(override).is_file() and _covers(override):
            return override
        _warn_once(t("formcheck: {env}={path} is not a font with Chinese and Korean glyphs; "
                     "looking for Noto Sans CJK instead.", env=FONT_ENV, path=override))
    for path in (*CANDIDATES, _fc_match()):
        if path and Path(path).is_file() and _covers(path):
            return path
    return None


def available() -> bool:
    return font_path() is not None


def _warn_once(line: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        print(line, file=sys.stderr, flush=True)


def warn_missing() -> None:
    """Say once that Chinese and Korean cannot be drawn, and what to install."""
    if not available():
        _warn_once(t("formcheck: no font with Chinese and Korean glyphs found, so only English text is drawn "
                     "(install fonts-noto-cjk, or set {env} to a .ttf/.otf/.ttc file).", env=FONT_ENV))


@functools.lru_cache(maxsize=8)
def _face_index(path: str, lang: str) -> int:
    """The face of a collection (.ttc) for ``lang``; 0 for a single-face file."""
    from PIL import ImageFont

    want = FACE_FOR_LANGUAGE.get(lang, " TC")
    for index in range(16):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:  # past the last face
            break
        if family.endswith(want) or f"{want} " in family:
            return index
    return 0


@functools.lru_cache(maxsize=1)
def drawing_font_path() -> str | None:
    """The bold face beside the font found (NotoSansCJK-Bold.ttc), if any: Hershey text is drawn
    with thick strokes, and thin glyphs over video are hard to read from across a room."""
    path = font_path()
    if path and "Regular" in Path(path).name:
        bold = Path(path).with_name(Path(path).name.replace("Regular", "Bold"))
        if bold.is_file() and _covers(str(bold)):
            return str(bold)
    return path


@functools.lru_cache(maxsize=64)
def _font(size_px: int, lang: str):
    from PIL import ImageFont

    path = drawing_font_path()
    return ImageFont.truetype(path, size_px, index=_face_index(path, lang))


def _language() -> str:
    from formcheck.i18n import get_language

    return get_language()


def pixel_size(scale: float) -> int:
    """Font size (em, px) for Hershey font scale ``scale``: ideographs as tall as its capitals."""
    return max(6, round(CAP_HEIGHT * scale / IDEOGRAPH_TOP))


def outline_width(thickness: int) -> int:
    return max(1, round(thickness * 0.8))


def text_width(text: str, scale: float, thickness: int) -> int:
    """Width in pixels of ``text`` as ``put_text`` draws it (as ``ui.drawing.text_width``)."""
    return _width(text, pixel_size(scale), _language()) + thickness


@functools.lru_cache(maxsize=2048)  # measured again on every frame (centring, fitting)
def _width(text: str, size_px: int, lang: str) -> int:
    return round(_font(size_px, lang).getlength(text))


@dataclass(frozen=True)
class Rendered:
    """Alpha masks (0-255) of a text and its outline, and where they sit relative to the origin."""

    fill: np.ndarray
    rim: np.ndarray | None
    dx: int  # left edge of the masks relative to the text origin
    dy: int  # top edge relative to the baseline (negative: above it)


@functools.lru_cache(maxsize=512)  # a screen's worth of lines and cues, in a few sizes
def render(text: str, size_px: int, rim_px: int, lang: str) -> Rendered:
    from PIL import Image, ImageDraw

    font = _font(size_px, lang)
    pad = rim_px + 2
    left, top, right, bottom = font.getbbox(text, anchor="ls", stroke_width=rim_px)
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    origin = (pad - left, pad - top)
    fill = Image.new("L", (width, height), 0)
    ImageDraw.Draw(fill).text(origin, text, fill=255, font=font, anchor="ls")
    rim = None
    if rim_px:
        rim_img = Image.new("L", (width, height), 0)
        ImageDraw.Draw(rim_img).text(origin, text, fill=255, font=font, anchor="ls", stroke_width=rim_px,
                                     stroke_fill=255)
        rim = np.asarray(rim_img)
    return Rendered(np.asarray(fill), rim, left - pad, top - pad)


def _blend(scene: np.ndarray, mask: np.ndarray, x: int, y: int, colour: tuple[int, int, int]) -> None:
    """Blend ``colour`` into ``scene`` through ``mask`` placed with its top left at (x, y), clipped."""
    h, w = scene.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + mask.shape[1]), min(h, y + mask.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    alpha = mask[y0 - y:y1 - y, x0 - x:x1 - x, None].astype(np.float32) * (1.0 / 255.0)
    roi = scene[y0:y1, x0:x1]
    roi[:] = (roi * (1.0 - alpha) + np.asarray(colour, np.float32) * alpha + 0.5).astype(np.uint8)


def put_text(scene: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
             thickness: int, outline: bool = False) -> bool:
    """Draw ``text`` with its baseline at ``org`` (as ``ui.drawing.put_text``); False if no font."""
    if not available():
        warn_missing()
        return False
    r = render(text, pixel_size(scale), outline_width(thickness) if outline else 0, _language())
    x, y = org[0] + r.dx, org[1] + r.dy
    if r.rim is not None:
        _blend(scene, r.rim, x, y, (0, 0, 0))
    _blend(scene, r.fill, x, y, colour)
    return True
