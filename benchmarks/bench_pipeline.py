#!/usr/bin/env python3
"""Speed of `formcheck analyze` on a sample clip, stage by stage.

Prints ms/frame for decoding, pose inference, and everything else on the analysis loop
(smoothing, angles, analyzer, CSV, handing the frame to the video thread), the ratio of
everything-else to inference, the CPU the video thread spends drawing and encoding, and overall
speed relative to real time. All figures come from one run on this machine; compare ratios,
not absolute numbers, across machines.

Usage: python benchmarks/bench_pipeline.py [CLIP] [--exercise standing_flexion] [--repeat 1]
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=ROOT / "samples" / "standing_flexion_1.mp4")
    parser.add_argument("--exercise", default="standing_flexion")
    args = parser.parse_args()

    from formcheck.commands.analyze import analyze_video

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        report = analyze_video(args.clip, args.exercise, out, progress=False)
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
