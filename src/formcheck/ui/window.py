"""The on-screen window: whether a display is there to open one, and the resizable window a
session shows its screens in (``WindowDisplay``: show a picture, get the key pressed)."""
from __future__ import annotations

import os
import sys

import cv2
import numpy as np

from formcheck.core.errors import FormcheckError
from formcheck.ui.keys import key_from_code

WINDOW = "formcheck"  # the window's title, shared by `formcheck live` and `formcheck session`
WINDOW_SCALE = 1.5  # the window starts this much larger than the camera picture: read from afar


def has_display() -> bool:
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def require_display() -> None:
    if not has_display():
        raise FormcheckError("No display is available for the window.",
                             "Run on a desktop session, or add --no-window to run headless.")


class WindowDisplay:
    def __init__(self) -> None:
        # GUI_NORMAL: no toolbar; NORMAL: the person can make the window as large as they like.
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        self._sized = False

    def show(self, image: np.ndarray) -> str | None:
        """Show ``image``; the name of the key pressed meanwhile, if any (``ui.keys``)."""
        if not self._sized:
            h, w = image.shape[:2]
            cv2.resizeWindow(WINDOW, round(w * WINDOW_SCALE), round(h * WINDOW_SCALE))
            self._sized = True
        cv2.imshow(WINDOW, image)
        return key_from_code(cv2.waitKey(1))

    @property
    def closed(self) -> bool:
        return self._sized and cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1

    def close(self) -> None:
        cv2.destroyAllWindows()
