"""Draw the overlay and encode the annotated video on a background thread.

Inference holds one core; drawing and H.264 encoding (about 5 ms of CPU a frame together at
640x480) run on the other instead of lengthening every step of the analysis loop. The queue is
bounded, so a slow encoder slows the loop down rather than filling memory.
"""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

from formcheck.io.video_writer import VideoWriter
from formcheck.ui.overlay import OverlayRenderer

_STOP = object()


class AnnotatedVideoSink:
    def __init__(self, path: Path, fps: float, renderer: OverlayRenderer | None = None, max_queue: int = 16) -> None:
        self._writer = VideoWriter(path, fps)
        self._renderer = renderer or OverlayRenderer()
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._error: BaseException | None = None
        self.cpu_s = 0.0  # CPU time spent drawing and encoding (thread time)
        self.frames = 0
        self._thread = threading.Thread(target=self._run, name="formcheck-video", daemon=True)
        self._thread.start()

    def write(self, image, keypoints, angles, feedback, status: str = "") -> None:
        """Queue a frame; ``image`` is drawn on in place, so the caller must be done with it."""
        if self._error is not None:
            raise self._error
        self._queue.put((image, keypoints, angles, feedback, status))

    def _run(self) -> None:
        start = time.thread_time()
        try:
            while (item := self._queue.get()) is not _STOP:
                if self._error is None:
                    image, keypoints, angles, feedback, status = item
                    self._writer.write(self._renderer.render(image, keypoints, angles, feedback, status=status))
                    self.frames += 1
        except BaseException as exc:  # re-raised in the caller's thread
            self._error = exc
            while self._queue.get() is not _STOP:  # drain so write()/close() never block
                pass
        finally:
            self.cpu_s = time.thread_time() - start

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        self._writer.close()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> AnnotatedVideoSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
