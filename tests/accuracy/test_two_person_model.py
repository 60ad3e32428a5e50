"""Two people in view, through the real MediaPipe model asking for two poses (samples/two_person/):
the exerciser's count is the truth's, other_person is logged once, and the committed two-pose
recordings match a fresh run. One person with two poses asked for: nobody else is reported."""
import numpy as np
import pytest

from formcheck.analysis.frame_loop import run_frames
from formcheck.analysis.pipeline import Pipeline
from formcheck.core.events import OTHER_PERSON
from formcheck.definitions.exercises import get_exercise
from formcheck.evaluation.truth import load_truth, truth_for
from formcheck.io.recording import LandmarkRecording
from formcheck.io.sources import VideoFileSource
from formcheck.pose.estimators import PoseEstimator, PoseSettings

from support import SAMPLES

pytestmark = pytest.mark.model

TWO_PERSON = sorted(p.name for p in (SAMPLES / "two_person").glob("*.mp4"))


def run(clip):
    truth = load_truth(truth_for(clip))
    pipeline = Pipeline(get_exercise(truth.exercise))
    found = []
    with PoseEstimator(settings=PoseSettings(num_poses=2)) as estimator, VideoFileSource(clip) as source:
        for step in run_frames(source, estimator, pipeline):
            found.append(step.poses)
    return truth, pipeline, found


@pytest.fixture(scope="module")
def runs():
    return {name: run(SAMPLES / "two_person" / name) for name in TWO_PERSON}


@pytest.mark.parametrize("name", TWO_PERSON)
def test_the_exerciser_is_counted_and_other_person_logged_once(runs, name):
    truth, pipeline, found = runs[name]
    assert max(len(f) for f in found) == 2, "the model found both people"
    reps = pipeline.analyzer.reps
    assert len(reps) == truth.reps, f"{name}: counted {len(reps)}, truth {truth.reps}"
    errors = [abs(r.hold_s - h) for r, h in zip(reps, truth.holds_s, strict=True)]
    assert max(errors) <= 0.35, f"{name}: holds {[round(r.hold_s, 2) for r in reps]} vs {truth.holds_s}"
    assert [e.code for e in pipeline.analyzer.events].count(OTHER_PERSON) == 1


@pytest.mark.parametrize("name", TWO_PERSON)
def test_two_pose_recordings_match_a_fresh_run(runs, name):
    """As test_model_accuracy's drift check, for everyone found: the same number of people per
    frame, the first pose within a median 1.5 px, the same repetitions on replay."""
    _, pipeline, found = runs[name]
    recording = LandmarkRecording.load(SAMPLES / "two_person" / name.replace(".mp4", ".landmarks.npz"))
    assert len(recording) == len(found)
    counts = np.array([len(recording.poses(i)) for i in range(len(recording))])
    assert np.mean(counts == [len(f) for f in found]) >= 0.95
    both = [i for i, f in enumerate(found) if f and recording.detected[i]]
    diff = np.abs(np.array([recording.xy[i] for i in both]) - np.array([found[i][0].xy for i in both]))
    assert np.median(diff) < 1.5, f"re-record with `formcheck record-landmarks --poses 2 samples/two_person/{name}`"
    replayed = Pipeline(pipeline.exercise)
    for t, poses in recording.frames():
        replayed.step(t, poses)
    assert len(replayed.analyzer.reps) == len(pipeline.analyzer.reps)


def test_one_person_with_two_poses_asked_for_reports_nobody_else():
    truth, pipeline, found = run(SAMPLES / "standing_flexion_1.mp4")
    assert max(len(f) for f in found) == 1
    assert len(pipeline.analyzer.reps) == truth.reps
    assert OTHER_PERSON not in [e.code for e in pipeline.analyzer.events]
