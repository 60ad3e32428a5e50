"""The overlay draws what it should, where it should, at any frame size, and never crashes."""
import math

import numpy as np
import pytest

from conftest import side_view_figure
from formcheck.analyzers.base import HOLD, NO_PERSON, Feedback
from formcheck.keypoints import INDEX
from formcheck.kinematics import Angles, KinematicsTracker
from formcheck.render import OverlayRenderer, SkeletonAnnotator

SIZES = [(480, 640), (960, 540), (1080, 1920)]


def feedback(**kw):
    base = dict(t_s=1.0, phase=HOLD, signal_name="trunk inclination", signal_deg=62.0, rest_deg=0.0,
                target_deg=50.0, limit_deg=None, reps=3, target_reps=10, hold_s=1.4, target_hold_s=2.0,
                cue="Hold", warnings=[])
    base.update(kw)
    return Feedback(**base)


def scene(h, w):
    return np.full((h, w, 3), 127, np.uint8)


@pytest.mark.parametrize("h, w", SIZES)
def test_overlay_draws_panels_and_keeps_shape(h, w):
    kp = side_view_figure(60.0, hip_xy=(w / 2, h / 2), scale=h / 5)
    angles = KinematicsTracker().update(kp)
    out = OverlayRenderer().render(scene(h, w), kp, angles, feedback(), status="Standing flexion")
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    bottom = out[int(h * 0.92):, w // 4: 3 * w // 4]
    assert bottom.mean() < 110  # the cue banner darkens the bottom strip
    assert (out != 127).any(axis=2)[: h // 3, : w // 3].mean() > 0.02  # gauge / status panel top-left
    assert (out != 127).any(axis=2)[: h // 3, 2 * w // 3:].mean() > 0.02  # reps and hold panel top-right


def test_invisible_landmark_is_not_drawn():
    kp = side_view_figure(0.0)
    knee = INDEX["left_knee"], INDEX["right_knee"]
    for i in knee:
        kp.visibility[i] = 0.0
    kp.xy[list(knee)] = (600, 50)  # somewhere empty
    out = SkeletonAnnotator(min_visibility=0.5).annotate(scene(480, 640), kp)
    assert (out[45:56, 595:606] == 127).all()


@pytest.mark.parametrize("kp, angles, fb", [
    (None, None, None),
    (None, Angles(), feedback(phase=NO_PERSON, signal_deg=math.nan, cue="I can't see you: step into view")),
    (side_view_figure(10.0), Angles(detected=True, side="left", trunk_inclination_deg=math.nan), feedback()),
    (side_view_figure(10.0), KinematicsTracker().update(side_view_figure(10.0)),
     feedback(signal_name="hip angle (shoulder-hip-knee)", rest_deg=140.0, target_deg=170.0, limit_deg=190.0,
              signal_deg=195.0, warnings=["over_arch"], cue="Hips too high: lower a little")),
    (side_view_figure(10.0), KinematicsTracker().update(side_view_figure(10.0)),
     feedback(signal_name="hip angle", rest_deg=130.0, target_deg=70.0, signal_deg=90.0)),  # decreasing signal
])
def test_missing_or_odd_inputs_do_not_crash(kp, angles, fb):
    out = OverlayRenderer().render(scene(480, 640), kp, angles, fb, status="x")
    assert out.shape == (480, 640, 3)


def test_warning_cue_is_coloured():
    normal = OverlayRenderer().render(scene(480, 640), None, None, feedback(cue="Hold"))
    warned = OverlayRenderer().render(scene(480, 640), None, None,
                                      feedback(cue="Hips too high: lower a little", warnings=["over_arch"]))
    strip = slice(440, 480)
    assert not np.array_equal(normal[strip], warned[strip])
