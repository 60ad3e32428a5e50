"""Drawing layer: small annotators that each draw one thing onto a BGR frame.

In the style of roboflow/supervision, every annotator has ``annotate(scene, ...) -> scene``: it
draws in place on a BGR uint8 image and returns that same array. No analysis and no I/O happen
here; the values come ready-made from ``KeyPoints``, ``Angles`` and ``Feedback``.

Sizes follow the frame's shorter side (``Layout``), so one layout serves a 640x480 webcam, a
540x960 portrait phone clip and 1920x1080. Panels are translucent and blended on their own
region only, never on a full-frame copy: the whole overlay runs every frame next to the model.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.core.events import EVENT_MESSAGES, HIP_SAG, HOLD, OVER_ARCH, Feedback
from formcheck.core.keypoints import INDEX, LANDMARK_NAMES, SKELETON, KeyPoints
from formcheck.analysis.kinematics import SIDES, Angles
from formcheck.core.text import with_unit

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

# Warnings that push the low back into extension, which narrows the spinal canal in lumbar
# stenosis: these are red, every other warning is amber.
EXTENSION_WARNINGS = frozenset({OVER_ARCH, HIP_SAG})


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
        return max(6, round(self.unit * 0.035))

    def reps_panel_height(self, with_side: bool) -> int:
        side_line = self.cap(LABEL_SIZE) + 2 * self.pad if with_side else 0
        return self.cap(REPS_SIZE) + side_line + 2 * self.pad


# --- drawing helpers -------------------------------------------------------------------------

def text_width(text: str, scale: float, thickness: int) -> int:
    """Width in pixels of ``text`` as drawn, including the stroke beyond the glyph advance."""
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
    if outline:
        cv2.putText(scene, text, org, FONT, scale, BLACK, thickness + max(2, thickness), cv2.LINE_AA)
    cv2.putText(scene, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)


def _degree_text(value: float) -> str:
    return f"{round(value):d}" if math.isfinite(value) else "--"


def _degree_sign(scale: float) -> tuple[int, int]:
    """Radius of the drawn degree ring and its gap to the digits."""
    cap = CAP_HEIGHT * scale
    return max(3, round(cap * 0.2)), max(1, round(cap * 0.08))


def _degrees_width(value: float, scale: float, thickness: int) -> int:
    width = text_width(_degree_text(value), scale, thickness)
    if math.isfinite(value):
        radius, gap = _degree_sign(scale)
        width += gap + 2 * radius + thickness
    return width


def _put_degrees(scene: np.ndarray, value: float, org: tuple[int, int], scale: float,
                 colour: tuple[int, int, int], thickness: int, outline: bool = False) -> None:
    """A value such as 62 followed by a degree sign.

    Hershey fonts have no "°" (OpenCV 4 draws "?"), so the sign is a small ring.
    """
    text = _degree_text(value)
    put_text(scene, text, org, scale, colour, thickness, outline)
    if not math.isfinite(value):
        return
    radius, gap = _degree_sign(scale)
    centre = (org[0] + text_width(text, scale, thickness) + gap + radius,
              org[1] - round(CAP_HEIGHT * scale) + radius)
    ring = max(1, thickness - 1)
    if outline:  # a thin rim only: a thick one would fill the small ring into a blob
        cv2.circle(scene, centre, radius, BLACK, ring + 1, cv2.LINE_AA)
    cv2.circle(scene, centre, radius, colour, ring, cv2.LINE_AA)


def _value_width(value: float, unit: str, scale: float, thickness: int) -> int:
    """Width of a gauge value in ``unit``: degrees with a drawn ring, anything else as text."""
    if unit == "deg":
        return _degrees_width(value, scale, thickness)
    return text_width(with_unit(value, unit, ascii_only=True), scale, thickness)


def _put_value(scene: np.ndarray, value: float, unit: str, org: tuple[int, int], scale: float,
               colour: tuple[int, int, int], thickness: int) -> None:
    """A value such as 62° or 12% (the single-leg stand's foot lift is in percent of leg length)."""
    if unit == "deg":
        _put_degrees(scene, value, org, scale, colour, thickness)
    else:
        put_text(scene, with_unit(value, unit, ascii_only=True), org, scale, colour, thickness)


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
    cv2.addWeighted(roi, 1.0 - alpha, np.full_like(roi, colour), alpha, 0.0, dst=roi)


def _is_past(value: float, threshold: float, start: float) -> bool:
    """Whether ``value`` has reached ``threshold`` coming from ``start`` (either direction)."""
    return (value - threshold) * (threshold - start) >= 0


# --- annotators ----------------------------------------------------------------------------

class SkeletonAnnotator:
    """Limbs and joints the model is sure of; the near side (whose angles count) stands out."""

    def __init__(self, min_visibility: float = 0.5, near_colour: tuple[int, int, int] = NEAR_LIMB,
                 far_colour: tuple[int, int, int] = FAR_LIMB) -> None:
        self.min_visibility = min_visibility
        self.near_colour = near_colour
        self.far_colour = far_colour

    def annotate(self, scene: np.ndarray, keypoints: KeyPoints | None, near_side: str = "") -> np.ndarray:
        """``near_side`` "left"/"right" emphasises that side; "" draws every limb alike."""
        if keypoints is None:
            return scene
        # Never draw a joint the model is unsure of: a confident-looking dot on a guess misleads.
        sure = (keypoints.visibility >= self.min_visibility) & np.isfinite(keypoints.xy).all(axis=1)
        points = np.rint(np.where(sure[:, None], keypoints.xy, 0.0)).astype(np.int32).tolist()
        limb = max(2, round(Layout.of(scene).unit / 160))

        def style(side: str) -> tuple[tuple[int, int, int], int]:
            if not near_side or side == near_side:
                return self.near_colour, limb
            return self.far_colour, max(1, limb // 2)

        # Far side first, so the near side is on top where the two cross.
        for i, j, side in sorted(SKELETON_LINES, key=lambda line: line[2] == near_side):
            if sure[i] and sure[j]:
                colour, width = style(side)
                cv2.line(scene, points[i], points[j], colour, width, cv2.LINE_AA)
        for i, side in SKELETON_JOINTS:
            if sure[i]:
                colour, width = style(side)
                cv2.circle(scene, points[i], width + 1, colour, -1, cv2.LINE_AA)
        return scene


@dataclass(frozen=True)
class AngleGeometry:
    """Where a measured angle lives in the image: the rays vertex->first and vertex->second."""

    vertex: np.ndarray
    first: np.ndarray  # a point on the reference ray (image-up for the trunk)
    second: np.ndarray
    value_deg: float


def angle_geometry(keypoints: KeyPoints | None, angles: Angles | None, signal_name: str,
                   side: str | None = None) -> AngleGeometry | None:
    """The vertex and rays of the angle named by ``signal_name``; None if it cannot be drawn.

    "trunk...": at hip-mid, from image-up to the hip-mid -> shoulder-mid line; "hip angle...":
    at the hip, shoulder to knee; "knee angle...": at the knee, hip to ankle. The names are
    matched by their start only, since labels such as "body line (shoulder-hip-knee)" or
    "hip sag" mention joints without being that joint's angle. Joint angles are drawn on
    ``side`` (the moving leg of an alternating exercise) or else on the near side.
    """
    if keypoints is None or angles is None:
        return None
    name = signal_name.lower()
    side = side or angles.side
    if name.startswith("trunk"):
        vertex = (keypoints.point("left_hip") + keypoints.point("right_hip")) / 2.0
        second = (keypoints.point("left_shoulder") + keypoints.point("right_shoulder")) / 2.0
        first = vertex + (0.0, -float(np.linalg.norm(second - vertex)))
        value = angles.trunk_inclination_deg
    elif side not in SIDES:
        return None
    elif name.startswith("hip angle"):
        first, vertex, second = (keypoints.point(f"{side}_{j}") for j in ("shoulder", "hip", "knee"))
        value = getattr(angles, f"hip_angle_{side}_deg")
    elif name.startswith("knee angle"):
        first, vertex, second = (keypoints.point(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        value = getattr(angles, f"knee_angle_{side}_deg")
    else:
        return None
    points = np.array([first, vertex, second])
    if not (math.isfinite(value) and np.isfinite(points).all()):
        return None
    if min(np.linalg.norm(first - vertex), np.linalg.norm(second - vertex)) < 1.0:
        return None  # a ray of zero length has no direction
    return AngleGeometry(vertex=vertex, first=first, second=second, value_deg=float(value))


def arc_span(first_deg: float, second_deg: float, value_deg: float) -> tuple[float, float]:
    """Start and end angles (cv2.ellipse convention) of the arc from the first ray to the second.

    The arc goes the short way round unless the value is reflex (> 180, e.g. a hip past
    straight), so the arc's size always matches the number printed beside it.
    """
    sweep = (second_deg - first_deg) % 360.0
    if (sweep > 180.0) != (abs(value_deg) > 180.0):
        sweep -= 360.0
    return first_deg, first_deg + sweep


class AngleArcAnnotator:
    """The measured angle as an arc at its vertex, with its value in degrees beside it.

    The value shown is the per-frame angle from ``Angles`` (the geometry drawn), not the
    analyzer's ``signal_deg``. Visibility is not checked again here: a NaN angle is the signal
    that the angle was not measured.
    """

    def __init__(self, colour: tuple[int, int, int] = ARC) -> None:
        self.colour = colour

    def annotate(self, scene: np.ndarray, keypoints: KeyPoints | None, angles: Angles | None,
                 feedback: Feedback) -> np.ndarray:
        geometry = angle_geometry(keypoints, angles, feedback.signal_name, feedback.side)
        if geometry is None:
            return scene
        layout = Layout.of(scene)
        rays = (geometry.first - geometry.vertex, geometry.second - geometry.vertex)
        lengths = [float(np.linalg.norm(r)) for r in rays]
        # Stay inside the limbs so a short shin does not get an arc bigger than itself.
        radius = max(6, round(min(layout.unit * 0.07, 0.6 * min(lengths))))
        centre = tuple(int(c) for c in np.rint(geometry.vertex))
        for ray, length in zip(rays, lengths):
            tip = geometry.vertex + ray * (1.5 * radius / length)
            cv2.line(scene, centre, tuple(int(c) for c in np.rint(tip)), self.colour,
                     layout.thickness, cv2.LINE_AA)
        start, end = arc_span(*(math.degrees(math.atan2(r[1], r[0])) for r in rays), geometry.value_deg)
        cv2.ellipse(scene, centre, (radius, radius), 0.0, start, end, self.colour,
                    layout.thickness + 1, cv2.LINE_AA)

        scale, thickness = layout.font(ARC_SIZE)
        text_w = _degrees_width(geometry.value_deg, scale, thickness)
        text_h = layout.cap(ARC_SIZE)
        centre_x, centre_y = _arc_label_centre(geometry.vertex, rays[1], start, end, radius,
                                               (text_w / 2, text_h / 2), layout.pad)
        org = (round(centre_x - text_w / 2), round(centre_y + text_h / 2))
        _put_degrees(scene, geometry.value_deg, org, scale, self.colour, thickness, outline=True)
        return scene


def _arc_label_centre(vertex: np.ndarray, second_ray: np.ndarray, start_deg: float, end_deg: float,
                      radius: int, half_size: tuple[float, float], gap: int) -> tuple[float, float]:
    """Centre for the arc's value label: inside the angle, clear of both rays.

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


@dataclass(frozen=True)
class GaugeScale:
    """Maps a signal value to the gauge: 0 at rest, 1 a little past the target (or the limit)."""

    rest: float
    end: float

    @classmethod
    def from_feedback(cls, feedback: Feedback, overshoot: float = 0.25) -> GaugeScale | None:
        rest, target, limit = feedback.rest_deg, feedback.target_deg, feedback.limit_deg
        if not (math.isfinite(rest) and math.isfinite(target)) or abs(target - rest) < 1e-6:
            return None
        span = target - rest  # negative for signals that decrease when moving
        reach = 1.0 + overshoot
        if limit is not None and math.isfinite(limit):
            reach = max(reach, (limit - rest) / span + 0.1)  # keep a limit beyond the target in view
        return cls(rest=rest, end=rest + reach * span)

    def fraction(self, value: float) -> float:
        """0..1 along the gauge, clipped; NaN stays NaN."""
        return min(1.0, max(0.0, (value - self.rest) / (self.end - self.rest))) if math.isfinite(value) else value


class GaugeAnnotator:
    """A vertical bar from rest (bottom) to past the target (top) with the current value.

    The target band is green, the zone past ``limit_deg`` red; the filled part and the value
    turn green at the target and red past the limit. Values are in ``feedback.unit`` (degrees,
    or percent for the single-leg stand).

    It sits at the top left, below the status line, unless that would cover the person (a
    lying person's raised foot, say) while the right side, below the rep counter and hold
    timer, covers less of them: given the keypoints, it moves there, and stays until the
    other side becomes the better one again (so it does not flicker between frames).
    """

    TITLE_MAX_UNITS = 0.4  # the title is shrunk to at most this share of the frame's shorter side

    def __init__(self, overshoot: float = 0.25, min_visibility: float = 0.5) -> None:
        self.overshoot = overshoot  # how far past the target the bar goes, as a share of rest->target
        self.min_visibility = min_visibility  # keypoints counted as the body when choosing a side
        self.side = "left"  # where the gauge is: "left" or "right"

    @staticmethod
    def title(signal_name: str) -> str:
        """The gauge's heading: the signal's name without its explanation in brackets
        ("leg lift (hip to ankle above horizontal)" -> "leg lift"); the status line has it all."""
        return signal_name.split(" (", 1)[0].strip() or signal_name

    def place(self, layout: Layout, size: tuple[int, int], feedback: Feedback,
              keypoints: KeyPoints | None) -> tuple[int, int]:
        """Top-left corner of a gauge panel of ``size`` (width, height); updates ``self.side``."""
        width, height = size
        corners = {"left": (layout.margin, layout.left_column_top)}
        right_top = 2 * layout.margin + layout.reps_panel_height(bool(feedback.side))
        if feedback.target_hold_s > 0:  # below the hold timer too
            right_top += 2 * (layout.hold_ring_radius + layout.pad) + layout.margin
        if right_top + height <= layout.height - 2 * layout.cap(CUE_SIZE):  # above the cue banner
            corners["right"] = (layout.width - layout.margin - width, right_top)
        points = body_points(keypoints, self.min_visibility)
        if len(points) and len(corners) > 1:
            gap = layout.pad

            def covered(corner: tuple[int, int]) -> int:
                x, y = corner
                inside = ((points[:, 0] >= x - gap) & (points[:, 0] <= x + width + gap)
                          & (points[:, 1] >= y - gap) & (points[:, 1] <= y + height + gap))
                return int(inside.sum())

            other = "right" if self.side == "left" else "left"
            if covered(corners[other]) < covered(corners[self.side]):
                self.side = other
        elif self.side not in corners:
            self.side = "left"
        return corners.get(self.side, corners["left"])

    def annotate(self, scene: np.ndarray, feedback: Feedback, keypoints: KeyPoints | None = None) -> np.ndarray:
        """``keypoints`` (optional) let the gauge keep clear of the person."""
        gauge = GaugeScale.from_feedback(feedback, self.overshoot)
        if gauge is None:
            return scene
        layout = Layout.of(scene)
        pad = layout.pad
        label_scale, label_thick = layout.font(LABEL_SIZE)
        value_scale, value_thick = layout.font(VALUE_SIZE)
        rest, target, limit, value = feedback.rest_deg, feedback.target_deg, feedback.limit_deg, feedback.signal_deg
        unit = feedback.unit
        has_limit = limit is not None and math.isfinite(limit)
        ticks = [(target, WHITE)] + ([(limit, LIMIT_RED)] if has_limit else [])

        title = self.title(feedback.signal_name)
        label_scale, label_thick = fit_text(title, label_scale, label_thick, round(layout.unit * self.TITLE_MAX_UNITS))
        tick_scale, tick_thick = layout.font(LABEL_SIZE)
        bar_w, bar_h = max(8, round(layout.unit * 0.045)), round(layout.unit * 0.4)
        tick_w = max(_value_width(t, unit, tick_scale, tick_thick) for t, _ in ticks)
        inner_w = max(text_width(title, label_scale, label_thick), bar_w + pad + tick_w,
                      _value_width(value, unit, value_scale, value_thick))
        panel_h = 6 * pad + layout.cap(LABEL_SIZE) + bar_h + layout.cap(VALUE_SIZE)
        x0, y0 = self.place(layout, (inner_w + 2 * pad, panel_h), feedback, keypoints)
        title_y = y0 + pad + layout.cap(LABEL_SIZE)
        bar_top = title_y + 2 * pad
        bar_bottom = bar_top + bar_h
        value_y = bar_bottom + 2 * pad + layout.cap(VALUE_SIZE)
        shade(scene, x0, y0, x0 + inner_w + 2 * pad, value_y + pad)
        put_text(scene, title, (x0 + pad, title_y), label_scale, WHITE, label_thick)

        bx0, bx1 = x0 + pad, x0 + pad + bar_w

        def y_at(v: float) -> int:
            return round(bar_bottom - gauge.fraction(v) * bar_h)

        shade(scene, bx0, bar_top, bx1, bar_bottom, GAUGE_TRACK, 0.8)
        shade(scene, bx0, bar_top, bx1, y_at(target), TARGET_GREEN, BAND_ALPHA)
        if has_limit and (limit - rest) * (target - rest) > 0:  # only a limit on the moving side has a zone
            shade(scene, bx0, bar_top, bx1, y_at(limit), LIMIT_RED, BAND_ALPHA)
        if has_limit and math.isfinite(value) and _is_past(value, limit, rest):
            colour = LIMIT_RED
        elif math.isfinite(value) and _is_past(value, target, rest):
            colour = TARGET_GREEN
        else:
            colour = WHITE
        if math.isfinite(value):
            y = y_at(value)
            inset = bar_w // 4  # a narrower fill keeps the bands visible on both sides of it
            cv2.rectangle(scene, (bx0 + inset, y), (bx1 - inset, bar_bottom), colour, -1)
            cv2.line(scene, (bx0 - pad // 2, y), (bx1 + pad // 2, y), colour, max(2, layout.thickness), cv2.LINE_AA)
        # Ticks over the fill, so the target line stays visible once the fill passes it.
        for tick, tick_colour in ticks:
            y = y_at(tick)
            cv2.line(scene, (bx0, y), (bx1, y), tick_colour, max(1, layout.thickness - 1), cv2.LINE_AA)
            _put_value(scene, tick, unit, (bx1 + pad, y + layout.cap(LABEL_SIZE) // 2), tick_scale, tick_colour,
                       tick_thick)
        _put_value(scene, value, unit, (bx0, value_y), value_scale, colour, value_thick)
        return scene


class RepCounterAnnotator:
    """Large "3 / 10" at the top right, with the side for alternating exercises.

    For those the count and target are the side's own ("3 / 10" over "left side": ten per
    side, as the exercise list says), not both sides added up.
    """

    @staticmethod
    def text(feedback: Feedback) -> str:
        reps, target = feedback.reps, feedback.target_reps
        if feedback.side and feedback.side_reps is not None:
            reps, target = feedback.side_reps, feedback.side_target_reps or 0
        return f"{reps} / {target}" if target > 0 else f"{reps}"

    def annotate(self, scene: np.ndarray, feedback: Feedback) -> np.ndarray:
        layout = Layout.of(scene)
        pad = layout.pad
        text = self.text(feedback)
        scale, thickness = layout.font(REPS_SIZE)
        text_w = text_width(text, scale, thickness)
        width = max(layout.right_column_width, text_w + 2 * pad)
        x1 = layout.width - layout.margin
        x0, y0 = x1 - width, layout.margin
        shade(scene, x0, y0, x1, y0 + layout.reps_panel_height(bool(feedback.side)))
        baseline = y0 + pad + layout.cap(REPS_SIZE)
        put_text(scene, text, (x0 + (width - text_w) // 2, baseline), scale, WHITE, thickness)
        if feedback.side:
            side = f"{feedback.side} side"
            side_scale, side_thick = layout.font(LABEL_SIZE)
            side_w = text_width(side, side_scale, side_thick)
            put_text(scene, side, (x0 + (width - side_w) // 2, baseline + 2 * pad + layout.cap(LABEL_SIZE)),
                      side_scale, NEAR_LIMB, side_thick)
        return scene


class HoldTimerAnnotator:
    """A ring that fills towards the target hold, with "1.4 / 2.0 s", under the rep counter.

    Bright while holding, dim otherwise, green once the target hold is reached. Nothing is
    drawn for exercises without a hold.
    """

    def annotate(self, scene: np.ndarray, feedback: Feedback) -> np.ndarray:
        if not feedback.target_hold_s > 0:
            return scene
        layout = Layout.of(scene)
        pad, radius = layout.pad, layout.hold_ring_radius
        hold = feedback.hold_s if math.isfinite(feedback.hold_s) else 0.0
        holding = feedback.phase == HOLD
        colour = TARGET_GREEN if hold >= feedback.target_hold_s else WHITE if holding else DIM

        x1 = layout.width - layout.margin
        x0 = x1 - layout.right_column_width
        y0 = 2 * layout.margin + layout.reps_panel_height(bool(feedback.side))
        shade(scene, x0, y0, x1, y0 + 2 * (radius + pad), alpha=PANEL_ALPHA if holding else 0.3)

        centre = (x1 - pad - radius, y0 + pad + radius)
        ring = max(2, radius // 4 if holding else radius // 6)
        cv2.circle(scene, centre, radius, GAUGE_TRACK, ring, cv2.LINE_AA)
        if hold > 0:
            sweep = 360.0 * min(1.0, hold / feedback.target_hold_s)
            cv2.ellipse(scene, centre, (radius, radius), 0.0, -90.0, -90.0 + sweep, colour, ring, cv2.LINE_AA)

        text = f"{hold:.1f} / {feedback.target_hold_s:.1f} s"
        scale, thickness = layout.font(HOLD_SIZE)
        scale, thickness = fit_text(text, scale, thickness, layout.right_column_width - 3 * pad - 2 * radius)
        put_text(scene, text, (x0 + pad, centre[1] + round(CAP_HEIGHT * scale) // 2), scale, colour, thickness)
        return scene


class CueAnnotator:
    """One short cue in a dark banner across the bottom, scaled down to fit the frame width.

    With warnings on this frame the text is amber, or red for warnings that arch the low back;
    if the cue is empty the first warning's message is shown instead.
    """

    def annotate(self, scene: np.ndarray, feedback: Feedback) -> np.ndarray:
        warnings = feedback.warnings
        text = feedback.cue or (EVENT_MESSAGES.get(warnings[0], warnings[0]) if warnings else "")
        if not text:
            return scene
        if any(w in EXTENSION_WARNINGS for w in warnings):
            colour = LIMIT_RED
        else:
            colour = AMBER if warnings else WHITE
        layout = Layout.of(scene)
        scale, thickness = layout.font(CUE_SIZE)
        banner_h = 2 * layout.cap(CUE_SIZE)  # from the unshrunk size, so the banner never jumps
        y0 = layout.height - banner_h
        shade(scene, 0, y0, layout.width, layout.height, alpha=0.65)
        if warnings:
            cv2.rectangle(scene, (0, y0), (layout.width - 1, y0 + max(2, layout.thickness)), colour, -1)
        scale, thickness = fit_text(text, scale, thickness, layout.width - 2 * layout.margin)
        text_w = text_width(text, scale, thickness)
        baseline = y0 + (banner_h + round(CAP_HEIGHT * scale)) // 2
        put_text(scene, text, ((layout.width - text_w) // 2, baseline), scale, colour, thickness)
        return scene


class StatusAnnotator:
    """A small line at the top left: exercise, what is measured, fps."""

    def annotate(self, scene: np.ndarray, text: str) -> np.ndarray:
        if not text:
            return scene
        layout = Layout.of(scene)
        pad = layout.pad
        scale, thickness = layout.font(STATUS_SIZE)
        # Leave the top right to the rep counter.
        room = layout.width - layout.right_column_width - 3 * layout.margin - 2 * pad
        scale, thickness = fit_text(text, scale, thickness, room)
        x0, y0 = layout.margin, layout.margin
        shade(scene, x0, y0, x0 + text_width(text, scale, thickness) + 2 * pad,
               y0 + layout.cap(STATUS_SIZE) + 2 * pad)
        baseline = y0 + pad + (layout.cap(STATUS_SIZE) + round(CAP_HEIGHT * scale)) // 2
        put_text(scene, text, (x0 + pad, baseline), scale, WHITE, thickness)
        return scene


class OverlayRenderer:
    """Everything the live window and the output video show, in drawing order."""

    def __init__(self, min_visibility: float = 0.5) -> None:
        self.skeleton = SkeletonAnnotator(min_visibility)
        self.angle_arc = AngleArcAnnotator()
        self.gauge = GaugeAnnotator(min_visibility=min_visibility)
        self.rep_counter = RepCounterAnnotator()
        self.hold_timer = HoldTimerAnnotator()
        self.cue = CueAnnotator()
        self.status = StatusAnnotator()

    def render(self, scene: np.ndarray, keypoints: KeyPoints | None, angles: Angles | None,
               feedback: Feedback | None, status: str = "") -> np.ndarray:
        """Draw onto ``scene`` in place and return it. Body first, then the panels above it."""
        self.skeleton.annotate(scene, keypoints, angles.side if angles is not None else "")
        if feedback is not None:
            self.angle_arc.annotate(scene, keypoints, angles, feedback)
            self.gauge.annotate(scene, feedback, keypoints)
            self.rep_counter.annotate(scene, feedback)
            self.hold_timer.annotate(scene, feedback)
            self.cue.annotate(scene, feedback)
        self.status.annotate(scene, status)
        return scene
