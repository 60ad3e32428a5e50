"""The back's bend from the body's outline (analysis.spine), on masks drawn with known geometry:
a straight back and backs with a known arc, at several trunk inclinations, and the quality checks
that give "can't see your back" instead of a number."""
import math

import cv2
import numpy as np
import pytest

from formcheck.analysis import spine
from formcheck.analysis.spine import NO_BACK, OK, SpineTracker, back_bend, back_outline, normal_of

W, H = 640, 480
HIP = np.array([360.0, 330.0])
L = 150.0  # hip -> shoulder in pixels


def _chord(trunk_deg: float):
    a = math.radians(trunk_deg)
    axis = np.array([-math.sin(a), -math.cos(a)])  # leaning towards image-left (the person faces left)
    return axis, normal_of(axis)  # normal: image-right when upright = the back (facing -1)


def body_mask(bend_deg: float, trunk_deg: float = 0.0, depth: float = 0.25, notch: bool = False,
              top_s: float = 1.2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A trunk whose back edge is straight below s = 0.15 and above s = 0.75 of the chord and turns
    by ``bend_deg`` along a circular arc in between (+ = rounded); the front edge a straight line.
    Returns (mask float32, hip-mid, shoulder-mid)."""
    axis, normal = _chord(trunk_deg)
    lo, hi = spine.WINDOW
    s = np.linspace(-0.2, top_s, 400)
    theta = math.radians(bend_deg)
    phi = -theta * np.clip((s - lo) / (hi - lo), 0.0, 1.0)  # tangent angle vs the chord, turning by theta
    ds = np.diff(s, prepend=s[0])
    d = depth + np.cumsum(np.tan(phi) * ds)
    d = np.maximum(d, 0.06)
    back = HIP[None] + L * (s[:, None] * axis[None] + d[:, None] * normal[None])
    front = HIP[None] + L * (s[:, None] * axis[None] - 0.3 * normal[None])
    poly = np.vstack([back, front[::-1]]).astype(np.int32)
    img = np.zeros((H, W), np.uint8)
    cv2.fillPoly(img, [poly], 255, cv2.LINE_AA)
    if notch:  # something stuck to the back half-way up (hair, a chair's edge): not a smooth back
        centre = HIP + L * (0.45 * axis + (depth + 0.04) * normal)
        cv2.circle(img, tuple(int(v) for v in centre), int(0.09 * L), 255, -1)
    return img.astype(np.float32) / 255.0, HIP.copy(), HIP + L * axis


@pytest.mark.parametrize("trunk_deg", [0.0, 45.0, 80.0])
@pytest.mark.parametrize("bend_deg", [0.0, 10.0, 25.0, 40.0, -15.0])
def test_the_bend_of_an_arced_back_is_measured_in_degrees(bend_deg, trunk_deg):
    mask, hip, shoulder = body_mask(bend_deg, trunk_deg)
    outline = back_outline(mask, hip, shoulder)
    fit = back_bend(outline, facing=-1)
    assert fit is not None
    # a quadratic has a tangent whose slope, not angle, changes evenly: for a circular arc it reads up to
    # about 6 % low at 40 deg; the rest is the mask's pixels
    assert fit.bend_deg == pytest.approx(bend_deg, abs=max(2.0, 0.07 * abs(bend_deg)))


@pytest.mark.parametrize("dtype", ["uint8", "float64", "float32 (h, w, 1)"])
def test_the_outline_is_the_same_whatever_the_masks_type(dtype):
    # MediaPipe gives float32 (h, w, 1); a recording or a test may give 0-255 or float64
    mask, hip, shoulder = body_mask(25.0, 45.0)
    other = {"uint8": np.rint(mask * 255).astype(np.uint8), "float64": mask.astype(np.float64),
             "float32 (h, w, 1)": mask[..., None]}[dtype]
    expected = back_outline(mask, hip, shoulder)
    assert np.isfinite(expected).sum() > 40
    np.testing.assert_allclose(back_outline(other, hip, shoulder), expected, atol=0.002)


def test_a_straight_back_reads_no_bend_and_a_rounder_one_more():
    bends = [back_bend(back_outline(*body_mask(b, 50.0)), -1).bend_deg for b in (0, 15, 30)]
    assert abs(bends[0]) < 1.5 and bends[0] < bends[1] < bends[2]


def test_the_back_is_the_side_away_from_the_front():
    mask, hip, shoulder = body_mask(30.0, 30.0)
    outline = back_outline(mask, hip, shoulder)
    assert back_bend(outline, -1).bend_deg == pytest.approx(30.0, abs=2.0)
    other = back_bend(outline, +1)  # the front edge (straight in this mask) taken as the back
    assert other is None or abs(other.bend_deg) < 2.0


@pytest.mark.parametrize("case", ["notch", "short", "no_chord", "empty"])
def test_an_outline_that_is_not_a_whole_smooth_back_gives_no_number(case):
    if case == "notch":
        mask, hip, shoulder = body_mask(10.0, 30.0, notch=True)
    elif case == "short":  # the mask stops half-way up: it does not reach the shoulder anchor
        mask, hip, shoulder = body_mask(10.0, 30.0, top_s=0.5)
    elif case == "no_chord":  # a trunk a few pixels long
        mask, hip, _ = body_mask(10.0)
        shoulder = hip + (0.0, -10.0)
    else:
        mask, hip, shoulder = body_mask(10.0)
        mask = np.zeros_like(mask)
    assert back_bend(back_outline(mask, hip, shoulder), -1) is None


def test_without_a_mask_nothing_is_measured():
    assert back_outline(None, HIP, HIP + (0, -L)) is None
    reading = SpineTracker().update(0.0, None, -1, 10.0, "side", at_rest=True)
    assert reading.status == "" and math.isnan(reading.spine_flexion_deg)


def _outline(bend):
    mask, hip, shoulder = body_mask(bend, 20.0)
    return back_outline(mask, hip, shoulder)


def test_the_tracker_takes_the_persons_own_neutral_at_rest():
    tracker = SpineTracker()
    rest, bent = _outline(-20.0), _outline(15.0)  # a hollow back at rest, rounded 35 deg more
    t = 0.0
    for _ in range(12):  # 0.8 s at rest
        reading = tracker.update(t, rest, -1, 2.0, "side", at_rest=True)
        t += 1 / 15
    assert reading.status == OK and abs(reading.spine_flexion_deg) < 1.0
    for _ in range(6):
        reading = tracker.update(t, bent, -1, 60.0, "side", at_rest=False)
        t += 1 / 15
    assert reading.spine_flexion_deg == pytest.approx(35.0, abs=2.5)
    assert reading.hip_flexion_deg == pytest.approx(60.0 - reading.spine_flexion_deg)


def test_a_front_view_or_a_bad_outline_says_it_cannot_see_the_back():
    tracker = SpineTracker()
    assert tracker.update(0.0, _outline(0.0), -1, 0.0, "front", at_rest=True).status == NO_BACK
    assert tracker.update(0.1, np.full((len(spine.OUTLINE_S), 2), np.nan), -1, 0.0, "side", True).status == NO_BACK


# --- through the pipeline into angles.csv and report.json -------------------------------------

def _bend_clip(fps=15.0, peak=60.0, spine_share=0.5):
    """(t, KeyPoints with the outline of a body bending forward, the back rounding spine_share of it)."""
    from support import side_view_figure

    frames = []
    for i in range(int(9 * fps)):
        t = i / fps
        x = min(max((t - 1.5) / 1.5, 0.0), 1.0) - min(max((t - 5.5) / 1.5, 0.0), 1.0)  # rest, down, hold, up
        trunk = peak * (0.5 - 0.5 * math.cos(math.pi * x))
        kp = side_view_figure(trunk, -1, hip_xy=tuple(HIP), scale=L)
        mask, hip, shoulder = body_mask(spine_share * trunk, trunk)
        kp.mask = mask
        frames.append((t, kp))
    return frames


def test_the_pipeline_splits_the_trunk_into_back_and_hips_and_reports_each_reps_peaks(tmp_path):
    import csv

    from formcheck.analysis.pipeline import Pipeline
    from formcheck.analysis.report import AnglesCsvWriter, build_report
    from formcheck.definitions.exercises import get_exercise

    exercise = get_exercise("standing_flexion")
    assert exercise.measures_spine
    pipeline = Pipeline(exercise)
    with AnglesCsvWriter(tmp_path / "angles.csv") as out:
        for i, (t, kp) in enumerate(_bend_clip()):
            result = pipeline.step(t, kp)
            assert result.raw is None or result.raw.mask is None  # used once, never kept
            out.write(i, result)
            if 4.0 <= t <= 5.0:  # holding at 60 deg, the back rounded by 30
                assert result.angles.spine_status == "ok"
                assert result.angles.spine_flexion_deg == pytest.approx(30.0, abs=3.0)
                assert result.angles.hip_flexion_deg == pytest.approx(
                    result.angles.trunk_inclination_deg - result.angles.spine_flexion_deg)
    rows = list(csv.DictReader(open(tmp_path / "angles.csv", encoding="utf-8")))
    assert rows[0]["spine_flexion_deg"] == ""  # the neutral is still being learned
    held = [float(r["spine_flexion_deg"]) for r in rows if 4.0 <= float(r["t_s"]) <= 5.0]
    assert held and all(abs(v - 30.0) < 3.0 for v in held)
    assert len(pipeline.analyzer.reps) == 1
    report = build_report(exercise, pipeline.analyzer, source="x", frames=pipeline.frames,
                          detected_frames=pipeline.detected_frames, duration_s=9.0, fps=15.0)
    rep = report["rep_details"][0]
    assert rep["peak_spine_flexion_deg"] == pytest.approx(30.0, abs=3.0)
    assert rep["peak_hip_flexion_deg"] == pytest.approx(30.0, abs=4.0)
    assert report["measured_signal"]["spine"]["fields"] == ["spine_flexion_deg", "hip_flexion_deg"]


def test_an_exercise_that_does_not_measure_the_back_leaves_the_columns_empty(tmp_path):
    from formcheck.analysis.pipeline import Pipeline
    from formcheck.analysis.report import build_report, measured_signal
    from formcheck.definitions.exercises import get_exercise

    exercise = get_exercise("bridge")
    assert not exercise.measures_spine and "spine" not in measured_signal(exercise)
    pipeline = Pipeline(exercise)
    t, kp = _bend_clip()[0]
    result = pipeline.step(t, kp)
    assert result.angles.spine_status == "" and math.isnan(result.angles.spine_flexion_deg)
    report = build_report(exercise, pipeline.analyzer, source="x", frames=1, detected_frames=1, duration_s=0.1,
                          fps=15.0)
    assert report["rep_details"] == []


def test_the_overlay_says_the_split_or_that_it_cannot_see_the_back():
    from formcheck.analysis.kinematics import Angles
    from formcheck.ui.annotators import NO_BACK_TEXT, BackCurveAnnotator, spine_text

    a = Angles(detected=True, spine_flexion_deg=25.4, hip_flexion_deg=34.6, spine_status="ok",
               back_curve=((300.0, 200.0), (320.0, 230.0), (330.0, 260.0)))
    assert spine_text(a) == "back 25 deg + hips 35 deg"
    assert spine_text(Angles(detected=True, spine_status="no_back")) == NO_BACK_TEXT
    assert spine_text(Angles(detected=True)) == ""  # not measured: nothing drawn
    scene = np.zeros((H, W, 3), np.uint8)
    BackCurveAnnotator().annotate(scene, None, a)
    assert scene.any()
    blank = np.zeros((H, W, 3), np.uint8)
    assert not BackCurveAnnotator().annotate(blank, None, Angles(detected=True)).any()
