import math

import numpy as np
import pytest

from formcheck.analysis.kinematics import (
    KinematicsTracker,
    angle_deg,
    inclination_from_vertical_deg,
    signed_joint_angle_deg,
)
from formcheck.core.keypoints import INDEX, KeyPoints

from support import side_view_figure


@pytest.mark.parametrize("a, b, c, expected", [
    ((1, 0), (0, 0), (0, 1), 90.0),
    ((1, 0), (0, 0), (-1, 0), 180.0),
    ((1, 0), (0, 0), (1, 0), 0.0),
    ((1, 1), (0, 0), (1, 0), 45.0),
])
def test_angle_deg(a, b, c, expected):
    assert angle_deg(np.array(a, float), np.array(b, float), np.array(c, float)) == pytest.approx(expected)


def test_angle_of_degenerate_points_is_nan():
    assert math.isnan(angle_deg(np.zeros(2), np.zeros(2), np.ones(2)))


@pytest.mark.parametrize("upper, facing, expected", [
    ((0, -1), 1, 0.0),      # upright
    ((1, -1), 1, 45.0),     # leaning towards image-right while facing right: flexion
    ((1, -1), -1, -45.0),   # same lean while facing left: extension
    ((-1, 0), -1, 90.0),    # horizontal towards the front (facing left)
])
def test_inclination_sign_follows_facing(upper, facing, expected):
    assert inclination_from_vertical_deg(np.zeros(2), np.array(upper, float), facing) == pytest.approx(expected)


@pytest.mark.parametrize("trunk_lean, facing, expected", [
    (0.0, 1, 180.0),
    (30.0, 1, 150.0),    # flexion closes the hip
    (-20.0, 1, 200.0),   # extension opens it past straight
    (30.0, -1, 150.0),
    (-20.0, -1, 200.0),
])
def test_signed_hip_angle(trunk_lean, facing, expected):
    a = math.radians(trunk_lean)
    hip = np.array([0.0, 0.0])
    shoulder = np.array([facing * math.sin(a), -math.cos(a)])
    knee = np.array([0.0, 1.0])
    assert signed_joint_angle_deg(shoulder, hip, knee, facing) == pytest.approx(expected)


@pytest.mark.parametrize("facing", [-1, 1])
@pytest.mark.parametrize("trunk", [0.0, 20.0, 45.0, 70.0, 95.0, -15.0])
def test_tracker_measures_trunk_inclination_whichever_way_the_person_faces(trunk, facing):
    tracker = KinematicsTracker()
    angles = tracker.update(side_view_figure(trunk, facing=facing))
    assert angles.detected
    assert angles.trunk_inclination_deg == pytest.approx(trunk, abs=0.5)
    assert angles.hip_angle_deg == pytest.approx(180.0 - trunk, abs=0.5)
    assert angles.view == "side"


def test_knee_angle_and_no_person():
    tracker = KinematicsTracker()
    bent = tracker.update(side_view_figure(0.0, knee_bend_deg=40.0))
    straight = tracker.update(side_view_figure(0.0))
    assert straight.knee_angle_deg == pytest.approx(180.0, abs=0.5)
    assert bent.knee_angle_deg < 160.0
    assert not tracker.update(None).detected


def test_front_view_is_recognised():
    pts = {"left_shoulder": (280, 100), "right_shoulder": (360, 100), "left_hip": (295, 220),
           "right_hip": (345, 220), "nose": (320, 70), "left_ear": (305, 65), "right_ear": (335, 65),
           "left_knee": (295, 320), "right_knee": (345, 320), "left_ankle": (295, 420), "right_ankle": (345, 420)}
    angles = KinematicsTracker().update(KeyPoints.from_dict(pts))
    assert angles.view == "front"


def test_side_choice_prefers_the_better_seen_side():
    kp = side_view_figure(10.0)
    for name in ("right_shoulder", "right_hip", "right_knee", "right_ankle"):
        kp.visibility[INDEX[name]] = 0.2
    tracker = KinematicsTracker()
    for _ in range(5):
        angles = tracker.update(kp)
    assert angles.side == "left"


def test_one_wrong_frame_does_not_flip_facing():
    tracker = KinematicsTracker()
    for _ in range(20):
        tracker.update(side_view_figure(30.0, facing=-1))
    flipped = side_view_figure(30.0, facing=-1)
    flipped.xy[0] = flipped.point("left_ear") + (flipped.point("left_ear") - flipped.point("nose"))  # nose behind
    assert tracker.update(flipped).facing == -1


def test_leg_elevation_follows_the_foot_not_the_thigh():
    """Lying down: a straight leg raised 40 deg reads 40; a bent support leg (thigh up, foot on
    the floor) reads near 0 although its thigh is raised."""
    hip = np.array([300.0, 300.0])
    raised = hip + 100 * np.array([-math.cos(math.radians(40)), -math.sin(math.radians(40))])
    pts = {"left_shoulder": (450, 300), "right_shoulder": (450, 300), "left_hip": tuple(hip),
           "right_hip": tuple(hip), "nose": (500, 290), "left_ear": (490, 295), "right_ear": (490, 295),
           "left_knee": tuple(hip + (raised - hip) / 2), "left_ankle": tuple(raised),
           "right_knee": (250, 250), "right_ankle": (210, 302)}
    angles = KinematicsTracker().update(KeyPoints.from_dict(pts))
    assert angles.leg_elevation_left_deg == pytest.approx(40.0, abs=0.5)
    assert angles.thigh_elevation_right_deg > 40.0
    assert abs(angles.leg_elevation_right_deg) < 3.0
    assert angles.ankle_angle_deg == getattr(angles, f"ankle_angle_{angles.side}_deg")
