"""Which side is which (analysis.sides): the near side from the body's geometry, limbs named
near / far whatever the model's labels say, and only the limb that moved starting a repetition.

Three tables: the geometry on synthetic skeletons (standing, lying on the back, on all fours,
seated; camera on either side; labels right or swapped), the side gate on synthetic angle
sequences, and recorded clips replayed through the whole pipeline: the bundled clips, their
horizontal mirrors (camera on the body's other side), and the same recordings with the model's
left/right labels swapped for the whole clip or flickering.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.kinematics import Angles, KinematicsTracker
from formcheck.analysis.pipeline import Pipeline
from formcheck.analysis.sides import GROUPS, SideGate, near_side, swap_permutation, swapped
from formcheck.core.keypoints import INDEX, KeyPoints
from formcheck.definitions.exercises import get_exercise
from formcheck.io.recording import LandmarkRecording

from support import FPS, SAMPLES, bend

# -- the near side from head and front ----------------------------------------------------------

# Image directions in pixels (x right, y down): head = hips -> shoulders, front = belly side.
POSTURES = {
    "standing": lambda f: ((0.0, -1.0), (f, 0.0)),  # f = +1 facing image-right
    "supine": lambda f: ((-f, 0.0), (0.0, -1.0)),  # lying on the back, feet towards image-f
    "all_fours": lambda f: ((f, 0.0), (0.0, 1.0)),  # belly down, head towards image-f
    "seated": lambda f: ((0.15 * f, -1.0), (f, 0.15)),  # leaning back a little
}


@pytest.mark.parametrize("posture, f, expected", [
    # A person facing image-right, upright, shows the camera their right side; so does one lying
    # on the back with the head to the left, or on all fours with the head to the right.
    ("standing", 1, "right"), ("standing", -1, "left"),
    ("supine", 1, "right"), ("supine", -1, "left"),
    ("all_fours", 1, "right"), ("all_fours", -1, "left"),
    ("seated", 1, "right"), ("seated", -1, "left"),
])
def test_near_side_is_front_cross_head(posture, f, expected):
    head, front = POSTURES[posture](f)
    assert near_side(np.array(head), np.array(front)) == expected


def test_near_side_agrees_with_every_sample_truth():
    """The clips' truth names the side facing the camera; the geometry says the same for the
    renderer's own joints (camera on the body's left in most clips, on its right in some)."""
    seen = set()
    for truth in sorted(SAMPLES.glob("*.json")):
        data = json.loads(truth.read_text())
        if not isinstance(data, dict) or "frames" not in data or data.get("near_side") not in ("left", "right"):
            continue
        frame = data["frames"][0]["keypoints_2d_px"]
        mid = {j: (np.array(frame[f"left_{j}"]) + np.array(frame[f"right_{j}"])) / 2 for j in ("shoulder", "hip")}
        head = mid["shoulder"] - mid["hip"]
        ears = (np.array(frame["left_ear"]) + np.array(frame["right_ear"])) / 2
        face = np.array(frame["nose"]) - ears
        normal = np.array([-head[1], head[0]])
        front = normal * np.sign(np.dot(face, normal))
        assert near_side(head, front) == data["near_side"], truth.name
        seen.add(data["near_side"])
    assert seen == {"left", "right"}


NEAR = [  # recording, the side facing the camera (truth; real clips: judged from the video)
    ("standing_flexion_1", "left"), ("standing_flexion_2", "right"),  # standing
    ("bridge_1", "left"), ("bridge_1_mirrored", "right"), ("bridge_2", "right"),  # lying on the back
    ("single_knee_to_chest_1_mirrored", "right"),
    ("bird_dog_1", "left"), ("bird_dog_1_mirrored", "right"),  # all fours
    ("seated_flexion_1", "left"), ("seated_flexion_spine_mix", "right"),  # seated
    ("birddog_polybag_1", "left"), ("bridge_physioplus_4", "right"),  # real: facing left; head to the left
]


@pytest.mark.parametrize("stem, near", NEAR, ids=[n[0] for n in NEAR])
def test_recorded_near_side_matches_the_truth(stem, near):
    from formcheck.analysis.pipeline import default_filter

    truth = SAMPLES / f"{stem}.json"
    if truth.exists():
        assert json.loads(truth.read_text())["near_side"] == near
    tracker, smooth = KinematicsTracker(), default_filter()
    sides = [tracker.update(smooth(kp, t)).side for t, kp in _load(f"{stem}.landmarks.npz").frames()
             if kp is not None]
    assert sides[3:] and set(sides[3:]) == {near}


# -- synthetic skeletons -------------------------------------------------------------------------

def skeleton(posture: str, f: int, lift_deg: float = 0.0, lifted: str = "left", arm_deg: float = 0.0,
             arm: str = "left", depth: float = 40.0, swap=(), scale: float = 100.0) -> KeyPoints:
    """A body in a sagittal-plane posture, limbs named anatomically, then labelled as the model
    might: ``swap`` exchanges left and right of those limb groups.

    ``lift_deg``: hip flexion of the ``lifted`` leg (its thigh turns from the trunk line towards
    the front); ``arm_deg``: the ``arm`` raised from along the trunk towards the head. The near
    side (from the geometry) is ``depth`` nearer the camera (smaller z) and better seen.
    """
    head, front = (np.array(v) for v in POSTURES[posture](f))
    head, front = head / np.linalg.norm(head), front / np.linalg.norm(front)
    near = near_side(head, front)
    hip = np.array([320.0, 240.0])

    def at(a, b):
        return hip + scale * (a * head + b * front)

    shoulder = at(1.0, 0.0)
    pts = {"nose": at(1.3, 0.12)}
    for s in ("left", "right"):
        phi = math.radians(lift_deg if s == lifted else 0.0)
        phi += math.radians({"standing": 0.0, "supine": 45.0, "all_fours": 90.0, "seated": 90.0}[posture])
        thigh = -math.cos(phi) * head + math.sin(phi) * front
        knee = hip + 0.9 * scale * thigh
        ankle = knee - 0.9 * scale * (front if posture in ("supine", "all_fours") else head)
        a = math.radians(arm_deg if s == arm else 0.0)
        arm_dir = -math.cos(a) * head + math.sin(a) * front
        pts.update({f"{s}_shoulder": shoulder, f"{s}_hip": hip, f"{s}_knee": knee, f"{s}_ankle": ankle,
                    f"{s}_heel": ankle - 0.08 * scale * front, f"{s}_foot_index": ankle + 0.2 * scale * front,
                    f"{s}_elbow": shoulder + 0.5 * scale * arm_dir, f"{s}_wrist": shoulder + scale * arm_dir,
                    f"{s}_ear": at(1.3, 0.0), f"{s}_eye": at(1.35, 0.08)})
    kp = KeyPoints.from_dict({k: tuple(v) for k, v in pts.items()})
    for name in pts:
        if name.startswith(("left_", "right_")):
            is_near = name.startswith(near + "_")
            kp.z[INDEX[name]] = -depth if is_near else depth
            kp.visibility[INDEX[name]] = 0.99 if is_near else 0.6
    return swapped(kp, swap) if swap else kp


def measure(kp_factory, frames: int = 6) -> tuple[Angles, KinematicsTracker]:
    tracker = KinematicsTracker()
    for _ in range(frames):
        angles = tracker.update(kp_factory())
    return angles, tracker


CASES = [(p, f, swap) for p in POSTURES for f in (1, -1) for swap in ((), ("leg",), ("arm",), tuple(GROUPS))]


@pytest.mark.parametrize("posture, f, swap", CASES,
                         ids=[f"{p}-{'image_right' if f > 0 else 'image_left'}-{'+'.join(s) or 'labels_right'}"
                              for p, f, s in CASES])
@pytest.mark.parametrize("lifted", ["left", "right"])
def test_the_lifted_leg_is_named_by_the_body_not_the_labels(posture, f, swap, lifted):
    angles, tracker = measure(lambda: skeleton(posture, f, lift_deg=40.0, lifted=lifted, arm_deg=60.0,
                                               arm=lifted, swap=swap))
    head, front = POSTURES[posture](f)
    assert angles.side == near_side(np.array(head), np.array(front))
    other = "right" if lifted == "left" else "left"
    rest = getattr(angles, f"hip_angle_{other}_deg")
    assert getattr(angles, f"hip_angle_{lifted}_deg") == pytest.approx(rest - 40.0, abs=0.5)
    arm_up, arm_down = (getattr(angles, f"arm_elevation_{s}_deg") for s in (lifted, other))
    assert arm_up != pytest.approx(arm_down)
    assert tracker.renamed == set(swap)


def test_front_view_keeps_the_model_labels():
    pts = {"left_shoulder": (360, 100), "right_shoulder": (280, 100), "left_hip": (345, 220),
           "right_hip": (295, 220), "nose": (320, 70), "left_ear": (335, 65), "right_ear": (305, 65),
           "left_knee": (345, 320), "right_knee": (295, 300), "left_ankle": (345, 420), "right_ankle": (295, 380)}
    kp = KeyPoints.from_dict(pts)
    kp.z[INDEX["right_knee"]] = -50.0  # the lifted knee comes towards the camera: not a "near side"
    tracker = KinematicsTracker()
    for _ in range(5):
        angles = tracker.update(KeyPoints(kp.xy.copy(), kp.visibility.copy(), kp.z.copy()))
    assert angles.view == "front" and tracker.renamed == set()
    assert angles.foot_lift_right_pct > 10.0


def test_a_label_jump_between_separate_legs_is_followed_by_position():
    """The model moves its labels to the other leg for a few frames but leaves the depth (z) with
    the label: while the legs are apart, the names follow the limbs, not the labels."""
    tracker = KinematicsTracker()
    left_lifted = []
    for i in range(30):
        kp = skeleton("supine", -1, lift_deg=50.0, lifted="left")
        if 10 <= i < 16:  # positions exchanged, depth and visibility not
            perm = swap_permutation(["leg"])
            kp.xy = kp.xy[perm]
        angles = tracker.update(kp)
        left_lifted.append(angles.hip_angle_left_deg < angles.hip_angle_right_deg - 40.0)
    assert all(left_lifted)


def test_renaming_is_drawn_as_measured():
    """The tracker names the keypoints it was given in place, so the skeleton drawn from them
    shows the measured leg where it is."""
    kp = skeleton("standing", 1, lift_deg=60.0, lifted="right", swap=("leg",))
    knee_before = kp.point("left_knee").copy()  # the model's "left" knee is the lifted right one
    KinematicsTracker().update(kp)
    assert np.allclose(kp.point("right_knee"), knee_before)


# -- which side moved: the gate on synthetic angle sequences -----------------------------------------

def _knee_to_chest(left: list[float], right: list[float]) -> ExerciseAnalyzer:
    analyzer = ExerciseAnalyzer(get_exercise("single_knee_to_chest"))
    for i, (lv, rv) in enumerate(zip(left, right, strict=True)):
        analyzer.update(i / FPS, Angles(detected=True, side="left", facing=-1, view="side", visibility=1.0,
                                        hip_angle_left_deg=lv, hip_angle_right_deg=rv))
    return analyzer


def _shift(values: list[float], frames: int, fill: float = 0.0) -> list[float]:
    return [fill] * frames + values[: len(values) - frames] if frames >= 0 else values[-frames:] + [fill] * -frames


REST = 130.0
REP = bend(peak=70.0, move_s=2.0, hold_s=2.0, rest_s=1.0) + [0.0] * 30  # hip flexion of the moving leg


def _hip(flexion: list[float]) -> list[float]:
    return [REST - v for v in flexion]


GATE_CASES = [
    ("alternating", REP + [0.0] * len(REP), [0.0] * len(REP) + REP, ["left", "right"]),
    # The other leg follows at 60 % and settles 1.2 s after the moving one: not a rep of its own
    # (going by each counter alone, it counted as a right rep too).
    ("sympathetic-lagging", REP, _shift([0.6 * v for v in REP], 18), ["left"]),
    # The other leg starts 0.4 s earlier with half the movement: the rep is the moving leg's
    # (it was counted as the right leg's).
    ("sympathetic-leading", REP, _shift([0.5 * v for v in REP], -6), ["left"]),
    # The far leg, hidden behind the near one, jumps 20-40 deg for a moment as the rep begins:
    # that blip starts and ends a movement of the right counter, and must not cost the left rep.
    *[(f"far-leg-glitch-{amp:.0f}-at-{at}", REP, [amp if at <= i < at + 4 else 0.0 for i in range(len(REP))],
       ["left"]) for amp in (20.0, 40.0) for at in (14, 18, 22)],
]


@pytest.mark.parametrize("case, left, right, expected", GATE_CASES, ids=[c[0] for c in GATE_CASES])
def test_only_the_limb_that_moved_counts(case, left, right, expected):
    analyzer = _knee_to_chest(_hip(left), _hip(right))
    assert [r.side for r in analyzer.reps] == expected


@pytest.mark.parametrize("values, busy, expected", [
    ({"left": -60.0, "right": -88.0}, None, {"left"}),  # bird dog: left arm and right leg lifting
    ({"left": -60.0, "right": -62.0}, None, set()),  # both diagonals alike: neither has moved more...
    ({"left": -50.0, "right": -50.0}, None, {"left"}),  # ...until well out: then one side, once
    ({"left": -88.0, "right": -88.0}, None, set()),  # nobody moving
    ({"left": None, "right": -60.0}, None, {"right"}),  # one side not measured this frame
])
def test_side_gate_lets_the_larger_movement_start(values, busy, expected):
    ex = get_exercise("bird_dog")
    gate = SideGate(ex.sides, ex.rest_deg, ex.target_deg, ex.start_deg, ex.return_deg, ex.rest_limit_deg)
    gate.update(0.0, {"left": -88.0, "right": -88.0}, None)
    assert gate.update(1 / FPS, values, busy) == expected


def test_side_gate_off_rest_when_the_other_side_ends_must_return_first():
    ex = get_exercise("bird_dog")
    gate = SideGate(ex.sides, ex.rest_deg, ex.target_deg, ex.start_deg, ex.return_deg, ex.rest_limit_deg)
    gate.update(0.0, {"left": -88.0, "right": -88.0}, None)
    for i in range(1, 10):  # left's repetition; right drifts up 40 deg with it and stays there
        gate.update(i / 10, {"left": -20.0, "right": -88.0 + min(40.0, 10.0 * i)}, "left")
    assert gate.update(1.0, {"left": -88.0, "right": -48.0}, None) == set()  # settling, not starting
    assert gate.update(1.1, {"left": -88.0, "right": -87.0}, None) == set()  # back at rest: armed again
    assert gate.update(1.2, {"left": -88.0, "right": -50.0}, None) == {"right"}


def test_side_gate_a_side_moving_out_as_the_other_ends_may_start():
    ex = get_exercise("bird_dog")
    gate = SideGate(ex.sides, ex.rest_deg, ex.target_deg, ex.start_deg, ex.return_deg, ex.rest_limit_deg)
    gate.update(0.0, {"left": -88.0, "right": -88.0}, None)
    gate.update(0.1, {"left": -88.0, "right": -60.0}, "right")  # a blip of the right counter...
    gate.update(0.2, {"left": -80.0, "right": -88.0}, "right")
    assert gate.update(0.3, {"left": -68.0, "right": -88.0}, None) == {"left"}  # ...while left starts


# -- recorded clips -------------------------------------------------------------------------------------

def _load(recording: str, swap=(), every: int | None = None) -> LandmarkRecording:
    """A recording, optionally with the model's left/right labels (positions, depth and
    visibility together) swapped in ``swap``: for the whole clip, or in one block of ``every``
    frames out of three (a label that flickers between the legs)."""
    rec = LandmarkRecording.load(SAMPLES / recording)
    if swap:
        perm = swap_permutation(swap)
        mask = np.ones(len(rec), bool) if every is None else (np.arange(len(rec)) // every) % 3 == 1
        for arr in (rec.xy, rec.visibility, rec.z):
            arr[mask] = arr[mask][:, perm]
    return rec


def _sides(rec: LandmarkRecording, exercise: str) -> str:
    pipeline = Pipeline(get_exercise(exercise))
    for t, raw in rec.frames():
        pipeline.step(t, raw)
    return "".join({"left": "L", "right": "R", None: "-"}[r.side] for r in pipeline.analyzer.reps)


def _truth_sides(stem: str) -> str:
    reps = json.loads((SAMPLES / f"{stem}.json").read_text())["reps"]
    return "".join({"left": "L", "right": "R", None: "-"}[r["side"]] for r in reps)


# Bird dog: "left" is the left arm with the right leg. The real clip (truth: one rep per side)
# extends the near (left) arm first and the far (right) arm second, judged from the video.
REPLAYS = [
    ("single_knee_to_chest_1", "single_knee_to_chest", "LRLR"),
    ("single_knee_to_chest_1_mirrored", "single_knee_to_chest", "RLRL"),
    ("straight_leg_raise_1", "straight_leg_raise", "LRLR"),
    ("straight_leg_raise_1_mirrored", "straight_leg_raise", "RLRL"),
    ("bird_dog_1", "bird_dog", "LRLR"),
    ("bird_dog_1_mirrored", "bird_dog", "RLRL"),
    ("birddog_polybag_1", "bird_dog", "LR"),
]


@pytest.mark.parametrize("stem, exercise, expected", REPLAYS, ids=[r[0] for r in REPLAYS])
def test_replay_counts_each_side(stem, exercise, expected):
    if (SAMPLES / f"{stem}.json").exists():
        assert _truth_sides(stem) == expected  # the table matches the truth (mirrored: swapped)
    assert _sides(_load(f"{stem}.landmarks.npz"), exercise) == expected


ALL = ("head", "arm", "leg")
SWAPS = [  # recording, exercise, true sides, label groups swapped, in blocks of this many frames (None: all)
    ("single_knee_to_chest_1_mirrored", "single_knee_to_chest", "RLRL", ALL, None),
    ("straight_leg_raise_1", "straight_leg_raise", "LRLR", ("leg",), None),
    ("bird_dog_1_mirrored", "bird_dog", "RLRL", ALL, None),
    ("birddog_polybag_1", "bird_dog", "LR", ("arm", "leg"), None),
    ("single_knee_to_chest_1", "single_knee_to_chest", "LRLR", ("arm", "leg"), 20),
    ("straight_leg_raise_1_mirrored", "straight_leg_raise", "RLRL", ("arm", "leg"), 20),
    ("birddog_polybag_1", "bird_dog", "LR", ("arm", "leg"), 5),
]


@pytest.mark.parametrize("stem, exercise, expected, swap, every", SWAPS,
                         ids=[f"{s[0]}-{'+'.join(s[3])}-{'flicker' if s[4] else 'whole-clip'}" for s in SWAPS])
def test_replay_with_the_model_labels_swapped(stem, exercise, expected, swap, every):
    """The same reps on the same sides whatever the model calls the limbs. (Going by the labels,
    a whole-clip swap counts every rep on the wrong side, and the flicker 0-12 reps.)"""
    assert _sides(_load(f"{stem}.landmarks.npz", swap, every), exercise) == expected


def test_mirrored_truth_is_the_source_mirrored():
    src = json.loads((SAMPLES / "single_knee_to_chest_1.json").read_text())
    mir = json.loads((SAMPLES / "single_knee_to_chest_1_mirrored.json").read_text())
    assert mir["near_side"] == "right" and src["near_side"] == "left"
    assert mir["options"]["mirror"] is True and "mirrored" in mir["note"]
    width = src["width"]
    a, b = src["frames"][150], mir["frames"][150]
    assert b["side"] == "left" and a["side"] == "right"
    assert b["hip_angle_left_2d_deg"] == a["hip_angle_right_2d_deg"]
    assert b["keypoints_2d_px"]["left_knee"][0] == pytest.approx(width - 1 - a["keypoints_2d_px"]["right_knee"][0])
    assert b["keypoints_2d_px"]["left_knee"][1] == a["keypoints_2d_px"]["right_knee"][1]
