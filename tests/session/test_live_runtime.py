"""The camera runtime shared by `formcheck live` and `formcheck session`: one retry policy (no model)."""
import cv2
import numpy as np
import pytest

from formcheck.core.errors import FormcheckError
from formcheck.io.sources import CameraLost, Frame
from formcheck.session.live_runtime import (
    CAMERA_RETRIES,
    CAMERA_RETRY_S,
    GAVE_UP,
    CameraRecovery,
    LiveSource,
    next_frame,
)
from formcheck.session.types import Timings


class FakeSource:
    """A camera that sends ``frames`` pictures, then stops; ``opens`` says whether each reopen works."""

    def __init__(self, frames=2, opens=()):
        self.frames, self.opens = frames, list(opens)
        self.is_open = True
        self.finished = False

    def open(self):
        if not (self.opens.pop(0) if self.opens else False):
            raise FormcheckError("Cannot open camera 0.")
        self.is_open, self.frames = True, 1

    def read(self):
        if self.frames == 0:
            raise CameraLost("Camera 0 stopped sending pictures.")
        self.frames -= 1
        return Frame(0, 0.0, np.zeros((4, 4, 3), np.uint8))

    def close(self):
        self.is_open = False


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def run(source, recovery, clock, steps=100, dt=0.5):
    got = []
    for _ in range(steps):
        if recovery.gave_up:
            break
        got.append(next_frame(source, recovery, clock) is not None)
        clock.t += dt
    return got


def test_a_camera_that_does_not_come_back_is_retried_three_times_then_given_up():
    records, said, clock = [], [], Clock()
    recovery = CameraRecovery(records.append, say=said.append)
    got = run(FakeSource(frames=2), recovery, clock)
    assert got[:3] == [True, True, False] and not any(got[3:])
    assert [r["type"] for r in records] == ["camera_lost"] + ["camera_retry_failed"] * CAMERA_RETRIES
    assert [r["attempt"] for r in records[1:]] == [1, 2, 3]
    assert recovery.gave_up and said[-1] == GAVE_UP
    assert said[0] == "Camera 0 stopped sending pictures. Retrying (1/3)..."
    assert clock.t == pytest.approx(1.0 + CAMERA_RETRIES * CAMERA_RETRY_S + 0.5)  # a retry every 2 s


def test_a_camera_that_comes_back_goes_on_and_a_new_loss_starts_the_count_again():
    records, clock = [], Clock()
    recovery = CameraRecovery(records.append)
    got = run(FakeSource(frames=1, opens=[False, True]), recovery, clock)
    assert [r["type"] for r in records] == ["camera_lost", "camera_retry_failed", "camera_back", "camera_lost",
                                            "camera_retry_failed", "camera_retry_failed", "camera_retry_failed"]
    assert [r["attempt"] for r in records if r["type"] == "camera_retry_failed"] == [1, 1, 2, 3]  # counted afresh
    assert got.count(True) == 2 and recovery.gave_up


def test_a_camera_that_opens_but_sends_nothing_is_a_failed_retry():
    records, clock = [], Clock()
    recovery = CameraRecovery(records.append)
    source = FakeSource(frames=0, opens=[True, True, True])
    source.open = lambda: setattr(source, "is_open", True)  # opens, never sends a picture
    run(source, recovery, clock)
    assert [r["type"] for r in records] == ["camera_lost"] + ["camera_retry_failed"] * CAMERA_RETRIES
    assert recovery.gave_up


def test_the_session_uses_the_same_policy():
    assert (Timings().camera_retry_s, Timings().camera_retries) == (CAMERA_RETRY_S, CAMERA_RETRIES) == (2.0, 3)


def short_clip(path, frames=5):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (64, 48))
    for i in range(frames):
        writer.write(np.full((48, 64, 3), 40 * i, np.uint8))
    writer.release()
    return path


def test_a_file_source_ends_loops_or_stops_like_an_unplugged_camera(tmp_path):
    clip = short_clip(tmp_path / "short.mp4")
    once = LiveSource(path=clip, at_end="end")  # `formcheck live`
    once.probe()
    once.open()
    frames = []
    while (frame := once.read()) is not None:
        frames.append(frame)
    assert len(frames) == 5 and once.finished
    once.close()

    looped = LiveSource(path=clip, at_end="loop")  # `formcheck session`, by default
    looped.open()
    assert all(looped.read() is not None for _ in range(8)) and not looped.finished
    looped.close()

    stopped = LiveSource(path=clip, at_end="stop")  # --source-end stop
    stopped.open()
    for _ in range(5):
        stopped.read()
    with pytest.raises(CameraLost):
        stopped.read()
    stopped.close()
    with pytest.raises(FormcheckError, match="has ended"):
        stopped.open()  # and it does not come back
    with pytest.raises(ValueError):
        LiveSource(path=clip, at_end="rewind")
