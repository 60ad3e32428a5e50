"""Annotators: small classes that each draw one thing of the overlay onto a BGR frame.

In the style of roboflow/supervision, every annotator has ``annotate(scene, ...) -> scene``: it
draws in place on a BGR uint8 image and returns that same array. No analysis and no I/O happen
here; the values come ready-made from ``KeyPoints``, ``Angles`` and ``Feedback``. The primitives
they draw with (colours, ``Layout``, text, panels) are in ``drawing``; ``overlay`` composes them
into what the window and the annotated video show.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.analysis.kinematics import SIDES, Angles
from formcheck.core.events import EVENT_MESSAGES, HIP_SAG, HOLD, OVER_ARCH, Feedback
from formcheck.core.keypoints import KeyPoints
from formcheck.i18n import t
from formcheck.ui.drawing import (
    AMBER,
    ARC,
    ARC_SIZE,
    CAP_HEIGHT,
    CUE_SIZE,
    DIM,
    FAR_LIMB,
    GAUGE_TRACK,
    HOLD_SIZE,
    LABEL_SIZE,
    LIMIT_RED,
    NEAR_LIMB,
    PANEL_ALPHA,
    REPS_SIZE,
    SKELETON_JOINTS,
    SKELETON_LINES,
    STATUS_SIZE,
    TARGET_GREEN,
    WHITE,
    Layout,
    arc_label_centre,
    arc_span,
    degrees_width,
    fit_text,
    put_degrees,
    put_text,
    shade,
    text_width,
)

# Warnings that push the low back into extension, which narrows the spinal canal in lumbar
# stenosis: these are red, every other warning is amber.
EXTENSION_WARNINGS = frozenset({OVER_ARCH, HIP_SAG})


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


# Joint angles drawn as an arc: signal field -> (joint, side); side "" is the near side.
_JOINT_ANGLES = {
    "hip_angle_deg": ("hip", ""), "hip_angle_left_deg": ("hip", "left"), "hip_angle_right_deg": ("hip", "right"),
    "knee_angle_deg": ("knee", ""), "knee_angle_left_deg": ("knee", "left"), "knee_angle_right_deg": ("knee", "right"),
}
_JOINT_RAYS = {"hip": ("shoulder", "hip", "knee"), "knee": ("hip", "knee", "ankle")}  # first, vertex, second


@dataclass(frozen=True)
class AngleGeometry:
    """Where a measured angle lives in the image: the rays vertex->first and vertex->second."""

    vertex: np.ndarray
    first: np.ndarray  # a point on the reference ray (image-up for the trunk)
    second: np.ndarray
    value_deg: float


def angle_geometry(keypoints: KeyPoints | None, angles: Angles | None,
                   signal_field: str | None) -> AngleGeometry | None:
    """The vertex and rays of the angle in the ``Angles`` field ``signal_field``; None if it cannot be drawn.

    Chosen by the field, never by the exercise's label: "trunk_inclination_deg" is drawn at
    hip-mid, from image-up to the hip-mid -> shoulder-mid line; "hip_angle_..." at the hip,
    shoulder to knee; "knee_angle_..." at the knee, hip to ankle. A field with its side filled
    in ("hip_angle_right_deg", the moving leg of an alternating exercise) is drawn on that side,
    the near-side field ("hip_angle_deg") on the near side. Any other field has no arc.
    """
    if keypoints is None or angles is None or signal_field is None:
        return None
    if signal_field == "trunk_inclination_deg":
        vertex = (keypoints.point("left_hip") + keypoints.point("right_hip")) / 2.0
        second = (keypoints.point("left_shoulder") + keypoints.point("right_shoulder")) / 2.0
        first = vertex + (0.0, -float(np.linalg.norm(second - vertex)))
        value = angles.trunk_inclination_deg
    else:
        if signal_field not in _JOINT_ANGLES:
            return None
        joint, side = _JOINT_ANGLES[signal_field]
        side = side or angles.side
        if side not in SIDES:
            return None
        first, vertex, second = (keypoints.point(f"{side}_{j}") for j in _JOINT_RAYS[joint])
        value = getattr(angles, f"{joint}_angle_{side}_deg")
    points = np.array([first, vertex, second])
    if not (math.isfinite(value) and np.isfinite(points).all()):
        return None
    if min(np.linalg.norm(first - vertex), np.linalg.norm(second - vertex)) < 1.0:
        return None  # a ray of zero length has no direction
    return AngleGeometry(vertex=vertex, first=first, second=second, value_deg=float(value))


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
        geometry = angle_geometry(keypoints, angles, feedback.signal_field)
        if geometry is None:
            return scene
        layout = Layout.of(scene)
        rays = (geometry.first - geometry.vertex, geometry.second - geometry.vertex)
        lengths = [float(np.linalg.norm(r)) for r in rays]
        # Stay inside the limbs so a short shin does not get an arc bigger than itself.
        radius = max(6, round(min(layout.unit * 0.07, 0.6 * min(lengths))))
        centre = tuple(int(c) for c in np.rint(geometry.vertex))
        for ray, length in zip(rays, lengths, strict=True):
            tip = geometry.vertex + ray * (1.5 * radius / length)
            cv2.line(scene, centre, tuple(int(c) for c in np.rint(tip)), self.colour,
                     layout.thickness, cv2.LINE_AA)
        start, end = arc_span(*(math.degrees(math.atan2(r[1], r[0])) for r in rays), geometry.value_deg)
        cv2.ellipse(scene, centre, (radius, radius), 0.0, start, end, self.colour,
                    layout.thickness + 1, cv2.LINE_AA)

        scale, thickness = layout.font(ARC_SIZE)
        text_w = degrees_width(geometry.value_deg, scale, thickness)
        text_h = layout.cap(ARC_SIZE)
        centre_x, centre_y = arc_label_centre(geometry.vertex, rays[1], start, end, radius,
                                              (text_w / 2, text_h / 2), layout.pad)
        org = (round(centre_x - text_w / 2), round(centre_y + text_h / 2))
        put_degrees(scene, geometry.value_deg, org, scale, self.colour, thickness, outline=True)
        return scene


BACK_CURVE = (255, 120, 255)  # pink: the back's outline as measured
NO_BACK_TEXT = "can't see your back"


def spine_text(angles: Angles | None) -> str:
    """"back 25 deg + hips 35 deg", "can't see your back", or "" where the back is not measured
    (an exercise without it, or the person's neutral still being learned)."""
    if angles is None or not angles.spine_status:
        return ""
    if angles.spine_status == "no_back":
        return NO_BACK_TEXT
    if math.isfinite(angles.spine_flexion_deg) and math.isfinite(angles.hip_flexion_deg):
        return f"back {angles.spine_flexion_deg:.0f} deg + hips {angles.hip_flexion_deg:.0f} deg"
    return ""


class BackCurveAnnotator:
    """The back's fitted outline drawn on the body, with the split of the trunk's bend beside it
    ("back 25 deg + hips 35 deg") or "can't see your back"; nothing for exercises that do not measure it."""

    def __init__(self, colour: tuple[int, int, int] = BACK_CURVE) -> None:
        self.colour = colour

    def annotate(self, scene: np.ndarray, keypoints: KeyPoints | None, angles: Angles | None) -> np.ndarray:
        text = spine_text(angles)
        if not text:
            return scene
        layout = Layout.of(scene)
        curve = np.asarray(angles.back_curve, dtype=float) if angles.back_curve else None
        if curve is not None and np.isfinite(curve).all() and len(curve) > 1:
            cv2.polylines(scene, [np.rint(curve).astype(np.int32).reshape(-1, 1, 2)], False, self.colour,
                          layout.thickness + 1, cv2.LINE_AA)
            anchor = curve.min(axis=0)
        elif keypoints is not None and np.isfinite(keypoints.xy).all():
            anchor = (keypoints.point("left_shoulder") + keypoints.point("right_shoulder")) / 2.0
        else:
            anchor = np.array([layout.margin, layout.height / 2])
        scale, thickness = layout.font(LABEL_SIZE)
        width = text_width(text, scale, thickness)
        x = int(min(max(anchor[0], layout.margin), layout.width - layout.margin - width))
        # above the back's curve, clear of the trunk angle's own label beside the hip
        y = int(min(max(anchor[1] - 3 * layout.cap(LABEL_SIZE), layout.cap(LABEL_SIZE) + layout.margin),
                    layout.height - layout.margin))
        put_text(scene, text, (x, y), scale, self.colour, thickness, outline=True)
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
            side = {"left": t("left side"), "right": t("right side")}.get(feedback.side, feedback.side)
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
