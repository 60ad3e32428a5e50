"""Body landmarks as plain arrays: the boundary between MediaPipe and the rest of formcheck.

Everything downstream of ``pose`` sees only ``KeyPoints``: 33 BlazePose landmarks in image
pixels with a visibility score each. Tests build ``KeyPoints`` by hand, without the model.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# BlazePose's 33 landmarks, in the model's order.
LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}
N_LANDMARKS = len(LANDMARK_NAMES)

# Lines drawn for the skeleton (pairs of landmark names).
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
    ("left_ear", "nose"), ("right_ear", "nose"),
)


@dataclass
class KeyPoints:
    """One person's landmarks in one frame.

    ``xy``: (33, 2) pixel coordinates (x right, y down); ``visibility``: (33,) in [0, 1];
    ``z``: (33,) MediaPipe's relative depth (smaller = nearer the camera), scaled like x.
    ``frame_size``: (width, height) of the image the landmarks are in, where known (None in
    hand-built skeletons); choosing whom to follow uses it to tell where the middle is.
    """

    xy: np.ndarray
    visibility: np.ndarray
    z: np.ndarray = field(default_factory=lambda: np.zeros(N_LANDMARKS, dtype=np.float32))
    frame_size: tuple[int, int] | None = None
    # The body's segmentation mask (float, image size) where the model was asked for one: transient,
    # used once by the analysis (``analysis.spine.back_outline``) and never stored or smoothed.
    mask: np.ndarray | None = field(default=None, repr=False, compare=False)
    # The outline across the trunk derived from that mask (``analysis.spine.back_outline``), as a
    # landmark recording stores it; None where no mask was asked for.
    outline: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.xy = np.asarray(self.xy, dtype=np.float64).reshape(N_LANDMARKS, 2)
        self.visibility = np.asarray(self.visibility, dtype=np.float64).reshape(N_LANDMARKS)
        self.z = np.asarray(self.z, dtype=np.float64).reshape(N_LANDMARKS)

    def point(self, name: str) -> np.ndarray:
        return self.xy[INDEX[name]]

    def mid(self, a: str, b: str) -> np.ndarray:
        """The point halfway between landmarks ``a`` and ``b`` (e.g. the two hips)."""
        return (self.xy[INDEX[a]] + self.xy[INDEX[b]]) / 2.0

    def vis(self, name: str) -> float:
        return float(self.visibility[INDEX[name]])

    @classmethod
    def from_mediapipe(cls, landmarks, width: int, height: int) -> KeyPoints:
        """Convert one pose of a Tasks ``PoseLandmarkerResult.pose_landmarks`` list."""
        arr = np.array([(p.x, p.y, p.z, p.visibility if p.visibility is not None else 0.0)
                        for p in landmarks], dtype=np.float64)
        xy = arr[:, :2] * (width, height)
        return cls(xy=xy, visibility=arr[:, 3], z=arr[:, 2] * width, frame_size=(int(width), int(height)))

    @classmethod
    def from_dict(cls, points: dict[str, tuple[float, float]], visibility: float = 1.0) -> KeyPoints:
        """Build from a {landmark name: (x, y)} mapping; unnamed landmarks get visibility 0."""
        xy = np.zeros((N_LANDMARKS, 2))
        vis = np.zeros(N_LANDMARKS)
        for name, p in points.items():
            xy[INDEX[name]] = p
            vis[INDEX[name]] = visibility
        return cls(xy=xy, visibility=vis)


# Everyone the pose model found in one frame: a list (any order, possibly empty), or one person's
# KeyPoints, or None for nobody. What ``Pipeline.step`` and the person selection take.
Poses = KeyPoints | Sequence[KeyPoints] | None
