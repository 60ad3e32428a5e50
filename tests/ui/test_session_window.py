"""`formcheck session` in a real window on a virtual X display (Xvfb), checked from a screenshot.

Skips where Xvfb is not installed (.ci/run installs it with apt-get where it can). Set
FORMCHECK_SCREENSHOT=PATH to keep the screenshot.
"""
import os
import shutil
import subprocess
import time

import numpy as np
import pytest

from formcheck.io.jsonl import read_jsonl

from support import TO_FIRST_EXERCISE, session_folder, start_session, wait_for, wait_for_session_folder

pytestmark = pytest.mark.model
SKELETON_RGB = np.array([100, 210, 255])  # drawing.NEAR_LIMB (BGR 255, 210, 100)
ARC_RGB = np.array([255, 220, 0])  # drawing.ARC


@pytest.fixture
def xvfb_display():
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()  # Xvfb writes its display number once it accepts clients
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def grab(display):
    from PIL import ImageGrab

    return np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB"))


def near(image, rgb, tolerance=40):
    return int((np.abs(image.astype(int) - rgb).max(axis=2) < tolerance).sum())


def test_the_window_shows_the_overlay(tmp_path, xvfb_display):
    keys = TO_FIRST_EXERCISE + [(13.0, "q"), (14.0, "space")]  # quit to the summary, then close it
    proc = start_session(tmp_path, keys, window=True, env={"DISPLAY": xvfb_display})
    try:
        wait_for_session_folder(tmp_path)
        log = session_folder(tmp_path) / "events.jsonl"
        wait_for(log, "setup_ok", timeout_s=15)
        before = grab(xvfb_display)  # the countdown; the window may not have painted yet
        painted_by = time.monotonic() + 5
        while before.max() == 0 and time.monotonic() < painted_by:
            time.sleep(0.2)
            before = grab(xvfb_display)
        best = None
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:  # tracking: skeleton, angle arc, gauge, rep counter
            time.sleep(0.5)
            shot = grab(xvfb_display)
            if best is None or near(shot, ARC_RGB) > near(best, ARC_RGB):
                best = shot
            if near(best, ARC_RGB) > 300 and near(best, SKELETON_RGB) > 500:
                break
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    if os.environ.get("FORMCHECK_SCREENSHOT"):
        from PIL import Image

        rows, cols = np.nonzero(best.max(axis=2) > 0)
        Image.fromarray(best[:rows.max() + 1, :cols.max() + 1]).save(os.environ["FORMCHECK_SCREENSHOT"])
    assert before.max() > 0, "the window never painted"
    assert near(best, SKELETON_RGB) > 500, "no skeleton drawn"
    assert near(best, ARC_RGB) > 300, "no angle arc drawn"
    records = read_jsonl(log)
    assert [r["type"] for r in records][-1] == "session_end" and records[-1]["reason"] == "quit"
