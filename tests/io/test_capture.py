import cv2
import numpy as np
import pytest

from formcheck.core.errors import FormcheckError
from formcheck.io.sources import VideoFileSource, open_source

from support import SAMPLES


def test_video_file_frames_have_increasing_real_timestamps():
    with VideoFileSource(SAMPLES / "standing_still.mp4") as source:
        frames = list(source)
    assert source.fps == pytest.approx(15.0)
    assert len(frames) == 15
    t = np.array([f.t_s for f in frames])
    assert np.all(np.diff(t) > 0)
    assert np.diff(t).mean() == pytest.approx(1 / 15, rel=0.05)
    assert frames[0].image.shape == (480, 640, 3)


def test_large_frames_are_scaled_down(tmp_path):
    path = tmp_path / "big.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (1920, 1080))
    for _ in range(3):
        writer.write(np.zeros((1080, 1920, 3), np.uint8))
    writer.release()
    with VideoFileSource(path, max_side=960) as source:
        assert next(iter(source)).image.shape == (540, 960, 3)


def test_image_folder(tmp_path):
    for i in range(4):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((48, 64, 3), i * 40, np.uint8))
    frames = list(open_source(tmp_path, fps=10))
    assert [f.t_s for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert frames[2].image[0, 0, 0] == 80


@pytest.mark.parametrize("make, words", [
    (lambda p: p / "missing.mp4", "not found"),
    (lambda p: (p / "notes.mp4").write_text("hello") and p / "notes.mp4", "Cannot read"),
    (lambda p: p, "No images found"),
])
def test_bad_sources_raise_clear_errors(tmp_path, make, words):
    with pytest.raises(FormcheckError, match=words):
        src = open_source(make(tmp_path))
        list(src)


@pytest.mark.parametrize("size, max_side, expected", [
    ((3840, 2160), 960, (960, 540)),
    ((1080, 1920), 960, (540, 960)),
    ((640, 480), 960, (640, 480)),
    ((640, 480), None, (640, 480)),
])
def test_large_frames_are_scaled_and_say_so(size, max_side, expected):
    from formcheck.io.sources import fitted_size

    assert fitted_size(size, max_side) == expected


def test_a_video_source_reports_its_own_and_its_analysed_size(tmp_path):
    import numpy as np

    from formcheck.io.sources import VideoFileSource
    from formcheck.io.video_writer import VideoWriter

    clip = tmp_path / "uhd.mp4"
    with VideoWriter(clip, 5) as writer:
        for _ in range(3):
            writer.write(np.zeros((2160, 3840, 3), np.uint8))
    with VideoFileSource(clip) as source:
        assert source.size == (3840, 2160) and source.analysed_size == (960, 540) and source.scaled
        assert next(iter(source)).image.shape[:2] == (540, 960)


@pytest.mark.parametrize("first", [0, 1, 7, 14, 15, 40])
def test_frames_from_a_later_index_keep_the_times_and_pictures_of_a_full_read(first):
    with VideoFileSource(SAMPLES / "standing_still.mp4") as source:
        full = list(source)
    with VideoFileSource(SAMPLES / "standing_still.mp4") as source:
        later = list(source.frames(first))
    assert [f.index for f in later] == list(range(first, len(full)))
    for a, b in zip(full[first:], later, strict=True):
        assert a.t_s == b.t_s and np.array_equal(a.image, b.image)
