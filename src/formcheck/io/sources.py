"""Frame sources: a camera, a video file or a folder of images, each yielding timestamped frames.

Every source is an iterator of ``Frame`` and a context manager. Timestamps are real: the
container's presentation time for files, a monotonic clock for cameras, ``index / fps`` for
image folders (which have no clock of their own).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.core.errors import FormcheckError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
DEFAULT_MAX_SIDE = 960  # frames larger than this are scaled down: the model sees 256 px anyway


@dataclass
class Frame:
    index: int
    t_s: float
    image: np.ndarray  # BGR, uint8, H x W x 3


class CameraLost(FormcheckError):
    """The camera stopped delivering frames (unplugged, taken by another program)."""


def fitted_size(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    """(width, height) after scaling so the longer side is at most ``max_side``."""
    w, h = size
    if not max_side or max(w, h) <= max_side or min(w, h) <= 0:
        return size
    scale = max_side / max(w, h)
    return round(w * scale), round(h * scale)


def _fit(image: np.ndarray, max_side: int | None) -> np.ndarray:
    h, w = image.shape[:2]
    size = fitted_size((w, h), max_side)
    if size == (w, h):
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class FrameSource:
    """Base class: iterate to get frames; ``fps`` is the nominal rate (0 if unknown)."""

    fps: float = 0.0
    frame_count: int = 0  # 0 if unknown (cameras)
    name: str = ""

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoFileSource(FrameSource):
    def __init__(self, path: str | Path, max_side: int | None = DEFAULT_MAX_SIDE) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.max_side = max_side
        if not self.path.exists():
            raise FormcheckError(f"Video not found: {self.path}.", "Check the path and try again.")
        if self.path.is_dir():
            raise FormcheckError(f"{self.path} is a folder, not a video file.",
                                 "Give a video file, or use a folder of images with --source.")
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            raise FormcheckError(f"Cannot read {self.path} as a video.",
                                 "Use an .mp4, .mov, .avi or .webm file that plays in a video player.")
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not (0.5 < self.fps < 1000):
            self.fps = 30.0  # unknown rate: timestamps still come from the container when it has them
        self.frame_count = max(int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0), 0)
        self.size = (int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self.analysed_size = fitted_size(self.size, max_side)

    @property
    def scaled(self) -> bool:
        """Whether frames are scaled down for analysis (and so in the annotated video)."""
        return self.analysed_size != self.size

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, first: int = 0) -> Iterator[Frame]:
        """Frames from index ``first`` on (earlier ones are skipped undecoded where the codec
        allows, with their timestamps counted, so every frame keeps the time a full read gives)."""
        index = 0
        last_t = -1.0
        while True:
            if index < first:
                ok, image = self._cap.grab(), None
            else:
                ok, image = self._cap.read()
                ok = ok and image is not None
            if not ok:
                break
            t_ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
            t = t_ms / 1000.0 if t_ms and t_ms > 0 else index / self.fps
            if t <= last_t:  # broken or missing container timestamps: fall back to the nominal rate
                t = last_t + 1.0 / self.fps
            last_t = t
            if image is not None:
                yield Frame(index, t, _fit(image, self.max_side))
            index += 1
        if index == 0:
            raise FormcheckError(f"{self.path} has no video frames that can be decoded.",
                                 "Check that the file is a complete, playable video.")

    def close(self) -> None:
        self._cap.release()


class ImageFolderSource(FrameSource):
    def __init__(self, path: str | Path, fps: float = 15.0, max_side: int | None = DEFAULT_MAX_SIDE) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.fps = fps
        self.max_side = max_side
        self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise FormcheckError(f"No images found in {self.path}.",
                                 f"Put frames there as {', '.join(sorted(IMAGE_SUFFIXES))} files.")
        self.frame_count = len(self.files)

    def __iter__(self) -> Iterator[Frame]:
        for index, file in enumerate(self.files):
            image = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if image is None:
                raise FormcheckError(f"Cannot read image {file}.", "Remove or replace the damaged file.")
            yield Frame(index, index / self.fps, _fit(image, self.max_side))


class CameraSource(FrameSource):
    """A webcam. Iteration raises ``CameraLost`` if frames stop arriving."""

    def __init__(self, index: int = 0, width: int = 640, height: int = 480, timeout_s: float = 2.0) -> None:
        self.index = index
        self.name = f"camera {index}"
        self.timeout_s = timeout_s
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            raise FormcheckError(f"Cannot open camera {index}.",
                                 "Check it is plugged in and not used by another program, or try --camera 1.")
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        last_ok = start
        while True:
            ok, image = self._cap.read()
            now = time.monotonic()
            if not ok or image is None:
                if now - last_ok > self.timeout_s:
                    raise CameraLost(f"Camera {self.index} stopped sending pictures.",
                                     "Check the cable, then press r to retry or q to finish.")
                time.sleep(0.01)
                continue
            last_ok = now
            yield Frame(index, now - start, image)
            index += 1

    def close(self) -> None:
        self._cap.release()


def open_source(spec: str | int | Path, *, fps: float = 15.0, max_side: int | None = DEFAULT_MAX_SIDE) -> FrameSource:
    """A camera index ("0"), a folder of images, or a video file."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec))
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path, fps=fps, max_side=max_side)
    return VideoFileSource(path, max_side=max_side)
