"""Camera set-up check: is the room light enough, the whole body in view, the view right?

Pure logic on one pose (``KeyPoints``), the ``Angles`` computed from it and the frame's mean
brightness; the session asks until it has been fine for a moment. The first problem found is
the one said, in the order a person would fix them: light, being in view, feet, head, posture
(standing or lying, from the exercise's ``position``), turning, then a starting position the
exercise accepts as rest (a stooped stance within its ``rest_limit_deg`` is fine).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.exercise_analyzer import rest_outside_message
from formcheck.analysis.kinematics import Angles
from formcheck.core.keypoints import KeyPoints
from formcheck.definitions.exercises import Exercise

MIN_BRIGHTNESS = 45.0  # mean 0-255 luma; below this the model's landmarks get unreliable
MIN_VISIBILITY = 0.5  # as analyzers.exercise.MIN_VISIBILITY: what the analyzer will measure
EDGE_FRACTION = 0.01  # a landmark this close to the frame edge is probably cut off
UPRIGHT_MAX_DEG = 45.0  # trunk within this of vertical: standing (or sitting), not lying

BODY_JOINTS = ("shoulder", "hip", "knee")
FEET = ("ankle", "heel", "foot_index")


@dataclass(frozen=True)
class FramingResult:
    ok: bool
    message: str  # what to do, or "" when ok
    code: str  # short id for the log: ok, dark, no_person, feet, head, body, posture, turn


def frame_brightness(image: np.ndarray) -> float:
    """Mean brightness of a BGR frame (sampled sparsely: it runs on every displayed frame)."""
    return float(image[::8, ::8].mean())


def _visible(kp: KeyPoints, name: str, size: tuple[int, int]) -> bool:
    w, h = size
    x, y = kp.point(name)
    mx, my = EDGE_FRACTION * w, EDGE_FRACTION * h
    return kp.vis(name) >= MIN_VISIBILITY and mx <= x <= w - mx and my <= y <= h - my


def check_framing(exercise: Exercise, keypoints: KeyPoints | None, angles: Angles, brightness: float,
                  image_size: tuple[int, int]) -> FramingResult:
    """``image_size`` is (width, height) of the frame the pose came from."""
    if brightness < MIN_BRIGHTNESS:
        return FramingResult(False, "More light, please", "dark")
    if keypoints is None or not angles.detected:
        return FramingResult(False, "Step into view: I can't see you", "no_person")
    side = angles.side or "left"

    def seen(part: str) -> bool:
        # Either side will do for the feet and head: the near side is decided from the trunk.
        return any(_visible(keypoints, f"{s}_{part}", image_size) for s in ("left", "right"))

    if not all(seen(part) for part in FEET[:1]) or not any(seen(part) for part in FEET[1:]):
        return FramingResult(False, "Step back: I can't see your feet", "feet")
    if not (_visible(keypoints, "nose", image_size) or seen("ear")):
        return FramingResult(False, "Step back: I can't see your head", "head")
    if not all(_visible(keypoints, f"{side}_{j}", image_size) for j in BODY_JOINTS):
        return FramingResult(False, "Move so I can see your whole side", "body")
    upright = abs(angles.trunk_inclination_deg) < UPRIGHT_MAX_DEG
    if exercise.position.startswith("lying") and upright:
        return FramingResult(False, "Lie down on your back, side-on to the camera", "posture")
    if exercise.position.startswith("standing") and not upright:
        return FramingResult(False, "Stand up straight to start", "posture")
    if exercise.view == "side" and angles.view != "side":
        return FramingResult(False, "Turn sideways to the camera", "turn")
    if exercise.view == "front" and angles.view != "front":
        return FramingResult(False, "Face the camera", "turn")
    if exercise.measures:  # the rest the counter will learn must be one the exercise allows
        lo, hi = exercise.rest_range
        for key in exercise.sides or (None,):
            value = getattr(angles, exercise.signal_for(key))
            if np.isfinite(value) and not lo <= value <= hi:
                return FramingResult(False, rest_outside_message(exercise, value), "rest")
    return FramingResult(True, "", "ok")
