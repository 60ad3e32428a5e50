"""The back's own bend (spinal flexion) apart from the hips, from the body's outline in a side view.

MediaPipe's segmentation mask gives the body's outline; the landmarks give the anchors. Geometry,
in the frame of the hip-mid -> shoulder-mid chord (length ``L``, the trunk inclination's line):

- ``back_outline`` samples the outline across the chord at ``OUTLINE_S`` (fractions of ``L`` from
  the hip, -0.2 .. 1.2): at each station the distance, in units of ``L``, from the chord to where
  the mask ends on either side (sub-pixel, where the mask crosses 0.5), scanning outwards from the
  chord through the body only (an arm or a leg apart from the trunk is never the edge). Both sides
  are kept, so the back can be chosen later from the body's front (``Angles.facing``); this small
  array is what a landmark recording stores instead of the mask.
- ``back_bend_deg`` takes the side away from the front (the back), keeps the lumbar-thoracic
  window ``WINDOW`` (0.15-0.75 of the chord: above the buttock bulge, which peaks at the hip
  joint's level and ends at the iliac crest, and below the shoulder blades and the top of the
  shoulder), fits a quadratic robustly (Tukey-weighted least squares) and returns the change of
  the fit's tangent angle from the window's lower end to its upper end: the bend of the back
  inside the window, + where the back is rounded (convex), - where it is hollow. That is the
  bend of an arc, not a factor: a rigid segment's outline turns with it by the same angle,
  whatever the soft tissue's thickness; bend below the window (the lowest lumbar levels) or above
  it (upper thorax) is missed, so it reads low where a body bends there.
- ``SpineTracker`` subtracts the person's own neutral: the median bend over their first half second
  at rest (the repetition machine's rest phase), as everyone's back has its own curves (a
  lordosis reads -25 to -60 deg here). A stooped rest is therefore taken as neutral.

Quality checks give None ("can't see your back") rather than a number: a mask that does not
cover the chord, an outline that does not reach both ends of the window, is missing at more than
a few stations, jumps (hair, a chair back, loose clothing: not smooth), or fits a quadratic badly;
a front view. ``hip_flexion_deg`` = trunk inclination - spine flexion: the degrees of the trunk's
inclination not made by the back's bend (the convention of the truth files' ``spine_share``).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

OUTLINE_S = np.round(np.linspace(-0.2, 1.2, 57), 4)  # stations along the chord, fractions of its length
SCAN_Q = np.arange(0.0, 0.9, 0.01)  # steps outwards from the chord, fractions of its length
WINDOW = (0.15, 0.75)  # the lumbar-thoracic window along the chord
FIT_DEGREE = 2  # a quadratic: one curvature over the window (see back_bend)
MIN_CHORD_PX = 30.0  # a trunk shorter than this in the image is too small to read an outline from
MIN_COVERED = 0.85  # fraction of the window's stations that must have an edge
MAX_STEP = 0.06  # |change of depth| between neighbouring stations (fraction of L): above this it jumps
MAX_RESIDUAL = 0.015  # RMS of the quadratic fit (fraction of L, ~1.4 px at L = 90 px)
DEPTH_RANGE = (0.04, 0.6)  # a back edge this far from the chord (fraction of L) is plausible
NEUTRAL_S = 0.5  # the neutral is the median over this long at rest (clips start with 1 s of it)
SMOOTH_S = 0.2  # running median of the bend over this long (a two-frame glitch does not show)

NO_BACK = "no_back"  # the outline failed a quality check: "can't see your back"
LEARNING = "learning"  # measurable, but the person's neutral is not known yet
OK = "ok"


def chord(hip_mid: np.ndarray, shoulder_mid: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(origin, unit axis hip->shoulder, length) or None when the chord is too short to use."""
    v = np.asarray(shoulder_mid, float) - np.asarray(hip_mid, float)
    length = float(np.hypot(*v))
    if not math.isfinite(length) or length < MIN_CHORD_PX:
        return None
    return np.asarray(hip_mid, float), v / length, length


def normal_of(axis: np.ndarray) -> np.ndarray:
    """The chord's normal, as ``kinematics`` uses it: cross(axis, normal) = +1 (x right, y down)."""
    return np.array([-axis[1], axis[0]])


def back_outline(mask: np.ndarray, hip_mid: np.ndarray, shoulder_mid: np.ndarray) -> np.ndarray | None:
    """(len(OUTLINE_S), 2) distances (fractions of the chord) from the chord to the mask's edge on the
    +normal side (column 0) and the -normal side (column 1); NaN where the station is outside the
    mask or the edge is not found (all NaN when the chord is too short to use). None without a mask.
    ``mask``: float in [0, 1] or uint8 in [0, 255], the image's size."""
    if mask is None:
        return None
    c = chord(hip_mid, shoulder_mid)
    if c is None:
        return np.full((len(OUTLINE_S), 2), np.nan)
    origin, axis, length = c
    m = np.asarray(mask)
    if m.ndim == 3:
        m = m[..., 0]
    # Sample the mask as it is (uint8 or float32) and scale only the samples: converting the
    # whole image would cost more than everything else here.
    if m.dtype != np.uint8 and m.dtype != np.float32:
        m = m.astype(np.float32)
    scale = 1.0 / 255.0 if m.dtype == np.uint8 else 1.0
    normal = normal_of(axis)
    base = origin[None] + OUTLINE_S[:, None] * length * axis[None]
    out = np.full((len(OUTLINE_S), 2), np.nan)
    for col, sign in enumerate((1.0, -1.0)):
        pts = base[:, None, :] + sign * SCAN_Q[None, :, None] * length * normal[None, None, :]
        vals = cv2.remap(m, pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0.0).astype(np.float32) * scale
        inside = vals >= 0.5
        first_out = np.argmin(inside, axis=1)  # first station step outside the body
        ok = inside[:, 0] & ~inside[np.arange(len(OUTLINE_S)), first_out]
        rows = np.flatnonzero(ok)
        j = first_out[rows]
        v0, v1 = vals[rows, j - 1], vals[rows, j]
        frac = np.where(v0 > v1, (v0 - 0.5) / np.maximum(v0 - v1, 1e-6), 0.0)
        out[rows, col] = SCAN_Q[j - 1] + frac * (SCAN_Q[1] - SCAN_Q[0])
    return out


def keep_outline(kp) -> None:
    """Replace a pose's segmentation mask (``KeyPoints.mask``) by its outline across the trunk
    (``back_outline``, anchored on the raw landmarks as the pipeline anchors it): the small array a
    recording stores and a worker process sends back, never the mask itself."""
    if kp.mask is None:
        return
    if kp.outline is None:
        kp.outline = back_outline(kp.mask, kp.mid("left_hip", "right_hip"), kp.mid("left_shoulder", "right_shoulder"))
    kp.mask = None


def back_side_column(facing: int) -> int:
    """Which column of ``back_outline`` is the back: the side away from the front (``facing * normal``)."""
    return 1 if facing > 0 else 0


@dataclass(frozen=True)
class BackFit:
    """The back's outline in the lumbar-thoracic window and the quadratic fitted to it."""

    s: np.ndarray  # stations used (fractions of the chord)
    depth: np.ndarray  # distance of the back edge from the chord at those stations (fractions)
    coef: np.ndarray  # quadratic depth(s), highest power first
    bend_deg: float  # tangent change from the window's lower to its upper end, + = rounded


def _robust_quadratic(x: np.ndarray, y: np.ndarray, iterations: int = 4, degree: int = 2) -> tuple[np.ndarray, float]:
    """Tukey-biweight reweighted least squares; (coefficients, RMS residual of the inliers).

    Each fit solves the small normal equations directly (``np.polyfit``'s SVD cost more per frame);
    a few dozen stations over 0..1.2 keep them well conditioned."""
    powers = np.vander(x, degree + 1)  # highest power first, as np.polyval reads the coefficients
    w = np.ones_like(y)  # the first fit is the plain least-squares one
    coef = None
    for _ in range(max(1, iterations)):
        weighted = powers * w[:, None]
        try:
            coef = np.linalg.solve(weighted.T @ powers, weighted.T @ y)
        except np.linalg.LinAlgError:  # the stations (or the inliers left) do not determine a curve
            if coef is None:
                return np.zeros(degree + 1), float("inf")
            break  # keep the last fit and its weights
        r = y - powers @ coef
        scale = max(1.4826 * float(np.median(np.abs(r))), 0.003)
        u = r / (4.685 * scale)
        w = np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)
        if w.sum() < 5:
            break
    inl = w > 0
    return coef, float(np.sqrt(np.mean(r[inl] ** 2))) if inl.any() else float("inf")


def back_bend(outline: np.ndarray | None, facing: int, window: tuple[float, float] = WINDOW) -> BackFit | None:
    """The back's bend in the window, or None when the outline fails a quality check."""
    if outline is None or facing == 0:
        return None
    outline = np.asarray(outline, dtype=float)
    if outline.shape != (len(OUTLINE_S), 2):
        return None
    depth = outline[:, back_side_column(facing)]
    sel = (OUTLINE_S >= window[0] - 1e-9) & (OUTLINE_S <= window[1] + 1e-9)
    s, d = OUTLINE_S[sel], depth[sel]
    ok = np.isfinite(d)
    if ok.mean() < MIN_COVERED or not (ok[:2].any() and ok[-2:].any()):  # must reach both ends
        return None
    s, d = s[ok], d[ok]
    if d.min() < DEPTH_RANGE[0] or d.max() > DEPTH_RANGE[1]:
        return None
    if np.abs(np.diff(d)).max() > MAX_STEP:  # a jump: not the smooth outline of a back
        return None
    coef, rms = _robust_quadratic(s, d, degree=FIT_DEGREE)
    if rms > MAX_RESIDUAL:
        return None
    slope = np.polyder(coef)
    lo, hi = window
    bend = math.degrees(math.atan(np.polyval(slope, lo)) - math.atan(np.polyval(slope, hi)))
    return BackFit(s=s, depth=d, coef=coef, bend_deg=bend)


def outline_points(fit: BackFit, hip_mid: np.ndarray, shoulder_mid: np.ndarray, facing: int,
                   n: int = 16) -> np.ndarray | None:
    """The fitted back curve in image pixels, (n, 2), for drawing on the outline."""
    c = chord(hip_mid, shoulder_mid)
    if c is None:
        return None
    origin, axis, length = c
    back = normal_of(axis) * (1.0 if back_side_column(facing) == 0 else -1.0)
    s = np.linspace(fit.s[0], fit.s[-1], n)
    d = np.polyval(fit.coef, s)
    return origin[None] + length * (s[:, None] * axis[None] + d[:, None] * back[None])


@dataclass
class SpineReading:
    spine_flexion_deg: float = float("nan")  # the back's bend relative to the person's neutral, + = flexion
    hip_flexion_deg: float = float("nan")  # trunk inclination - spine flexion
    status: str = ""  # "" not measured (no outline asked for), OK, LEARNING, NO_BACK
    fit: BackFit | None = None


class SpineTracker:
    """Per frame: the bend from the outline, the person's neutral learned at rest, a short median."""

    def __init__(self, neutral_s: float = NEUTRAL_S, smooth_s: float = SMOOTH_S) -> None:
        self.neutral_s = neutral_s
        self.smooth_s = smooth_s
        self.reset()

    def reset(self) -> None:
        self.neutral: float | None = None
        self._rest: list[tuple[float, float]] = []
        self._recent: deque[tuple[float, float]] = deque()

    def update(self, t_s: float, outline: np.ndarray | None, facing: int, trunk_deg: float, view: str,
               at_rest: bool) -> SpineReading:
        if outline is None:
            self._recent.clear()
            return SpineReading()
        fit = back_bend(outline, facing) if view != "front" else None
        if fit is None or not math.isfinite(trunk_deg):
            self._recent.clear()
            return SpineReading(status=NO_BACK)
        if self.neutral is None:
            if at_rest:
                self._rest.append((t_s, fit.bend_deg))
                if self._rest[-1][0] - self._rest[0][0] >= self.neutral_s and len(self._rest) >= 3:
                    self.neutral = float(np.median([b for _, b in self._rest]))
            else:
                self._rest.clear()  # the neutral is learned from one still stretch of rest
            if self.neutral is None:
                return SpineReading(status=LEARNING, fit=fit)
        self._recent.append((t_s, fit.bend_deg))
        while self._recent and t_s - self._recent[0][0] > self.smooth_s:
            self._recent.popleft()
        spine = float(np.median([b for _, b in self._recent])) - self.neutral
        return SpineReading(spine, trunk_deg - spine, OK, fit)
