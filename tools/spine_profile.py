#!/usr/bin/env python3
"""Where along the back the outline turns: a diagnostic for the spine measurement (issue 11).

For each recording given (``samples/*.landmarks.npz`` with a truth file beside the clip), it
replays the landmarks and stored back outlines through the pipeline and prints, for every held
stretch of the truth:

- the true ``spine_flexion_deg`` and what formcheck measured (medians over the stretch);
- the back edge's tangent angle, relative to the person's own neutral (their first half second at
  rest), at stations along the hip -> shoulder chord (fractions of its length). The back's bend
  between two stations is the difference of their values; a flat stretch is a part of the back
  that turned as one piece.

It reads recordings only (no model run), in a few seconds per clip. It uses the truth file's
phases to find the rest and the holds, so it is a tool for developing the method, not part of it.

Usage: python tools/spine_profile.py samples/standing_flexion_2.landmarks.npz [...]
"""
from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path

import numpy as np

STATIONS = np.round(np.arange(-0.1, 1.11, 0.1), 2)  # where the tangent is printed (fractions of the chord)
HALF_SPAN = 0.075  # each tangent is a straight-line fit over +- this much of the chord
NEUTRAL_S = 0.5  # the neutral: the median over the first this-many seconds of the truth's first rest


def tangent_deg(s: np.ndarray, depth: np.ndarray, at: float) -> float:
    """The back edge's angle to the chord at ``at`` (+ where the edge moves away from the chord
    going up), from a line fitted over +- HALF_SPAN; NaN where too few stations have an edge."""
    near = (np.abs(s - at) <= HALF_SPAN + 1e-9) & np.isfinite(depth)
    if near.sum() < 4:
        return math.nan
    return math.degrees(math.atan(np.polyfit(s[near], depth[near], 1)[0]))


def runs(phases: np.ndarray, phase: str) -> list[np.ndarray]:
    """Runs of consecutive frames the truth gives ``phase`` (frame indices), in order."""
    frames = np.flatnonzero(phases == phase)
    if not len(frames):
        return []
    return np.split(frames, np.flatnonzero(np.diff(frames) > 1) + 1)


def profile(recording_path: Path) -> None:
    from formcheck.analysis import spine
    from formcheck.analysis.pipeline import Pipeline
    from formcheck.definitions.exercises import get_exercise
    from formcheck.evaluation.truth import RECORDING_SUFFIX, load_truth, truth_for
    from formcheck.io.recording import LandmarkRecording

    clip = recording_path.with_name(recording_path.name[: -len(RECORDING_SUFFIX)] + ".mp4")
    truth_path = truth_for(clip)
    if truth_path is None:
        print(f"{recording_path.name}: no truth file beside it; skipped")
        return
    truth = load_truth(truth_path)
    true_spine = truth.angles.get("spine_flexion_deg")
    if true_spine is None or truth.phases is None:
        print(f"{recording_path.name}: the truth has no spine_flexion_deg or phases; skipped")
        return
    exercise = get_exercise(truth.exercise)
    if not exercise.measures_spine:
        print(f"{recording_path.name}: {exercise.id} does not measure the spine; skipped")
        return
    pipeline = Pipeline(exercise)
    times, tangents, measured = [], [], []
    for t_s, raw in LandmarkRecording.load(recording_path).frames():
        step = pipeline.step(t_s, raw)
        times.append(t_s)
        measured.append(step.angles.spine_flexion_deg)
        outline = None if raw is None else raw.outline
        facing = step.angles.facing
        if outline is None or facing == 0:
            tangents.append(np.full(len(STATIONS), np.nan))
            continue
        depth = np.asarray(outline, float)[:, spine.back_side_column(facing)]
        tangents.append([tangent_deg(spine.OUTLINE_S, depth, at) for at in STATIONS])
    times, tangents, measured = np.array(times), np.array(tangents, float), np.array(measured, float)
    rests = runs(truth.phases, "rest")
    if not rests:
        print(f"{recording_path.name}: the truth has no rest to take the neutral from; skipped")
        return
    first_rest = rests[0][times[rests[0]] - times[rests[0][0]] <= NEUTRAL_S]
    neutral = np.nanmedian(tangents[first_rest], axis=0)
    print(f"{recording_path.name} ({truth.exercise})")
    print(f"  {'held frames':>13s} {'true':>5s} {'ours':>5s}  tangent change at s = "
          + " ".join(f"{s:5.1f}" for s in STATIONS))
    for frames in runs(truth.phases, "hold"):
        change = np.nanmedian(tangents[frames], axis=0) - neutral
        print(f"  {frames[0]:>6d}-{frames[-1]:<6d} {np.nanmedian(true_spine[frames]):5.1f} "
              f"{np.nanmedian(measured[frames]):5.1f}  {'':22s}"
              + " ".join(f"{-c:5.0f}" for c in change))  # + = the edge turned towards flexion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recordings", nargs="+", type=Path)
    args = parser.parse_args()
    from formcheck.pose.native_logs import filter_native_logs

    with filter_native_logs(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a stretch with no outline prints nan
        for path in args.recordings:
            if not path.is_file():
                print(f"{path}: not found", file=sys.stderr)
                continue
            profile(path)


if __name__ == "__main__":
    main()
