#!/usr/bin/env python3
"""What measuring the back's bend costs per frame (analysis.spine; README, "What is measured").

Two estimators, one asking the model for segmentation masks and one not, take turns on every
frame of each clip (the order alternating), so both see the same load on a shared machine; then
the contour step (the outline across the trunk from the mask, and the fit of the back) is timed on
the masks. Prints the median and mean model time per frame of each, their ratio, and the contour
step's time as a fraction of the model's. Compare ratios, not absolute numbers, across machines.

Usage: python benchmarks/bench_spine.py [CLIP...] [--frames 150]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=[ROOT / "samples" / "standing_flexion_spine_mix.mp4"])
    parser.add_argument("--frames", type=int, default=150, help="frames of each clip (from its start)")
    args = parser.parse_args()

    from formcheck.analysis.spine import back_bend, back_outline
    from formcheck.io.sources import VideoFileSource
    from formcheck.pose.estimators import PoseEstimator, PoseSettings

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    for clip in args.clips:
        times: dict[bool, list[float]] = {False: [], True: []}
        contour: list[float] = []
        with VideoFileSource(clip) as source, PoseEstimator(settings=PoseSettings()) as plain, \
                PoseEstimator(settings=PoseSettings(segmentation_masks=True)) as masked:
            estimators = {False: plain, True: masked}
            for i, frame in enumerate(source):
                if i >= args.frames:
                    break
                poses = None
                for masks in ((False, True) if i % 2 == 0 else (True, False)):
                    t0 = time.perf_counter()
                    found = estimators[masks].detect_poses(frame.image, frame.t_s)
                    times[masks].append(time.perf_counter() - t0)
                    if masks:
                        poses = found
                if poses and poses[0].mask is not None:
                    kp = poses[0]
                    t0 = time.perf_counter()
                    hip = (kp.point("left_hip") + kp.point("right_hip")) / 2
                    shoulder = (kp.point("left_shoulder") + kp.point("right_shoulder")) / 2
                    back_bend(back_outline(kp.mask, hip, shoulder), -1)
                    back_bend(back_outline(kp.mask, hip, shoulder), +1)
                    contour.append((time.perf_counter() - t0) / 2)
        plain_ms = 1000 * statistics.median(times[False])
        masked_ms = 1000 * statistics.median(times[True])
        contour_ms = 1000 * statistics.median(contour) if contour else float("nan")
        print(f"{clip.name}: {len(times[False])} frames")
        for label, masks, ms in (("without", False, plain_ms), ("with", True, masked_ms)):
            print(f"  model {label} masks: median {ms:.1f} ms/frame (mean {1000 * statistics.mean(times[masks]):.1f})")
        print(f"  ratio with/without masks: {masked_ms / plain_ms:.2f}x (medians)")
        print(f"  contour step (outline + fit): median {contour_ms:.2f} ms/frame, "
              f"{100 * contour_ms / plain_ms:.1f} % of the model without masks")


if __name__ == "__main__":
    main()
