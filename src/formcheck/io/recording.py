"""Landmark recordings: the model's output for every frame of a clip, saved compactly.

A recording holds the raw landmarks (what the model produced) and the smoothed ones (after the
default One Euro filter, for inspection and plots). Replaying the raw landmarks through the
pipeline gives the same angles and reps as a model run, so analyzer tests run in milliseconds
without MediaPipe. The file stores the model's checksum and settings so a recording can be
checked against a fresh run of the model.

Everyone the model found is kept, so two-person behaviour replays too: the model's first pose in
``xy``/``visibility``/``z`` (as in every recording), any further poses in ``others_*`` (format 2;
absent from one-pose recordings, which are therefore still written as format 1, and read the same
either way).

Format 3 adds, for recordings made with segmentation masks (exercises that measure the spine),
each pose's outline across the trunk (``outline``, ``others_outline``: ``analysis.spine.back_outline``,
57 stations x 2 sides, float16, NaN where no edge; ``has_outline`` says which frames have one):
the few numbers the back's bend is measured from, never the mask. Older recordings have none, and
replay without the spine measurement (``spine_status`` empty).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from formcheck.core.keypoints import N_LANDMARKS, KeyPoints, Poses

FORMAT_VERSION = 3  # 2: others_* arrays (further poses per frame); 3: outlines. Written as the lowest that holds it
OUTLINE_SHAPE = (57, 2)  # analysis.spine.OUTLINE_S stations x (+normal, -normal) sides


@dataclass
class LandmarkRecording:
    t_s: np.ndarray  # (n,)
    detected: np.ndarray  # (n,) bool
    xy: np.ndarray  # (n, 33, 2) pixels, NaN where not detected
    visibility: np.ndarray  # (n, 33)
    z: np.ndarray  # (n, 33)
    meta: dict = field(default_factory=dict)  # clip, fps, width, height, model_sha256, settings
    smoothed_xy: np.ndarray | None = None  # (n, 33, 2) the person followed after the default filter, NaN where none
    # Further poses the model found, in its order: (n, k, ...) with k = the most in any frame - 1.
    others_detected: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # (n, k)
    others_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, N_LANDMARKS, 2)))  # NaN where none
    others_visibility: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, N_LANDMARKS)))
    others_z: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, N_LANDMARKS)))
    # Outlines across the trunk (format 3): (n, 57, 2) for the first pose, (n, k, 57, 2) for the others
    has_outline: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (n,) frames with outlines
    outline: np.ndarray = field(default_factory=lambda: np.zeros((0, *OUTLINE_SHAPE)))
    others_outline: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, *OUTLINE_SHAPE)))

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def _frame_size(self) -> tuple[int, int] | None:
        w, h = self.meta.get("width"), self.meta.get("height")
        return (int(w), int(h)) if w and h else None

    def keypoints(self, i: int) -> KeyPoints | None:
        """The model's first pose in frame ``i`` (None: nobody)."""
        if not self.detected[i]:
            return None
        return KeyPoints(xy=self.xy[i], visibility=self.visibility[i], z=self.z[i], frame_size=self._frame_size,
                         outline=self._outline(i))

    def _outline(self, i: int, j: int | None = None) -> np.ndarray | None:
        if not (self.has_outline.size and self.has_outline[i]):
            return None
        return self.outline[i] if j is None else (self.others_outline[i, j] if self.others_outline.size else None)

    def poses(self, i: int) -> list[KeyPoints]:
        """Everyone the model found in frame ``i``, in its order."""
        first = self.keypoints(i)
        found = [] if first is None else [first]
        if self.others_detected.size:
            found += [KeyPoints(xy=self.others_xy[i, j], visibility=self.others_visibility[i, j],
                                z=self.others_z[i, j], frame_size=self._frame_size, outline=self._outline(i, j))
                      for j in np.flatnonzero(self.others_detected[i])]
        return found

    def frames(self):
        """(t_s, what the model found) for every frame, in order: what ``Pipeline.step`` takes.

        KeyPoints or None per frame when the recording holds one pose per frame (every recording
        made with one pose), a list of everyone found when it holds more.
        """
        many = bool(self.others_detected.size)
        for i in range(len(self)):
            yield float(self.t_s[i]), (self.poses(i) if many else self.keypoints(i))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        outlines = bool(self.has_outline.size and self.has_outline.any())
        meta = dict(self.meta, format_version=3 if outlines else 2 if self.others_detected.size else 1)
        np.savez_compressed(
            path, t_s=self.t_s.astype(np.float64), detected=self.detected.astype(bool),
            xy=self.xy.astype(np.float32), visibility=self.visibility.astype(np.float16),
            z=self.z.astype(np.float16), meta=np.array(json.dumps(meta)),
            **({} if self.smoothed_xy is None else {"smoothed_xy": self.smoothed_xy.astype(np.float32)}),
            **({} if not self.others_detected.size else {
                "others_detected": self.others_detected.astype(bool), "others_xy": self.others_xy.astype(np.float32),
                "others_visibility": self.others_visibility.astype(np.float16),
                "others_z": self.others_z.astype(np.float16)}),
            **({} if not outlines else {
                "has_outline": self.has_outline.astype(bool), "outline": self.outline.astype(np.float16),
                **({"others_outline": self.others_outline.astype(np.float16)} if self.others_detected.size else {})}))
        return path

    @classmethod
    def load(cls, path: str | Path) -> LandmarkRecording:
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                smoothed = data["smoothed_xy"].astype(np.float64) if "smoothed_xy" in data else None
                others = {key: data[key].astype(bool if key == "others_detected" else np.float64)
                          for key in ("others_detected", "others_xy", "others_visibility", "others_z") if key in data}
                return cls(t_s=data["t_s"], detected=data["detected"], xy=data["xy"].astype(np.float64),
                           visibility=data["visibility"].astype(np.float64), z=data["z"].astype(np.float64),
                           meta=meta, smoothed_xy=smoothed, **others,
                           **{key: data[key].astype(bool if key == "has_outline" else np.float64)
                              for key in ("has_outline", "outline", "others_outline") if key in data})
        except (OSError, ValueError, KeyError) as exc:
            from formcheck.core.errors import FormcheckError

            raise FormcheckError(f"Cannot read landmark recording {path}: {exc}.",
                                 "Record it again with `formcheck record-landmarks CLIP`.") from exc


class RecordingBuilder:
    """Collects (t, everyone found: a list, one KeyPoints or None) frame by frame into a
    ``LandmarkRecording``."""

    def __init__(self, **meta) -> None:
        self.meta = meta
        self._t: list[float] = []
        self._poses: list[list[KeyPoints]] = []

    def add(self, t_s: float, poses: Poses) -> None:
        self._t.append(t_s)
        self._poses.append([] if poses is None else [poses] if isinstance(poses, KeyPoints) else list(poses))

    def build(self) -> LandmarkRecording:
        n = len(self._t)
        xy = np.full((n, N_LANDMARKS, 2), np.nan)
        vis = np.zeros((n, N_LANDMARKS))
        z = np.zeros((n, N_LANDMARKS))
        k = max((len(p) for p in self._poses), default=1) - 1
        extra = {"others_detected": np.zeros((n, k), bool), "others_xy": np.full((n, k, N_LANDMARKS, 2), np.nan),
                 "others_visibility": np.zeros((n, k, N_LANDMARKS)), "others_z": np.zeros((n, k, N_LANDMARKS))}
        for i, poses in enumerate(self._poses):
            for j, kp in enumerate(poses):
                if j == 0:
                    xy[i], vis[i], z[i] = kp.xy, kp.visibility, kp.z
                else:
                    extra["others_detected"][i, j - 1] = True
                    extra["others_xy"][i, j - 1], extra["others_visibility"][i, j - 1] = kp.xy, kp.visibility
                    extra["others_z"][i, j - 1] = kp.z
        detected = np.array([bool(p) for p in self._poses], dtype=bool)
        has_outline = np.array([any(kp.outline is not None for kp in p) for p in self._poses], dtype=bool)
        if has_outline.any():
            outline = np.full((n, *OUTLINE_SHAPE), np.nan)
            others_outline = np.full((n, k, *OUTLINE_SHAPE), np.nan)
            for i, poses in enumerate(self._poses):
                for j, kp in enumerate(poses):
                    if kp.outline is not None:
                        if j == 0:
                            outline[i] = kp.outline
                        else:
                            others_outline[i, j - 1] = kp.outline
            extra_outline = {"has_outline": has_outline, "outline": outline, "others_outline": others_outline}
        else:
            extra_outline = {}
        return LandmarkRecording(np.array(self._t, dtype=np.float64), detected, xy, vis, z, dict(self.meta),
                                 **(extra if k > 0 else {}), **extra_outline)


def settings_dict(settings) -> dict:
    return asdict(settings)
