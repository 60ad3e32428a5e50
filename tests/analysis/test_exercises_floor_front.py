"""Floor and front-view exercises: plank, modified_plank, bird_dog, cat_cow, single_leg_stand,
wall_angels, dead_hang.

Two tables: recorded clips replayed through the whole pipeline (no model, fast), and synthetic
angle sequences through the analyzer. Figures for the tracked exercises document what they
really do, including the known misses their ``level_reason`` names.
"""
from __future__ import annotations

import math

import pytest

from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.kinematics import Angles
from formcheck.definitions.exercises import get_exercise

from support import FPS, assert_counts, bend, replay

EXERCISES = ("plank", "modified_plank", "bird_dog", "cat_cow", "single_leg_stand", "wall_angels", "dead_hang")


# recording, exercise, reps (or reps by side), true holds, hold tolerance, warnings per rep (None: not checked)
# Known wrong answers are not here but strict expected failures that assert the truth (below).
CLIPS = [
    ("plank_1.landmarks.npz", "plank", 1, None, None, [[]]),  # its hold: test_plank_hold_as_in_the_truth
    ("modified_plank_1.landmarks.npz", "modified_plank", 1, [6.0], 0.3, [[]]),
    ("bird_dog_1.landmarks.npz", "bird_dog", {"left": 2, "right": 2}, [2.0] * 4, 0.3, [[]] * 4),
    # Real: the hand and foot leave the frame; the opposite thigh keeps the count.
    ("birddog_polybag_1.landmarks.npz", "bird_dog", {"left": 1, "right": 1}, None, None, None),
    # Cycles are counted at each cat: the synthetic truth's 3 poses (cat, cow, cat) are 2 cats.
    ("tracked/cat_cow_1.landmarks.npz", "cat_cow", 2, [1.5, 1.5], 0.3, None),
    ("catcow_polybag_1.landmarks.npz", "cat_cow", 2, None, None, None),  # 2 cat+cow cycles by eye
    ("single_leg_stand_1.landmarks.npz", "single_leg_stand", {"left": 1, "right": 1}, None, None, None),
]


@pytest.mark.xfail(strict=True, reason="tracked: the landmarks show the foot leaving the floor about 0.35 s late and "
                                       "touching down on time, so the first hold starts 0.3 s late and reads 4.68 s "
                                       "(the hold end, timed 0.1 s late before the return fit, used to make up for it)")
def test_single_leg_stand_holds_as_in_the_truth():
    assert_counts(replay("single_leg_stand_1.landmarks.npz", "single_leg_stand").analyzer, {"left": 1, "right": 1},
                  [5.0, 5.0], 0.3)


@pytest.mark.parametrize("recording, exercise, reps, holds, tol, warnings", CLIPS, ids=[c[0] for c in CLIPS])
def test_clip_replay(recording, exercise, reps, holds, tol, warnings):
    analyzer = replay(recording, exercise).analyzer
    assert_counts(analyzer, reps, holds, tol, warnings)


@pytest.mark.xfail(strict=True, reason="tracked: the plank's hold reads over 0.3 s long (the eval limits a tracked "
                                       "exercise's counts only; its baseline keeps the hold from getting worse)")
def test_plank_hold_as_in_the_truth():
    assert_counts(replay("plank_1.landmarks.npz", "plank").analyzer, 1, [8.0], 0.3, [[]])


def test_plank_counts_and_flags_the_piked_hold():
    """The part of tracked/plank_sag_pike's truth formcheck gets right."""
    reps = replay("tracked/plank_sag_pike.landmarks.npz", "plank").analyzer.reps
    assert [r for r in reps if "hip_pike" in r.warnings]


@pytest.mark.xfail(strict=True, reason="plank level_reason: a 15-deg sag hardly moves the landmarks from lying on "
                                       "the floor, so the sagging hold is not counted")
def test_plank_sag_and_pike_as_in_the_truth():
    analyzer = replay("tracked/plank_sag_pike.landmarks.npz", "plank").analyzer
    assert_counts(analyzer, 2, [3.0, 3.0], 0.3, [["hip_sag", "short_hold"], ["hip_pike", "short_hold"]])


@pytest.mark.xfail(strict=True, reason="real clip: the hand and foot leave the frame, so the holds are timed from "
                                       "what stays in view and read about 2 s short (a known failure of the eval)")
def test_real_bird_dog_holds_as_in_the_truth():
    assert_counts(replay("birddog_polybag_1.landmarks.npz", "bird_dog").analyzer, {"left": 1, "right": 1},
                  [3.0, 3.5], 0.3)


def test_bird_dog_sides_alternate_on_the_synthetic_clip():
    reps = replay("bird_dog_1.landmarks.npz", "bird_dog").analyzer.reps
    assert [r.side for r in reps] == ["left", "right", "left", "right"]  # left = left arm + right leg


# -- synthetic angle sequences ------------------------------------------------------------------

def frame(view="side", **fields) -> Angles:
    a = Angles(detected=True, side="left", facing=-1, view=view, visibility=1.0, knee_angle_deg=178.0)
    for name, value in fields.items():
        setattr(a, name, value)
    return a


def run(exercise_id, frames):
    analyzer = ExerciseAnalyzer(get_exercise(exercise_id))
    feedback = [analyzer.update(i / FPS, a) for i, a in enumerate(frames)]
    return analyzer, feedback


def plank(peak_sag, hold_s=6.0):  # lying propped (18 deg of sag as read) -> plank -> lying
    return [frame(hip_sag_deg=18.0 - v) for v in bend(peak=18.0 - peak_sag, hold_s=hold_s)] + \
        [frame(hip_sag_deg=18.0)] * 15


def kneeling_plank(peak_line, hold_s=6.0):
    return [frame(body_line_knee_deg=105.0 + v) for v in bend(peak=peak_line - 105.0, hold_s=hold_s)] + \
        [frame(body_line_knee_deg=105.0)] * 15


def bird_dog(side, hold_s=2.5):
    other = "right" if side == "left" else "left"
    return [frame(**{f"diagonal_lift_{side}_deg": -88.0 + v, f"diagonal_lift_{other}_deg": -88.0})
            for v in bend(peak=86.0, hold_s=hold_s)] + \
        [frame(diagonal_lift_left_deg=-88.0, diagonal_lift_right_deg=-88.0)] * 15


def cat_cow_cycle():  # neutral head -> chin tucked (cat) -> neutral -> head up (cow) -> neutral
    return [frame(head_pitch_deg=-5.0 - v) for v in bend(peak=30.0, hold_s=1.5)] + \
        [frame(head_pitch_deg=-5.0 + v) for v in bend(peak=22.0, hold_s=1.5)]


def one_leg(side, hold_s=5.0, dab_at=None):
    other = "right" if side == "left" else "left"
    values = bend(peak=35.0, hold_s=hold_s)
    if dab_at is not None:  # the lifted foot touches down for half a second mid-hold
        i = int((1.0 + 2.0 + dab_at) * FPS)
        values[i:i + int(0.5 * FPS)] = [0.0] * int(0.5 * FPS)
    return [frame("front", **{f"foot_lift_{side}_pct": v, f"foot_lift_{other}_pct": -v}) for v in values] + \
        [frame("front", foot_lift_left_pct=0.0, foot_lift_right_pct=0.0)] * 15


def wall_angel():
    return [frame("front", elbow_angle_left_deg=90.0 + v) for v in bend(peak=70.0, hold_s=0.0)] + \
        [frame("front", elbow_angle_left_deg=90.0)] * 15


SEQUENCES = [
    # id, exercise, frames, reps (or by side), warnings per rep
    ("plank clean", "plank", plank(4.0), 1, [[]]),
    ("plank sag", "plank", plank(11.0), 1, [["hip_sag", "partial_range"]]),
    ("plank pike", "plank", plank(-10.0), 1, [["hip_pike"]]),
    ("plank short", "plank", plank(4.0, hold_s=2.0), 1, [["short_hold"]]),
    ("kneeling plank clean", "modified_plank", kneeling_plank(184.0), 1, [[]]),
    ("kneeling plank sag", "modified_plank", kneeling_plank(198.0), 1, [["hip_sag"]]),
    ("kneeling plank pike", "modified_plank", kneeling_plank(165.0), 1, [["partial_range", "hip_pike"]]),
    ("bird dog both sides", "bird_dog", bird_dog("left") + bird_dog("right"), {"left": 1, "right": 1}, [[], []]),
    ("bird dog short hold", "bird_dog", bird_dog("right", hold_s=0.5), {"left": 0, "right": 1}, [["short_hold"]]),
    ("cat-cow two cycles", "cat_cow", cat_cow_cycle() * 2 + [frame(head_pitch_deg=-5.0)] * 15, 2, [[], []]),
    ("one leg each", "single_leg_stand", one_leg("left") + one_leg("right"), {"left": 1, "right": 1}, [[], []]),
    # A foot touching down mid-hold ends that hold (short) and the re-lift is a new repetition.
    ("foot down", "single_leg_stand", one_leg("left", hold_s=6.0, dab_at=2.0), {"left": 2, "right": 0},
     [["rushed", "short_hold"], ["rushed", "short_hold"]]),  # a sudden touch-down and re-lift read as rushed
    ("wall angels", "wall_angels", wall_angel() * 3, 3, [[]] * 3),
]


@pytest.mark.parametrize("name, exercise, frames, reps, warnings", SEQUENCES, ids=[s[0] for s in SEQUENCES])
def test_synthetic_sequence(name, exercise, frames, reps, warnings):
    analyzer, _ = run(exercise, frames)
    if isinstance(reps, dict):
        assert analyzer.reps_by_side == reps
    else:
        assert len(analyzer.reps) == reps
    assert [sorted(r.warnings) for r in analyzer.reps] == [sorted(w) for w in warnings]


@pytest.mark.xfail(strict=True, reason="plank level_reason: a plank sagging like lying down is not counted")
def test_plank_sagging_like_lying_down_is_counted_and_flagged():
    analyzer, _ = run("plank", plank(16.5))
    assert len(analyzer.reps) == 1 and "hip_sag" in analyzer.reps[0].warnings


def test_dead_hang_times_and_stops_at_60_s():
    analyzer, feedback = run("dead_hang", [frame("front")] * int(65 * FPS))
    assert analyzer.reps == [] and not analyzer.machines
    cap = [e for e in analyzer.events if e.code == "hold_cap"]
    assert len(cap) == 1 and cap[0].t_s == pytest.approx(60.0, abs=0.1)
    assert feedback[-1].cue == "Time is up: stop now" or feedback[-1].hold_s >= 60.0
    assert any(f.cue == "Time is up: stop now" for f in feedback)


def test_bird_dog_counts_one_side_at_a_time():
    """Both diagonals up together (a person getting up) counts one side only, never two reps at once."""
    both = [frame(diagonal_lift_left_deg=-88.0 + v, diagonal_lift_right_deg=-88.0 + v) for v in bend(peak=86.0)]
    analyzer, _ = run("bird_dog", both + [frame(diagonal_lift_left_deg=-88.0, diagonal_lift_right_deg=-88.0)] * 15)
    assert len(analyzer.reps) == 1


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_definitions_are_complete_and_honest(exercise_id):
    ex = get_exercise(exercise_id)
    assert ex.instructions and ex.safety and ex.position and ex.view in ("side", "front", "either")
    assert ex.level == "measured" or len(ex.level_reason) > 40
    if ex.level != "timer":
        assert ex.signal_description


def test_kinematics_diagonal_and_foot_lift_fields(figure):
    from formcheck.analysis.kinematics import KinematicsTracker

    a = KinematicsTracker().update(figure(trunk_deg=0.0))
    assert math.isnan(a.arm_elevation_left_deg)  # this figure's wrist sits on its shoulder
    assert a.diagonal_lift_left_deg == a.thigh_elevation_right_deg  # the visible limb still counts
    assert a.foot_lift_left_pct == pytest.approx(100.0 * a.foot_lift_left)
    assert not math.isnan(a.diagonal_lift_right_deg)


def test_wall_angels_on_a_real_clip_counts_nothing_and_asks_to_face_the_camera():
    """A person turning on the spot with arms down: no wall-angel reps; side-on is the wrong view."""
    analyzer = replay("standing-neutral_polybag_1.landmarks.npz", "wall_angels").analyzer
    assert analyzer.reps == []
    assert "wrong_view" in [e.code for e in analyzer.events]


def test_dead_hang_on_a_clip_only_times_the_person_in_view():
    pipeline = replay("standing_still.landmarks.npz", "dead_hang")
    assert pipeline.analyzer.reps == []
    assert pipeline.analyzer.timer_s == pytest.approx(14 / 15, abs=0.1)  # 15 frames at 15 fps
