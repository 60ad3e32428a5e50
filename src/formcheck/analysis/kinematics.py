"""Angles from landmarks, computed once per frame.

What a 2-D side view can measure honestly (see README, "What is measured"):
- trunk inclination: the hip-mid -> shoulder-mid line against image vertical, signed
  (+ forward flexion, - backward extension) whichever way the person faces. It includes hip
  flexion; lumbar flexion on its own is not visible to landmarks.
- hip angle: shoulder-hip-knee, 180 = straight, > 180 = hips past the shoulder-knee line.
- knee angle: hip-knee-ankle, 180 = straight.

"Front" is decided from the face (nose ahead of the ears) and the feet (toes ahead of the
heels), measured across the trunk axis so it holds standing, bent over or lying down, and it is
smoothed over time so one bad frame cannot flip the sign.

"Left" and "right" are the body's own sides, not the model's labels: in a side view the near
side follows from the front and the trunk axis, and each limb is named near or far from its
depth and continuity (``sides``), so a per-side angle belongs to the limb it names whichever
side the camera is on.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from formcheck.analysis.sides import LimbNamer, near_side, swap_permutation
from formcheck.core.keypoints import INDEX, KeyPoints

SIDES = ("left", "right")


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Unsigned angle ABC at vertex B, in degrees (0..180)."""
    u, v = np.asarray(a) - b, np.asarray(c) - b
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu < 1e-9 or nv < 1e-9:
        return float("nan")
    cos = float(np.dot(u, v) / (nu * nv))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def signed_joint_angle_deg(proximal: np.ndarray, joint: np.ndarray, distal: np.ndarray, facing: int) -> float:
    """Joint angle 0..360 measured through the front: 180 straight, < 180 flexed, > 180 extended.

    ``facing`` is +1 when cross(trunk axis, front) > 0 in image coordinates (x right, y down),
    e.g. a standing person facing image-right; -1 otherwise.
    """
    u = np.asarray(proximal, dtype=float) - joint  # towards the shoulder
    v = np.asarray(distal, dtype=float) - joint  # towards the knee
    theta = math.degrees(math.atan2(v[0] * u[1] - v[1] * u[0], float(np.dot(v, u))))
    return (-facing * theta) % 360.0


def inclination_from_vertical_deg(lower: np.ndarray, upper: np.ndarray, facing: int) -> float:
    """Angle of lower->upper from image-up, + towards the front (-180..180)."""
    d = np.asarray(upper, dtype=float) - lower
    return facing * math.degrees(math.atan2(d[0], -d[1]))


@dataclass
class Angles:
    """Everything measured in one frame. NaN where the person was not detected."""

    detected: bool = False
    side: str = ""  # the body side nearer the camera, used for per-side angles
    facing: int = 0  # +1/-1, see signed_joint_angle_deg; 0 unknown
    view: str = ""  # "side", "front" or "" (unknown)
    trunk_inclination_deg: float = float("nan")
    hip_angle_deg: float = float("nan")  # near side, signed (>180 = past straight)
    knee_angle_deg: float = float("nan")  # near side
    hip_angle_left_deg: float = float("nan")
    hip_angle_right_deg: float = float("nan")
    knee_angle_left_deg: float = float("nan")
    knee_angle_right_deg: float = float("nan")
    # Per side, for exercises that move one limb (angles above the horizontal, + = up in the image)
    arm_elevation_left_deg: float = float("nan")  # shoulder -> wrist
    arm_elevation_right_deg: float = float("nan")
    thigh_elevation_left_deg: float = float("nan")  # hip -> knee
    thigh_elevation_right_deg: float = float("nan")
    ankle_angle_left_deg: float = float("nan")  # knee-ankle-toe, 90-ish = foot at right angle
    ankle_angle_right_deg: float = float("nan")
    ankle_angle_deg: float = float("nan")  # near side (ankle pumps)
    # hip -> ankle: how high the foot is lifted; unlike the thigh it stays low when the knee bends
    # with the foot on the floor (straight leg raise beside a bent support leg)
    leg_elevation_left_deg: float = float("nan")
    leg_elevation_right_deg: float = float("nan")
    elbow_angle_left_deg: float = float("nan")
    elbow_angle_right_deg: float = float("nan")
    # Whole-body lines (near side)
    body_line_deg: float = float("nan")  # shoulder-hip-ankle, signed like the hip angle
    body_line_knee_deg: float = float("nan")  # shoulder-hip-knee (kneeling plank)
    hip_sag_deg: float = float("nan")  # 180 - body_line_deg's flexion: + hips sag below the line
    head_pitch_deg: float = float("nan")  # shoulder->ear against the trunk axis, + = head lifted back
    # Front view: how far each foot is lifted above the other, in leg lengths
    foot_lift_left: float = float("nan")
    foot_lift_right: float = float("nan")
    foot_lift_left_pct: float = float("nan")  # the same in percent of leg length (degree-like scale)
    foot_lift_right_pct: float = float("nan")
    # Bird dog (side view): the higher of one arm and the opposite thigh above the horizontal, so
    # "left" = left arm with right leg; either limb alone still shows the rep if the other is hidden
    diagonal_lift_left_deg: float = float("nan")
    diagonal_lift_right_deg: float = float("nan")
    # The back's own bend apart from the hips (side view, from the body's outline: analysis.spine),
    # for exercises that measure it; NaN where not measured or not measurable
    spine_flexion_deg: float = float("nan")  # relative to the person's neutral at rest, + = flexion
    hip_flexion_deg: float = float("nan")  # trunk inclination - spine flexion
    spine_status: str = ""  # "" not measured, "ok", "learning" (neutral not known yet), "no_back" (can't see it)
    back_curve: tuple | None = None  # the fitted back curve in pixels ((x, y), ...), for drawing
    visibility: float = 0.0  # lowest visibility of the near side's shoulder, hip and knee
    width_ratio: float = float("nan")  # shoulder width / trunk length: small in a side view

    def as_dict(self) -> dict:
        return asdict(self)


def _elevation_deg(start: np.ndarray, end: np.ndarray) -> float:
    """Angle of start->end above the image horizontal (either way along x), + = upwards."""
    d = np.asarray(end, dtype=float) - start
    if not np.any(d):
        return float("nan")
    return math.degrees(math.atan2(-d[1], abs(d[0])))


def _signed_between_deg(a: np.ndarray, b: np.ndarray, facing: int) -> float:
    """Angle from direction a to direction b, + when b is rotated towards the body's front."""
    theta = math.degrees(math.atan2(a[0] * b[1] - a[1] * b[0], float(np.dot(a, b))))
    return facing * theta


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else np.zeros(2)


class KinematicsTracker:
    """Per-frame angles with the slowly changing choices (side, facing) smoothed over time.

    In a side view (or an oblique one) whose front is clear, ``update`` names the limbs of the
    ``KeyPoints`` it is given by the body's geometry (``sides.LimbNamer``), exchanging the
    model's left and right rows of a limb group in place where they disagree, so the skeleton
    drawn from them matches the angles measured. ``renamed`` lists the groups exchanged in the
    last frame.
    """

    SIDE_VIEW_MAX_RATIO = 0.45  # shoulder width below this fraction of trunk length: side view
    FRONT_VIEW_MIN_RATIO = 0.6
    FACING_CONFIDENT = 0.2  # |facing vote| from which the near side is taken from the geometry

    def __init__(self, memory: float = 0.85) -> None:
        self.memory = memory  # weight of the past in the facing / side votes (per frame)
        self.namer = LimbNamer()
        self.reset()

    def reset(self) -> None:
        self._facing_vote = 0.0
        self._side_vote = 0.0
        self.namer.reset()
        self.renamed: set[str] = set()

    def _facing_evidence(self, kp: KeyPoints, normal: np.ndarray) -> float:
        ears = [kp.point(e) for e in ("left_ear", "right_ear") if kp.vis(e) > 0.3] or [
            kp.mid("left_ear", "right_ear")]
        face = _unit(kp.point("nose") - np.mean(ears, axis=0))
        evidence = float(np.dot(face, normal)) * kp.vis("nose")
        for s in SIDES:
            toe = _unit(kp.point(f"{s}_foot_index") - kp.point(f"{s}_heel"))
            w = min(kp.vis(f"{s}_foot_index"), kp.vis(f"{s}_heel"))
            evidence += 0.5 * float(np.dot(toe, normal)) * w
        return evidence

    def _name_limbs(self, kp: KeyPoints, near: str, trunk_len: float) -> None:
        """Exchange the model's left/right rows, in place, for the limb groups it misnamed."""
        self.renamed = self.namer.update(kp, near, trunk_len)
        if self.renamed:
            perm = swap_permutation(self.renamed)
            kp.xy, kp.visibility, kp.z = kp.xy[perm], kp.visibility[perm], kp.z[perm]

    def update(self, kp: KeyPoints | None) -> Angles:
        if kp is None:
            self.namer.reset()
            self.renamed = set()
            return Angles()
        shoulder_mid = kp.mid("left_shoulder", "right_shoulder")
        hip_mid = kp.mid("left_hip", "right_hip")
        axis = _unit(shoulder_mid - hip_mid)
        normal = np.array([-axis[1], axis[0]])  # cross(axis, normal) = +1

        m = self.memory
        self._facing_vote = m * self._facing_vote + (1 - m) * self._facing_evidence(kp, normal)
        facing = 1 if self._facing_vote >= 0 else -1
        trunk_len = float(np.linalg.norm(shoulder_mid - hip_mid))
        width_ratio = (float(np.linalg.norm(kp.point("left_shoulder") - kp.point("right_shoulder"))) / trunk_len
                       if trunk_len > 1e-6 else float("nan"))
        geometric = abs(self._facing_vote) >= self.FACING_CONFIDENT and not width_ratio > self.FRONT_VIEW_MIN_RATIO
        near = near_side(axis, facing * normal)  # the same as facing > 0 -> "right"
        if geometric:
            self._name_limbs(kp, near, trunk_len)
        else:  # a front view, or no clear front yet: the model's labels as they are
            self.namer.reset()
            self.renamed = set()

        def side_score(s: str) -> float:
            names = [f"{s}_{j}" for j in ("shoulder", "hip", "knee", "ankle")]
            vis = sum(kp.vis(n) for n in names)
            depth = float(np.mean([kp.z[INDEX[n]] for n in names]))  # smaller z = nearer
            return vis - depth / max(trunk_len, 1.0)

        self._side_vote = m * self._side_vote + (1 - m) * (side_score("left") - side_score("right"))
        side = near if geometric else ("left" if self._side_vote >= 0 else "right")

        out = Angles(detected=True, side=side, facing=facing)
        out.trunk_inclination_deg = inclination_from_vertical_deg(hip_mid, shoulder_mid, facing)
        for s in SIDES:
            sh, hip, knee, ankle = (kp.point(f"{s}_{j}") for j in ("shoulder", "hip", "knee", "ankle"))
            setattr(out, f"hip_angle_{s}_deg", signed_joint_angle_deg(sh, hip, knee, facing))
            setattr(out, f"knee_angle_{s}_deg", angle_deg(hip, knee, ankle))
            elbow, wrist, toe = (kp.point(f"{s}_{j}") for j in ("elbow", "wrist", "foot_index"))
            setattr(out, f"arm_elevation_{s}_deg", _elevation_deg(sh, wrist))
            setattr(out, f"thigh_elevation_{s}_deg", _elevation_deg(hip, knee))
            setattr(out, f"ankle_angle_{s}_deg", angle_deg(knee, ankle, toe))
            setattr(out, f"leg_elevation_{s}_deg", _elevation_deg(hip, ankle))
            setattr(out, f"elbow_angle_{s}_deg", angle_deg(sh, elbow, wrist))
        out.hip_angle_deg = getattr(out, f"hip_angle_{side}_deg")
        sh, hip, knee, ankle = (kp.point(f"{side}_{j}") for j in ("shoulder", "hip", "knee", "ankle"))
        out.body_line_deg = signed_joint_angle_deg(sh, hip, ankle, facing)
        out.body_line_knee_deg = signed_joint_angle_deg(sh, hip, knee, facing)
        out.hip_sag_deg = out.body_line_deg - 180.0
        ear = kp.point(f"{side}_ear")
        out.head_pitch_deg = -_signed_between_deg(shoulder_mid - hip_mid, ear - sh, facing)
        leg = np.linalg.norm(kp.point("left_hip") - kp.point("left_ankle")) + np.linalg.norm(
            kp.point("right_hip") - kp.point("right_ankle"))
        if leg > 1e-6:
            lift = (kp.point("left_ankle")[1] - kp.point("right_ankle")[1]) / (leg / 2)
            out.foot_lift_right, out.foot_lift_left = lift, -lift
            out.foot_lift_right_pct, out.foot_lift_left_pct = 100.0 * lift, -100.0 * lift
        for s, other in (("left", "right"), ("right", "left")):
            pair = [v for v in (getattr(out, f"arm_elevation_{s}_deg"), getattr(out, f"thigh_elevation_{other}_deg"))
                    if not math.isnan(v)]
            if pair:
                setattr(out, f"diagonal_lift_{s}_deg", max(pair))
        out.knee_angle_deg = getattr(out, f"knee_angle_{side}_deg")
        out.ankle_angle_deg = getattr(out, f"ankle_angle_{side}_deg")
        out.visibility = min(kp.vis(f"{side}_{j}") for j in ("shoulder", "hip", "knee"))
        if trunk_len > 1e-6:
            out.width_ratio = width_ratio
            if out.width_ratio < self.SIDE_VIEW_MAX_RATIO:
                out.view = "side"
            elif out.width_ratio > self.FRONT_VIEW_MIN_RATIO:
                out.view = "front"
        return out

