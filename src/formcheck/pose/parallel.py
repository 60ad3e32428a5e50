"""One video's pose estimation on several processes: the video in chunks, landmarks back in order.

MediaPipe runs one video on about one core. ``ParallelPoseEstimator`` splits the video into
consecutive chunks and runs the model on each in a worker process of its own (spawned, so no
MediaPipe state is forked). Each worker starts ``warmup_s`` before its chunk and throws those
frames' landmarks away: the model's tracking and its landmark smoothing (VIDEO mode filters
landmarks over time) settle on the person before the first frame that counts, so the stitched
landmarks match a one-process run within the tolerances `tests/pose/test_parallel.py` asserts.

The estimator keeps the ``detect_poses(image, t_s)`` interface of ``PoseEstimator``: the caller
decodes the video itself (for drawing) and gets each frame's landmarks in order, waiting only
when the chunk holding that frame is not finished yet. Decoding, the analysis, drawing and
encoding in the calling process overlap with the model in the workers.
"""
from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from formcheck.core.errors import FormcheckError
from formcheck.core.keypoints import KeyPoints
from formcheck.core.processes import available_cores, spawn_pool

WARMUP_S = 1.5  # model time thrown away before each chunk (measured: see WARMUP_S in the README's speed section)
MIN_CHUNK_S = 8.0  # shorter chunks spend too much of their time warming up
CHUNKS_PER_WORKER = 2  # the first chunk finishes early, so the caller's drawing starts early
TIME_TOLERANCE_S = 0.002  # the caller's frame timestamps and the workers' must agree


@dataclass(frozen=True)
class Chunk:
    """Frames ``[start, stop)`` are kept; the model starts at ``warm_start`` (<= start).

    The last chunk's ``stop`` is None (to the end): a container's frame count is only a hint.
    """

    index: int
    warm_start: int
    start: int
    stop: int | None


def plan_chunks(frame_count: int, fps: float, workers: int, *, warmup_s: float = WARMUP_S,
                min_chunk_s: float = MIN_CHUNK_S, chunks_per_worker: int = CHUNKS_PER_WORKER) -> list[Chunk]:
    """Consecutive chunks covering every frame; one chunk (no warm-up) when splitting cannot pay."""
    if frame_count <= 0 or fps <= 0:
        raise ValueError(f"plan_chunks: frame_count and fps must be positive, not {frame_count}, {fps}")
    if workers < 1:
        raise ValueError(f"plan_chunks: workers must be at least 1, not {workers}")
    by_length = int(frame_count / (min_chunk_s * fps))
    n = max(1, min(workers * chunks_per_worker, by_length))
    warm = round(warmup_s * fps)
    bounds = [round(i * frame_count / n) for i in range(n + 1)]
    return [Chunk(i, max(0, bounds[i] - warm), bounds[i], bounds[i + 1] if i < n - 1 else None) for i in range(n)]


@dataclass
class ChunkResult:
    times: list[float]  # per kept frame
    poses: list[list[KeyPoints]]  # per kept frame: everyone the model found


def estimate_chunk(video: str, model: str | None, settings, chunk: Chunk,
                   reduce_pose: Callable[[KeyPoints], None] | None = None) -> ChunkResult:
    """Worker: the model over one chunk of ``video`` (runs in its own process). ``reduce_pose``
    (a top-level function) shrinks each pose in place before it is sent back, e.g. a segmentation
    mask (0.3 MB a frame) to the outline the analysis reads from it."""
    from formcheck.io.sources import VideoFileSource
    from formcheck.pose.estimators import PoseEstimator

    times: list[float] = []
    poses: list[list[KeyPoints]] = []
    with VideoFileSource(video) as source, PoseEstimator(Path(model) if model else None, settings) as estimator:
        for frame in source.frames(first=chunk.warm_start):
            if chunk.stop is not None and frame.index >= chunk.stop:
                break
            found = estimator.detect_poses(frame.image, frame.t_s)
            if reduce_pose is not None:
                for kp in found:
                    reduce_pose(kp)
            if frame.index >= chunk.start:
                times.append(frame.t_s)
                poses.append(found)
    return ChunkResult(times, poses)


class ParallelPoseEstimator:
    """``detect_poses`` for the frames of one video, in order, computed by worker processes.

    ``workers`` processes (default: the cores available) share the chunks of
    ``plan_chunks(frame_count, fps, workers)``. Use as a context manager: leaving it stops
    the workers (also on Ctrl-C or an error).
    """

    def __init__(self, video: str | Path, frame_count: int, fps: float, *, model: Path | None = None,
                 settings=None, workers: int | None = None,
                 reduce_pose: Callable[[KeyPoints], None] | None = None) -> None:
        from formcheck.pose.estimators import PoseSettings
        from formcheck.pose.model import check_model

        workers = available_cores() if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"ParallelPoseEstimator: workers must be a whole number of at least 1, not {workers!r}")
        self.settings = settings or PoseSettings()
        self.model_path = check_model(model)  # a bad model fails here, with its message, not in a worker
        self.chunks = plan_chunks(frame_count, fps, workers)
        self.workers = min(workers, len(self.chunks))
        self._pool = spawn_pool(self.workers)
        self._futures = [self._pool.submit(estimate_chunk, str(video), str(self.model_path), self.settings, c,
                                           reduce_pose) for c in self.chunks]
        self._frames = self._in_order()

    def _in_order(self) -> Iterator[tuple[float, list[KeyPoints]]]:
        for future in self._futures:
            try:
                result = future.result()
            except cf.process.BrokenProcessPool as exc:
                raise FormcheckError("A pose worker process stopped unexpectedly (out of memory?).",
                                     "Run again with --jobs 1 to use one process.") from exc
            yield from zip(result.times, result.poses, strict=True)

    def detect_poses(self, image_bgr, t_s: float) -> list[KeyPoints]:
        """The landmarks of the caller's next frame (``image_bgr`` is not used: the workers decoded it)."""
        found = next(self._frames, None)
        if found is None:
            raise FormcheckError("The pose workers returned fewer frames than the video has.",
                                 "Run again with --jobs 1 to use one process.")
        t_worker, poses = found
        if abs(t_worker - t_s) > TIME_TOLERANCE_S:
            raise FormcheckError(f"The pose workers' frame at {t_worker:.3f} s does not match the frame at "
                                 f"{t_s:.3f} s (the video's timestamps are not repeatable).",
                                 "Run again with --jobs 1 to use one process.")
        return poses

    def close(self, *, stop_now: bool = False) -> None:
        """Stop the workers; ``stop_now`` ends a running chunk at once (Ctrl-C, an error)."""
        if self._pool is None:
            return
        if stop_now:
            # Python < 3.14 has no public way to end a running task; waiting could take a chunk's time.
            stop = getattr(self._pool, "terminate_workers", None)
            if stop is not None:
                stop()
            else:
                for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                    process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def __enter__(self) -> ParallelPoseEstimator:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(stop_now=exc_type is not None)


def pose_estimator_for(source, model: Path | None = None, settings=None, jobs: int = 1,
                       reduce_pose: Callable[[KeyPoints], None] | None = None):
    """The estimator for a video file: ``ParallelPoseEstimator`` when ``jobs`` > 1 and the video
    is long enough to split (``plan_chunks``), else the one-process ``PoseEstimator``.

    ``source`` is an open ``VideoFileSource`` (its path, frame count and rate plan the chunks).
    """
    from formcheck.pose.estimators import PoseEstimator

    if jobs > 1 and source.frame_count > 0 and len(plan_chunks(source.frame_count, source.fps, jobs)) > 1:
        return ParallelPoseEstimator(source.path, source.frame_count, source.fps, model=model,
                                     settings=settings, workers=jobs, reduce_pose=reduce_pose)
    return PoseEstimator(model, settings)
