"""The offline frame loop: each frame of a source through the pose model, then the pipeline.

``run_frames`` is the one loop over a file that `analyze`, `eval` (on clips), `record-landmarks`
and the accuracy tests share; it also measures where the time goes. The live camera and the
guided session use an asynchronous loop of their own (the model answers later there).

Nothing is imported at run time: a source is any iterable of ``Frame``, an estimator anything
with ``detect_poses(image, t_s) -> list[KeyPoints]`` (everyone it found, possibly nobody).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
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

    @property
    def total_s(self) -> float:
        return self.decode_s + self.inference_s + self.other_s


@dataclass
class FrameStep:
    frame: Frame
    raw: KeyPoints | None  # the person followed (with a pipeline) or the model's first pose; None: nobody
    result: StepResult | None  # the pipeline's step; None when run without a pipeline
    poses: list[KeyPoints] = field(default_factory=list)  # everyone the model found, in its order


def run_frames(source: Iterable[Frame], estimator: PoseEstimator, pipeline: Pipeline | None = None,
               timings: FrameTimings | None = None) -> Iterator[FrameStep]:
    """For every frame of ``source``: the model's landmarks and ``pipeline.step`` on them.

    Without a pipeline only the landmarks are found (recording them). ``timings``, if given, is
    added to for every frame the caller has finished with; the caller's own work on a frame,
    until it asks for the next one, counts as ``other_s``.
    """
    frames = iter(source)
    t0 = time.perf_counter()
    while True:
        frame = next(frames, None)
        t1 = time.perf_counter()
        if frame is None:
            return
        poses = estimator.detect_poses(frame.image, frame.t_s)
        t2 = time.perf_counter()
        if pipeline is not None:
            result = pipeline.step(frame.t_s, poses)
            yield FrameStep(frame, result.raw, result, poses)
        else:
            yield FrameStep(frame, poses[0] if poses else None, None, poses)
        t3 = time.perf_counter()
        if timings is not None:
            timings.frames += 1
            timings.decode_s += t1 - t0
            timings.inference_s += t2 - t1
            timings.other_s += t3 - t2
        t0 = t3
