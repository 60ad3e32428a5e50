"""Drawing primitives every overlay and screen draws with: colours, text sizes, ``Layout``,
measured text (``text_width``, ``fit_text``, ``put_text``), values with a drawn degree sign
(``put_degrees``, ``put_value``), angle arcs and their labels, translucent panels (``shade``)
and the skeleton's lines.

OpenCV only, on BGR uint8 images, in place. Sizes follow the frame's shorter side (``Layout``),
so one layout serves a 640x480 webcam, a 540x960 portrait phone clip and 1920x1080. Panels are
translucent and blended on their own region only, never on a full-frame copy: the whole overlay
runs every frame next to the model. Nothing here knows about analyzers or feedback.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.core.keypoints import INDEX, LANDMARK_NAMES, SKELETON, KeyPoints
from formcheck.core.text import with_unit
from formcheck.ui import text_render

# Colours (BGR).
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
DIM = (150, 150, 150)
PANEL = (20, 20, 20)
NEAR_LIMB = (255, 210, 100)  # light blue: the side whose angles are measured
FAR_LIMB = (160, 160, 160)
ARC = (0, 220, 255)  # yellow
GAUGE_TRACK = (90, 90, 90)
TARGET_GREEN = (80, 200, 60)
LIMIT_RED = (60, 60, 230)
AMBER = (0, 170, 255)

PANEL_ALPHA = 0.55  # translucent enough to keep the video visible behind the panels
BAND_ALPHA = 0.7
FONT = cv2.FONT_HERSHEY_SIMPLEX
CAP_HEIGHT = 21  # height of FONT's digits and capitals at scale 1.0, in pixels

# Text sizes relative to an ordinary label.
STATUS_SIZE = 0.8
LABEL_SIZE = 0.8
VALUE_SIZE = 1.3
ARC_SIZE = 1.1
REPS_SIZE = 2.4
HOLD_SIZE = 1.0
CUE_SIZE = 1.6


# --- the skeleton ----------------------------------------------------------------------------

def _side_of(name: str) -> str:
    return name.split("_", 1)[0] if name.startswith(("left_", "right_")) else ""


def _pair_side(a: str, b: str) -> str:
    """The body side a skeleton line belongs to; "" for lines across the body."""
    sides = {_side_of(a), _side_of(b)} - {""}
    return sides.pop() if len(sides) == 1 else ""


# Skeleton as landmark indices, with the side each line belongs to (for near-side emphasis).
SKELETON_LINES: tuple[tuple[int, int, str], ...] = tuple(
    (INDEX[a], INDEX[b], _pair_side(a, b)) for a, b in SKELETON)
# Joints get dots only if they are on the skeleton: eye, mouth and finger dots are clutter.
SKELETON_JOINTS: tuple[tuple[int, str], ...] = tuple(
    (i, _side_of(LANDMARK_NAMES[i])) for i in sorted({INDEX[n] for pair in SKELETON for n in pair}))


@dataclass(frozen=True)
class Layout:
    """Sizes for one frame, all derived from its shorter side."""

    width: int
    height: int
    unit: int  # the shorter side: portrait and landscape frames get the same proportions
    scale: float  # font scale of an ordinary label
    thickness: int  # stroke of an ordinary label or line
    margin: int  # frame edge to panel
    pad: int  # panel edge to contents

    @classmethod
    def of(cls, scene: np.ndarray) -> Layout:
        height, width = scene.shape[:2]
        unit = min(width, height)
        return cls(width=width, height=height, unit=unit, scale=unit / 900,
                   thickness=max(1, round(unit / 360)), margin=max(4, round(unit * 0.02)),
                   pad=max(3, round(unit * 0.012)))

    def font(self, size: float) -> tuple[float, int]:
        """Font scale and stroke for text ``size`` times an ordinary label."""
        return self.scale * size, max(1, round(self.thickness * size))

    def cap(self, size: float) -> int:
        """Height of digits and capitals for text of ``size``."""
        return round(CAP_HEIGHT * self.scale * size)

    @property
    def left_column_top(self) -> int:
        """Top of the gauge: below the status line."""
        return 2 * self.margin + self.cap(STATUS_SIZE) + 2 * self.pad

    @property
    def right_column_width(self) -> int:
        """Width shared by the rep and hold panels, from wide sample texts so it stays put."""
        reps = text_width("00 / 00", *self.font(REPS_SIZE))
        hold = text_width("0.0 / 0.0 s", *self.font(HOLD_SIZE)) + self.pad + 2 * self.hold_ring_radius
        return max(reps, hold) + 2 * self.pad

    @property
    def hold_ring_radius(self) -> int:
        """Radius of the hold timer's ring."""
        return max(6, round(self.unit * 0.035))

    def reps_panel_height(self, with_side: bool) -> int:
        """Height of the rep counter's panel; ``with_side`` adds the "left side" line."""
        side_line = self.cap(LABEL_SIZE) + 2 * self.pad if with_side else 0
        return self.cap(REPS_SIZE) + side_line + 2 * self.pad


# --- text and values -------------------------------------------------------------------------

def text_width(text: str, scale: float, thickness: int) -> int:
    """Width in pixels of ``text`` as drawn, including the stroke beyond the glyph advance."""
    if not text.isascii() and text_render.available():  # Chinese, Korean...: FreeType (ui.text_render)
        return text_render.text_width(text, scale, thickness)
    return _hershey_width(text, scale, thickness)


@functools.lru_cache(maxsize=4096)  # the same labels and numbers are measured on every frame
def _hershey_width(text: str, scale: float, thickness: int) -> int:
    return cv2.getTextSize(text, FONT, scale, thickness)[0][0] + thickness


@functools.lru_cache(maxsize=2048)  # the same cue is fitted on every frame
def fit_text(text: str, scale: float, thickness: int, max_width: int) -> tuple[float, int]:
    """The largest font scale (and stroke) up to ``scale`` at which ``text`` is at most ``max_width`` wide.

    Found by measuring (a bisection on the scale), not by one proportional step: OpenCV 5
    quantises glyph advances, so width is not proportional to scale and a one-step fit can
    overflow. The stroke shrinks with the scale so small text does not turn into blobs.
    """
    def stroke(s: float) -> int:
        return max(1, round(thickness * s / scale))

    if max_width <= 0 or not text or text_width(text, scale, thickness) <= max_width:
        return scale, thickness
    lo, hi = 0.0, scale
    for _ in range(20):  # 2**-20 of the scale: far finer than a pixel
        mid = 0.5 * (lo + hi)
        if text_width(text, mid, stroke(mid)) <= max_width:
            lo = mid
        else:
            hi = mid
    lo = max(lo, scale * 2 ** -20)
    return lo, stroke(lo)


def put_text(scene: np.ndarray, text: str, org: tuple[int, int], scale: float,
             colour: tuple[int, int, int], thickness: int, outline: bool = False) -> None:
    """Text with its baseline at ``org``; ``outline`` adds a dark rim for text on bare video."""
    if not text.isascii() and text_render.put_text(scene, text, org, scale, colour, thickness, outline):
        return  # Hershey has ASCII only: anything else is drawn with FreeType (ui.text_render)
    if outline:
        cv2.putText(scene, text, org, FONT, scale, BLACK, thickness + max(2, thickness), cv2.LINE_AA)
    cv2.putText(scene, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)


def degree_text(value: float) -> str:
    """The digits of a degree value, rounded to whole degrees; "--" for an unknown (NaN) value."""
    return f"{round(value):d}" if math.isfinite(value) else "--"


def degree_sign(scale: float) -> tuple[int, int]:
    """Radius of the drawn degree ring and its gap to the digits, for text of font ``scale``."""
    cap = CAP_HEIGHT * scale
    return max(3, round(cap * 0.2)), max(1, round(cap * 0.08))


def degrees_width(value: float, scale: float, thickness: int) -> int:
    """Width in pixels of ``value`` as ``put_degrees`` draws it: digits plus the ring."""
    width = text_width(degree_text(value), scale, thickness)
    if math.isfinite(value):
        radius, gap = degree_sign(scale)
        width += gap + 2 * radius + thickness
    return width


def put_degrees(scene: np.ndarray, value: float, org: tuple[int, int], scale: float,
                colour: tuple[int, int, int], thickness: int, outline: bool = False) -> None:
    """A value such as 62 followed by a degree sign, with its baseline at ``org``.

    Hershey fonts have no "°" (OpenCV 4 draws "?"), so the sign is a small ring. An unknown
    (NaN) value is drawn as "--", without a ring.
    """
    text = degree_text(value)
    put_text(scene, text, org, scale, colour, thickness, outline)
    if not math.isfinite(value):
        return
    radius, gap = degree_sign(scale)
    centre = (org[0] + text_width(text, scale, thickness) + gap + radius,
              org[1] - round(CAP_HEIGHT * scale) + radius)
    ring = max(1, thickness - 1)
    if outline:  # a thin rim only: a thick one would fill the small ring into a blob
        cv2.circle(scene, centre, radius, BLACK, ring + 1, cv2.LINE_AA)
    cv2.circle(scene, centre, radius, colour, ring, cv2.LINE_AA)


def value_width(value: float, unit: str, scale: float, thickness: int) -> int:
    """Width of a value in ``unit`` as ``put_value`` draws it: degrees with a drawn ring, anything else as text."""
    if unit == "deg":
        return degrees_width(value, scale, thickness)
    return text_width(with_unit(value, unit, ascii_only=True), scale, thickness)


def put_value(scene: np.ndarray, value: float, unit: str, org: tuple[int, int], scale: float,
              colour: tuple[int, int, int], thickness: int) -> None:
    """A value such as 62° or 12% (the single-leg stand's foot lift is in percent of leg length)."""
    if unit == "deg":
        put_degrees(scene, value, org, scale, colour, thickness)
    else:
        put_text(scene, with_unit(value, unit, ascii_only=True), org, scale, colour, thickness)


# --- angle arcs ------------------------------------------------------------------------------

def arc_span(first_deg: float, second_deg: float, value_deg: float) -> tuple[float, float]:
    """Start and end angles (cv2.ellipse convention) of the arc from the first ray to the second.

    The arc goes the short way round unless the value is reflex (> 180, e.g. a hip past
    straight), so the arc's size always matches the number printed beside it.
    """
    sweep = (second_deg - first_deg) % 360.0
    if (sweep > 180.0) != (abs(value_deg) > 180.0):
        sweep -= 360.0
    return first_deg, first_deg + sweep


def arc_label_centre(vertex: np.ndarray, second_ray: np.ndarray, start_deg: float, end_deg: float,
                     radius: int, half_size: tuple[float, float], gap: int) -> tuple[float, float]:
    """Centre for an arc's value label: inside the angle, clear of both rays.

    The arc of ``radius`` at ``vertex`` runs from ``start_deg`` to ``end_deg`` (``arc_span``);
    the label is a box of ``half_size`` (half width, half height), kept ``gap`` pixels clear.
    A box of ``half_size`` on the bisector must be far enough out that neither ray crosses it.
    For a narrow angle that would be far away, so the label goes beside the vertex instead, on
    the side away from the second ray (the body: the trunk, the thigh, the shin).
    """
    half_w, half_h = half_size

    def extent(dx: float, dy: float) -> float:  # the box's half-size in direction (dx, dy)
        return half_w * abs(dx) + half_h * abs(dy)

    half_angle = math.radians(abs(end_deg - start_deg) / 2.0)
    mid = math.radians((start_deg + end_deg) / 2.0)
    dx, dy = math.cos(mid), math.sin(mid)
    if half_angle >= math.radians(15):
        distance = radius + gap + extent(dx, dy)
        for ray_deg in (start_deg, end_deg):
            normal = math.radians(ray_deg + 90.0)
            clearance = (extent(math.cos(normal), math.sin(normal)) + gap) / math.sin(min(half_angle, math.pi / 2))
            distance = max(distance, clearance)
    else:
        dx, dy = -dy, dx
        if dx * second_ray[0] + dy * second_ray[1] > 0:
            dx, dy = -dx, -dy
        distance = radius / 2 + gap + extent(dx, dy)
    return vertex[0] + dx * distance, vertex[1] + dy * distance


# --- panels and the body ---------------------------------------------------------------------

def body_points(keypoints: KeyPoints | None, min_visibility: float = 0.5, per_line: int = 8) -> np.ndarray:
    """(N, 2) points covering the drawn skeleton: its joints and points along every limb."""
    if keypoints is None:
        return np.empty((0, 2))
    sure = (keypoints.visibility >= min_visibility) & np.isfinite(keypoints.xy).all(axis=1)
    lines = [(i, j) for i, j, _ in SKELETON_LINES if sure[i] and sure[j]]
    if not lines:
        return keypoints.xy[sure]
    steps = np.linspace(0.0, 1.0, per_line + 1)[:, None, None]
    a, b = keypoints.xy[[i for i, _ in lines]], keypoints.xy[[j for _, j in lines]]
    return np.concatenate([keypoints.xy[sure], (a + steps * (b - a)).reshape(-1, 2)])


def shade(scene: np.ndarray, x0: int, y0: int, x1: int, y1: int,
          colour: tuple[int, int, int] = PANEL, alpha: float = PANEL_ALPHA) -> None:
    """Blend a flat colour into a rectangle, in place, touching only that region."""
    height, width = scene.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = scene[y0:y1, x0:x1]
    flat = _flat(roi.shape, roi.dtype.str, tuple(int(c) for c in colour))
    cv2.addWeighted(roi, 1.0 - alpha, flat, alpha, 0.0, dst=roi)


@functools.lru_cache(maxsize=32)  # the same panels are shaded on every frame: fill each colour block once
def _flat(shape: tuple[int, ...], dtype: str, colour: tuple[int, ...]) -> np.ndarray:
    block = np.empty(shape, np.dtype(dtype))
    block[...] = colour if len(shape) == 3 else colour[0]
    block.flags.writeable = False
    return block

