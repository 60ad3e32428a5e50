"""Landmark recordings: the model's output for every frame of a clip, saved compactly.

A recording holds the raw landmarks (what the model produced) and the smoothed ones (after the
default One Euro filter, for inspection and plots). Replaying the raw landmarks through the
pipeline gives the same angles and reps as a model run, so analyzer tests run in milliseconds
without MediaPipe. The file stores the model's checksum and settings so a recording can be
checked against a fresh run of the model.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from formcheck.core.keypoints import N_LANDMARKS, KeyPoints

FORMAT_VERSION = 1


@dataclass
class LandmarkRecording:
    t_s: np.ndarray  # (n,)
    detected: np.ndarray  # (n,) bool
    xy: np.ndarray  # (n, 33, 2) pixels, NaN where not detected
    visibility: np.ndarray  # (n, 33)
    z: np.ndarray  # (n, 33)
    meta: dict = field(default_factory=dict)  # clip, fps, width, height, model_sha256, settings
    smoothed_xy: np.ndarray | None = None  # (n, 33, 2) after the default filter, NaN where none

    def __len__(self) -> int:
        return len(self.t_s)

    def keypoints(self, i: int) -> KeyPoints | None:
        if not self.detected[i]:
            return None
        return KeyPoints(xy=self.xy[i], visibility=self.visibility[i], z=self.z[i])

    def frames(self):
        """(t_s, KeyPoints | None) for every frame, in order."""
        for i in range(len(self)):
            yield float(self.t_s[i]), self.keypoints(i)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        meta = dict(self.meta, format_version=FORMAT_VERSION)
        np.savez_compressed(
            path, t_s=self.t_s.astype(np.float64), detected=self.detected.astype(bool),
            xy=self.xy.astype(np.float32), visibility=self.visibility.astype(np.float16),
            z=self.z.astype(np.float16), meta=np.array(json.dumps(meta)),
            **({} if self.smoothed_xy is None else {"smoothed_xy": self.smoothed_xy.astype(np.float32)}))
        return path

    @classmethod
    def load(cls, path: str | Path) -> LandmarkRecording:
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                smoothed = data["smoothed_xy"].astype(np.float64) if "smoothed_xy" in data else None
                return cls(t_s=data["t_s"], detected=data["detected"], xy=data["xy"].astype(np.float64),
                           visibility=data["visibility"].astype(np.float64), z=data["z"].astype(np.float64),
                           meta=meta, smoothed_xy=smoothed)
        except (OSError, ValueError, KeyError) as exc:
            from formcheck.core.errors import FormcheckError

            raise FormcheckError(f"Cannot read landmark recording {path}: {exc}.",
                                 "Record it again with `formcheck record-landmarks CLIP`.") from exc


class RecordingBuilder:
    """Collects (t, KeyPoints | None) frame by frame into a ``LandmarkRecording``."""

    def __init__(self, **meta) -> None:
        self.meta = meta
        self._t: list[float] = []
        self._kp: list[KeyPoints | None] = []

    def add(self, t_s: float, kp: KeyPoints | None) -> None:
        self._t.append(t_s)
        self._kp.append(kp)

    def build(self) -> LandmarkRecording:
        n = len(self._t)
        xy = np.full((n, N_LANDMARKS, 2), np.nan)
        vis = np.zeros((n, N_LANDMARKS))
        z = np.zeros((n, N_LANDMARKS))
        for i, kp in enumerate(self._kp):
            if kp is not None:
                xy[i], vis[i], z[i] = kp.xy, kp.visibility, kp.z
        detected = np.array([kp is not None for kp in self._kp], dtype=bool)
        return LandmarkRecording(np.array(self._t, dtype=np.float64), detected, xy, vis, z, dict(self.meta))


def settings_dict(settings) -> dict:
    return asdict(settings)
