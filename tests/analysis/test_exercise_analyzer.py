"""ExerciseAnalyzer: definitions' rules applied to synthetic angle sequences."""
import math

import pytest

from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.kinematics import Angles
from formcheck.core.events import NO_PERSON
from formcheck.definitions.exercises import get_exercise

from support import FPS, bend


def angles_for(exercise_id, value, knee=178.0, view="side", detected=True, visibility=1.0):
    if not detected:
        return Angles()
    a = Angles(detected=True, side="left", facing=-1, view=view, visibility=visibility, knee_angle_deg=knee)
    if exercise_id == "bridge":
        a.hip_angle_deg, a.trunk_inclination_deg = value, -100.0
    else:
        a.trunk_inclination_deg, a.hip_angle_deg = value, 180.0 - value
    return a


def run(exercise_id, values, **kw):
    analyzer = ExerciseAnalyzer(get_exercise(exercise_id))
    feedback = []
    for i, v in enumerate(values):
        per = {k: (val(i) if callable(val) else val) for k, val in kw.items()}
        feedback.append(analyzer.update(i / FPS, angles_for(exercise_id, v, **per)))
    return analyzer, feedback


def test_clean_standing_flexion_has_no_warnings():
    analyzer, feedback = run("standing_flexion", bend() * 3 + [0.0] * 15)
    assert len(analyzer.reps) == 3
    assert all(r.warnings == [] for r in analyzer.reps)
    assert feedback[-1].reps == 3 and feedback[-1].target_reps == 10


@pytest.mark.parametrize("values, expected", [
    (bend(peak=35.0), ["partial_range"]),
    (bend(hold_s=0.6), ["short_hold"]),
    (bend(move_s=0.7, hold_s=2.5), ["rushed"]),
])
def test_standing_flexion_rep_warnings(values, expected):
    analyzer, _ = run("standing_flexion", values + [0.0] * 15)
    assert len(analyzer.reps) == 1
    assert analyzer.reps[0].warnings == expected


def test_bent_knees_are_reported_once_per_rep():
    values = bend() * 2 + [0.0] * 15
    analyzer, feedback = run("standing_flexion", values, knee=lambda i: 150.0 if values[i] > 20 else 178.0)
    assert [r.warnings for r in analyzer.reps] == [["knee_bent"], ["knee_bent"]]
    assert any("Knees bent" in f.cue for f in feedback)


def test_brief_knee_glitch_is_not_a_warning():
    values = bend() + [0.0] * 15
    analyzer, _ = run("standing_flexion", values, knee=lambda i: 150.0 if i in (40, 41) else 178.0)
    assert analyzer.reps[0].warnings == []


def test_bridge_over_arch_and_clean():
    up = [140.0 + v for v in bend(peak=52.0, hold_s=5.0)]
    analyzer, feedback = run("bridge", up + [140.0] * 15)
    assert analyzer.reps[0].warnings == ["over_arch"]
    assert any(f.cue.startswith("Hips too high") for f in feedback)
    clean, _ = run("bridge", [140.0 + v for v in bend(peak=42.0, hold_s=5.0)] + [140.0] * 15)
    assert clean.reps[0].warnings == []
    assert clean.reps[0].hold_s == pytest.approx(5.0, abs=0.3)


def test_front_view_pauses_measuring_and_asks_to_turn():
    values = [0.0] * 15 + bend()
    analyzer, feedback = run("standing_flexion", values, view="front")
    assert analyzer.reps == []
    assert feedback[-1].cue == "Turn sideways to the camera"
    assert [e.code for e in analyzer.events] == ["wrong_view"]


def test_lost_tracking_is_an_event_and_shown():
    values = [0.0] * 60
    analyzer, feedback = run("standing_flexion", values, detected=lambda i: i < 10)
    assert feedback[-1].phase == NO_PERSON
    assert "can't see you" in feedback[-1].cue
    assert [e.code for e in analyzer.events] == ["tracking_lost"]
    assert math.isnan(feedback[-1].signal_deg)


def test_low_visibility_frames_are_not_measured():
    analyzer, feedback = run("standing_flexion", bend() + [0.0] * 15, visibility=0.2)
    assert analyzer.reps == []
    assert feedback[-1].phase == NO_PERSON


def test_custom_form_rule_uses_its_own_message(tmp_path):
    from dataclasses import replace

    from formcheck.definitions.exercises import FormRule

    rule = FormRule(code="lean_back", field="knee_angle_deg", below=150.0, phases=("moving", "hold"),
                    min_duration_s=0.2, message="Sit tall: don't lean back")
    exercise = replace(get_exercise("standing_flexion"), form=(rule,))
    analyzer = ExerciseAnalyzer(exercise)
    values = bend() + [0.0] * 15
    cues = [analyzer.update(i / FPS, angles_for("standing_flexion", v, knee=140.0)).cue
            for i, v in enumerate(values)]
    assert analyzer.reps[0].warnings == ["lean_back"]
    assert analyzer.events[0].message == "Sit tall: don't lean back"
    assert "Sit tall: don't lean back" in cues


# --- issue 8: cues that fit the exercise; counters per side --------------------------------------

@pytest.mark.parametrize("exercise_id, other_knee_bent", [
    ("straight_leg_raise", True),  # lying with the support knee bent
    ("hamstring_stretch", True),  # sitting with the other knee bent
    ("standing_flexion", False),  # both knees straight
])
def test_knee_bent_message_fits_the_position(exercise_id, other_knee_bent):
    from formcheck.core.events import EVENT_MESSAGES, KNEE_BENT

    ex = get_exercise(exercise_id)
    (rule,) = [r for r in ex.form if r.code == KNEE_BENT]
    message = rule.message or EVENT_MESSAGES[KNEE_BENT]
    if other_knee_bent:  # "keep them straight" would tell the user to straighten the support leg too
        assert "knees" not in message.lower() and "them" not in message.lower().split()
        assert "leg" in message.lower()
    assert "straight" in message.lower()


def test_straight_leg_raise_knee_cue_is_its_own_message():
    from support import replay

    pipeline = replay("straight_leg_raise_kneebend.landmarks.npz", "straight_leg_raise")
    (rule,) = pipeline.exercise.form
    events = [e for e in pipeline.analyzer.events if e.code == "knee_bent"]
    assert events and all(e.message == rule.message for e in events)
    assert all("Knees bent" not in e.message for e in pipeline.analyzer.events)


def alternating_lifts(sides: str) -> list[Angles]:
    """Straight leg raises, one per letter of ``sides`` ("l" / "r"), each with a 2 s hold."""
    frames = []
    for s in sides:
        lift, rest = ("left", "right") if s == "l" else ("right", "left")
        for v in bend(peak=45.0, hold_s=2.0) + [0.0] * 10:
            a = Angles(detected=True, side="left", facing=-1, view="side", visibility=1.0,
                       knee_angle_left_deg=178.0, knee_angle_right_deg=178.0)
            setattr(a, f"leg_elevation_{lift}_deg", v)
            setattr(a, f"leg_elevation_{rest}_deg", 0.0)
            frames.append(a)
    return frames


@pytest.mark.parametrize("exercise_id, sides, field", [
    ("straight_leg_raise", "lllr", "leg_elevation_{side}_deg"),
    ("straight_leg_raise", "lrlrr", "leg_elevation_{side}_deg"),
    ("bird_dog", "llr", "diagonal_lift_{side}_deg"),
])
def test_feedback_counts_the_side_being_worked(exercise_id, sides, field):
    ex = get_exercise(exercise_id)
    analyzer = ExerciseAnalyzer(ex)
    frames = alternating_lifts(sides)
    if field != "leg_elevation_{side}_deg":
        for a in frames:
            for side in ("left", "right"):
                setattr(a, field.format(side=side), getattr(a, f"leg_elevation_{side}_deg") + ex.rest_deg)
    for i, a in enumerate(frames):
        fb = analyzer.update(i / FPS, a)
        done = {s: sum(r.side == s for r in analyzer.reps) for s in ("left", "right")}
        assert fb.reps == len(analyzer.reps) and fb.target_reps == ex.target_reps * 2  # totals, for the session
        assert fb.side in ("left", "right")
        assert fb.side_reps == done[fb.side] and fb.side_target_reps == ex.target_reps
    assert analyzer.reps_by_side == {"left": sides.count("l"), "right": sides.count("r")}
    assert fb.side == {"l": "left", "r": "right"}[sides[-1]] and fb.side_reps == sides.count(sides[-1])


def test_one_sided_exercise_has_no_side_count():
    _, feedback = run("standing_flexion", bend() + [0.0] * 15)
    assert all(f.side is None and f.side_reps is None and f.side_target_reps is None for f in feedback)
    assert feedback[-1].reps == 1 and feedback[-1].unit == "deg"
