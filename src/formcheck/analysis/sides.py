"""Which side is which: the body's left and right from its geometry, and which side moved.

MediaPipe names every limb "left" or "right", but a single side view is ambiguous and its labels
can swap (the near leg called the far one, or a label jumping between the legs for a few frames).
Sided exercises keep one counter per side, so a wrong name counts a rep on the wrong side, or
twice. formcheck therefore names the limbs from the body, and lets only the limb that moved
start a repetition:

1. **The near side** (``near_side``). With image x to the right, y up and z towards the camera,
   the body's right points along front x head (3-D cross product), where head is the hips ->
   shoulders direction and front the belly side. Both lie in the image plane in a side view, so
   the camera sees the body's right side exactly when (front x head).z > 0. The front comes from
   the face and the feet (``KinematicsTracker``), never from left/right labels, so this holds
   standing, lying on the back, on all fours and seated, with the camera on either side.
2. **Near and far limb** (``LimbNamer``). In each limb group (head, arm from the shoulder to the
   hand, leg from the hip to the foot) the limb nearer the camera has the smaller depth z and
   usually the better visibility; it gets the near side's name and the other limb the far
   side's, whatever the model called them. Continuity keeps a limb's name while the two limbs
   are apart: a label that jumps from one leg to the other between two frames is undone by
   following the positions, and depth decides again whenever the limbs are close together.
   Front views are left as the model labels them (near and far mean nothing there).
3. **Which side moved** (``SideGate``). The limb doing the repetition makes the large movement;
   the other limb's small sympathetic motion or noise is not a repetition of that side. A side
   may start a repetition only while its excursion from its own rest is clearly the largest
   (when both move alike, the larger once it is well out, so the movement counts once), and a
   side still off rest, and not moving further out, when the other side's repetition ends must
   come back to rest before it can start one: the other leg settling late after a knee-to-chest
   is not a repetition of its own.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from formcheck.core.keypoints import INDEX, N_LANDMARKS, KeyPoints

# Limb groups: the pairs renamed together, and the joints whose depth and position decide it.
GROUPS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "head": ((("left_eye_inner", "right_eye_inner"), ("left_eye", "right_eye"),
              ("left_eye_outer", "right_eye_outer"), ("left_ear", "right_ear"), ("mouth_left", "mouth_right")),
             ("eye", "ear")),
    "arm": (tuple((f"left_{j}", f"right_{j}") for j in ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")),
            ("shoulder", "elbow", "wrist")),
    "leg": (tuple((f"left_{j}", f"right_{j}") for j in ("hip", "knee", "ankle", "heel", "foot_index")),
            ("hip", "knee", "ankle", "heel", "foot_index")),
}


def near_side(head: np.ndarray, front: np.ndarray) -> str:
    """The body side facing the camera, from image-pixel directions (x right, y *down*).

    ``head``: hips -> shoulders; ``front``: towards the belly. In y-up coordinates the body's
    right is front x head, whose z (towards the camera) is ``front[1]*head[0] - front[0]*head[1]``
    once both y components are negated.
    """
    z = float(front[1] * head[0] - front[0] * head[1])
    return "right" if z > 0 else "left"


def swap_permutation(groups) -> np.ndarray:
    """Landmark index permutation exchanging left and right in the given limb groups."""
    perm = np.arange(N_LANDMARKS)
    for g in groups:
        for left, right in GROUPS[g][0]:
            perm[INDEX[left]], perm[INDEX[right]] = INDEX[right], INDEX[left]
    return perm


def swapped(kp: KeyPoints, groups=tuple(GROUPS)) -> KeyPoints:
    """A copy of ``kp`` with left and right exchanged in ``groups`` (every group by default)."""
    perm = swap_permutation(groups)
    return KeyPoints(xy=kp.xy[perm], visibility=kp.visibility[perm], z=kp.z[perm])


class LimbNamer:
    """Names each limb group's two limbs near / far from depth and continuity (see module doc).

    ``update`` returns the groups whose model labels are to be exchanged in this frame.
    """

    DEPTH_SCALE = 0.3  # depth difference (in trunk lengths) that counts as clearly nearer
    VISIBILITY_WEIGHT = 0.5
    CONTINUITY_WEIGHT = 1.0  # per trunk length of mean joint travel

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._prev: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def depth_evidence(self, kp: KeyPoints, group: str, trunk_len: float) -> float:
        """> 0 when the model's "left" limb of ``group`` is the nearer one, < 0 for "right"."""
        left, right = _ROWS[group]
        dz = (kp.z[right] - kp.z[left]) / max(trunk_len, 1.0)
        depth = float(np.tanh(dz / self.DEPTH_SCALE).mean())
        vis = float((kp.visibility[left] - kp.visibility[right]).mean())
        return depth + self.VISIBILITY_WEIGHT * vis

    def update(self, kp: KeyPoints, near: str, trunk_len: float) -> set[str]:
        trunk_len = max(trunk_len, 1.0)
        out: set[str] = set()
        for group, (left, right) in _ROWS.items():
            pl, pr = kp.xy[left], kp.xy[right]
            agree = self.depth_evidence(kp, group, trunk_len) * (1.0 if near == "left" else -1.0)
            cost_same, cost_swap = max(0.0, -agree), max(0.0, agree)
            prev = self._prev.get(group)
            if prev is not None:
                ql, qr = prev
                w = self.CONTINUITY_WEIGHT / (trunk_len * len(left))
                cost_same += w * float(_dist(pl, ql) + _dist(pr, qr))
                cost_swap += w * float(_dist(pl, qr) + _dist(pr, ql))
            if cost_swap < cost_same:
                out.add(group)
                pl, pr = pr, pl
            self._prev[group] = (pl, pr)
        return out


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    """Summed distance between corresponding rows."""
    d = a - b
    return float(np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]).sum())


# Per group, the landmark rows of the deciding joints: (left rows, right rows).
_ROWS = {g: (np.array([INDEX[f"left_{j}"] for j in joints]), np.array([INDEX[f"right_{j}"] for j in joints]))
         for g, (_, joints) in GROUPS.items()}


class SideGate:
    """Which sides of an alternating exercise may start a repetition in this frame.

    Works on the exercise's per-side signals only (``{side: value or None}``) and on which side,
    if any, has a repetition under way; the counters themselves are not looked into. Each side's
    rest value is learned while no repetition is under way (within ``rest_limit_deg`` of the
    definition's rest), and excursions are measured from it in the exercise's direction.
    """

    REST_TAU_S = 2.0  # time constant of the learned rest
    DOMINANCE = 0.5  # a starting side leads every other side by this fraction of start_deg
    TIE_START_FACTOR = 2.0  # with no clear leader, the larger side may start this far out
    OUTWARD_WINDOW_S = 0.3  # a side whose excursion grew in this time ...
    OUTWARD_DEG = 2.0  # ... by this much is moving out (starting a movement of its own)

    def __init__(self, sides, rest_deg: float, target_deg: float, start_deg: float, return_deg: float,
                 rest_limit_deg: float) -> None:
        self.sides = tuple(sides)
        self.rest_deg, self.start_deg, self.return_deg = rest_deg, start_deg, return_deg
        self.rest_limit_deg = rest_limit_deg
        self.direction = 1.0 if target_deg >= rest_deg else -1.0
        self.rest: dict[str, float | None] = {s: None for s in self.sides}
        self.armed = {s: True for s in self.sides}
        self._busy: str | None = None
        self._last_t: float | None = None
        self._recent: dict[str, deque[tuple[float, float]]] = {s: deque() for s in self.sides}

    def excursion(self, side: str, value: float | None) -> float | None:
        rest = self.rest[side]
        if value is None or not math.isfinite(value) or rest is None:
            return None
        return self.direction * (value - rest)

    def _learn_rest(self, side: str, value: float, dt: float) -> None:
        lo, hi = self.rest_deg - self.rest_limit_deg, self.rest_deg + self.rest_limit_deg
        rest = self.rest[side]
        if rest is None:
            self.rest[side] = min(max(value, lo), hi)
        elif abs(value - rest) < self.start_deg:
            rest += min(dt / self.REST_TAU_S, 1.0) * (value - rest)
            self.rest[side] = min(max(rest, lo), hi)

    def update(self, t: float, values: dict[str, float | None], busy: str | None) -> set[str]:
        dt = 0.0 if self._last_t is None else max(t - self._last_t, 0.0)
        self._last_t = t
        values = {s: (v if v is not None and math.isfinite(v) else None) for s, v in values.items()}
        if busy is None:
            for s, v in values.items():
                if v is not None:
                    self._learn_rest(s, v, dt)
        exc = {s: self.excursion(s, values.get(s)) for s in self.sides}
        outward = {s: self._moving_out(s, t, e) for s, e in exc.items()}
        if self._busy is not None and busy is None:  # a repetition (or a small movement) just ended
            for s, e in exc.items():
                if s != self._busy and e is not None and e >= self.start_deg and not outward[s]:
                    self.armed[s] = False  # off rest and settling: not a repetition of its own
        self._busy = busy
        for s, e in exc.items():
            if e is not None and e < self.return_deg:
                self.armed[s] = True
        allowed = set()
        for s, e in exc.items():
            if e is None or not self.armed[s]:
                continue
            others = [x for o, x in exc.items() if o != s and x is not None]
            if e >= max([0.0, *others]) + self.DOMINANCE * self.start_deg:
                allowed.add(s)
        measured = [(e, s) for s, e in exc.items() if e is not None and self.armed[s]]
        if not allowed and measured:
            # Both moved alike (a person getting up): far enough out, the larger may start, so the
            # movement still counts once.
            e, s = max(measured, key=lambda es: es[0])
            if e >= self.TIE_START_FACTOR * self.start_deg:
                allowed.add(s)
        return allowed

    def _moving_out(self, side: str, t: float, e: float | None) -> bool:
        recent = self._recent[side]
        if e is None:
            recent.clear()
            return False
        recent.append((t, e))
        while recent and t - recent[0][0] > self.OUTWARD_WINDOW_S:
            recent.popleft()
        return e - min(x for _, x in recent) > self.OUTWARD_DEG
