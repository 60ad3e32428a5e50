"""Keep MediaPipe's native log lines off the user's terminal.

MediaPipe and TensorFlow Lite write C++ log lines ("W0000 00:00:... calculator.cc:81] ...")
straight to file descriptor 2, from their own threads, at moments Python cannot predict (the
first person found in live mode). They mean nothing to a patient. While the CLI runs, fd 2 goes
through a pipe whose reader drops those lines and passes everything else on unchanged.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

NATIVE_LINE = re.compile(
    rb"^(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]"  # absl/glog: W0000 00:00:17.5  123 x.cc:81]
    rb"|WARNING: Logging before InitGoogle"
    rb"|INFO: Created TensorFlow Lite"
    rb"|WARNING: Read-only tensor)")


@contextlib.contextmanager
def filter_native_logs():
    try:
        saved = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:  # no usable stderr: nothing to filter
        yield
        return
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:  # ends when every write end (fd 2 and its copies) is closed
                if not NATIVE_LINE.match(line):
                    os.write(saved, line)

    reader = threading.Thread(target=pump, name="formcheck-stderr", daemon=True)
    reader.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes our write end: the reader drains what is left and stops
        reader.join(timeout=2.0)  # a child process still holding the pipe must not hang us
        os.close(saved)
