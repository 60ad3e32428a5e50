"""A dependency-free progress bar on stderr (redrawn in place on a terminal, sparse in logs)."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str = "", stream=None, width: int = 30, unit: str = "frames") -> None:
        self.total = max(total, 0)
        self.unit = unit
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._last_quarter = -1

    def update(self, done: int, media_s: float = 0.0) -> None:
        now = time.perf_counter()
        elapsed = now - self.start
        speed = f" {media_s / elapsed:4.1f}x real time" if elapsed > 0 and media_s > 0 else ""
        if self.total:
            frac = min(done / self.total, 1.0)
            bar = "#" * int(frac * self.width)
            text = f"{self.label} [{bar:<{self.width}}] {frac:4.0%} {done}/{self.total} {self.unit}{speed}"
        else:
            frac, text = 0.0, f"{self.label} {done} {self.unit}{speed}"
        if self.tty:
            if now - self._last_draw >= 0.1:
                self.stream.write("\r" + text)
                self.stream.flush()
                self._last_draw = now
        else:  # logs: a line at each quarter, not thousands of carriage returns
            quarter = int(frac * 4)
            if quarter > self._last_quarter:
                self._last_quarter = quarter
                self.stream.write(text + "\n")
                self.stream.flush()

    def close(self, done: int, media_s: float = 0.0) -> None:
        self._last_draw = 0.0
        self.update(done, media_s)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
