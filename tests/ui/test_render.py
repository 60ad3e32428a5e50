"""The drawing layer: each annotator draws where it should, skips what it cannot draw, never raises."""
from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.analysis.kinematics import Angles, KinematicsTracker
from formcheck.core.events import HIP_SAG, HOLD, KNEE_BENT, NO_PERSON, OVER_ARCH, REST, Feedback
from formcheck.core.keypoints import INDEX, KeyPoints
from formcheck.ui.annotators import (
    AngleArcAnnotator,
    CueAnnotator,
    HoldTimerAnnotator,
    RepCounterAnnotator,
    SkeletonAnnotator,
    StatusAnnotator,
    angle_geometry,
)
from formcheck.ui.drawing import AMBER, CUE_SIZE, FAR_LIMB, LIMIT_RED, NEAR_LIMB, WHITE, Layout, arc_span
from formcheck.ui.gauge import GaugeAnnotator, GaugeScale
from formcheck.ui.overlay import OverlayRenderer

from support import side_view_figure

FRAME_SIZES = [(640, 480), (540, 960), (1920, 1080)]  # (width, height)


def stick_figure(width: int = 640, height: int = 480, trunk_deg: float = 0.0) -> KeyPoints:
    """A side-view figure facing image-right, legs vertical, trunk tilted forward by trunk_deg.

    The far (right) side is drawn 20 px-per-480 behind and 10 above the near (left) side so the
    two can be told apart in pixels.
    """
    u = min(width, height) / 480.0
    ankle = np.array([width * 0.5, height * 0.9])
    knee, hip = ankle - (0, 110 * u), ankle - (0, 220 * u)
    up = np.array([math.sin(math.radians(trunk_deg)), -math.cos(math.radians(trunk_deg))])
    shoulder = hip + 130 * u * up
    elbow = shoulder + (45 * u, 35 * u)
    near = {
        "shoulder": shoulder, "hip": hip, "knee": knee, "ankle": ankle,
        "heel": ankle + (-12 * u, 6 * u), "foot_index": ankle + (28 * u, 6 * u),
        "elbow": elbow, "wrist": elbow + (50 * u, 0), "ear": shoulder + 35 * u * up,
    }
    points = {f"left_{j}": tuple(p) for j, p in near.items()}
    points.update({f"right_{j}": tuple(p - (20 * u, 10 * u)) for j, p in near.items()})
    points["nose"] = tuple(near["ear"] + (15 * u, 0))
    return KeyPoints.from_dict(points)


def feedback(**overrides) -> Feedback:
    values = {"t_s": 1.0, "phase": HOLD, "signal_name": "trunk inclination", "signal_field": "trunk_inclination_deg",
              "signal_deg": 45.0,
              "rest_deg": 0.0, "target_deg": 40.0, "limit_deg": None, "reps": 3, "target_reps": 10,
              "hold_s": 1.4, "target_hold_s": 2.0, "cue": "Hold", "warnings": [], "side": None}
    return Feedback(**(values | overrides))


def frame(width: int = 640, height: int = 480, value: int = 128) -> np.ndarray:
    return np.full((height, width, 3), value, dtype=np.uint8)


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Mask of pixels that differ."""
    return (before != after).any(axis=2)


def has_colour(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 30) -> bool:
    return bool((np.abs(image.astype(int) - colour) <= tolerance).all(axis=2).any())


def is_green(image: np.ndarray) -> np.ndarray:
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return (g - np.maximum(b, r)) > 60


def is_red(image: np.ndarray) -> np.ndarray:
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return (r - np.maximum(b, g)) > 60


# --- whole overlay ---------------------------------------------------------------------------

@pytest.mark.parametrize("width,height", FRAME_SIZES)
def test_overlay_draws_every_panel_in_place(width: int, height: int) -> None:
    keypoints = stick_figure(width, height, trunk_deg=45.0)
    angles = KinematicsTracker().update(keypoints)
    blank, scene = frame(width, height, 200), frame(width, height, 200)
    out = OverlayRenderer().render(scene, keypoints, angles, feedback(), status="Hip hinge")

    assert out is scene and out.shape == (height, width, 3) and out.dtype == np.uint8
    layout = Layout.of(scene)
    gauge = (slice(layout.left_column_top, layout.left_column_top + layout.unit // 3),
             slice(layout.margin, layout.margin + layout.unit // 10))
    assert changed(blank[gauge], out[gauge]).mean() > 0.5
    banner = out[height - 2 * layout.cap(CUE_SIZE):]
    assert banner.mean() < 150  # darkened from 200
    top_right = (slice(0, layout.unit // 6), slice(width - layout.unit // 6, width))
    assert changed(blank[top_right], out[top_right]).any()
    hip = keypoints.point("left_hip").astype(int)
    near_hip = (slice(hip[1] - 10, hip[1] + 10), slice(hip[0] - 10, hip[0] + 10))
    assert changed(blank[near_hip], out[near_hip]).any()


@pytest.mark.parametrize("width,height", FRAME_SIZES)
@pytest.mark.parametrize("keypoints,angles,fb", [
    (None, Angles(), feedback(signal_deg=float("nan"), phase=NO_PERSON, hold_s=0.0)),
    (None, None, None),
    (stick_figure(), Angles(), feedback(signal_deg=float("nan"))),  # keypoints but NaN angles
    (None, Angles(), feedback(rest_deg=20.0, target_deg=20.0)),  # degenerate gauge range
    (None, Angles(), feedback(target_reps=0, target_hold_s=0.0, cue="", signal_name="", signal_field=None)),
], ids=["no-person", "nothing", "nan-angles", "flat-range", "empty-texts"])
def test_overlay_survives_missing_data(width, height, keypoints, angles, fb) -> None:
    scene = frame(width, height)
    out = OverlayRenderer().render(scene, keypoints, angles, fb, status="fps 30")
    assert out is scene and out.shape == (height, width, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("width,height", FRAME_SIZES)
def test_overlay_draws_panels_and_keeps_shape(width: int, height: int) -> None:
    kp = side_view_figure(60.0, hip_xy=(width / 2, height / 2), scale=height / 5)
    angles = KinematicsTracker().update(kp)
    out = OverlayRenderer().render(frame(width, height, 127), kp, angles, feedback(), status="Standing flexion")
    assert out.shape == (height, width, 3) and out.dtype == np.uint8
    bottom = out[int(height * 0.92):, width // 4: 3 * width // 4]
    assert bottom.mean() < 110  # the cue banner darkens the bottom strip
    drawn = (out != 127).any(axis=2)
    assert drawn[: height // 3, : width // 3].mean() > 0.02  # gauge / status panel top-left
    assert drawn[: height // 3, 2 * width // 3:].mean() > 0.02  # reps and hold panel top-right


@pytest.mark.parametrize("kp, angles, fb", [
    (None, Angles(), feedback(phase=NO_PERSON, signal_deg=math.nan, cue="I can't see you: step into view")),
    (side_view_figure(10.0), Angles(detected=True, side="left", trunk_inclination_deg=math.nan), feedback()),
    (side_view_figure(10.0), KinematicsTracker().update(side_view_figure(10.0)),
     feedback(signal_name="hip angle (shoulder-hip-knee)", signal_field="hip_angle_deg", rest_deg=140.0,
              target_deg=170.0, limit_deg=190.0, signal_deg=195.0, warnings=[OVER_ARCH],
              cue="Hips too high: lower a little")),
    (side_view_figure(10.0), KinematicsTracker().update(side_view_figure(10.0)),
     feedback(signal_name="hip angle", signal_field="hip_angle_deg", rest_deg=130.0, target_deg=70.0,
              signal_deg=90.0)),  # decreasing signal
])
def test_odd_inputs_do_not_crash(kp, angles, fb) -> None:
    out = OverlayRenderer().render(frame(value=127), kp, angles, fb, status="x")
    assert out.shape == (480, 640, 3)


def test_warning_cue_is_coloured() -> None:
    normal = OverlayRenderer().render(frame(value=127), None, None, feedback(cue="Hold"))
    warned = OverlayRenderer().render(frame(value=127), None, None,
                                      feedback(cue="Hips too high: lower a little", warnings=[OVER_ARCH]))
    strip = slice(440, 480)
    assert not np.array_equal(normal[strip], warned[strip])


def test_layout_follows_the_shorter_side() -> None:
    small, portrait, landscape, hd = (Layout.of(frame(w, h)) for w, h in
                                      [(640, 480), (540, 960), (960, 540), (1920, 1080)])
    assert portrait.scale == landscape.scale and portrait.margin == landscape.margin
    assert small.scale < portrait.scale < hd.scale
    assert small.thickness <= portrait.thickness < hd.thickness


# --- skeleton --------------------------------------------------------------------------------

@pytest.mark.parametrize("visibility,drawn", [(0.0, False), (0.49, False), (0.5, True), (1.0, True)])
def test_skeleton_draws_only_sure_landmarks(visibility: float, drawn: bool) -> None:
    keypoints = stick_figure()
    keypoints.visibility[INDEX["left_wrist"]] = visibility
    blank, scene = frame(), frame()
    SkeletonAnnotator(min_visibility=0.5).annotate(scene, keypoints, near_side="left")

    wrist, elbow = keypoints.point("left_wrist"), keypoints.point("left_elbow")
    for x, y in (wrist, (wrist + elbow) / 2):  # the joint and the forearm leading to it
        assert changed(blank, scene)[round(y), round(x)] == drawn
    x, y = keypoints.point("left_knee")
    assert changed(blank, scene)[round(y), round(x)]  # the rest of the figure is still drawn
    # Nothing is drawn outside the box around the landmarks the model is sure of.
    sure = keypoints.xy[keypoints.visibility >= 0.5]
    ys, xs = np.nonzero(changed(blank, scene))
    assert (xs >= sure[:, 0].min() - 5).all() and (xs <= sure[:, 0].max() + 5).all()
    assert (ys >= sure[:, 1].min() - 5).all() and (ys <= sure[:, 1].max() + 5).all()


def test_invisible_landmark_is_not_drawn() -> None:
    kp = side_view_figure(0.0)
    knees = [INDEX["left_knee"], INDEX["right_knee"]]
    kp.visibility[knees] = 0.0
    kp.xy[knees] = (600, 50)  # somewhere empty
    out = SkeletonAnnotator(min_visibility=0.5).annotate(frame(value=127), kp)
    assert (out[45:56, 595:606] == 127).all()


def test_skeleton_emphasises_the_near_side() -> None:
    keypoints = stick_figure()
    scene = SkeletonAnnotator().annotate(frame(value=0), keypoints, near_side="left")

    def thigh_middle(side: str) -> np.ndarray:
        x, y = (keypoints.point(f"{side}_hip") + keypoints.point(f"{side}_knee")) / 2
        return scene[round(y), round(x)]

    assert tuple(thigh_middle("left")) == NEAR_LIMB
    assert has_colour(thigh_middle("right")[None, None], FAR_LIMB, tolerance=40)


def test_skeleton_without_keypoints_draws_nothing() -> None:
    scene = frame()
    assert SkeletonAnnotator().annotate(scene, None) is scene
    assert not changed(frame(), scene).any()


# --- angle arc -------------------------------------------------------------------------------

@pytest.mark.parametrize("signal_field,near_side,vertex,value_field", [
    ("trunk_inclination_deg", "left", ("left_hip", "right_hip"), "trunk_inclination_deg"),
    ("trunk_inclination_deg", "right", ("left_hip", "right_hip"), "trunk_inclination_deg"),
    ("hip_angle_deg", "left", ("left_hip",), "hip_angle_left_deg"),  # the near side's field
    ("hip_angle_deg", "right", ("right_hip",), "hip_angle_right_deg"),
    ("knee_angle_deg", "left", ("left_knee",), "knee_angle_left_deg"),
    ("knee_angle_deg", "right", ("right_knee",), "knee_angle_right_deg"),
    # alternating exercises: the moving leg (its side is in the field), whichever side is nearer the camera
    ("hip_angle_right_deg", "left", ("right_hip",), "hip_angle_right_deg"),
    ("hip_angle_left_deg", "left", ("left_hip",), "hip_angle_left_deg"),
    ("knee_angle_left_deg", "right", ("left_knee",), "knee_angle_left_deg"),
])
def test_angle_geometry_picks_the_vertex(signal_field, near_side, vertex, value_field) -> None:
    keypoints = stick_figure(trunk_deg=30.0)
    angles = KinematicsTracker().update(keypoints)
    angles.side = near_side
    geometry = angle_geometry(keypoints, angles, signal_field)
    assert geometry is not None
    np.testing.assert_allclose(geometry.vertex, np.mean([keypoints.point(n) for n in vertex], axis=0))
    assert geometry.value_deg == getattr(angles, value_field)


def test_angle_geometry_of_the_trunk_starts_at_image_up() -> None:
    keypoints = stick_figure(trunk_deg=30.0)
    geometry = angle_geometry(keypoints, KinematicsTracker().update(keypoints), "trunk_inclination_deg")
    direction = geometry.first - geometry.vertex
    assert direction[0] == 0 and direction[1] < 0


def _measured_angles(**overrides) -> Angles:
    angles = KinematicsTracker().update(stick_figure())
    for name, value in overrides.items():
        setattr(angles, name, value)
    return angles


@pytest.mark.parametrize("keypoints,angles,signal_field", [
    (None, _measured_angles(), "trunk_inclination_deg"),
    (stick_figure(), None, "trunk_inclination_deg"),
    (stick_figure(), Angles(), "trunk_inclination_deg"),  # not detected: NaN
    (stick_figure(), _measured_angles(hip_angle_deg=math.nan, hip_angle_left_deg=math.nan,
                                      hip_angle_right_deg=math.nan), "hip_angle_deg"),
    (stick_figure(), _measured_angles(side=""), "knee_angle_deg"),  # near side unknown
    (stick_figure(), _measured_angles(), "ankle_angle_deg"),  # nothing to draw it on
    (stick_figure(), _measured_angles(), "body_line_knee_deg"),  # names joints, is no joint angle
    (stick_figure(), _measured_angles(), "hip_sag_deg"),
    (stick_figure(), _measured_angles(), "leg_elevation_left_deg"),
    (stick_figure(), _measured_angles(), None),  # a timer exercise measures nothing
    (KeyPoints(np.full((33, 2), np.nan), np.ones(33)), _measured_angles(), "knee_angle_deg"),
], ids=["no-keypoints", "no-angles", "nan-trunk", "nan-hip", "no-side", "ankle", "body-line", "hip-sag",
        "leg-lift", "timer", "nan-points"])
def test_angle_arc_skips_quietly(keypoints, angles, signal_field) -> None:
    assert angle_geometry(keypoints, angles, signal_field) is None
    scene = frame()
    AngleArcAnnotator().annotate(scene, keypoints, angles, feedback(signal_field=signal_field))
    assert not changed(frame(), scene).any()


@pytest.mark.parametrize("signal_name,signal_field,drawn", [
    ("hip angle (shoulder-hip-knee)", "body_line_knee_deg", False),  # a label naming a joint draws nothing
    ("knee angle", "hip_sag_deg", False),
    ("how far you bend", "trunk_inclination_deg", True),  # a label that names no joint still gets its arc
    ("leg", "hip_angle_left_deg", True),
])
def test_angle_arc_is_chosen_by_the_field_not_the_label(signal_name, signal_field, drawn) -> None:
    keypoints = stick_figure(trunk_deg=30.0)
    angles = KinematicsTracker().update(keypoints)
    scene = AngleArcAnnotator().annotate(frame(), keypoints, angles,
                                         feedback(signal_name=signal_name, signal_field=signal_field))
    assert changed(frame(), scene).any() == drawn


@pytest.mark.parametrize("first,second,value,expected", [
    (0.0, 90.0, 90.0, (0.0, 90.0)),  # short way, clockwise on screen
    (0.0, 270.0, 90.0, (0.0, -90.0)),  # short way, anticlockwise
    (-90.0, -45.0, 45.0, (-90.0, -45.0)),
    (170.0, -170.0, 20.0, (170.0, 190.0)),  # across the +-180 seam
    (0.0, 90.0, 270.0, (0.0, -270.0)),  # reflex value (hip past straight): the long way
    (0.0, 270.0, 270.0, (0.0, 270.0)),
    (-90.0, -45.0, -45.0, (-90.0, -45.0)),  # signed trunk extension: size is what counts
])
def test_arc_span(first, second, value, expected) -> None:
    assert arc_span(first, second, value) == pytest.approx(expected)


@pytest.mark.parametrize("trunk_deg", [45.0, -30.0])
def test_trunk_arc_is_drawn_between_vertical_and_trunk(trunk_deg: float) -> None:
    keypoints = stick_figure(trunk_deg=trunk_deg)
    angles = KinematicsTracker().update(keypoints)
    scene = AngleArcAnnotator().annotate(frame(), keypoints, angles, feedback())
    ys, xs = np.nonzero(changed(frame(), scene))
    vertex = angle_geometry(keypoints, angles, "trunk_inclination_deg").vertex
    dx, dy = xs - vertex[0], ys - vertex[1]
    near = (np.hypot(dx, dy) > 8) & (np.hypot(dx, dy) < 0.15 * 480)  # past the rays' own width
    bearing = np.degrees(np.arctan2(dx[near], -dy[near]))  # 0 = image up, + = towards image-right
    inside = (bearing * np.sign(trunk_deg) > 5) & (abs(bearing) < abs(trunk_deg) - 5)
    mirrored = (bearing * np.sign(trunk_deg) < -10) & (abs(bearing) < 170)
    assert inside.any()
    assert not mirrored.any()


# --- gauge -----------------------------------------------------------------------------------

@pytest.mark.parametrize("rest,target,limit,value,expected", [
    (0.0, 40.0, None, 0.0, 0.0),
    (0.0, 40.0, None, 40.0, 0.8),  # target at 1 / 1.25
    (0.0, 40.0, None, 100.0, 1.0),  # clipped
    (0.0, 40.0, None, -10.0, 0.0),
    (180.0, 140.0, None, 180.0, 0.0),  # a signal that decreases when moving
    (180.0, 140.0, None, 150.0, 0.6),
    (180.0, 140.0, None, 140.0, 0.8),
    (0.0, 40.0, 60.0, 60.0, 60.0 / 64.0),  # a limit past the end stretches the gauge
    (180.0, 140.0, 120.0, 120.0, 60.0 / 64.0),
    (0.0, 40.0, 45.0, 40.0, 0.8),  # a limit inside the range changes nothing
    (0.0, 40.0, 40.0, float("nan"), float("nan")),
])
def test_gauge_scale(rest, target, limit, value, expected) -> None:
    gauge = GaugeScale.from_feedback(feedback(rest_deg=rest, target_deg=target, limit_deg=limit))
    assert gauge.fraction(value) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("rest,target", [(20.0, 20.0), (float("nan"), 40.0), (0.0, float("nan"))])
def test_gauge_without_a_range_draws_nothing(rest: float, target: float) -> None:
    assert GaugeScale.from_feedback(feedback(rest_deg=rest, target_deg=target)) is None
    scene = GaugeAnnotator().annotate(frame(), feedback(rest_deg=rest, target_deg=target))
    assert not changed(frame(), scene).any()


@pytest.mark.parametrize("rest,target,limit", [(0.0, 40.0, 60.0), (180.0, 140.0, 120.0)],
                         ids=["increasing", "decreasing"])
def test_gauge_shades_target_and_limit_zones(rest: float, target: float, limit: float) -> None:
    at_rest = GaugeAnnotator().annotate(frame(), feedback(rest_deg=rest, target_deg=target, limit_deg=limit,
                                                          signal_deg=rest))
    layout = Layout.of(at_rest)
    bar = at_rest[:, : layout.margin + layout.pad + round(0.04 * layout.unit)]  # left of the tick labels
    assert is_green(bar).sum() > 50 and is_red(bar).sum() > 50
    without_limit = GaugeAnnotator().annotate(frame(), feedback(rest_deg=rest, target_deg=target, signal_deg=rest))
    assert is_red(without_limit).sum() == 0

    moved = GaugeAnnotator().annotate(frame(), feedback(rest_deg=rest, target_deg=target, limit_deg=limit,
                                                        signal_deg=(rest + target) / 2))
    filled = changed(at_rest, moved)
    assert filled.any()
    ys, _ = np.nonzero(filled[:-Layout.of(moved).unit // 8])  # above the value label
    assert ys.max() > 480 // 3  # the fill grows from the bottom of the bar, either direction


def test_gauge_value_turns_green_at_target_and_red_past_limit() -> None:
    def colours(value: float) -> tuple[int, int]:
        scene = GaugeAnnotator().annotate(frame(value=0), feedback(rest_deg=180.0, target_deg=140.0,
                                                                     limit_deg=120.0, signal_deg=value))
        return int(is_green(scene).sum()), int(is_red(scene).sum())

    (green_short, _), (green_reached, red_reached), (_, red_over) = colours(160.0), colours(135.0), colours(110.0)
    assert green_reached > green_short  # fill and value turned green
    assert red_over > red_reached  # fill and value turned red


# --- reps, hold, cue, status -----------------------------------------------------------------

def test_rep_counter_top_right_and_side_line() -> None:
    plain = RepCounterAnnotator().annotate(frame(), feedback())
    with_side = RepCounterAnnotator().annotate(frame(), feedback(side="left"))
    for scene in (plain, with_side):
        ys, xs = np.nonzero(changed(frame(), scene))
        assert xs.min() > 640 // 2 and ys.max() < 480 // 3
    assert np.nonzero(changed(frame(), with_side))[0].max() > np.nonzero(changed(frame(), plain))[0].max()


@pytest.mark.parametrize("phase,hold_s,green,bright", [
    (HOLD, 2.0, True, False),  # reached: green
    (HOLD, 1.4, False, True),  # holding: white
    (REST, 0.0, False, False),  # not holding: dim
    (NO_PERSON, float("nan"), False, False),
])
def test_hold_timer(phase: str, hold_s: float, green: bool, bright: bool) -> None:
    scene = HoldTimerAnnotator().annotate(frame(value=0), feedback(phase=phase, hold_s=hold_s))
    assert scene.any()
    assert is_green(scene).any() == green
    assert has_colour(scene, WHITE, tolerance=10) == bright
    ys, xs = np.nonzero(scene.any(axis=2))
    assert xs.min() > 640 // 2 and ys.min() > Layout.of(scene).margin  # below the rep counter


def test_hold_timer_hidden_without_a_target_hold() -> None:
    scene = HoldTimerAnnotator().annotate(frame(), feedback(target_hold_s=0.0))
    assert not changed(frame(), scene).any()


@pytest.mark.parametrize("warnings,colour", [
    ([], WHITE), ([KNEE_BENT], AMBER), ([OVER_ARCH], LIMIT_RED), ([KNEE_BENT, HIP_SAG], LIMIT_RED),
])
def test_cue_banner(warnings: list[str], colour: tuple[int, int, int]) -> None:
    scene = CueAnnotator().annotate(frame(), feedback(cue="Lower slowly", warnings=warnings))
    banner_top = 480 - 2 * Layout.of(scene).cap(CUE_SIZE)
    assert not changed(frame(), scene)[:banner_top].any()
    banner = scene[banner_top:]
    assert (banner.max(axis=2) < 128).mean() > 0.5  # mostly darker than the frame
    assert has_colour(banner, colour, tolerance=20)


def test_cue_falls_back_to_the_warning_message_and_hides_when_empty() -> None:
    assert not changed(frame(), CueAnnotator().annotate(frame(), feedback(cue=""))).any()
    scene = CueAnnotator().annotate(frame(), feedback(cue="", warnings=[KNEE_BENT]))
    assert has_colour(scene, AMBER, tolerance=20)


@pytest.mark.parametrize("width,height", FRAME_SIZES)
def test_long_cue_is_scaled_to_fit(width: int, height: int) -> None:
    cue = "Hips too high: lower them slowly into one straight line from shoulder to knee"
    scene = CueAnnotator().annotate(frame(width, height, value=0), feedback(cue=cue))
    text_columns = np.nonzero((scene > 100).any(axis=(0, 2)))[0]
    margin = Layout.of(scene).margin
    assert text_columns.min() >= margin // 2 and text_columns.max() < width - margin // 2


@pytest.mark.parametrize("width,height", FRAME_SIZES)
def test_status_stays_top_left_clear_of_the_rep_counter(width: int, height: int) -> None:
    text = "Standing hip hinge - measuring trunk inclination - 29.7 fps - camera 0"
    scene = StatusAnnotator().annotate(frame(width, height), text)
    layout = Layout.of(scene)
    ys, xs = np.nonzero(changed(frame(width, height), scene))
    assert xs.max() < width - layout.right_column_width - layout.margin
    assert ys.max() < layout.left_column_top
    assert not changed(frame(), StatusAnnotator().annotate(frame(), "")).any()


# -- fitting text by measuring (OpenCV 5 quantises glyph advances, so width is not linear in scale)

LONG_TEXTS = ["Hips too high: lower them slowly into one straight line from shoulder to knee",
              "space: pause   n: skip   p: pain   m: mute   q: quit", "W" * 60, "i" * 120, "1 / 10"]


@pytest.mark.parametrize("text", LONG_TEXTS)
@pytest.mark.parametrize("max_width", [120, 200, 613, 1880])
@pytest.mark.parametrize("scale,thickness", [(0.7, 2), (1.6, 3), (2.9, 6)])
def test_fit_text_never_overflows_and_barely_shrinks(text, max_width, scale, thickness):
    from formcheck.ui.drawing import fit_text, text_width

    fitted, stroke = fit_text(text, scale, thickness, max_width)
    assert fitted <= scale and 1 <= stroke <= thickness
    width = text_width(text, fitted, stroke)
    if text_width(text, scale, thickness) <= max_width:
        assert (fitted, stroke) == (scale, thickness)  # fits already: untouched
    else:
        assert width <= max_width
        # Not shrunk far below what fits: one 3 % step more would still have fitted at most.
        bigger = fitted * 1.02
        assert bigger > scale or text_width(text, bigger, max(1, round(thickness * bigger / scale))) > max_width


@pytest.mark.parametrize("width,height", FRAME_SIZES)
@pytest.mark.parametrize("where", ["strip", "banner", "big", "card"])
def test_session_screen_text_stays_inside_the_frame(width, height, where):
    from formcheck.session.types import Screen
    from formcheck.ui.screens import draw_screen

    long = "Stand side-on to the camera with your whole body in view from head to feet, please"
    screens = {
        "strip": Screen("tracking", keys=long, video=True),
        "banner": Screen("setup", message=long, video=True),
        "big": Screen("countdown", big="10:00:00", video=True),
        "card": Screen("card", title=long, lines=(long, "W" * 80), keys=long),
    }
    scene = draw_screen(frame(width, height, value=0), screens[where], OverlayRenderer())
    text_columns = np.nonzero((scene > 100).any(axis=(0, 2)))[0]
    assert text_columns.size, "nothing was drawn"
    margin = Layout.of(scene).margin
    assert text_columns.min() >= margin // 2 and text_columns.max() < width - margin // 2


# --- issue 8: the gauge keeps clear of a lying person; counters per side; units ----------------

def lying_figure(width: int = 640, height: int = 480, feet_left: bool = True, lift_deg: float = 50.0) -> KeyPoints:
    """A person lying on their back, side-on, one leg raised by ``lift_deg`` (straight leg raise).

    The feet point to the image's left (or right), so the raised foot is up in that top corner.
    """
    u = min(width / 640.0, height / 480.0)
    d = -1.0 if feet_left else 1.0  # towards the feet along x
    hip = np.array([width * (0.31 if feet_left else 0.69), height * 0.83])
    leg = 200 * u
    a = math.radians(lift_deg)
    up_ankle = hip + (d * leg * math.cos(a), -leg * math.sin(a))
    up_knee = (hip + up_ankle) / 2
    flat_knee, flat_ankle = hip + (d * 0.45 * leg, -0.25 * leg), hip + (d * 0.8 * leg, 0.0)
    shoulder = hip - (d * 150 * u, 5 * u)
    ear = shoulder - (d * 40 * u, 8 * u)
    points = {
        "left_shoulder": shoulder, "right_shoulder": shoulder + (0, -4 * u), "left_hip": hip, "right_hip": hip,
        "left_knee": up_knee, "left_ankle": up_ankle, "left_heel": up_ankle + (d * 5 * u, 6 * u),
        "left_foot_index": up_ankle + (d * 6 * u, -22 * u),
        "right_knee": flat_knee, "right_ankle": flat_ankle, "right_heel": flat_ankle + (d * 6 * u, 4 * u),
        "right_foot_index": flat_ankle + (d * 8 * u, -20 * u),
        "left_elbow": shoulder + (d * 60 * u, 8 * u), "right_elbow": shoulder + (d * 60 * u, 8 * u),
        "left_wrist": shoulder + (d * 120 * u, 10 * u), "right_wrist": shoulder + (d * 120 * u, 10 * u),
        "left_ear": ear, "right_ear": ear, "nose": ear + (-d * 10 * u, -12 * u),
    }
    return KeyPoints.from_dict({k: tuple(v) for k, v in points.items()})


def slr_feedback(**overrides) -> Feedback:
    return feedback(**({"signal_name": "leg lift (hip to ankle above horizontal)",
                        "signal_field": "leg_elevation_left_deg", "signal_deg": 50.0,
                        "target_deg": 30.0, "side": "left", "reps": 5, "target_reps": 20, "side_reps": 3,
                        "side_target_reps": 10, "hold_s": 0.9, "target_hold_s": 1.5} | overrides))


def near(point: np.ndarray, radius: int) -> tuple[slice, slice]:
    x, y = (int(round(c)) for c in point)
    return slice(max(0, y - radius), y + radius + 1), slice(max(0, x - radius), x + radius + 1)


@pytest.mark.parametrize("width,height", FRAME_SIZES)
@pytest.mark.parametrize("feet_left", [True, False], ids=["feet-left", "feet-right"])
@pytest.mark.parametrize("lift_deg", [30.0, 50.0, 70.0])
def test_gauge_keeps_clear_of_the_raised_foot(width, height, feet_left, lift_deg) -> None:
    kp = lying_figure(width, height, feet_left, lift_deg)
    ankle = kp.point("left_ankle")
    assert 0 < ankle[0] < width and 0 < ankle[1] < height
    clearance = max(4, round(min(width, height) / 60))
    # The gauge alone, on a plain frame: its pixels are the ones that changed.
    scene = GaugeAnnotator().annotate(frame(width, height), slr_feedback(), kp)
    drawn = changed(frame(width, height), scene)
    assert drawn.sum() > 500  # it was drawn somewhere
    assert not drawn[near(ankle, clearance)].any()
    assert not drawn[near(kp.point("left_foot_index"), clearance)].any()
    # In the whole overlay, drawing the gauge changes nothing at the raised foot either.
    with_gauge = OverlayRenderer().render(frame(width, height), kp, KinematicsTracker().update(kp), slr_feedback())
    no_gauge = OverlayRenderer().render(frame(width, height), kp, KinematicsTracker().update(kp),
                                        slr_feedback(target_deg=0.0, rest_deg=0.0))
    assert not changed(no_gauge, with_gauge)[near(ankle, clearance)].any()


@pytest.mark.parametrize("width,height", FRAME_SIZES)
def test_gauge_moved_right_stays_below_the_rep_counter_and_hold_timer(width, height) -> None:
    kp = lying_figure(width, height, feet_left=True, lift_deg=55.0)
    gauge = GaugeAnnotator()
    scene = gauge.annotate(frame(width, height), slr_feedback(), kp)
    ys, xs = np.nonzero(changed(frame(width, height), scene))
    layout = Layout.of(scene)
    if gauge.side == "right":
        assert xs.min() > width // 2
        hold_bottom = 2 * layout.margin + layout.reps_panel_height(True) + 2 * (layout.hold_ring_radius + layout.pad)
        assert ys.min() > hold_bottom
    assert ys.max() < height - 2 * layout.cap(CUE_SIZE)  # above the cue banner
    # Without keypoints, or with a standing person in the middle, it stays at the top left.
    for keypoints in (None, stick_figure(width, height)):
        plain = GaugeAnnotator().annotate(frame(width, height), slr_feedback(), keypoints)
        assert np.nonzero(changed(frame(width, height), plain))[1].max() < width // 2


def test_gauge_does_not_flicker_between_sides() -> None:
    gauge, kp = GaugeAnnotator(), lying_figure(lift_deg=55.0)
    sides = []
    for _ in range(3):
        gauge.annotate(frame(), slr_feedback(), kp)
        sides.append(gauge.side)
    gauge.annotate(frame(), slr_feedback(), None)  # a frame without a person keeps the place
    sides.append(gauge.side)
    assert len(set(sides)) == 1


@pytest.mark.parametrize("overrides, expected", [
    ({"side": "left", "reps": 5, "target_reps": 20, "side_reps": 3, "side_target_reps": 10}, "3 / 10"),
    ({"side": "right", "reps": 13, "target_reps": 20, "side_reps": 10, "side_target_reps": 10}, "10 / 10"),
    ({"side": None, "reps": 3, "target_reps": 10}, "3 / 10"),
    ({"side": None, "reps": 3, "target_reps": 0}, "3"),
])
def test_rep_counter_counts_the_side_being_worked(overrides, expected) -> None:
    assert RepCounterAnnotator.text(feedback(**overrides)) == expected


@pytest.mark.parametrize("unit, texts, degrees", [
    ("deg", {"leg lift"}, [15.0, 12.0]),  # the tick and the value, each with a drawn degree ring
    ("%", {"foot lift", "15%", "12%"}, []),
])
def test_gauge_values_carry_their_unit(monkeypatch, unit, texts, degrees) -> None:
    """The single-leg stand's foot lift is in percent of leg length: "12%", not 12 and a degree ring."""
    import formcheck.ui.drawing as drawing
    import formcheck.ui.gauge as gauge

    drawn, rings = [], []
    original = drawing.put_text

    def put_text(scene, text, *a, **k):
        drawn.append(text)
        original(scene, text, *a, **k)

    for module in (gauge, drawing):  # the gauge's title, and its values through drawing.put_value
        monkeypatch.setattr(module, "put_text", put_text)
    monkeypatch.setattr(drawing, "put_degrees", lambda scene, value, *a, **k: rings.append(value))
    name = "leg lift (hip to ankle above horizontal)" if unit == "deg" else "foot lift (% of leg length)"
    GaugeAnnotator().annotate(frame(), feedback(signal_name=name, signal_deg=12.0, rest_deg=0.0, target_deg=15.0,
                                                unit=unit))
    assert set(drawn) == texts and rings == degrees
