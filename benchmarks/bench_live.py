#!/usr/bin/env python3
"""Smoothness of `formcheck session`: display rate, pose rate and camera-to-overlay latency.

Runs a real session loop on a video file delivered at camera speed (its own frame rate), with
the model, the state machine and the drawing of every screen; in a window when a display is
available (DISPLAY set, e.g. under Xvfb), else drawn without being shown. Scripted keys go
straight to the first exercise and quit after --seconds of tracking.

Latency is measured per pose: from the moment the frame it came from was captured (read from
the source) to the moment the first overlay drawn with it was shown. Targets on the project's
2-core machine with the 30 fps sample: display >= 25 fps, pose >= 12 updates/s, latency < 150 ms.

``--poses`` is how many people the model may find (default 2, as `formcheck session`).

Usage: python benchmarks/bench_live.py [CLIP] [--seconds 20] [--no-window] [--poses 2]
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=ROOT / "samples" / "standing_flexion_2.mp4")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of tracking (default 20)")
    parser.add_argument("--no-window", action="store_true", help="draw the screens but do not show them")
    parser.add_argument("--poses", type=int, default=2, help="how many people the model may find (default 2)")
    args = parser.parse_args()

    from formcheck.session.runner import run_session
    from formcheck.session.types import RED_FLAGS
    from formcheck.ui.window import has_display

    window = has_display() and not args.no_window
    with tempfile.TemporaryDirectory() as tmp:
        routine = Path(tmp, "routine.toml")
        routine.write_text('[[exercise]]\nid = "standing_flexion"\nreps = 99\n')
        keys = [(0.2, "space")] + [(0.3 + 0.1 * i, "n") for i in range(len(RED_FLAGS))] + [(0.9, "space")]
        keys += [(3.0 + args.seconds, "q"), (3.5 + args.seconds, "space")]
        key_file = Path(tmp, "keys.txt")
        key_file.write_text("".join(f"{t} {k}\n" for t, k in keys))
        summary = run_session(routine, source_file=args.clip, keys_file=key_file, window=window, render=True,
                              data_dir=Path(tmp), audio=False, print_fn=lambda line: None, poses=args.poses)
    t = summary["timing"]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"clip: {args.clip.name} at camera speed; {'window' if window else 'drawn, no window'}; "
          f"{summary['duration_s']} s session; {args.poses} pose(s) asked for")
    print(f"display          {t['display_fps']:6.1f} fps          (target >= 25 with a 30 fps source)")
    print(f"pose updates     {t['pose_updates_per_s']:6.1f} /s           (target >= 12)")
    print(f"latency median   {t['latency_ms_median']:6.1f} ms           (camera frame -> overlay shown)")
    print(f"latency p95      {t['latency_ms_p95']:6.1f} ms           (target < 150)")
    print(f"samples          {t['latency_samples']:6d}")


if __name__ == "__main__":
    main()
