"""The pipeline with more than one person: who is measured, the other_person event, and a fresh
start for smoothing and kinematics when the person followed is chosen again. Replays the
two-person recordings (samples/two_person/, made with two poses) and every one-person recording."""
import functools
import json

import numpy as np
import pytest

from formcheck.analysis.filters import OneEuroPoseFilter
from formcheck.analysis.kinematics import KinematicsTracker
from formcheck.analysis.pipeline import Pipeline
from formcheck.analysis.report import build_report
from formcheck.core.events import EVENT_MESSAGES, NO_PERSON, OTHER_PERSON
from formcheck.definitions.exercises import get_exercise
from formcheck.evaluation.truth import load_truth, truth_for
from formcheck.io.recording import LandmarkRecording

from support import FPS, SAMPLES, bend, side_view_figure

TWO_PERSON = SAMPLES / "two_person"
# two-person clip -> the one-person clip it was made from
SOURCES = {"standing_flexion_bystander": "standing_flexion_1", "bridge_walkthrough": "bridge_1",
           "standing_flexion_exit_bystander": "standing_flexion_exit_frame"}
# One person: the clips where the body moves most between frames (walking out of the frame, a real
# person turning on the spot, hands leaving the frame, a fast leg, lying down), replayed in full.
ONE_PERSON = [SAMPLES / f"{name}.landmarks.npz" for name in (
    "standing_flexion_exit_frame", "standing-neutral_polybag_1", "birddog_polybag_1", "straight_leg_raise_1",
    "bridge_physioplus_4", "standing_flexion_1")]


@functools.cache
def replay(recording):
    truth = load_truth(truth_for(recording))
    pipeline = Pipeline(get_exercise(truth.exercise))
    steps = [pipeline.step(t, poses) for t, poses in LandmarkRecording.load(recording).frames()]
    return truth, pipeline, steps


@pytest.mark.parametrize("name", SOURCES)
def test_two_people_the_exerciser_is_counted_and_other_person_logged_once(name):
    recording = TWO_PERSON / f"{name}.landmarks.npz"
    assert LandmarkRecording.load(recording).others_detected.any(), "a two-person recording keeps both"
    truth, pipeline, steps = replay(recording)
    _, alone, _ = replay(SAMPLES / f"{SOURCES[name]}.landmarks.npz")
    assert len(pipeline.analyzer.reps) == truth.reps == len(alone.analyzer.reps)
    assert [round(r.hold_s, 1) for r in pipeline.analyzer.reps] == pytest.approx(
        [round(r.hold_s, 1) for r in alone.analyzer.reps], abs=0.35)
    codes = [e.code for e in pipeline.analyzer.events]
    assert codes.count(OTHER_PERSON) == 1
    # The person measured is the exerciser in every frame: their hip where the renderer put it.
    synthetic = json.loads((TWO_PERSON / f"{name}.json").read_text())
    frames, near = synthetic["frames"], synthetic["near_side"]
    for step, frame in zip(steps, frames, strict=True):
        assert step.raw is not None
        true_hip = frame["keypoints_2d_px"][f"{near}_hip"]
        assert abs(step.raw.point(f"{near}_hip")[0] - true_hip[0]) < 40, f"frame {frame['frame']}"


def test_the_event_reaches_the_report_and_the_cue():
    _, pipeline, steps = replay(TWO_PERSON / "standing_flexion_bystander.landmarks.npz")
    first = next(i for i, s in enumerate(steps) if OTHER_PERSON in s.feedback.warnings)
    assert steps[first].t_s == pytest.approx(0.33, abs=0.05)  # seen beside the exerciser for 0.3 s
    assert steps[first].feedback.cue == EVENT_MESSAGES[OTHER_PERSON]
    assert steps[first].others == 1
    assert not any(OTHER_PERSON in s.feedback.warnings for s in steps[first + 1:])
    report = build_report(pipeline.exercise, pipeline.analyzer, source="x", frames=pipeline.frames,
                          detected_frames=pipeline.detected_frames, duration_s=1.0, fps=FPS)
    events = [e for e in report["events"] if e["code"] == OTHER_PERSON]
    assert len(events) == 1 and events[0]["message"] == EVENT_MESSAGES[OTHER_PERSON] and events[0]["rep"] is None


@pytest.mark.parametrize("recording", ONE_PERSON, ids=lambda p: p.name)
def test_one_person_recordings_have_no_other_person(recording):
    _, pipeline, _ = replay(recording)
    assert OTHER_PERSON not in [e.code for e in pipeline.analyzer.events]
    assert pipeline.detected_frames == int(LandmarkRecording.load(recording).detected.sum())


class Counting:
    """Wraps a filter or kinematics tracker and counts its resets."""

    def __init__(self, inner):
        self.inner, self.resets = inner, 0

    def reset(self):
        self.resets += 1
        self.inner.reset()

    def __call__(self, *args):
        return self.inner(*args)

    def update(self, *args):
        return self.inner.update(*args)


def test_a_skeleton_that_jumps_is_not_measured_then_starts_afresh():
    """The only pose jumps from the exerciser to someone else across the room: those frames are
    not measured, and when the other person is taken on (1 s later) smoothing and the kinematics'
    votes start again instead of blending one body into another."""
    smoothing, kinematics = Counting(OneEuroPoseFilter()), Counting(KinematicsTracker())
    pipeline = Pipeline(get_exercise("standing_flexion"), pose_filter=smoothing, kinematics=kinematics)
    reps = bend()
    steps = []
    for i in range(int(3 * FPS)):
        t = i / FPS  # 1 s of A exercising, then only B, across the room
        here = side_view_figure(reps[i]) if i < FPS else side_view_figure(0.0, hip_xy=(560.0, 240.0))
        steps.append(pipeline.step(t, [here]))
    lost = [s for s in steps[int(FPS):] if s.raw is None]
    assert 0.9 <= len(lost) / FPS <= 1.1
    assert all(not s.angles.detected for s in lost)
    assert steps[int(FPS) + 3].feedback.phase in (NO_PERSON, "rest")  # nothing counted from the jump
    taken = next(s for s in steps[int(FPS):] if s.raw is not None)
    assert np.allclose(taken.keypoints.xy, taken.raw.xy)  # a fresh filter: the raw landmarks, not a blend
    assert smoothing.resets == 2 and kinematics.resets == 2  # at the start and when taken on
    assert pipeline.other_person_t is None  # nobody was ever seen beside the exerciser
    assert pipeline.detected_frames == len(steps) - len(lost)
