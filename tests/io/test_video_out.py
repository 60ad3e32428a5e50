"""VideoWriter: browser-playable H.264 mp4 (yuv420p, faststart, even size, exact timestamps)."""
from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.core.errors import FormcheckError
from formcheck.io.video_writer import VideoWriter, frame_rate


def moving_rectangle(n: int, width: int, height: int) -> list[np.ndarray]:
    """Grey background with a red 20x20 square moving right by 4 px per frame."""
    frames = []
    for i in range(n):
        img = np.full((height, width, 3), 60, np.uint8)
        x = (4 * i) % max(1, width - 20)
        img[10:30, x:x + 20] = (0, 0, 255)
        frames.append(img)
    return frames


def top_level_boxes(path: Path) -> list[str]:
    """Types of the top-level MP4 boxes, in file order."""
    data = path.read_bytes()
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1:  # 64-bit size follows the type
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:  # box runs to the end of the file
            size = len(data) - pos
        assert size >= 8, f"corrupt box at offset {pos}"
        boxes.append(kind.decode("latin-1"))
        pos += size
    assert pos == len(data), "boxes do not tile the file"
    return boxes


def read_back(path: Path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        info = dict(codec=stream.codec_context.name, pix_fmt=stream.codec_context.pix_fmt,
                    width=stream.codec_context.width, height=stream.codec_context.height,
                    rate=stream.average_rate)
        frames = [(f.time, f.to_ndarray(format="bgr24")) for f in container.decode(stream)]
    return info, frames


def no_leftovers(folder: Path, keep: set[str]) -> bool:
    return {p.name for p in folder.iterdir()} == keep


@pytest.mark.parametrize("fps, width, height, rate", [
    (15, 640, 480, Fraction(15)),
    (29.97, 640, 480, Fraction(30000, 1001)),
    (15, 641, 481, Fraction(15)),  # odd size: cropped to 640x480
    (29.97, 99, 75, Fraction(30000, 1001)),
    (Fraction(25, 2), 320, 240, Fraction(25, 2)),
])
def test_writes_browser_playable_h264(tmp_path, fps, width, height, rate):
    path = tmp_path / "out.mp4"
    n = 30
    with VideoWriter(path, fps) as video:
        for frame in moving_rectangle(n, width, height):
            video.write(frame)
    assert video.frame_count == n
    assert no_leftovers(tmp_path, {"out.mp4"})

    info, frames = read_back(path)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (width - width % 2, height - height % 2)
    assert info["rate"] == rate
    assert len(frames) == n
    times = np.array([t for t, _ in frames])
    np.testing.assert_allclose(times, np.arange(n) / float(rate), atol=1e-4)

    # The content survives: the red square is where it was drawn in frame 5.
    img = frames[5][1].astype(int)
    x = (4 * 5) % max(1, width - 20)
    b, g, r = img[20, x + 10]
    assert r > 180 and g < 80 and b < 80
    assert abs(img[height // 2, width // 2] - 60).max() < 10

    boxes = top_level_boxes(path)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), f"moov after mdat: {boxes}"


def test_deblocking_filter_is_on(tmp_path):
    """The fast preset turns x264's deblocking filter off (a blocky picture); the writer turns it
    back on. x264 writes its settings into the stream, so the file says which it used."""
    path = tmp_path / "settings.mp4"
    with VideoWriter(path, 15) as video:
        for frame in moving_rectangle(5, 64, 48):
            video.write(frame)
    settings = path.read_bytes()
    assert b"deblock=1:0:0" in settings
    assert b"x264" in settings


def test_size_given_resizes_other_frames(tmp_path):
    path = tmp_path / "resized.mp4"
    with VideoWriter(path, 15, size=(321, 240)) as video:
        video.write(np.zeros((480, 640, 3), np.uint8))  # larger
        video.write(np.zeros((100, 100, 3), np.uint8))  # smaller, other aspect
        video.write(np.zeros((240, 321), np.uint8))  # grey
        video.write(np.zeros((240, 321, 4), np.uint8))  # BGRA
    assert video.output_size == (320, 240)
    info, frames = read_back(path)
    assert (info["width"], info["height"]) == (320, 240)
    assert len(frames) == 4


def test_zero_frames_leaves_no_file(tmp_path):
    path = tmp_path / "empty.mp4"
    with VideoWriter(path, 30) as video:
        pass
    assert video.close() is None  # second close is harmless
    assert not path.exists()
    assert no_leftovers(tmp_path, set())


def test_close_returns_path_and_is_idempotent(tmp_path):
    video = VideoWriter(tmp_path / "a.mp4", 15)
    video.write(np.zeros((64, 64, 3), np.uint8))
    assert video.close() == tmp_path / "a.mp4"
    assert video.close() == tmp_path / "a.mp4"
    with pytest.raises(ValueError):
        video.write(np.zeros((64, 64, 3), np.uint8))


def test_error_inside_block_keeps_a_playable_partial_video(tmp_path):
    path = tmp_path / "interrupted.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(path, 15) as video:
            for frame in moving_rectangle(5, 64, 48):
                video.write(frame)
            raise RuntimeError("analysis crashed")
    _, frames = read_back(path)
    assert len(frames) == 5
    assert no_leftovers(tmp_path, {"interrupted.mp4"})


def test_creates_missing_output_folder(tmp_path):
    path = tmp_path / "new" / "deeper" / "out.mp4"
    with VideoWriter(path, 15) as video:
        video.write(np.zeros((48, 64, 3), np.uint8))
    assert path.is_file()


@pytest.mark.parametrize("make_path", [
    lambda tmp: (tmp / "a_file.txt", "out.mp4"),  # folder is a regular file
    lambda tmp: (tmp / "a_file.txt", "sub/out.mp4"),  # folder would be under a regular file
    lambda tmp: (tmp, "a_folder"),  # target is an existing folder
], ids=["parent-is-file", "ancestor-is-file", "target-is-folder"])
def test_unwritable_path_raises_formcheck_error(tmp_path, make_path):
    (tmp_path / "a_file.txt").write_text("not a folder")
    (tmp_path / "a_folder").mkdir()
    base, name = make_path(tmp_path)
    with pytest.raises(FormcheckError) as excinfo:
        VideoWriter(base / name, 30)
    assert excinfo.value.fix  # tells the user what to do


@pytest.mark.parametrize("fps, expected", [
    (15, Fraction(15)),
    (30.0, Fraction(30)),
    (29.97, Fraction(30000, 1001)),
    (29.97002997, Fraction(30000, 1001)),
    (23.976, Fraction(24000, 1001)),
    (59.94, Fraction(60000, 1001)),
    (12.5, Fraction(25, 2)),
    (Fraction(30000, 1001), Fraction(30000, 1001)),
])
def test_frame_rate(fps, expected):
    assert frame_rate(fps) == expected


@pytest.mark.parametrize("fps", [0, -5, float("nan"), float("inf")])
def test_bad_fps_rejected(tmp_path, fps):
    with pytest.raises(ValueError):
        VideoWriter(tmp_path / "x.mp4", fps)


@pytest.mark.parametrize("frame", [
    np.zeros((48, 64, 3), np.float32),
    np.zeros((48, 64, 2), np.uint8),
], ids=["float", "two-channel"])
def test_bad_frames_rejected(tmp_path, frame):
    with VideoWriter(tmp_path / "x.mp4", 15) as video:
        with pytest.raises(ValueError):
            video.write(frame)
    assert not (tmp_path / "x.mp4").exists()
