"""MediaPipe PoseLandmarker adapter: images in, ``KeyPoints`` (plain arrays) out.

``PoseEstimator`` runs the Tasks API in VIDEO mode (every frame, in order).

``LivePoseEstimator`` runs a ``PoseEstimator`` on a thread of its own: ``submit`` returns at once
and the newest result is read with ``latest``, so a slow model never stalls the display.

Both return everyone the model found (up to ``PoseSettings.num_poses``), in the model's order;
whom to follow is ``analysis.person_selection``'s business. Asking MediaPipe for two poses costs
time even with one person in view: it runs its person detector on every frame while it tracks
fewer poses than ``num_poses`` (its PoseLandmarkerGraph skips the detector only once it tracks that
many), instead of only when tracking is lost. So with more than one pose asked for, the estimator
tracks one person and looks for others once a second (``OthersWatch``), and asks for every pose on
every frame only while someone else is in view (README, "Pose settings").
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib.abc
import importlib.machinery
import importlib.util
import math
import os
import sys
import threading
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


@dataclasses.dataclass
class PoseSettings:
    """What is passed to MediaPipe (documented in the README, "Pose settings")."""

    min_detection_confidence: float = 0.5  # person detector score to start tracking
    min_presence_confidence: float = 0.5  # landmark model's confidence a person is there
    min_tracking_confidence: float = 0.5  # below this the detector runs again
    num_poses: int = FILE_POSES  # how many people the model may return (1..MAX_POSES)
    # The body's segmentation mask, one per pose (for the back's outline, ``analysis.spine``): only
    # for exercises that measure the spine (``measures_spine``), as it costs time per frame.
    segmentation_masks: bool = False
    # With num_poses above 1: while only one person is found, look for others (MediaPipe's person
    # detector, num_poses) once every this many seconds, and track that one person in between;
    # while someone else is in view every frame gets num_poses (``OthersWatch``). 0: every pose on
    # every frame, as MediaPipe does by itself, for nearly twice the model's time when alone.
    look_for_others_s: float = 1.0

    def __post_init__(self) -> None:
        n = self.num_poses
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_POSES:
            raise ValueError(f"PoseSettings: num_poses must be a whole number from 1 to {MAX_POSES}, not {n!r}")
        look = self.look_for_others_s
        if isinstance(look, bool) or not isinstance(look, int | float) or not 0 <= look <= 60:
            raise ValueError("PoseSettings: look_for_others_s must be a time in seconds from 0 to 60 "
                             f"(0: every frame), not {look!r}")

    @property
    def watches_for_others(self) -> bool:
        """True when one person is tracked and others are looked for now and then (``OthersWatch``)."""
        return self.num_poses > 1 and self.look_for_others_s > 0


class OthersWatch:
    """When the model must look for everyone, rather than track the one person it follows.

    Pure timing, tested without the model. Asked ``wants_everyone(t_s)`` for each frame:

    - while someone else has been found in the last ``gone_after_s`` seconds (2.0, > 0): every
      frame, so the person followed and the other are both tracked (``crowded``);
    - otherwise once every ``look_every_s`` seconds (> 0), from the first frame on, so someone who
      walks in is found within about that long.

    ``found(t_s, people)`` reports how many people a look for everyone found.
    """

    def __init__(self, look_every_s: float, gone_after_s: float = 2.0) -> None:
        for name, value in (("look_every_s", look_every_s), ("gone_after_s", gone_after_s)):
            if not (isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
                    and value > 0):
                raise ValueError(f"OthersWatch: {name} must be a time in seconds above 0, not {value!r}")
        self.look_every_s = float(look_every_s)
        self.gone_after_s = float(gone_after_s)
        self._next_look = -math.inf
        self._crowded_until = -math.inf

    def crowded(self, t_s: float) -> bool:
        return t_s < self._crowded_until

    def wants_everyone(self, t_s: float) -> bool:
        return self.crowded(t_s) or t_s >= self._next_look

    def found(self, t_s: float, people: int) -> None:
        if not self.crowded(t_s):
            self._next_look = t_s + self.look_every_s
        if people > 1:
            self._crowded_until = t_s + self.gone_after_s


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


def _video_landmarker(model_path: Path, settings: PoseSettings):
    """A MediaPipe PoseLandmarker in VIDEO mode (frames in order, each with a later timestamp)."""
    vision = import_mediapipe()
    from mediapipe.tasks.python.core.base_options import BaseOptions

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=settings.num_poses,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=settings.segmentation_masks,
    )
    try:
        with quiet_native_stderr():
            return vision.PoseLandmarker.create_from_options(options)
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
    """Synchronous estimator: one call per frame, timestamps must increase.

    ``settings`` default to ``PoseSettings()``: one pose (``FILE_POSES``).

    With more than one pose asked for (``settings.watches_for_others``) it holds two landmarkers:
    one that tracks a single person on most frames, and one asked for every pose, run when
    ``OthersWatch`` says so. A frame the second one ran on returns what it found when that is
    more than one person; otherwise the first one's result, so a lone person's landmarks always
    come from the same tracker.
    """

    def __init__(self, model_path: Path | None = None, settings: PoseSettings | None = None) -> None:
        self.model_path = check_model(model_path)
        self.settings = settings or PoseSettings()
        self._landmarker = self._one = None
        self._watch = OthersWatch(self.settings.look_for_others_s) if self.settings.watches_for_others else None
        self._landmarker = _video_landmarker(self.model_path, self.settings)
        if self._watch is not None:
            one = dataclasses.replace(self.settings, num_poses=1)
            self._one = _video_landmarker(self.model_path, one)
        self._last_ms = -1
        self._warmed = False
        self.everyone_runs = 0  # frames the model was asked for every pose (for benchmarks and tests)

    def detect(self, image_bgr: np.ndarray, t_s: float) -> KeyPoints | None:
        """The model's first pose, or None: for callers that want one person and no choice."""
        poses = self.detect_poses(image_bgr, t_s)
        return poses[0] if poses else None

    def detect_poses(self, image_bgr: np.ndarray, t_s: float) -> list[KeyPoints]:
        """Everyone the model found in this frame (at most ``settings.num_poses``), in its order."""
        ts_ms = max(int(round(t_s * 1000)), self._last_ms + 1)
        self._last_ms = ts_ms
        image = _mp_image(image_bgr)
        h, w = image_bgr.shape[:2]
        with quiet_native_stderr() if not self._warmed else contextlib.nullcontext():
            # (the first inference logs more start-up warnings)
            self._warmed = True
            watch = self._watch
            if watch is None:
                return _poses(self._landmarker.detect_for_video(image, ts_ms), w, h)
            one = None if watch.crowded(t_s) else _poses(self._one.detect_for_video(image, ts_ms), w, h)
            if not watch.wants_everyone(t_s):
                return one
            self.everyone_runs += 1
            everyone = _poses(self._landmarker.detect_for_video(image, ts_ms), w, h)
            watch.found(t_s, len(everyone))
            return everyone if one is None or len(everyone) > 1 else one

    def close(self) -> None:
        for name in ("_landmarker", "_one"):
            landmarker = getattr(self, name)
            if landmarker is not None:
                landmarker.close()
                setattr(self, name, None)

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LivePoseEstimator:
    """Asynchronous estimator for cameras: ``submit`` never waits for the model.

    A ``PoseEstimator`` runs on a thread of its own. While it works on a frame further frames are
    refused (``submit`` returns False), so the display runs at camera speed and the pose at the
    model's speed. ``settings`` default to two poses (``CAMERA_POSES``). A model error on that
    thread is raised by the next ``latest``.
    """

    def __init__(self, model_path: Path | None = None, settings: PoseSettings | None = None) -> None:
        self.settings = settings or PoseSettings(num_poses=CAMERA_POSES)
        self._estimator = PoseEstimator(model_path, self.settings)
        self.model_path = self._estimator.model_path
        self._cond = threading.Condition()
        self._job: tuple[np.ndarray, float] | None = None
        self._busy = False
        self._closed = False
        self._error: BaseException | None = None
        self._latest: tuple[float, list[KeyPoints]] | None = None
        self.updates = 0
        self._thread = threading.Thread(target=self._run, name="formcheck-pose", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._job is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                image, t_s = self._job
                self._job = None
            try:
                poses = self._estimator.detect_poses(image, t_s)
            except Exception as exc:  # handed to the caller by latest(); the thread ends
                with self._cond:
                    self._error, self._busy = exc, False
                return
            with self._cond:
                self._latest = (t_s, poses)
                self._busy = False
                self.updates += 1

    def submit(self, image_bgr: np.ndarray, t_s: float) -> bool:
        with self._cond:
            if self._busy or self._closed or self._error is not None:
                return False
            # A copy: the caller draws on its frame while the model still reads this one.
            self._job, self._busy = (image_bgr.copy(), t_s), True
            self._cond.notify()
        return True

    def latest(self) -> tuple[float, list[KeyPoints]] | None:
        """(timestamp of the frame it came from, everyone found in it) of the newest result."""
        with self._cond:
            if self._error is not None:
                raise self._error
            return self._latest

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()
        self._estimator.close()

    def __enter__(self) -> LivePoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
