#!/usr/bin/env python3
"""Every core: one video on several processes, and a batch of videos on a pool, against the bare model.

In one run, on one clip of about 40 s (``--seconds``; built by looping a sample, 640x480 at 30 fps
unless ``--clip`` is given), it times:

- the bare loop: decode and the pose model as `analyze` asks for it (segmentation masks for an
  exercise that measures the spine), nothing else, in one process (the reference);
- `analyze` in one process (``jobs=1``): model, analysis, drawing and H.264 encoding;
- `analyze` with the pose model on ``--jobs`` processes (default: the cores available);
- a batch of four videos with ``--jobs`` processes, against the bare loop over the four in turn.

Each is printed as wall time, its ratio to its bare loop, and CPU use (CPU seconds of the process
and its children over wall time, as a share of the cores). Compare ratios across machines, not
seconds. Targets (issue 13, on 2 cores): one video <= 0.6x, the one-process path <= 1.10x, the
batch <= 0.6x. The figures in the README's "Speed" section come from this script.

Usage: python benchmarks/bench_parallel.py [--clip CLIP] [--seconds 40] [--jobs 2] [--poses 2] [--repeat 1]
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH_CLIPS = [("bridge_1.mp4", "bridge"), ("standing_flexion_spine_mix.mp4", "standing_flexion"),
               ("seated_flexion_slow_10fps.mp4", "seated_flexion"), ("knees_to_chest_incomplete_return.mp4",
                                                                    "knees_to_chest")]


def cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(fn):
    c0, t0 = cpu_s(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, cpu_s() - c0


def fastest(paths: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each path's fastest of ``repeat`` runs, the paths taking turns."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(max(1, repeat)):
        for name, run in paths.items():
            found = measured(run)
            best[name] = min(best.get(name, found), found)
    return best


def looped_clip(source: Path, seconds: float, out: Path) -> Path:
    """``source`` played again and again up to ``seconds``, at its own size and rate."""
    import cv2

    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(round(seconds * fps)):
        writer.write(frames[i % len(frames)])
    writer.release()
    return out


def bare_loop(clip: Path, poses: int, exercise: str) -> None:
    """Decode and the model as `analyze` asks for it for ``exercise`` (with segmentation masks
    where it measures the spine), nothing else."""
    from formcheck.definitions.exercises import get_exercise
    from formcheck.io.sources import VideoFileSource
    from formcheck.pose.estimators import PoseEstimator, PoseSettings

    settings = PoseSettings(num_poses=poses, segmentation_masks=get_exercise(exercise).measures_spine)
    with VideoFileSource(clip) as source, PoseEstimator(settings=settings) as estimator:
        for frame in source:
            estimator.detect_poses(frame.image, frame.t_s)


def main() -> None:
    from formcheck.core.processes import available_cores

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, help="a video to time (default: a sample looped to --seconds)")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--exercise", default="standing_flexion")
    parser.add_argument("--jobs", type=int, default=available_cores())
    parser.add_argument("--poses", type=int, default=2, help="people the model may find (default 2, as analyze)")
    parser.add_argument("--no-batch", action="store_true", help="skip the four-video batch")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each path this many times, taking turns, and keep each one's fastest run "
                             "(the least disturbed by other programs on the machine)")
    args = parser.parse_args()

    from formcheck.batch import VideoTask, run_local
    from formcheck.commands.analyze import analyze_one, analyze_video
    from formcheck.pose.estimators import PoseSettings
    from formcheck.pose.native_logs import filter_native_logs

    cores = available_cores()
    print(f"machine: {platform.processor() or platform.machine()}, {cores} cores available "
          f"({os.cpu_count()} in all), Python {platform.python_version()}; jobs {args.jobs}, poses {args.poses}")

    def line(name: str, wall: float, cpu: float, bare: float) -> None:
        share = 100 * cpu / wall / cores
        print(f"{name:34s} {wall:7.1f} s  {wall / bare:5.2f}x bare   CPU {share:4.0f} % of {cores} cores")

    with tempfile.TemporaryDirectory() as tmp, filter_native_logs():
        tmp = Path(tmp)
        clip = args.clip or looped_clip(ROOT / "samples" / "standing_flexion_2.mp4", args.seconds, tmp / "long.mp4")
        settings = PoseSettings(num_poses=args.poses)
        paths = {"bare loop (decode + model)": lambda: bare_loop(clip, args.poses, args.exercise)}
        for jobs, name in ((1, "analyze, one process"), (args.jobs, f"analyze, pose on {args.jobs} processes")):
            paths[name] = lambda jobs=jobs: analyze_video(clip, args.exercise, tmp / f"out{jobs}", progress=False,
                                                          settings=settings, jobs=jobs)
        best = fastest(paths, args.repeat)
        print(f"clip: {clip.name}, {args.seconds:g} s" if not args.clip else f"clip: {clip}")
        bare = best["bare loop (decode + model)"][0]
        for name, (wall, cpu) in best.items():
            line(name, wall, cpu, bare)
        if args.no_batch:
            return
        videos = [(ROOT / "samples" / name, exercise) for name, exercise in BATCH_CLIPS]
        options = {"progress": False, "poses": args.poses, "history": False}
        tasks = [VideoTask(str(v), exercise, str(tmp / "batch" / v.stem), options) for v, exercise in videos]
        batch_paths = {
            "bare loop over the four, in turn": lambda: [bare_loop(v, args.poses, exercise) for v, exercise in videos],
            f"analyze the four, --jobs {args.jobs}": lambda: run_local(tasks, analyze_one, jobs=args.jobs),
        }
        best = fastest(batch_paths, args.repeat)
        print(f"batch: {', '.join(v.name for v, _ in videos)}")
        bare4 = best["bare loop over the four, in turn"][0]
        for name, (wall, cpu) in best.items():
            line(name, wall, cpu, bare4)


if __name__ == "__main__":
    main()
