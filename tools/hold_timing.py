#!/usr/bin/env python3
"""Where a hold's measured start and end fall against the truth: a diagnostic for issue 10.

For each recording given (``samples/*.landmarks.npz`` with a synthetic truth file beside the
clip), it replays the landmarks through the pipeline and prints, for every held stretch of the
truth (its repetitions' ``hold_frames``) that a counted repetition's hold overlaps:

- how far the measured hold's start and end are from the truth's (+ = later), and the duration's error;
- how much later the measured signal crosses the middle (50 %) and the near end (90 %) of the
  movement into the hold and of the return than the true angle does ("lag"). The crossings
  are fractions of the way between the rest and the hold level, so the body's angle offset does not
  matter. A lag that differs between the approach and the return is what the repetition machine's
  profile fit cannot see. The pose model's raw output shows a return that begins from stillness
  late, by an amount that depends on the body and the exercise (README, "What is measured").

It reads recordings only (no model run), in a few seconds per clip. It uses the truth's
hold frames, so it is a tool for developing the machine, not part of it.

Usage: python tools/hold_timing.py samples/bridge_1.landmarks.npz [...]
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

LEVELS = (0.5, 0.9)  # crossings compared, fractions of the way from rest to the hold level


def lags(t_true, x_true, t_meas, x_meas, rep_s: tuple[float, float], hold_s: tuple[float, float]) -> list[float | None]:
    """Measured minus true crossing times: approach at each of ``LEVELS``, then the return, each
    looked for between the repetition's start (end) and the hold's start (end)."""
    from formcheck.analysis.reps.machine import crossing_time

    out = []
    for rising, lo, hi in ((True, rep_s[0], hold_s[0]), (False, hold_s[1], rep_s[1])):
        for level in (LEVELS if rising else LEVELS[::-1]):
            found = []
            for t, x in ((t_true, x_true), (t_meas, x_meas)):
                # 0.5 s past the truth's phase boundary: the measured crossing may come a little
                # after the truth's hold starts (it lags) or before its hold ends (it leads)
                sel = (t >= lo) & (t <= hi + 0.5) if rising else (t >= lo - 0.5) & (t <= hi)
                found.append(crossing_time(list(zip(t[sel], x[sel], strict=True)), level, rising))
            out.append(None if None in found else found[1] - found[0])
    return out


def report(recording_path: Path) -> None:
    from formcheck.analysis.pipeline import Pipeline
    from formcheck.definitions.exercises import get_exercise
    from formcheck.evaluation.truth import RECORDING_SUFFIX, load_truth, truth_for
    from formcheck.io.recording import LandmarkRecording

    clip = recording_path.with_name(recording_path.name[: -len(RECORDING_SUFFIX)] + ".mp4")
    truth_path = truth_for(clip)
    if truth_path is None:
        print(f"{recording_path.name}: no truth file beside it; skipped")
        return
    truth = load_truth(truth_path)  # the exercise's name as formcheck knows it (old names mapped)
    raw = json.loads(truth_path.read_text())  # the fields the tool needs beyond Truth's
    fps = truth.fps
    if not fps or "main_angle" not in raw:
        print(f"{recording_path.name}: the truth has no frame rate or main angle; skipped")
        return
    exercise = get_exercise(truth.exercise)
    if not exercise.measures:
        print(f"{recording_path.name}: {exercise.id} counts no repetitions; skipped")
        return
    pipeline = Pipeline(exercise)
    for t_s, poses in LandmarkRecording.load(recording_path).frames():
        pipeline.step(t_s, poses)
    machines = pipeline.analyzer.machines.values()
    measured = [rep for machine in machines for rep in machine.reps if rep.hold_start_s is not None]
    frames = raw["frames"]
    t_true = np.array([f["t"] for f in frames])
    print(f"{recording_path.name} ({exercise.id}, {fps:g} fps)")
    print("    true hold       start   end    hold  | lag: into a50   a90  out r90   r50")
    for true_rep in raw.get("reps", []):
        if not true_rep.get("hold_frames"):
            continue
        first, last = true_rep["hold_frames"]
        start_s, end_s = first / fps, (last + 1) / fps

        def overlap(r, start_s=start_s, end_s=end_s) -> float:
            return min(r.hold_end_s, end_s) - max(r.hold_start_s, start_s)

        rep = max(measured, key=overlap, default=None)
        if rep is None or overlap(rep) <= 0:
            print(f"    {start_s:6.2f}-{end_s:6.2f}  no measured hold overlaps it")
            continue
        field = raw["main_angle"]
        if frames[first].get(field) is None and true_rep.get("side"):
            field = field.replace("_deg", f"_{true_rep['side']}_deg")
        x_true = np.array([np.nan if f.get(field) is None else f[field] for f in frames], float)
        rep_first, rep_last = true_rep["frames"]
        rest_true = x_true[rep_first]
        level_true = float(np.nanmedian(x_true[first:last + 1]))
        t_meas = np.array([s[0] for s in rep.samples])
        e_meas = np.array([s[1] for s in rep.samples])
        held = (t_meas > rep.hold_start_s + 0.3) & (t_meas < rep.hold_end_s - 0.3)
        level_meas = float(np.median(e_meas[held])) if held.any() else float(np.max(e_meas))
        base = float(e_meas[0])
        found = lags(t_true, (x_true - rest_true) / (level_true - rest_true), t_meas,
                     (e_meas - base) / (level_meas - base),
                     (rep_first / fps, (rep_last + 1) / fps), (start_s, end_s))
        text = "  ".join("  -  " if v is None else f"{v:+.2f}" for v in found)
        print(f"    {start_s:6.2f}-{end_s:6.2f}  {rep.hold_start_s - start_s:+.2f}  {rep.hold_end_s - end_s:+.2f}  "
              f"{rep.hold_s - (end_s - start_s):+.2f}  |         {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recordings", nargs="+", type=Path, help="samples/*.landmarks.npz")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)  # medians of empty stretches are reported as "-"
    from formcheck.core.errors import FormcheckError

    for path in args.recordings:
        try:
            report(path)
        except FormcheckError as exc:
            print(f"{path.name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
