"""Accuracy on the bundled synthetic clips, from real runs of the MediaPipe model.

Truth comes from each clip's JSON (rendered from a body model, so angles are exact). Claims
checked here are the ones the README makes: exact rep counts, holds within 0.3 s, trunk
inclination within 5 deg mean absolute error over frames where the person is detected.
"""
import json

import numpy as np
import pytest

from formcheck.analysis.frame_loop import run_frames
from formcheck.analysis.pipeline import Pipeline
from formcheck.definitions.exercises import get_exercise
from formcheck.evaluation.truth import load_truth as load_truth_file
from formcheck.evaluation.truth import truth_for
from formcheck.io.recording import LandmarkRecording
from formcheck.io.sources import VideoFileSource
from formcheck.pose.estimators import PoseEstimator

from support import SAMPLES, load_truth, replay

CLIPS = json.loads((SAMPLES / "clips.json").read_text())  # the synthetic clips, with per-frame truth
SYNTHETIC = {c["clip"] for c in CLIPS}
# Plus the real recordings and the clips of "tracked" exercises (samples/tracked/).
ALL_CLIPS = sorted(str(p.relative_to(SAMPLES)) for p in [*SAMPLES.glob("*.mp4"), *SAMPLES.glob("tracked/*.mp4")])

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def runs():
    """Run the model once per clip (a fresh estimator each, as `analyze` does) for all tests here."""
    results = {}
    for clip in ALL_CLIPS:
        pipeline = Pipeline(get_exercise(load_truth_file(truth_for(SAMPLES / clip)).exercise))
        trunk, raw_xy = [], []
        with PoseEstimator() as estimator, VideoFileSource(SAMPLES / clip) as source:
            for step in run_frames(source, estimator, pipeline):
                trunk.append(step.result.angles.trunk_inclination_deg)
                raw_xy.append(step.raw.xy if step.raw is not None else np.full((33, 2), np.nan))
        results[clip] = {"pipeline": pipeline, "trunk": np.array(trunk), "raw_xy": np.array(raw_xy)}
    return results


@pytest.mark.parametrize("clip", ALL_CLIPS)
def test_recordings_match_a_fresh_model_run(runs, clip):
    """The committed landmark recordings, which fast tests replay, must not drift from the model.

    Raw landmarks are not bit-for-bit portable: XNNPACK picks its kernels for the CPU, so the
    same model and clip differ by a fraction of a pixel between machines, and by more for a
    few frames where the tracker re-detects the person. A different model, or other settings,
    moves them by pixels everywhere. So the check is a median bound on the landmarks plus the
    same result from both: detections, repetitions and their sides, and, on the synthetic clips
    whose holds are validated, holds within the 0.3 s the README claims (real clips' holds are
    not a validated figure: the real bird dog's is 2.5 s off its truth, and a hand leaving the
    frame makes it swing by 0.7 s between CPUs). Form warnings are not compared: on the real
    bird-dog clip a borderline warning flips with the CPU (seen on an AMD EPYC), which says the rule sits near its
    threshold there, not that the recording drifted.
    """
    recording = LandmarkRecording.load(SAMPLES / clip.replace(".mp4", ".landmarks.npz"))
    fresh = runs[clip]["raw_xy"]
    assert len(recording) == len(fresh)
    detected = ~np.isnan(fresh[:, 0, 0])
    assert np.mean(recording.detected == detected) >= 0.98, f"{clip}: detections differ"
    both = recording.detected & detected
    diff = np.abs(recording.xy - fresh)[both]
    hint = "re-record with `formcheck record-landmarks samples/*.mp4` if the model or its settings changed on purpose"
    assert np.median(diff) < 1.5, f"{clip}: landmarks moved (median {np.median(diff):.2f} px); {hint}"
    replayed = replay(recording_name(clip), runs[clip]["pipeline"].exercise.id).analyzer.reps
    live = runs[clip]["pipeline"].analyzer.reps
    assert [r.side for r in replayed] == [r.side for r in live], f"{clip}: repetitions differ; {hint}"
    if clip not in SYNTHETIC:
        return
    holds = [abs(a.hold_s - b.hold_s) for a, b in zip(replayed, live, strict=True)]
    assert max(holds, default=0.0) <= 0.3, f"{clip}: holds differ by up to {max(holds):.2f} s; {hint}"


def recording_name(clip: str) -> str:
    return clip.replace(".mp4", ".landmarks.npz")


@pytest.mark.parametrize("entry", CLIPS, ids=[c["clip"] for c in CLIPS])
def test_rep_count_is_exact(runs, entry):
    reps = runs[entry["clip"]]["pipeline"].analyzer.reps
    assert len(reps) == entry["reps"], f"{entry['clip']}: counted {len(reps)}, truth {entry['reps']}"


@pytest.mark.parametrize("entry", [c for c in CLIPS if c["reps"]], ids=[c["clip"] for c in CLIPS if c["reps"]])
def test_holds_within_0_3_s(runs, entry):
    reps = runs[entry["clip"]]["pipeline"].analyzer.reps
    measured = [r.hold_s for r in reps]
    assert len(measured) == len(entry["holds_s"]), f"{entry['clip']}: {len(measured)} holds"
    errors = [abs(m - t) for m, t in zip(measured, entry["holds_s"], strict=True)]
    assert max(errors) <= 0.3, (
        f"{entry['clip']}: holds {np.round(measured, 2).tolist()} vs truth {entry['holds_s']}")


@pytest.mark.parametrize("entry", CLIPS, ids=[c["clip"] for c in CLIPS])
def test_trunk_inclination_mean_absolute_error_under_5_deg(runs, entry):
    truth = load_truth(entry["clip"][:-4])
    true_trunk = np.array([f["trunk_from_vertical_signed_2d_deg"] for f in truth["frames"]])
    measured = runs[entry["clip"]]["trunk"]
    assert len(measured) == len(true_trunk)
    detected = ~np.isnan(measured)
    assert detected.mean() > 0.95
    mae = np.abs(measured[detected] - true_trunk[detected]).mean()
    assert mae < 5.0, f"{entry['clip']}: trunk MAE {mae:.2f} deg"


@pytest.mark.parametrize("entry", CLIPS, ids=[c["clip"] for c in CLIPS])
def test_named_form_errors_are_reported(runs, entry):
    """Every fault in the truth is reported on its rep; clean clips get no form warning.

    One deliberate difference: where the programme's hold is longer than the renderer's (the
    bridge's 5 s against 3-s holds, the hamstring stretch's 30 s against an 8-s hold), the short
    hold also gets short_hold.
    """
    reps = runs[entry["clip"]]["pipeline"].analyzer.reps
    exercise = get_exercise(entry["exercise"])
    for rep, truth_errors in zip(reps, entry["form_errors"], strict=True):
        assert set(truth_errors) <= set(rep.warnings), f"{entry['clip']} rep {rep.index}: {rep.warnings}"
        extra = set(rep.warnings) - set(truth_errors)
        if entry["holds_s"][rep.index - 1] < exercise.hold_s - exercise.hold_tolerance_s:
            extra.discard("short_hold")
        assert not extra, f"{entry['clip']} rep {rep.index}: unexpected {sorted(extra)}"
