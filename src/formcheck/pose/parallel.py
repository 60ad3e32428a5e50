"""One video's pose estimation on several processes: the video in chunks, landmarks back in order.

MediaPipe runs one video on about one core. ``ParallelPoseEstimator`` splits the video into
consecutive chunks, one per process: the calling process runs the model on the first chunk
itself, on the frames it decodes anyway for drawing (exactly the one-process result there), and
each later chunk goes to a worker process of its own (spawned, so no MediaPipe state is forked).
A worker starts ``warmup_s`` before its chunk and throws those frames' landmarks away: the
model's tracking (VIDEO mode crops each frame where it found the person in the previous one)
and the pipeline's smoothing settle on the person before the first frame that counts, so the
stitched landmarks match a one-process run within the tolerances `tests/pose/test_parallel.py` asserts.

A worker sends its landmarks every ``PIECE_S`` of video, so once the caller reaches a worker's
chunk it draws those frames as they come instead of waiting for the whole chunk. The caller's
chunk is the shorter one (``CALLER_LOAD``): it also decodes, analyses, draws and encodes every
frame of the video.

The estimator keeps the ``detect_poses(image, t_s)`` interface of ``PoseEstimator``: the caller
passes every frame in order and gets its landmarks.
"""
from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from formcheck.core.errors import FormcheckError
from formcheck.core.keypoints import KeyPoints
from formcheck.core.processes import available_cores, ignore_sigint

WARMUP_S = 1.0  # model time thrown away before a worker's chunk (README, "Every core")
MIN_CHUNK_S = 8.0  # shorter chunks spend too much of their time starting and warming up
# The caller decodes, analyses, draws and encodes every frame besides running the model on its own
# chunk: net of the outlines a worker draws from its masks, about a tenth more work per frame than a
# worker (benchmarks/bench_parallel.py), so its chunk is that much shorter.
CALLER_LOAD = 0.1
PIECE_S = 1.0  # a worker sends its landmarks this often (seconds of video)
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


def plan_chunks(frame_count: int, fps: float, processes: int, *, warmup_s: float = WARMUP_S,
                min_chunk_s: float = MIN_CHUNK_S, caller_load: float = CALLER_LOAD) -> list[Chunk]:
    """One chunk per process, covering every frame; one chunk (no warm-up) when splitting cannot pay.

    Chunk 0 is the caller's: ``1 - caller_load`` as long as each of the others, which warm up.
    """
    if frame_count <= 0 or fps <= 0:
        raise ValueError(f"plan_chunks: frame_count and fps must be positive, not {frame_count}, {fps}")
    if processes < 1:
        raise ValueError(f"plan_chunks: processes must be at least 1, not {processes}")
    if not 0 <= caller_load < 1:
        raise ValueError(f"plan_chunks: caller_load must be from 0 to under 1, not {caller_load}")
    n = max(1, min(processes, int(frame_count / (min_chunk_s * fps))))
    warm = round(warmup_s * fps)
    weights = [1.0 - caller_load] + [1.0] * (n - 1)
    bounds = [round(frame_count * sum(weights[:i]) / sum(weights)) for i in range(n + 1)]
    return [Chunk(i, max(0, bounds[i] - warm) if i else 0, bounds[i], bounds[i + 1] if i < n - 1 else None)
            for i in range(n)]


def estimate_chunk(send, video: str, model: str, settings, chunk: Chunk,
                   reduce_pose: Callable[[KeyPoints], None] | None, piece_frames: int) -> None:
    """Worker process: the model over one chunk of ``video``, sent through ``send`` (a pipe end)
    as ("landmarks", times, poses) pieces, then ("done", ...), or the error that stopped it.

    ``reduce_pose`` (a top-level function) shrinks each pose in place before it is sent, e.g. a
    segmentation mask (0.3 MB a frame) to the outline the analysis reads from it.
    """
    ignore_sigint()
    try:
        from formcheck.io.sources import VideoFileSource
        from formcheck.pose.estimators import PoseEstimator

        times: list[float] = []
        poses: list[list[KeyPoints]] = []
        with VideoFileSource(video) as source, PoseEstimator(Path(model), settings) as estimator:
            for frame in source.frames(first=chunk.warm_start):
                if chunk.stop is not None and frame.index >= chunk.stop:
                    break
                found = estimator.detect_poses(frame.image, frame.t_s)
                if frame.index < chunk.start:
                    continue  # warming up
                if reduce_pose is not None:
                    for kp in found:
                        reduce_pose(kp)
                times.append(frame.t_s)
                poses.append(found)
                if len(times) >= piece_frames:
                    send.send(("landmarks", times, poses))
                    times, poses = [], []
        send.send(("done", times, poses))
    except FormcheckError as exc:
        send.send(("problem", exc.problem, exc.fix))
    except BaseException:  # noqa: BLE001 - a bug: its traceback goes to the caller's crash report
        send.send(("crash", traceback.format_exc()))
    finally:
        send.close()


def _worker_stopped() -> FormcheckError:
    return FormcheckError("A pose worker process stopped unexpectedly (out of memory?).",
                          "Run again with --jobs 1 to use one process.")


class ChunkWorker:
    """One worker process and a thread that drains its pipe as pieces arrive (a full pipe would
    stall the worker while the caller is still on an earlier chunk)."""

    def __init__(self, context, args: tuple) -> None:
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=estimate_chunk, args=(send, *args), daemon=True)
        self.process.start()
        send.close()  # only the worker's copy stays open: its exit ends the stream
        self._messages: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(receive,), daemon=True)
        self._reader.start()

    def _read(self, receive) -> None:
        try:
            while True:
                message = receive.recv()
                self._messages.put(message)
                if message[0] != "landmarks":
                    return
        except (EOFError, OSError):
            self._messages.put(("stopped",))
        finally:
            receive.close()

    def frames(self) -> Iterator[tuple[float, list[KeyPoints]]]:
        while True:
            message = self._messages.get()
            kind = message[0]
            if kind in ("landmarks", "done"):
                yield from zip(message[1], message[2], strict=True)
                if kind == "done":
                    return
            elif kind == "problem":
                raise FormcheckError(message[1], message[2])
            elif kind == "crash":
                raise RuntimeError(f"a pose worker failed:\n{message[1]}")
            else:
                raise _worker_stopped()

    def stop(self, now: bool) -> None:
        if now and self.process.is_alive():
            self.process.terminate()
        self.process.join()


class ParallelPoseEstimator:
    """``detect_poses`` for the frames of one video, in order: the first chunk here, the others
    in worker processes.

    ``processes`` (default: the cores available) is how many processes run the model, this one
    included, one chunk each (``plan_chunks``). Use as a context manager: leaving it stops the
    workers (at once on Ctrl-C or an error).
    """

    def __init__(self, video: str | Path, frame_count: int, fps: float, *, model: Path | None = None,
                 settings=None, processes: int | None = None,
                 reduce_pose: Callable[[KeyPoints], None] | None = None) -> None:
        from formcheck.pose.estimators import PoseEstimator, PoseSettings
        from formcheck.pose.model import check_model

        processes = available_cores() if processes is None else processes
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ValueError(f"ParallelPoseEstimator: processes must be a whole number of at least 1, "
                             f"not {processes!r}")
        self.settings = settings or PoseSettings()
        self.model_path = check_model(model)  # a bad model fails here, with its message, not in a worker
        self.chunks = plan_chunks(frame_count, fps, processes)
        self.processes = len(self.chunks)
        self._own_stop = self.chunks[0].stop
        self._next = 0
        piece_frames = max(1, round(PIECE_S * fps))
        context = multiprocessing.get_context("spawn")
        self._workers = [ChunkWorker(context, (str(video), str(self.model_path), self.settings, chunk,
                                                reduce_pose, piece_frames)) for chunk in self.chunks[1:]]
        self._own = PoseEstimator(self.model_path, self.settings)
        self._from_workers = (found for worker in self._workers for found in worker.frames())

    def detect_poses(self, image_bgr, t_s: float) -> list[KeyPoints]:
        """The landmarks of the caller's next frame: from the model here in the first chunk,
        then from the workers (``image_bgr`` is not used there: they decoded it themselves)."""
        index, self._next = self._next, self._next + 1
        if self._own_stop is None or index < self._own_stop:
            return self._own.detect_poses(image_bgr, t_s)
        if self._own is not None:
            self._own.close()  # its chunk is done: free the model's memory
            self._own = None
        found = next(self._from_workers, None)
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
        for worker in self._workers:
            worker.stop(stop_now)
        self._workers = []
        if self._own is not None:
            self._own.close()
            self._own = None

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
                                     settings=settings, processes=jobs, reduce_pose=reduce_pose)
    return PoseEstimator(model, settings)
