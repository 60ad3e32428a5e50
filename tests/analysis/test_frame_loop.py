"""run_frames: the plain loop and the overlapped one (the model a frame ahead) give the same steps."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from formcheck.analysis.frame_loop import FrameTimings, run_frames
from formcheck.io.sources import Frame


class RecordingEstimator:
    """Answers frame i with ["pose i"]; notes the order, the thread and whether a call is running."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.calls: list[int] = []
        self.threads: set[int] = set()
        self.running = False
        self.started = {i: threading.Event() for i in range(100)}
        self.fail_at = fail_at

    def detect_poses(self, image, t_s):
        i = int(image[0, 0, 0])
        self.running = True
        self.started[i].set()
        self.calls.append(i)
        self.threads.add(threading.get_ident())
        try:
            if i == self.fail_at:
                raise RuntimeError(f"model failed on frame {i}")
            return [f"pose {i}"]
        finally:
            self.running = False


def frames(n: int) -> list[Frame]:
    return [Frame(i, i / 15, np.full((2, 2, 3), i, np.uint8)) for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_overlapped_steps_equal_the_plain_ones(n):
    plain, ahead = RecordingEstimator(), RecordingEstimator()
    got_plain = [(s.frame.index, s.poses, s.raw) for s in run_frames(frames(n), plain)]
    got_ahead = [(s.frame.index, s.poses, s.raw) for s in run_frames(frames(n), ahead, overlap=True)]
    assert got_ahead == got_plain == [(i, [f"pose {i}"], f"pose {i}") for i in range(n)]
    assert ahead.calls == plain.calls == list(range(n))  # the model sees every frame once, in order


def test_the_model_works_on_the_next_frame_while_the_caller_has_this_one():
    estimator = RecordingEstimator()
    for step in run_frames(frames(5), estimator, overlap=True):
        if step.frame.index < 4:  # without the overlap this would wait the whole timeout and fail
            assert estimator.started[step.frame.index + 1].wait(timeout=10)
    assert len(estimator.threads) == 1 and threading.get_ident() not in estimator.threads


def test_closing_the_loop_early_waits_for_the_model_and_asks_it_nothing_more():
    estimator = RecordingEstimator()
    steps = run_frames(frames(10), estimator, overlap=True)
    first = next(steps)
    steps.close()
    assert first.frame.index == 0
    assert not estimator.running
    assert estimator.calls in ([0], [0, 1])  # frame 1 was cancelled, or finished, never cut off
    assert next(steps, None) is None


@pytest.mark.parametrize("overlap", [False, True])
def test_a_model_error_reaches_the_caller(overlap):
    estimator = RecordingEstimator(fail_at=3)
    seen = []
    with pytest.raises(RuntimeError, match="frame 3"):
        for step in run_frames(frames(6), estimator, overlap=overlap):
            seen.append(step.frame.index)
    assert seen == [0, 1, 2]


@pytest.mark.parametrize("overlap", [False, True])
def test_timings_count_every_frame(overlap):
    timings = FrameTimings()
    list(run_frames(frames(4), RecordingEstimator(), timings=timings, overlap=overlap))
    assert timings.frames == 4
    assert min(timings.decode_s, timings.inference_s, timings.other_s) >= 0
    assert timings.total_s == pytest.approx(timings.decode_s + timings.inference_s + timings.other_s)
