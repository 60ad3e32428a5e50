"""Whom to follow when the model finds more than one person: a small strategy object.

The pose model returns every person it found in a frame, in an order of its own that can change
from frame to frame. ``ContinuitySelector`` follows one of them, the person who exercises:

- **At the start** (and after the followed person has been out of sight for ``reacquire_after_s``)
  it chooses the largest, most central person whose body is in view (shoulder, hip, knee and
  ankle of one side visible), or the best-placed person if nobody is fully in view. People it
  has seen beside the followed person are not chosen while it still sees them.
- **Then, frame by frame**, it keeps the candidate nearest the previous frame's skeleton, moved on
  at the speed the body was moving (so someone walking is not lost): the mean distance of the body
  landmarks (nose, shoulders, elbows, wrists, hips, knees, ankles; weighted by visibility, and the
  smaller of as-is and left/right swapped, since the model sometimes swaps a side-on body's sides),
  in units of the body's size (shoulder -> hip -> knee -> ankle). A candidate further away than a
  body moves in that time (``max_speed`` body sizes per second, at least ``min_gate`` and at most
  ``max_gate`` body sizes), or whose size differs by more than ``max_size_ratio``, is not the same
  person: the followed person is then not seen in that frame, rather than jump to someone else.
  Everyone is matched at once, nearest pairs first, so a known bystander keeps their own skeleton.
- **Everyone else** is followed the same way, just to know who they are: someone seen in the same
  frames as the followed person counts as present once that has lasted ``present_after_s`` (a
  one-frame ghost does not), and is forgotten after ``forget_after_s`` out of sight. A candidate
  within ``min_gate`` of the followed person is the same body found twice, not someone else.

Detector-agnostic: it sees only ``KeyPoints`` (pixels, visibility) and time, so tests drive it
with synthetic skeletons. ``KeyPoints.frame_size``, where known, says where the middle is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from formcheck.core.keypoints import INDEX, KeyPoints, Poses

SIDES = ("left", "right")
_PARTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
BODY = ("nose", *(f"{s}_{p}" for p in _PARTS for s in SIDES))  # the landmarks compared between frames
_BODY_IDX = np.array([INDEX[n] for n in BODY])
_SWAP = {"left": "right", "right": "left"}
_MIRROR_IDX = np.array([INDEX[n if n == "nose" else f"{_SWAP[n.split('_')[0]]}_{n.split('_', 1)[1]}"]
                        for n in BODY])
_CHAIN = ("shoulder", "hip", "knee", "ankle")  # a side in view: these four visible


def as_candidates(poses: Poses) -> list[KeyPoints]:
    """The people found in one frame as a list: None is nobody, one ``KeyPoints`` is one person."""
    if poses is None:
        return []
    if isinstance(poses, KeyPoints):
        return [poses]
    return list(poses)


_CHAIN_L = np.array([INDEX[f"left_{p}"] for p in _CHAIN])
_CHAIN_R = np.array([INDEX[f"right_{p}"] for p in _CHAIN])
_BOTH_WAYS = np.stack([_BODY_IDX, _MIRROR_IDX])


def body_size(kp: KeyPoints) -> float:
    """Shoulder -> hip -> knee -> ankle length through the midpoints, in pixels (at least 1):
    about the body's height whichever way it lies, standing, bent or lying down."""
    mids = (kp.xy[_CHAIN_L] + kp.xy[_CHAIN_R]) / 2.0
    return max(float(np.sqrt((np.diff(mids, axis=0) ** 2).sum(axis=1)).sum()), 1.0)


def skeleton_distance(a: KeyPoints, b: KeyPoints, size: float, shift=None) -> float:
    """Mean distance between two skeletons' body landmarks, in units of ``size`` pixels (a moved by
    ``shift`` pixels, if given).

    Weighted by the smaller visibility of each pair (at least 0.05, so hidden landmarks still
    count a little), and the smaller of as-is and with b's left and right swapped.
    """
    weights = np.maximum(np.minimum(a.visibility[_BODY_IDX], b.visibility[_BODY_IDX]), 0.05)
    here = a.xy[_BODY_IDX] if shift is None else a.xy[_BODY_IDX] + shift
    d = np.sqrt(((here[None] - b.xy[_BOTH_WAYS]) ** 2).sum(axis=2))  # (2, n): as-is, swapped
    return float((d @ weights).min() / weights.sum()) / max(size, 1.0)


def fully_visible(kp: KeyPoints, min_visibility: float) -> bool:
    """Shoulder, hip, knee and ankle of at least one body side visible."""
    return any(all(kp.vis(f"{s}_{p}") >= min_visibility for p in _CHAIN) for s in SIDES)


@dataclass(frozen=True)
class Selection:
    """The choice in one frame."""

    person: KeyPoints | None  # the followed person's landmarks (None: not seen in this frame)
    others: int  # other people in view, each counted once seen beside the followed person for present_after_s
    new_person: bool  # the followed person was (re)chosen in this frame: not a continuation of a skeleton
    found: int  # people the model found in this frame


class PersonSelector(Protocol):
    """Anything that picks the person to follow from each frame's candidates."""

    def update(self, t_s: float, poses: Poses) -> Selection: ...

    def follow(self, person: KeyPoints) -> None: ...

    def reset(self) -> None: ...


@dataclass(eq=False)  # a track is one person over time: compared by identity, not by its arrays
class _Track:
    skeleton: KeyPoints  # the last skeleton seen
    size: float  # its body size, pixels
    last_seen: float
    velocity: np.ndarray  # of the body landmarks' mean, pixels per second (0 until seen twice in a row)
    together_since: float | None = None  # someone else: first seen in the same frame as the followed person

    def shift(self, t_s: float) -> np.ndarray:
        """How far the skeleton has moved on at its velocity by time ``t_s`` (at most 0.5 s ahead)."""
        return self.velocity * min(max(t_s - self.last_seen, 0.0), 0.5)

    def saw(self, skeleton: KeyPoints, size: float, t_s: float) -> None:
        dt = t_s - self.last_seen
        if 0 < dt <= 0.25:  # consecutive sightings: their movement is a velocity
            self.velocity = (_centre(skeleton) - _centre(self.skeleton)) / dt
        else:
            self.velocity = np.zeros(2)
        self.skeleton, self.size, self.last_seen = skeleton, size, t_s


def _centre(kp: KeyPoints) -> np.ndarray:
    return kp.xy[_BODY_IDX].mean(axis=0)


def _new_track(skeleton: KeyPoints, t_s: float, size: float | None = None) -> _Track:
    return _Track(skeleton, body_size(skeleton) if size is None else size, t_s, np.zeros(2))


class ContinuitySelector:
    """Follows the person it started with (module docstring).

    Parameters (all validated; a bad value raises ValueError naming it):

    - ``present_after_s`` (0.3): someone else counts as present once seen beside the followed
      person for this long, in seconds (>= 0); gaps shorter than ``forget_after_s`` do not restart
      the count.
    - ``forget_after_s`` (1.0): a person out of sight this long is forgotten (> 0 s).
    - ``reacquire_after_s`` (1.0): after the followed person has been out of sight this long,
      the person to follow is chosen afresh, as at the start (> 0 s).
    - ``max_speed`` (2.5): how far a skeleton's landmarks can move from where they were heading, in
      body sizes per second (> 0): about 4 m/s for the whole body, far more than any exercise.
    - ``min_gate`` (0.25): a candidate this close to the previous skeleton (mean landmark distance
      in body sizes) is always the same person, however short the time (> 0); about the distance
      between two people standing shoulder to shoulder.
    - ``max_gate`` (1.0): the gate never grows past this many body sizes, however long the
      followed person was out of sight (>= ``min_gate``).
    - ``max_size_ratio`` (1.5): a candidate whose body size differs from the previous skeleton's by
      more than this factor is not the same person (> 1).
    - ``min_visibility`` (0.5): visibility a landmark needs to count as in view (0..1), as the
      analyzer's ``MIN_VISIBILITY``.
    - ``centre_weight`` (0.5): at the start, how much being off-centre counts against size: the
      score is ``size * (1 - centre_weight * offset)``, offset 0 in the middle of the frame and 1 at
      its left or right edge (0..1; unused when the frame size is not known).
    """

    def __init__(self, *, present_after_s: float = 0.3, forget_after_s: float = 1.0,
                 reacquire_after_s: float = 1.0, max_speed: float = 2.5, min_gate: float = 0.25,
                 max_gate: float = 1.0, max_size_ratio: float = 1.5, min_visibility: float = 0.5,
                 centre_weight: float = 0.5) -> None:
        checks = (
            ("present_after_s", present_after_s, lambda v: v >= 0, "a time in seconds >= 0"),
            ("forget_after_s", forget_after_s, lambda v: v > 0, "a time in seconds > 0"),
            ("reacquire_after_s", reacquire_after_s, lambda v: v > 0, "a time in seconds > 0"),
            ("max_speed", max_speed, lambda v: v > 0, "a speed in body sizes per second > 0"),
            ("min_gate", min_gate, lambda v: v > 0, "a distance in body sizes > 0"),
            ("max_gate", max_gate, lambda v: v >= min_gate, f"a distance in body sizes >= min_gate ({min_gate})"),
            ("max_size_ratio", max_size_ratio, lambda v: v > 1, "a factor > 1"),
            ("min_visibility", min_visibility, lambda v: 0 <= v <= 1, "a visibility from 0 to 1"),
            ("centre_weight", centre_weight, lambda v: 0 <= v <= 1, "a weight from 0 to 1"),
        )
        for name, value, ok, what in checks:
            number = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
            if not number or not ok(value):
                raise ValueError(f"ContinuitySelector: {name} must be {what}, not {value!r}")
        self.present_after_s = float(present_after_s)
        self.forget_after_s = float(forget_after_s)
        self.reacquire_after_s = float(reacquire_after_s)
        self.max_speed = float(max_speed)
        self.min_gate = float(min_gate)
        self.max_gate = float(max_gate)
        self.max_size_ratio = float(max_size_ratio)
        self.min_visibility = float(min_visibility)
        self.centre_weight = float(centre_weight)
        self.reset()

    def reset(self) -> None:
        """Forget everyone: the next frame chooses as at the start."""
        self._target: _Track | None = None
        self._seed: KeyPoints | None = None
        self._others: list[_Track] = []

    def follow(self, person: KeyPoints) -> None:
        """Follow this person from the next frame on (e.g. the one a set-up check looked at):
        the next frame continues from this skeleton as if it had just been seen."""
        self.reset()
        self._seed = person

    # -- matching --------------------------------------------------------------------------
    def _gate(self, dt: float) -> float:
        return min(self.max_gate, max(self.min_gate, self.max_speed * max(dt, 0.0)))

    def _distance(self, track: _Track, candidate: KeyPoints, size: float, t_s: float) -> float | None:
        """How far ``candidate`` (of body size ``size``) is from where ``track`` would be now, or
        None if it cannot be them."""
        ratio = size / track.size
        if not 1.0 / self.max_size_ratio <= ratio <= self.max_size_ratio:
            return None
        d = skeleton_distance(track.skeleton, candidate, track.size, track.shift(t_s))
        return d if d <= self._gate(t_s - track.last_seen) else None

    def _assign(self, tracks: list[_Track], candidates: list[KeyPoints], sizes: list[float],
                t_s: float) -> dict[int, int]:
        """Candidate index for each track index that continues: the nearest pairs first, one
        candidate per track and one track per candidate."""
        pairs = []
        for ti, track in enumerate(tracks):
            for ci, c in enumerate(candidates):
                d = self._distance(track, c, sizes[ci], t_s)
                if d is not None:
                    pairs.append((d, ti, ci))
        assigned: dict[int, int] = {}
        used: set[int] = set()
        for _, ti, ci in sorted(pairs):
            if ti not in assigned and ci not in used:
                assigned[ti] = ci
                used.add(ci)
        return assigned

    def _score(self, kp: KeyPoints) -> float:
        size = body_size(kp)
        if kp.frame_size is None or self.centre_weight == 0:
            return size
        width = float(kp.frame_size[0])
        x = float(np.mean(kp.xy[_BODY_IDX, 0]))
        offset = min(1.0, abs(x - width / 2.0) / (width / 2.0)) if width > 0 else 0.0
        return size * (1.0 - self.centre_weight * offset)

    def _choose(self, candidates: list[KeyPoints], free: list[int]) -> int | None:
        """As at the start: the best-scoring fully visible candidate among ``free`` (or the best
        of them if none is fully visible)."""
        if not free:
            return None
        visible = [i for i in free if fully_visible(candidates[i], self.min_visibility)] or free
        return max(visible, key=lambda i: self._score(candidates[i]))

    # -- per frame ---------------------------------------------------------------------------
    def update(self, t_s: float, poses: Poses) -> Selection:
        candidates = as_candidates(poses)
        sizes = [body_size(c) for c in candidates]
        self._others = [o for o in self._others if t_s - o.last_seen <= self.forget_after_s]
        if self._seed is not None:
            self._target, self._seed = _new_track(self._seed, t_s), None
        target, others = self._target, self._others
        tracks = ([target] if target is not None else []) + others
        assigned = self._assign(tracks, candidates, sizes, t_s)
        first = 1 if target is not None else 0  # tracks[first:] are the others
        owner = {ci: others[ti - first] for ti, ci in assigned.items() if ti >= first}  # candidate -> other track
        chosen = assigned.get(0) if target is not None else None
        if target is not None and chosen is None and t_s - target.last_seen > self.reacquire_after_s:
            target = self._target = None  # out of sight too long: choose afresh, as at the start
        new_person = False
        if target is None:
            # Not someone already seen beside the followed person (a track begun while nobody was
            # followed may be that person after a jump: they are free to choose).
            free = [i for i in range(len(candidates)) if i not in owner or owner[i].together_since is None]
            chosen = self._choose(candidates, free)
            if chosen is not None:
                new_person = True
                if chosen in owner:
                    others.remove(owner.pop(chosen))
                self._target = _new_track(candidates[chosen], t_s, sizes[chosen])
        elif chosen is not None:
            target.saw(candidates[chosen], sizes[chosen], t_s)

        person = candidates[chosen] if chosen is not None else None
        for i, c in enumerate(candidates):
            if i == chosen:
                continue
            if i in owner:
                owner[i].saw(c, sizes[i], t_s)
            elif person is None or skeleton_distance(person, c, sizes[chosen]) > self.min_gate:
                others.append(_new_track(c, t_s, sizes[i]))  # else: the followed person found twice
        present = 0
        for o in others:
            if o.last_seen != t_s:
                continue
            if o.together_since is None and person is not None:
                o.together_since = t_s  # seen beside the followed person: someone else
            if o.together_since is not None and t_s - o.together_since >= self.present_after_s:
                present += 1
        return Selection(person, present, new_person, len(candidates))
