"""The offline frame loop: each frame of a source through the pose model, then the pipeline.

``run_frames`` is the one loop over a file that `analyze`, `eval` (on clips), `record-landmarks`
and the accuracy tests share; it also measures where the time goes. The live camera and the
guided session use an asynchronous loop of their own (the model answers later there).

Nothing is imported at run time: a source is any iterable of ``Frame``, an estimator anything
with ``detect_poses(image, t_s) -> list[KeyPoints]`` (everyone it found, possibly nobody).

With ``overlap=True`` the model works on the next frame while the caller analyses and draws this
one (MediaPipe releases the GIL while it runs): the one-process `analyze` then takes little more
than the model's own time on two cores. The frames reach the model in the same order either way,
so the results are the same.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formcheck.analysis.pipeline import Pipeline, StepResult
    from formcheck.core.keypoints import KeyPoints
    from formcheck.io.sources import Frame
    from formcheck.pose.estimators import PoseEstimator


@dataclass
class FrameTimings:
    """Where the loop's time went, in seconds summed over ``frames``."""

    frames: int = 0
    decode_s: float = 0.0  # waiting for the source's next frame
    inference_s: float = 0.0  # the pose model
    other_s: float = 0.0  # everything else: the pipeline step and what the caller does with the frame

    def add(self, decode_s: float, inference_s: float, other_s: float) -> None:
        self.frames += 1
        self.decode_s += decode_s
        self.inference_s += inference_s
        self.other_s += other_s

    @property
    def total_s(self) -> float:
        return self.decode_s + self.inference_s + self.other_s


@dataclass
class FrameStep:
    frame: Frame
    raw: KeyPoints | None  # the person followed (with a pipeline) or the model's first pose; None: nobody
    result: StepResult | None  # the pipeline's step; None when run without a pipeline
    poses: list[KeyPoints] = field(default_factory=list)  # everyone the model found, in its order


def _step(frame: Frame, poses: list[KeyPoints], pipeline: Pipeline | None) -> FrameStep:
    if pipeline is None:
        return FrameStep(frame, poses[0] if poses else None, None, poses)
    result = pipeline.step(frame.t_s, poses)
    return FrameStep(frame, result.raw, result, poses)


def run_frames(source: Iterable[Frame], estimator: PoseEstimator, pipeline: Pipeline | None = None,
               timings: FrameTimings | None = None, *, overlap: bool = False) -> Iterator[FrameStep]:
    """For every frame of ``source``: the model's landmarks and ``pipeline.step`` on them.

    Without a pipeline only the landmarks are found (recording them). ``timings``, if given, is
    added to for every frame the caller has finished with; the caller's own work on a frame,
    until it asks for the next one, counts as ``other_s``. ``overlap``: the model runs on the
    next frame, in a thread of its own, while the caller works on this one (``inference_s`` is
    then the time spent waiting for the model). Close the iterator (or run it to the end) before
    closing the estimator: closing it waits for the frame the model is working on.
    """
    if overlap:
        yield from _run_overlapped(iter(source), estimator, pipeline, timings)
        return
    frames = iter(source)
    t0 = time.perf_counter()
    while True:
        frame = next(frames, None)
        t1 = time.perf_counter()
        if frame is None:
            return
        poses = estimator.detect_poses(frame.image, frame.t_s)
        t2 = time.perf_counter()
        yield _step(frame, poses, pipeline)
        t3 = time.perf_counter()
        if timings is not None:
            timings.add(t1 - t0, t2 - t1, t3 - t2)
        t0 = t3


def _run_overlapped(frames: Iterator[Frame], estimator: PoseEstimator, pipeline: Pipeline | None,
                    timings: FrameTimings | None) -> Iterator[FrameStep]:
    """``run_frames`` with the model one frame ahead: it works on frame n + 1 while frame n is
    analysed and drawn, and the next frame is decoded while it works. One model thread, so the
    model still sees the frames in order."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="formcheck-pose") as model:
        def ask(frame: Frame | None):
            return model.submit(estimator.detect_poses, frame.image, frame.t_s) if frame is not None else None

        # The same bookkeeping as the plain loop: decoding counts from the end of the caller's work.
        t0 = time.perf_counter()
        frame = next(frames, None)
        working = ask(frame)
        try:
            while frame is not None:
                following = next(frames, None)
                t1 = time.perf_counter()
                poses = working.result()
                t2 = time.perf_counter()
                working = ask(following)
                yield _step(frame, poses, pipeline)
                t3 = time.perf_counter()
                if timings is not None:
                    timings.add(t1 - t0, t2 - t1, t3 - t2)
                t0 = t3
                frame = following
        finally:
            if working is not None:
                working.cancel()
