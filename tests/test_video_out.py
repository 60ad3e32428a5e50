"""H.264 output that browsers play: codec, pixel format, faststart, sizes, failure modes."""
import struct
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.video_out import VideoWriter, frame_rate


def frames(n, h=120, w=160):
    for i in range(n):
        img = np.zeros((h, w, 3), np.uint8)
        img[20:60, (i * 3) % (w - 40):(i * 3) % (w - 40) + 40] = (0, 200, 255)
        yield img


def top_level_boxes(path: Path) -> list[str]:
    data, boxes, i = path.read_bytes(), [], 0
    while i + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        boxes.append(kind.decode("latin-1"))
        if size == 1:
            size = struct.unpack(">Q", data[i + 8:i + 16])[0]
        if size < 8:
            break
        i += size
    return boxes


@pytest.mark.parametrize("fps, size", [(15, (160, 120)), (29.97, (160, 120)), (15, (161, 121))])
def test_writes_browser_playable_h264(tmp_path, fps, size):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, fps) as writer:
        for img in frames(30, h=size[1], w=size[0]):
            writer.write(img)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        decoded = list(container.decode(video=0))
    assert len(decoded) == 30
    assert decoded[0].width % 2 == 0 and decoded[0].height % 2 == 0
    assert abs(decoded[0].width - size[0]) <= 1 and abs(decoded[0].height - size[1]) <= 1
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart


def test_exact_ntsc_rate():
    assert frame_rate(29.97).denominator == 1001 and frame_rate(15) == 15


def test_zero_frames_leaves_no_file(tmp_path):
    path = tmp_path / "none.mp4"
    VideoWriter(path, 15).close()
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FormcheckError):
        VideoWriter(blocker / "out.mp4", 15)
