"""MediaPipe PoseLandmarker adapter: images in, ``KeyPoints`` (plain arrays) out.

``PoseEstimator`` runs the Tasks API in VIDEO mode (every frame, in order: for files).
``LivePoseEstimator`` runs it in LIVE_STREAM mode: ``submit`` returns at once and the newest
result arrives on MediaPipe's own thread, so a slow model never stalls the display.

Both return everyone the model found (up to ``PoseSettings.num_poses``), in the model's order;
whom to follow is ``analysis.person_selection``'s business. Asking for two poses costs time even
with one person in view: MediaPipe runs its person detector on every frame while it tracks fewer
poses than ``num_poses`` (its PoseLandmarkerGraph skips the detector only once it tracks that
many), instead of only when tracking is lost. So files default to one pose (the settings the eval
baseline and the landmark recordings were made with) and cameras to two (README, "Pose settings").
"""
from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from formcheck.pose.native_logs import quiet_environment

quiet_environment()  # the same quiet settings as the CLI, for programs that use the library directly

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from formcheck.core.errors import FormcheckError  # noqa: E402
from formcheck.core.keypoints import KeyPoints  # noqa: E402
from formcheck.pose.model import check_model  # noqa: E402

MAX_POSES = 4  # more people than this in a home exercise video is not a case formcheck serves
FILE_POSES = 1  # analyze, eval, record-landmarks: as the eval baseline and the recordings were made
CAMERA_POSES = 2  # live, session: someone walking into the room is the common case


@dataclass
class PoseSettings:
    """What is passed to MediaPipe (documented in the README, "Pose settings")."""

    min_detection_confidence: float = 0.5  # person detector score to start tracking
    min_presence_confidence: float = 0.5  # landmark model's confidence a person is there
    min_tracking_confidence: float = 0.5  # below this the detector runs again
    num_poses: int = FILE_POSES  # how many people the model may return (1..MAX_POSES)
    # The body's segmentation mask, one per pose (for the back's outline, ``analysis.spine``): only
    # for exercises that measure the spine (``measures_spine``), as it costs time per frame.
    segmentation_masks: bool = False

    def __post_init__(self) -> None:
        n = self.num_poses
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_POSES:
            raise ValueError(f"PoseSettings: num_poses must be a whole number from 1 to {MAX_POSES}, not {n!r}")


# MediaPipe's vision package imports its drawing helpers and, with them, matplotlib.pyplot: 0.7-1 s
# of every process's start (a pose worker's too), for code formcheck never calls. They are loaded
# on first use instead (importlib's LazyLoader), so anyone who does call them still gets them.
LOADED_ON_FIRST_USE = frozenset({"mediapipe.tasks.python.vision.drawing_utils",
                                 "mediapipe.tasks.python.vision.drawing_styles"})


class _LoadOnFirstUse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in LOADED_ON_FIRST_USE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_mediapipe():
    """``mediapipe.tasks.python.vision``, imported without loading ``LOADED_ON_FIRST_USE`` until used."""
    if "mediapipe" not in sys.modules:
        finder = _LoadOnFirstUse()
        sys.meta_path.insert(0, finder)
        try:
            import mediapipe.tasks.python.vision  # noqa: F401
        finally:
            sys.meta_path.remove(finder)
    from mediapipe.tasks.python import vision

    return vision


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence MediaPipe's C++ log lines (written straight to fd 2) while it starts up.

    Python-level errors are unaffected: they are raised after the descriptor is restored.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (e.g. some embedded consoles): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            sys.stderr.flush()
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _options(model_path: Path, settings: PoseSettings, mode: str, callback=None):
    """MediaPipe's options; ``mode``: a ``RunningMode`` name (VIDEO, LIVE_STREAM)."""
    vision = import_mediapipe()
    from mediapipe.tasks.python.core.base_options import BaseOptions

    return vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode[mode],
        num_poses=settings.num_poses,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=settings.segmentation_masks,
        result_callback=callback,
    )


def _create(options, model_path: Path):
    try:
        with quiet_native_stderr():
            return import_mediapipe().PoseLandmarker.create_from_options(options)
    except Exception as exc:  # MediaPipe raises RuntimeError/ValueError with C++ text
        raise FormcheckError(f"MediaPipe could not load the pose model {model_path}: {str(exc).splitlines()[0]}",
                             "Rebuild it with `python tools/build_pose_model.py` or pass a valid --model.") from exc


def _mp_image(image_bgr: np.ndarray):
    import mediapipe as mp

    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)


def _poses(result, width: int, height: int) -> list[KeyPoints]:
    """Everyone found; with masks asked for, each pose gets its own (MediaPipe's ``segmentation_masks[i]``
    belongs to ``pose_landmarks[i]``), copied (MediaPipe may reuse its buffer after the call) as it
    is, float32 in [0, 1]: the analysis reads its outline from it once and drops it, and converting
    the whole image would cost more per frame than reading the outline."""
    poses = [KeyPoints.from_mediapipe(landmarks, width, height) for landmarks in result.pose_landmarks or ()]
    masks = getattr(result, "segmentation_masks", None) or ()
    for kp, mask in zip(poses, masks, strict=False):
        m = np.asarray(mask.numpy_view())
        m = m[..., 0] if m.ndim == 3 else m
        kp.mask = np.array(m, dtype=np.float32)
    return poses


class PoseEstimator:
    """Synchronous estimator for files: one call per frame, timestamps must increase.

    ``settings`` default to ``PoseSettings()``: one pose (``FILE_POSES``).
    """

    def __init__(self, model_path: Path | None = None, settings: PoseSettings | None = None) -> None:
        self.model_path = check_model(model_path)
        self.settings = settings or PoseSettings()
        self._landmarker = _create(_options(self.model_path, self.settings, "VIDEO"), self.model_path)
        self._last_ms = -1
        self._warmed = False

    def detect(self, image_bgr: np.ndarray, t_s: float) -> KeyPoints | None:
        """The model's first pose, or None: for callers that want one person and no choice."""
        poses = self.detect_poses(image_bgr, t_s)
        return poses[0] if poses else None

    def detect_poses(self, image_bgr: np.ndarray, t_s: float) -> list[KeyPoints]:
        """Everyone the model found in this frame (at most ``settings.num_poses``), in its order."""
        ts_ms = max(int(round(t_s * 1000)), self._last_ms + 1)
        self._last_ms = ts_ms
        if not self._warmed:
            self._warmed = True
            with quiet_native_stderr():  # the first inference logs more start-up warnings
                result = self._landmarker.detect_for_video(_mp_image(image_bgr), ts_ms)
        else:
            result = self._landmarker.detect_for_video(_mp_image(image_bgr), ts_ms)
        h, w = image_bgr.shape[:2]
        return _poses(result, w, h)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LivePoseEstimator:
    """Asynchronous estimator for cameras: ``submit`` never waits for the model.

    While a frame is being processed further frames are refused (``submit`` returns False),
    so the display runs at camera speed and the pose at the model's speed. ``settings`` default
    to two poses (``CAMERA_POSES``).
    """

    STALL_S = 1.0

    def __init__(self, model_path: Path | None = None, settings: PoseSettings | None = None) -> None:
        self.model_path = check_model(model_path)
        self.settings = settings or PoseSettings(num_poses=CAMERA_POSES)
        self._lock = threading.Lock()
        self._busy = False
        self._latest: tuple[float, list[KeyPoints]] | None = None
        self._sizes: dict[int, tuple[int, int, float]] = {}
        self._last_ms = -1
        self._busy_since = 0.0
        self.updates = 0
        self._landmarker = _create(
            _options(self.model_path, self.settings, "LIVE_STREAM", self._on_result), self.model_path)

    def _on_result(self, result, image, ts_ms: int) -> None:
        with self._lock:
            w, h, t_s = self._sizes.pop(ts_ms, (image.width, image.height, ts_ms / 1000.0))
            self._latest = (t_s, _poses(result, w, h))
            self._busy = False
            self.updates += 1

    def submit(self, image_bgr: np.ndarray, t_s: float) -> bool:
        now = time.monotonic()
        with self._lock:
            # A frame MediaPipe dropped never calls back: do not wait for it forever.
            if self._busy and now - self._busy_since < self.STALL_S:
                return False
            self._busy, self._busy_since = True, now
            ts_ms = max(int(round(t_s * 1000)), self._last_ms + 1)
            self._last_ms = ts_ms
            h, w = image_bgr.shape[:2]
            self._sizes[ts_ms] = (w, h, t_s)
        self._landmarker.detect_async(_mp_image(image_bgr), ts_ms)
        return True

    def latest(self) -> tuple[float, list[KeyPoints]] | None:
        """(timestamp of the frame it came from, everyone found in it) of the newest result."""
        with self._lock:
            return self._latest

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> LivePoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
