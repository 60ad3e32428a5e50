"""Lying and seated exercises: seated_flexion, standing_extension, knees_to_chest,
single_knee_to_chest, straight_leg_raise, hip_raise, pelvic_tilt, piriformis_stretch,
knee_rotation, ankle_pumps, hamstring_stretch.

Two tables: recorded clips replayed through the whole pipeline (no model, fast), and synthetic
angle sequences through the analyzer. Exercises without a clip of their own (hip_raise,
piriformis_stretch, ankle_pumps, knee_rotation) replay the nearest clip to show what they do with
a real landmark stream; they are "tracked" or "timer" for that reason.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.kinematics import Angles
from formcheck.analysis.pipeline import Pipeline
from formcheck.definitions.exercises import get_exercise
from formcheck.io.recording import LandmarkRecording

from support import FPS, SAMPLES, assert_counts, bend, replay

EXERCISES = ("seated_flexion", "standing_extension", "knees_to_chest", "single_knee_to_chest",
             "straight_leg_raise", "hip_raise", "pelvic_tilt", "piriformis_stretch", "knee_rotation",
             "ankle_pumps", "hamstring_stretch")
LEVELS = {"seated_flexion": "measured", "standing_extension": "measured", "knees_to_chest": "measured",
          "single_knee_to_chest": "measured", "straight_leg_raise": "measured", "hamstring_stretch": "measured",
          "hip_raise": "tracked", "piriformis_stretch": "tracked", "ankle_pumps": "tracked",
          "pelvic_tilt": "timer", "knee_rotation": "timer"}


def test_definitions_load_with_honest_levels():
    for name in EXERCISES:
        ex = get_exercise(name)
        assert ex.level == LEVELS[name], name
        assert ex.instructions and ex.safety and ex.position and ex.summary
        assert ex.level == "measured" or ex.level_reason
    ext = get_exercise("standing_extension")
    assert ext.rule == "extension_test" and ext.warn_short_hold is False and ext.hold_s == 60.0
    assert get_exercise("straight_leg_raise").sides == ("left", "right")
    assert get_exercise("single_knee_to_chest").sides == ("left", "right")


# recording, exercise, reps (or reps by side), true holds, hold tolerance, warnings per rep (None: not checked)
CLIPS = [
    ("seated_flexion_1.landmarks.npz", "seated_flexion", 3, [2.0] * 3, 0.3, [[]] * 3),
    # Real: the person rounds the back (14-21 deg of trunk lean), counted but short of the 45-deg target.
    # Its holds: test_real_seated_flexion_holds_as_in_the_truth (a strict expected failure).
    ("seatedflexion_polybag_1.landmarks.npz", "seated_flexion", 2, None, None,
     [["partial_range"], ["partial_range"]]),
    ("standing_extension_1.landmarks.npz", "standing_extension", 1, [10.0], 0.3, [[]]),  # no short_hold
    ("knees_to_chest_1.landmarks.npz", "knees_to_chest", 3, [2.0] * 3, 0.3, [[]] * 3),
    ("single_knee_to_chest_1.landmarks.npz", "single_knee_to_chest", {"left": 2, "right": 2}, [2.0] * 4, 0.3,
     [[]] * 4),
    ("straight_leg_raise_1.landmarks.npz", "straight_leg_raise", {"left": 2, "right": 2}, [1.5] * 4, 0.3,
     [[]] * 4),
    ("straight_leg_raise_kneebend.landmarks.npz", "straight_leg_raise", {"left": 1, "right": 1}, [1.5] * 2, 0.3,
     [["knee_bent"]] * 2),
    # The programme holds a hamstring stretch 30 s; the clip holds 8 s.
    # 8-s hold against a 30-s goal: stretches with no dose in the sources never flag a short hold
    ("hamstring_stretch_1.landmarks.npz", "hamstring_stretch", 1, [8.0], 0.3, [[]]),
    # No clips of their own: the nearest movement, through their definitions.
    ("straight_leg_raise_1.landmarks.npz", "hip_raise", {"left": 2, "right": 2}, [1.5] * 4, 0.3,
     [["short_hold"]] * 4),  # 1.5-s holds against the gentle raise's 2 s
    ("knees_to_chest_1.landmarks.npz", "piriformis_stretch", 3, [2.0] * 3, 0.3, [[]] * 3),
    ("straight_leg_raise_1.landmarks.npz", "ankle_pumps", 0, None, None, []),  # feet still: no pumps
    ("knees_to_chest_1.landmarks.npz", "ankle_pumps", 0, None, None, []),
]


@pytest.mark.parametrize("recording, exercise, reps, holds, tol, warnings", CLIPS,
                         ids=[f"{c[1]}-{c[0].split('.')[0]}" for c in CLIPS])
def test_clip_replay(recording, exercise, reps, holds, tol, warnings):
    pipeline = replay(recording, exercise)
    analyzer = pipeline.analyzer
    assert pipeline.detected_frames == pipeline.frames
    assert_counts(analyzer, reps, holds, tol, warnings)
    assert not any(e.code in ("tracking_lost", "wrong_view") for e in analyzer.events)


@pytest.mark.xfail(strict=True, reason="real clip: the human's holds are the whole flexed intervals, +-0.5 s, "
                                       "including the slow ends of the moves that formcheck does not time as "
                                       "holding (it reads 1-1.3 s less); a known failure in the eval baseline")
def test_real_seated_flexion_holds_as_in_the_truth():
    assert_counts(replay("seatedflexion_polybag_1.landmarks.npz", "seated_flexion").analyzer, 2, [3.0, 3.5], 0.3)


@pytest.mark.parametrize("exercise", ["pelvic_tilt", "knee_rotation"])
def test_timer_exercises_time_the_clip_and_count_nothing(exercise):
    pipeline = replay("tracked/pelvic_tilt_1.landmarks.npz", exercise)
    analyzer = pipeline.analyzer
    duration = (pipeline.frames - 1) / 15.0
    assert analyzer.reps == [] and analyzer.events == []
    assert analyzer.timer_s == pytest.approx(duration, abs=0.2)


def test_pelvic_tilt_is_nearly_invisible_to_the_landmarks():
    """Why pelvic_tilt is a timer: a 12-deg tilt moves the hip angle by about 3 deg."""
    truth = json.loads((SAMPLES / "tracked/pelvic_tilt_1.json").read_text())
    tilt = np.array([f["pelvis_tilt_deg"] for f in truth["frames"]])
    pipeline = Pipeline(get_exercise("pelvic_tilt"))
    hip = []
    for t, raw in LandmarkRecording.load(SAMPLES / "tracked/pelvic_tilt_1.landmarks.npz").frames():
        hip.append(pipeline.step(t, raw).angles.hip_angle_deg)
    hip = np.array(hip)
    assert np.ptp(tilt) == pytest.approx(12.0, abs=0.5)
    assert np.ptp(hip) < 5.0  # far below the 10-15 deg a repetition counter needs to be reliable


# -- synthetic angle sequences ---------------------------------------------------------------
def frame(**fields) -> Angles:
    a = Angles(detected=True, side="left", facing=-1, view="side", visibility=1.0, knee_angle_deg=178.0,
               knee_angle_left_deg=178.0, knee_angle_right_deg=178.0)
    for k, v in fields.items():
        setattr(a, k, v)
    return a


def single(field, rest, sign, **kw):
    """One signal: rest + sign * bend(...), everything else neutral."""
    def make(reps=2, peak=50.0, hold_s=2.5, move_s=2.0, extra=None):
        values = [rest + sign * v for v in bend(peak=peak, hold_s=hold_s, move_s=move_s)] * reps
        values += [rest] * 15
        return [frame(**{field: v, **(extra(v) if extra else {}), **kw}) for v in values]
    return make


def alternating(field, rest_moving, rest_other, sign, peak, other=None, knee_bent=False):
    """Left leg, then right leg, each doing one rep while the other rests at ``rest_other``."""
    out = []
    for side, idle in (("left", "right"), ("right", "left")):
        for v in bend(peak=peak, hold_s=2.5):
            value = rest_moving + sign * v
            fields = {field.format(side=side): value, field.format(side=idle): rest_other}
            fields.update(other(idle) if other else {})
            fields[f"knee_angle_{side}_deg"] = 150.0 if knee_bent and v > 15 else 178.0
            out.append(frame(**fields))
    rest = {field.format(side=s): rest_moving for s in ("left", "right")}
    return out + [frame(**rest)] * 15


def run(exercise, frames):
    analyzer = ExerciseAnalyzer(get_exercise(exercise))
    feedback = [analyzer.update(i / FPS, a) for i, a in enumerate(frames)]
    return analyzer, feedback


trunk_fwd = single("trunk_inclination_deg", 0.0, +1)
trunk_back = single("trunk_inclination_deg", 0.0, -1)
hip = single("hip_angle_deg", 135.0, -1)
ankle = single("ankle_angle_deg", 110.0, -1)
ham = single("trunk_inclination_deg", 5.0, +1)


def slr_support(idle):
    return {f"knee_angle_{idle}_deg": 80.0}  # the bent support leg never counts as a bent raised knee


SEQUENCES = [
    # exercise, frames, reps (or by side), warnings per rep
    ("seated_flexion", trunk_fwd(peak=60.0), 2, [[], []]),
    ("seated_flexion", trunk_fwd(reps=1, peak=25.0), 1, [["partial_range"]]),
    ("standing_extension", trunk_back(reps=1, peak=20.0, hold_s=60.0), 1, [[]]),
    ("standing_extension", trunk_back(reps=1, peak=20.0, hold_s=10.0), 1, [[]]),  # never pushed
    ("knees_to_chest", hip(peak=70.0), 2, [[], []]),
    ("knees_to_chest", hip(reps=1, peak=70.0, hold_s=0.5), 1, [["short_hold"]]),
    ("knees_to_chest", hip(reps=1, peak=40.0), 1, [["partial_range"]]),
    ("single_knee_to_chest", alternating("hip_angle_{side}_deg", 135.0, 135.0, -1, 75.0),
     {"left": 1, "right": 1}, [[], []]),
    ("straight_leg_raise", alternating("leg_elevation_{side}_deg", 2.0, -7.0, +1, 45.0, slr_support),
     {"left": 1, "right": 1}, [[], []]),
    ("straight_leg_raise", alternating("leg_elevation_{side}_deg", 2.0, -7.0, +1, 45.0, slr_support, True),
     {"left": 1, "right": 1}, [["knee_bent"], ["knee_bent"]]),
    ("hip_raise", alternating("leg_elevation_{side}_deg", 2.0, -7.0, +1, 22.0, slr_support),
     {"left": 1, "right": 1}, [[], []]),
    ("hip_raise", single("leg_elevation_left_deg", 0.0, +1)(reps=1, peak=22.0, move_s=0.8), 1, [["rushed"]]),
    ("hamstring_stretch", ham(reps=1, peak=45.0, hold_s=30.0), 1, [[]]),
    ("hamstring_stretch", ham(reps=1, peak=45.0, hold_s=30.0,
                              extra=lambda v: {"knee_angle_deg": 150.0 if v > 20 else 178.0}),
     1, [["knee_bent"]]),
    ("piriformis_stretch", hip(reps=1, peak=50.0, hold_s=30.0), 1, [[]]),
    ("ankle_pumps", ankle(reps=5, peak=30.0, hold_s=0.0, move_s=1.0), 5, [[]] * 5),
]


@pytest.mark.parametrize("exercise, frames, reps, warnings", SEQUENCES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SEQUENCES)])
def test_synthetic_sequence(exercise, frames, reps, warnings):
    analyzer, _ = run(exercise, frames)
    if isinstance(reps, dict):
        assert analyzer.reps_by_side == reps
    else:
        assert len(analyzer.reps) == reps
    assert [r.warnings for r in analyzer.reps] == warnings


def test_standing_extension_times_the_whole_hold():
    analyzer, feedback = run("standing_extension", trunk_back(reps=1, peak=20.0, hold_s=60.0))
    assert analyzer.reps[0].hold_s == pytest.approx(60.0, abs=0.3)
    assert any(f.cue == "Stay there, breathe normally" for f in feedback)


@pytest.mark.parametrize("exercise", ["pelvic_tilt", "knee_rotation"])
def test_timer_sequence_times_time_in_view(exercise):
    frames = [frame()] * 150 + [Angles()] * 30 + [frame()] * 150  # 2 s out of view pause the timer
    analyzer, feedback = run(exercise, frames)
    assert analyzer.reps == [] and analyzer.machines == {}
    assert analyzer.timer_s == pytest.approx(20.0, abs=0.2)
    assert [e.code for e in analyzer.events] == ["tracking_lost"]
