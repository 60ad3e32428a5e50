#!/usr/bin/env python3
"""Speed of `formcheck analyze` on a sample clip, stage by stage.

Prints ms/frame for decoding, pose inference, and everything else on the analysis loop
(smoothing, angles, analyzer, CSV, handing the frame to the video thread), the ratio of
everything-else to inference, the CPU the video thread spends drawing and encoding, and overall
speed relative to real time. All figures come from one run on this machine; compare ratios,
not absolute numbers, across machines.

``--compare-poses CLIP...`` instead measures what asking the model for two poses costs: three
estimators take turns on every frame of each clip (the order rotating), so all see the same load
on a shared machine: one pose; two poses as formcheck asks for them (one person tracked, everyone
looked for once a second and on every frame while someone else is in view); and two poses on
every frame (``look_for_others_s=0``, MediaPipe's own way). It prints the median and mean model
time per frame of each and the means' ratios to one pose (the mean, as the once-a-second look is
a spike the median does not see).

Usage: python benchmarks/bench_pipeline.py [CLIP] [--exercise standing_flexion] [--poses 1]
       python benchmarks/bench_pipeline.py --compare-poses samples/standing_flexion_1.mp4 \
           samples/two_person/standing_flexion_bystander.mp4
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def compare_poses(clips: list[Path]) -> None:
    from formcheck.io.sources import VideoFileSource
    from formcheck.pose.estimators import PoseEstimator, PoseSettings

    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    kinds = {"one pose": PoseSettings(num_poses=1),
             "two, looking once a second": PoseSettings(num_poses=2),
             "two on every frame": PoseSettings(num_poses=2, look_for_others_s=0)}
    for clip in clips:
        times: dict[str, list[float]] = {k: [] for k in kinds}
        found: dict[str, list[int]] = {k: [] for k in kinds}
        estimators = {k: PoseEstimator(settings=settings) for k, settings in kinds.items()}
        try:
            with VideoFileSource(clip) as source:
                for frame in source:
                    order = list(kinds)
                    order = order[frame.index % 3:] + order[:frame.index % 3]
                    for k in order:
                        t0 = time.perf_counter()
                        poses = estimators[k].detect_poses(frame.image, frame.t_s)
                        if frame.index > 0:  # the first call includes start-up
                            times[k].append(time.perf_counter() - t0)
                        found[k].append(len(poses))
        finally:
            for estimator in estimators.values():
                estimator.close()
        med = {k: 1000 * statistics.median(ts) for k, ts in times.items()}
        mean = {k: 1000 * statistics.fmean(ts) for k, ts in times.items()}
        people = max(found["two on every frame"])
        print(f"{clip.name}: {len(found['one pose'])} frames, up to {people} "
              f"{'person' if people == 1 else 'people'} found with two poses asked for")
        for k in kinds:
            print(f"  {k:28s} median {med[k]:6.1f} ms/frame, mean {mean[k]:6.1f} "
                  f"({mean[k] / mean['one pose']:.2f}x one pose)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=ROOT / "samples" / "standing_flexion_1.mp4")
    parser.add_argument("--exercise", default="standing_flexion")
    parser.add_argument("--poses", type=int, default=1, help="how many people the model may find (default 1)")
    parser.add_argument("--compare-poses", type=Path, nargs="+", metavar="CLIP",
                        help="model time per frame: one pose, two as formcheck asks, two on every frame")
    args = parser.parse_args()
    if args.compare_poses:
        from formcheck.pose.native_logs import filter_native_logs

        with filter_native_logs():  # MediaPipe's own log lines, as the CLI keeps them off the terminal
            compare_poses(args.compare_poses)
        return

    from formcheck.commands.analyze import analyze_video
    from formcheck.pose.estimators import PoseSettings

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        report = analyze_video(args.clip, args.exercise, out, progress=False,
                               settings=PoseSettings(num_poses=args.poses))
        wall = time.perf_counter() - t0
    timing = report["timing"]
    infer = timing["inference_ms_per_frame"]
    other = timing["other_ms_per_frame"]
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"clip: {args.clip.name}, {report['frames']} frames, {report['fps']} fps, {report['duration_s']} s")
    print(f"decode      {timing['decode_ms_per_frame']:7.2f} ms/frame")
    print(f"inference   {infer:7.2f} ms/frame")
    print(f"everything else {other:7.2f} ms/frame  ({100 * other / infer:.1f} % of inference; target <= 10 %)")
    print(f"  (drawing + H.264 encoding run on a second thread beside inference: "
          f"{timing['video_thread_cpu_ms_per_frame']:.2f} ms CPU/frame, "
          f"{100 * timing['video_thread_cpu_ms_per_frame'] / infer:.1f} % of inference, off the loop's critical path)")
    print(f"per-frame loop speed: {timing['speed_x_real_time']}x real time; "
          f"whole command incl. start-up and plot: {report['duration_s'] / wall:.2f}x real time (target >= 1x)")


if __name__ == "__main__":
    main()
