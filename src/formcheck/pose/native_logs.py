"""Keep native libraries' output off the user's terminal.

MediaPipe, TensorFlow Lite, FFmpeg (inside OpenCV) and OpenCV's camera probing write straight to
file descriptor 2 from C++, often from their own threads, at moments Python cannot predict
("W0000 00:00:... calculator.cc:81]", "INFO: [accelerator_registry.cc:43] DestroyAccelerator",
"moov atom not found", "VIDEOIO(V4L2:/dev/video7): can't open camera by index"). None of it means
anything to a patient, and formcheck reports every problem itself in one line.

While the CLI runs, fd 2 goes into a pipe whose reader keeps the native lines in memory (the last
``KEEP_LINES``, for a crash report) and passes none of them on. Python's own ``sys.stderr`` is
pointed at the real terminal, so formcheck's messages and progress bars are written directly, in
order. ``FORMCHECK_NATIVE_LOGS=1`` lets everything through, for debugging.
"""
from __future__ import annotations

import collections
import contextlib
import io
import os
import sys
import threading

KEEP_LINES = 200

# Read by the libraries when they start: quieter at the source, so less goes through the pipe.
QUIET_ENV = {
    "GLOG_minloglevel": "2",  # MediaPipe (glog/absl): errors and worse only
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow Lite
    "OPENCV_LOG_LEVEL": "OFF",  # OpenCV's own logger (camera probing)
    "OPENCV_VIDEOIO_DEBUG": "0",
    "OPENCV_FFMPEG_LOGLEVEL": "-8",  # AV_LOG_QUIET: FFmpeg inside OpenCV ("moov atom not found")
}


def quiet_environment() -> None:
    """Ask the native libraries to log less; call before they are imported."""
    if os.environ.get("FORMCHECK_NATIVE_LOGS") == "1":
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


class NativeLog:
    """The native lines seen while ``filter_native_logs`` was active (newest last)."""

    def __init__(self) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=KEEP_LINES)
        self.count = 0

    def add(self, line: bytes) -> None:
        self.lines.append(line.decode("utf-8", "replace").rstrip("\n"))
        self.count += 1


def _real_stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None  # replaced by a test harness or an IDE: leave it alone


@contextlib.contextmanager
def filter_native_logs():
    """Drop native writes to fd 2 for the duration; yields the ``NativeLog`` of what was dropped."""
    log = NativeLog()
    if os.environ.get("FORMCHECK_NATIVE_LOGS") == "1":
        yield log
        return
    try:
        saved = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:  # no usable stderr: nothing to filter
        yield log
        return
    sys.stderr.flush()
    python_stderr = sys.stderr
    if _real_stderr_fd() == 2:
        # formcheck's own lines go straight to the terminal, not through the pipe.
        sys.stderr = open(os.dup(saved), "w", encoding=python_stderr.encoding or "utf-8",
                          errors="backslashreplace", buffering=1)
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:  # ends when every write end (fd 2 and its copies) is closed
                log.add(line)

    reader = threading.Thread(target=pump, name="formcheck-native-logs", daemon=True)
    reader.start()
    try:
        yield log
    finally:
        sys.stderr.flush()
        if sys.stderr is not python_stderr:
            sys.stderr.close()
            sys.stderr = python_stderr
        os.dup2(saved, 2)  # closes our write end: the reader drains what is left and stops
        reader.join(timeout=2.0)  # a child process still holding the pipe must not hang us
        os.close(saved)
