#!/usr/bin/env python3
"""Cost of drawing the tracking screen's overlay per frame: English (Hershey) against Chinese and
Korean (FreeType through Pillow, ``ui.text_render``).

Draws the whole session tracking screen (skeleton, angle arc, gauge, rep counter, hold timer,
cue banner, status line and key strip) onto a camera-sized frame, many times, with a cue that
changes every 30 frames as in a real set (so the text cache is exercised the way a session uses
it, not only hit). The first frames of each language are left out of the timing: they fill the
caches. Target: the whole overlay well under 10 ms per frame at 640x480, so the display keeps
25 fps next to the model on 2 cores (bench_live.py measures the whole loop).

Usage: python benchmarks/bench_text.py [--frames 600] [--size 640x480]
"""
from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CUES = ("Bend forward slowly", "Keep going, slowly", "Hold", "Come up slowly", "Knees bent: keep them straight")


def figure(width: int, height: int, trunk_deg: float):
    from formcheck.core.keypoints import KeyPoints

    u = min(width, height) / 480.0
    hip = np.array([width * 0.5, height * 0.5])
    a = math.radians(trunk_deg)
    shoulder = hip + 130 * u * np.array([-math.sin(a), -math.cos(a)])
    pts = {"nose": tuple(shoulder + (-20 * u, -35 * u))}
    for s in ("left", "right"):
        pts.update({f"{s}_shoulder": tuple(shoulder), f"{s}_hip": tuple(hip), f"{s}_knee": tuple(hip + (0, 110 * u)),
                    f"{s}_ankle": tuple(hip + (0, 220 * u)), f"{s}_ear": tuple(shoulder + (0, -30 * u)),
                    f"{s}_heel": tuple(hip + (10 * u, 225 * u)), f"{s}_foot_index": tuple(hip + (-25 * u, 225 * u)),
                    f"{s}_elbow": tuple(shoulder + (-10 * u, 60 * u)),
                    f"{s}_wrist": tuple(shoulder + (-20 * u, 110 * u))})
    return KeyPoints.from_dict(pts, visibility=1.0)


def run(lang: str, frames: int, width: int, height: int, warmup: int = 30) -> list[float]:
    from formcheck.analysis.kinematics import KinematicsTracker
    from formcheck.analysis.pipeline import StepResult
    from formcheck.core.events import HOLD, Feedback
    from formcheck.i18n import t, using
    from formcheck.session.types import KEYS_ACTIVE, TRACKING, Screen
    from formcheck.ui.overlay import OverlayRenderer
    from formcheck.ui.screens import draw_screen

    renderer, tracker = OverlayRenderer(), KinematicsTracker()
    base = np.full((height, width, 3), 90, np.uint8)
    times = []
    with using(lang):
        for i in range(frames + warmup):
            trunk = 40 + 10 * math.sin(i / 15)
            kp = figure(width, height, trunk)
            angles = tracker.update(kp)
            feedback = Feedback(t_s=i / 30, phase=HOLD, signal_name="trunk inclination",
                                signal_field="trunk_inclination_deg", signal_deg=trunk, rest_deg=0.0, target_deg=50.0,
                                limit_deg=None, reps=i // 90, target_reps=10, hold_s=(i % 90) / 30, target_hold_s=2.0,
                                cue=CUES[(i // 30) % len(CUES)])
            screen = Screen(TRACKING, keys=t(KEYS_ACTIVE), video=True, status=t("{name}: set {n}/{total}",
                            name=t("Standing flexion"), n=1, total=2),
                            result=StepResult(i / 30, kp, kp, angles, feedback))
            scene = base.copy()
            start = time.perf_counter()
            draw_screen(scene, screen, renderer, stats="30 fps")
            if i >= warmup:
                times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--size", default="640x480", help="frame WIDTHxHEIGHT (default 640x480)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    from formcheck.definitions.exercises import load_exercises
    from formcheck.ui import text_render

    load_exercises()  # registers the exercises' translations (the cues)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {width}x{height}, "
          f"{args.frames} frames; font: {text_render.drawing_font_path() or 'none (Hershey only)'}")
    if not text_render.available():
        print("No CJK font: install fonts-noto-cjk (or set FORMCHECK_FONT) to measure FreeType.", file=sys.stderr)
        return 1
    for lang in ("en", "zh-TW", "ko"):
        times = run(lang, args.frames, width, height)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        engine = "Hershey" if lang == "en" else "FreeType"
        print(f"{lang:6s} ({engine:8s}): overlay {statistics.median(times):5.2f} ms median, {p95:5.2f} ms p95, "
              f"{max(times):5.2f} ms max per frame")
    info = text_render.render.cache_info()
    print(f"text cache: {info.hits} hits, {info.misses} misses, {info.currsize} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
