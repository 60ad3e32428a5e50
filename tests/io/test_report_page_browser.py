"""``report.html`` in a real browser: headless Chromium (Debian's ``chromium`` package; `.ci/run`
installs it) loads the page from disk, plays the annotated H.264 video and shows every repetition.

The page notes on its ``<video>`` what the browser made of the file (``data-ready`` = the
element's readyState, ``data-error``), so ``--dump-dom`` shows it. Skipped where Chromium is missing.
"""
import json
import re
import shutil
import subprocess

import cv2
import pytest

from formcheck.commands.cli import main

from support import SAMPLES, replay_analyze

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                                         "(apt-get install chromium; .ci/run does)")


def chromium(tmp_path, url, *args):
    """Run headless Chromium on ``url``; its own profile folder, no sandbox (CI runs as root)."""
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={profile}", "--virtual-time-budget=8000", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def video_state(dom: str) -> dict:
    tag = re.search(r"<video[^>]*>", dom).group(0)
    return dict(re.findall(r'data-(\w+)="([^"]*)"', tag))


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "out"
    with pytest.MonkeyPatch.context() as mp:
        replay_analyze(mp)
        assert main(["analyze", str(SAMPLES / "bridge_overarch.mp4"), "-e", "bridge", "-o", str(out), "-q",
                     "--no-history"]) == 0
    return out


def test_the_video_plays_and_the_table_has_every_rep(analysed, tmp_path):
    report = json.loads((analysed / "report.json").read_text())
    result = chromium(tmp_path, (analysed / "report.html").as_uri(), "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    state = video_state(dom)
    assert "error" not in state, state
    assert int(state["ready"]) >= 1  # HAVE_METADATA or better: the browser decoded the file's header
    assert abs(float(state["duration"]) - report["duration_s"]) < 0.2
    assert int(state["width"]) == report["frame_size"]["analysed"][0]
    assert re.search(r'<span id="video-error" hidden', dom)  # the "cannot play" line stays hidden
    rows = re.findall(r'<tr class="rep">', dom)
    assert len(rows) == report["reps"] == 2


def test_a_screenshot_shows_the_page(analysed, tmp_path):
    shot = tmp_path / "page.png"
    result = chromium(tmp_path, (analysed / "report.html").as_uri(), f"--screenshot={shot}",
                      "--window-size=1000,1400")
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (1400, 1000)
    assert image.std() > 20  # not a blank page: text, the video's first frame, the table


def test_an_undecodable_video_is_reported_on_the_page(analysed, tmp_path):
    """The control for the test above: the same page over a file that is not a video."""
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(analysed / "report.html", broken / "report.html")
    (broken / "annotated.mp4").write_bytes(b"this is not a video" * 100)
    dom = chromium(tmp_path, (broken / "report.html").as_uri(), "--dump-dom").stdout
    assert "error" in video_state(dom)
    assert not re.search(r'<span id="video-error" hidden', dom)  # "This browser cannot play it" is shown
