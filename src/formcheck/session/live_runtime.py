"""The camera runtime shared by `formcheck live` and `formcheck session`: the live frame source (a
camera, or a video file played at real time), its camera retry policy, and the feed that hands
frames to the asynchronous model.

The camera retry policy, the same for both commands:

- The picture is lost when the camera stops sending (``CameraLost``) or a ``--source`` file
  played with ``at_end="stop"`` ends. The run pauses (the session shows "I've lost the camera")
  and logs ``camera_lost``.
- Every ``CAMERA_RETRY_S`` (2 s) it opens the source again; the session's ``r`` key retries at
  once. A retry fails when the source does not open, or opens and sends no picture; each failure
  is logged as ``camera_retry_failed`` with its attempt number.
- After ``CAMERA_RETRIES`` (3) failures it gives up and the run ends cleanly with its log intact:
  the session with reason ``camera_lost`` and its summary, `formcheck live` with its report.
- The first frame after a loss logs ``camera_back`` and the run goes on where it was.
- A source that cannot be opened at the start is not retried: that is an error before the run.

On a console (`formcheck live`) the policy says "<problem> Retrying (n/3)..." at the loss and at
each failed retry, and "The camera did not come back. ..." when it gives up.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from formcheck.core.errors import FormcheckError
from formcheck.core.keypoints import KeyPoints
from formcheck.io.sources import CameraLost, CameraSource, Frame, VideoFileSource

if TYPE_CHECKING:
    from formcheck.pose.estimators import LivePoseEstimator

CAMERA_RETRY_S = 2.0  # between attempts to get the picture back
CAMERA_RETRIES = 3  # failed attempts before the run ends
GAVE_UP = "The camera did not come back. Ending the session; everything so far is saved."
# What a --source file does when it ends: play again (like a camera that never stops), act like an
# unplugged camera (the retry policy runs, and fails), or end the run (`formcheck live`).
SOURCE_ENDS = ("loop", "stop", "end")


def paced(source) -> Iterator[Frame]:
    """Yield a file's frames no faster than real time, as a camera would deliver them."""
    start = time.monotonic()
    for frame in source:
        delay = frame.t_s - (time.monotonic() - start)
        if delay > 0:
            time.sleep(delay)
        yield frame


class LiveSource:
    """A run's picture: a camera, or a video file delivered at camera speed (see ``SOURCE_ENDS``)."""

    def __init__(self, camera: int = 0, path: Path | None = None, at_end: str = "loop") -> None:
        if at_end not in SOURCE_ENDS:
            raise ValueError(f"at_end must be one of {SOURCE_ENDS}, not {at_end!r}")
        self.camera, self.path, self.at_end = camera, path, at_end
        self.finished = False  # a file with at_end="end" has played: the run is over
        self._frames: Iterator[Frame] | None = None
        self._source = None
        self._ended = False

    @property
    def name(self) -> str:
        return str(self.path) if self.path else f"camera {self.camera}"

    @property
    def is_open(self) -> bool:
        return self._frames is not None

    def probe(self) -> None:
        """Raise ``FormcheckError`` now if there is no picture to be had (a missing, unreadable or
        empty file, an absent camera): commands check before they create anything."""
        if self.path is not None:
            with VideoFileSource(self.path) as probe:
                next(iter(probe))  # a file that opens but has no frame says so here
        else:
            CameraSource(self.camera).close()

    def open(self) -> None:
        """Raise ``FormcheckError`` if it cannot be opened (an unplugged camera, an ended file)."""
        self.close()
        if self.path is None:
            self._source = CameraSource(self.camera)
            self._frames = iter(self._source)
        elif self._ended:
            raise FormcheckError(f"The video source {self.path.name} has ended.", "")
        else:
            self._frames = self._file_frames()

    def _file_frames(self) -> Iterator[Frame]:
        while True:
            with VideoFileSource(self.path) as source:
                self._source = source
                yield from paced(source)
            if self.at_end == "end":
                self.finished = True
                return
            if self.at_end == "stop":
                self._ended = True
                raise CameraLost(f"The video source {self.path.name} ended.", "")

    def read(self) -> Frame | None:
        """The next frame; ``CameraLost`` when the picture has gone, None once ``finished``."""
        return next(self._frames, None)

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()  # a generator: closing it releases the file it is reading
            self._frames = None
        if self._source is not None:
            self._source.close()
            self._source = None


class PoseFeed:
    """Hands frames to a ``LivePoseEstimator`` and each new result out exactly once."""

    def __init__(self, estimator: LivePoseEstimator) -> None:
        self.estimator = estimator
        self.updates = 0
        self._last_t = float("-inf")

    def push(self, image, t_s: float) -> tuple[float, list[KeyPoints]] | None:
        """Submit a frame (skipped while the model is busy); the newest unseen result, if any:
        (capture time, everyone the model found in that frame)."""
        self.estimator.submit(image, t_s)
        latest = self.estimator.latest()
        if latest is None or latest[0] <= self._last_t:
            return None
        self._last_t = latest[0]
        self.updates += 1
        return latest


class CameraWatch(Protocol):
    """What ``next_frame`` reports to: a ``CameraRecovery``, or the session (which keeps one)."""

    @property
    def camera_is_lost(self) -> bool: ...

    def camera_retry_due(self, now: float) -> bool: ...

    def camera_lost(self, now: float, message: str) -> None: ...

    def camera_retry_failed(self, now: float) -> None: ...

    def camera_back(self, now: float) -> None: ...


class CameraRecovery:
    """The retry policy's bookkeeping (module docstring): a clock in, log records out, no I/O.

    ``log`` gets the records (``camera_lost`` with ``context``, ``camera_retry_failed``,
    ``camera_back``); ``say``, if given, a line for a console. ``gave_up`` is set once the
    retries are used up: the caller ends its run.
    """

    def __init__(self, log: Callable[[dict], None], *, retry_s: float = CAMERA_RETRY_S,
                 retries: int = CAMERA_RETRIES, say: Callable[[str], None] | None = None) -> None:
        self.log, self.say = log, say
        self.retry_s, self.retries = retry_s, retries
        self.lost = False  # from a loss until the picture is back or the retries are used up
        self.gave_up = False
        self.message = ""  # what went wrong, in words
        self.failures = 0  # failed attempts since the loss
        self.next_retry = 0.0
        self.retry_now = False

    @property
    def camera_is_lost(self) -> bool:
        return self.lost

    @property
    def attempt(self) -> int:
        """The number of the next attempt, 1-based."""
        return self.failures + 1

    def seconds_to_retry(self, now: float) -> int:
        return max(0, math.ceil(self.next_retry - now))

    def camera_lost(self, now: float, message: str, **context) -> None:
        if not self.lost:
            self.log({"type": "camera_lost", "message": message, **context})
        self.lost, self.message, self.failures = True, message, 0
        self.next_retry = now + self.retry_s
        self._say(f"{message} Retrying ({self.attempt}/{self.retries})...")

    def request_retry(self) -> None:
        """Retry at the next chance rather than when the wait is over."""
        self.retry_now = self.lost

    def camera_retry_due(self, now: float) -> bool:
        return self.lost and (self.retry_now or now >= self.next_retry)

    def camera_retry_failed(self, now: float) -> None:
        self.retry_now = False
        self.failures += 1
        self.log({"type": "camera_retry_failed", "attempt": self.failures})
        if self.failures >= self.retries:
            self.lost, self.gave_up = False, True
            self._say(GAVE_UP)
        else:
            self.next_retry = now + self.retry_s
            self._say(f"{self.message} Retrying ({self.attempt}/{self.retries})...")

    def camera_back(self, now: float) -> None:
        if self.lost:
            self.lost = self.retry_now = False
            self.log({"type": "camera_back"})

    def _say(self, line: str) -> None:
        if self.say is not None:
            self.say(line)


def next_frame(source: LiveSource, camera: CameraWatch, clock: Callable[[], float]) -> Frame | None:
    """The next frame, with the retry policy applied; None while the picture is gone (and once
    ``source.finished``). ``clock`` gives the run's time for ``camera``."""
    if not source.is_open and camera.camera_retry_due(clock()):
        try:
            source.open()
        except FormcheckError:
            camera.camera_retry_failed(clock())
    if not source.is_open:
        return None
    try:
        frame = source.read()
    except CameraLost as exc:
        source.close()
        if camera.camera_is_lost:
            camera.camera_retry_failed(clock())
        else:
            camera.camera_lost(clock(), exc.problem)
        return None
    if frame is not None and camera.camera_is_lost:
        camera.camera_back(clock())
    return frame
