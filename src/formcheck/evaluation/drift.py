"""Do a clip's landmark recording (``CLIP.landmarks.npz``) and a fresh model run still agree?

Fast tests and ``formcheck eval --replay`` replay the recordings instead of the model, so a
model run of ``formcheck eval`` checks each recording it passes on the way.

Raw landmarks are not bit-for-bit portable: XNNPACK picks its kernels for the CPU, so the same
model and clip differ by a fraction of a pixel between machines, and by more for a few frames
where the tracker re-detects the person. A different model, or other settings, moves them by
pixels everywhere. So the check is a median bound on the landmarks plus the same result from
both: detections, repetitions and their sides, and, on the synthetic clips whose holds are
validated, holds within 0.3 s (real clips' holds are not a validated figure: a hand leaving the
frame makes the real bird dog's swing by 0.7 s between CPUs). Form warnings are not compared: on
the real bird-dog clip a borderline warning flips with the CPU (seen on an AMD EPYC), which says
the rule sits near its threshold there, not that the recording drifted.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from formcheck.evaluation.truth import Truth

DETECTION_AGREEMENT = 0.98  # share of frames where both found (or both missed) the person
MEDIAN_PX = 1.5  # median landmark distance, pixels
HOLD_S = 0.3  # per-rep hold difference, synthetic clips only


def recording_drift(recording_path: Path, fresh_xy: np.ndarray, pipeline, truth: Truth) -> dict:
    """Compare a fresh model run (its raw ``fresh_xy``, (n, 33, 2) with NaN where nobody was
    found, and its ``pipeline``) with the recording. ``problem`` is None when they agree."""
    from formcheck.analysis.pipeline import Pipeline
    from formcheck.io.recording import LandmarkRecording

    recording = LandmarkRecording.load(recording_path)
    info: dict = {"recording": recording_path.name, "detection_agreement": None, "median_px": None,
                  "problem": None}
    hint = f"re-record with `formcheck record-landmarks {recording_path.name[:-len('.landmarks.npz')]}.mp4` " \
           "if the model or its settings changed on purpose"
    if len(recording) != len(fresh_xy):
        info["problem"] = f"the recording has {len(recording)} frames, the clip {len(fresh_xy)}; {hint}"
        return info
    detected = ~np.isnan(fresh_xy[:, 0, 0])
    agreement = float(np.mean(recording.detected == detected)) if len(detected) else 1.0
    both = recording.detected & detected
    median = float(np.median(np.abs(recording.xy - fresh_xy)[both])) if both.any() else 0.0
    info.update(detection_agreement=round(agreement, 4), median_px=round(median, 3))
    replayed = Pipeline(pipeline.analyzer.exercise)
    for t, raw in recording.frames():
        replayed.step(t, raw)
    old, new = replayed.analyzer.reps, pipeline.analyzer.reps
    if agreement < DETECTION_AGREEMENT:
        info["problem"] = f"detections differ from the recording in {1 - agreement:.1%} of frames; {hint}"
    elif median >= MEDIAN_PX:
        info["problem"] = f"landmarks moved from the recording (median {median:.2f} px); {hint}"
    elif [r.side for r in old] != [r.side for r in new]:
        info["problem"] = (f"repetitions differ from the recording's ({len(new)} "
                           f"{[r.side for r in new]} vs {len(old)} {[r.side for r in old]}); {hint}")
    elif truth.kind == "synthetic" and old:
        worst = max(abs(a.hold_s - b.hold_s) for a, b in zip(old, new, strict=True))
        info["max_hold_diff_s"] = round(worst, 3)
        if worst > HOLD_S:
            info["problem"] = f"holds differ from the recording's by up to {worst:.2f} s; {hint}"
    return info
