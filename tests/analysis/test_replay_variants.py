"""The recorded samples replayed as other people, cameras and webcams would give them.

Patients move slower or faster than the renders and webcams drop frames, so the counts must
not depend on either. Each measured exercise's recording with synthetic truth is replayed with
its timestamps stretched (1.6x slower, 0.7x faster: the landmarks are the same, only the time
between them changes) and with one frame in three dropped (15 fps becomes 10, unevenly spaced),
and must count the truth's repetitions, per side too. Hold times are not asserted here: stretching
time also stretches the pose model's lag on a return from stillness (README, "What is measured"),
so a slowed replay's holds read long by more than the clips themselves show.

Landmark jitter: the same recordings with random noise added to every landmark in every frame
(1.5 % of the hip-to-shoulder length, about 1.3 px on these renders: several times the frame-to-frame
jitter the model shows on the real clips, 0.2-1.2 px RMS on trunks of 150-250 px) must still count
the truth's repetitions. A noisy dip of the speed on the way out used to be taken for a hold and the
going-on for a return (seated_flexion_slow_10fps counted 4 of 3).

The camera on the body's other side: every recording mirrored in the image (x -> width - 1 - x,
the trunk outline's two sides swapped, the model's labels as they were) must give the same
repetitions, holds, peaks, back bends and form warnings, each on the other side: the analysis
decides sides and directions from the body, so it is exactly mirror-symmetric.
"""
import numpy as np
import pytest

from formcheck.analysis.pipeline import Pipeline
from formcheck.core.keypoints import INDEX, KeyPoints
from formcheck.definitions.exercises import get_exercise
from formcheck.evaluation.truth import RECORDING_SUFFIX, load_truth, truth_for
from formcheck.io.recording import LandmarkRecording

from support import SAMPLES


def _measured_recordings() -> list[str]:
    found = []
    for npz in sorted(SAMPLES.glob(f"*{RECORDING_SUFFIX}")):
        path = truth_for(npz)
        if path is None:
            continue
        truth = load_truth(path)
        exercise = get_exercise(truth.exercise)
        if truth.kind == "synthetic" and exercise.measures and exercise.level == "measured":
            found.append(npz.name)
    return found


RECORDINGS = _measured_recordings()
VARIANTS = {  # name: (time stretch, drop every n-th frame; 0 keeps every frame)
    "1.6x slower": (1.6, 0),
    "0.7x faster": (0.7, 0),
    "one frame in three dropped": (1.0, 3),
}


def test_the_table_covers_the_samples():
    assert len(RECORDINGS) >= 25  # a renamed folder must not silently empty the check below
    assert "standing_flexion_exit_frame.landmarks.npz" in RECORDINGS


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("recording", RECORDINGS)
def test_counts_do_not_depend_on_tempo_or_frame_rate(recording, variant):
    stretch, drop = VARIANTS[variant]
    truth = load_truth(truth_for(SAMPLES / recording))
    pipeline = Pipeline(get_exercise(truth.exercise))
    for i, (t, poses) in enumerate(LandmarkRecording.load(SAMPLES / recording).frames()):
        if drop and i % drop == drop - 1:
            continue
        pipeline.step(t * stretch, poses)
    analyzer = pipeline.analyzer
    assert len(analyzer.reps) == truth.reps, [(round(r.start_s, 1), r.side) for r in analyzer.reps]
    if truth.reps_by_side:
        assert {k: v for k, v in analyzer.reps_by_side.items() if v} == truth.reps_by_side


JITTER = 0.015  # landmark noise, standard deviation as a fraction of the hip-to-shoulder length


def _jittered(kp: KeyPoints | None, rng: np.random.Generator, sd_px: float) -> KeyPoints | None:
    if kp is None:
        return None
    noisy = KeyPoints(kp.xy + rng.normal(0.0, sd_px, kp.xy.shape), kp.visibility, kp.z, frame_size=kp.frame_size)
    noisy.outline = kp.outline
    return noisy


@pytest.mark.parametrize("recording", RECORDINGS)
def test_counts_survive_landmark_jitter(recording):
    truth = load_truth(truth_for(SAMPLES / recording))
    rec = LandmarkRecording.load(SAMPLES / recording)
    trunk = rec.xy[:, INDEX["left_hip"]] - rec.xy[:, INDEX["left_shoulder"]]
    sd_px = JITTER * float(np.nanmedian(np.hypot(trunk[rec.detected, 0], trunk[rec.detected, 1])))
    rng = np.random.default_rng(1)
    pipeline = Pipeline(get_exercise(truth.exercise))
    for t, poses in rec.frames():
        noisy = [_jittered(p, rng, sd_px) for p in poses] if isinstance(poses, list) else _jittered(poses, rng, sd_px)
        pipeline.step(t, noisy)
    analyzer = pipeline.analyzer
    assert len(analyzer.reps) == truth.reps, [(round(r.start_s, 1), round(r.end_s, 1)) for r in analyzer.reps]
    if truth.reps_by_side:
        assert {k: v for k, v in analyzer.reps_by_side.items() if v} == truth.reps_by_side


def _mirrored(kp: KeyPoints | None) -> KeyPoints | None:
    if kp is None:
        return None
    width = kp.frame_size[0] if kp.frame_size else 640
    xy = kp.xy.copy()
    xy[:, 0] = width - 1 - xy[:, 0]
    mirrored = KeyPoints(xy, kp.visibility, kp.z, frame_size=kp.frame_size)
    mirrored.outline = None if kp.outline is None else kp.outline[:, ::-1].copy()
    return mirrored


def _reps(exercise, frames):
    pipeline = Pipeline(exercise)
    for t, poses in frames:
        pipeline.step(t, poses)
    return sorted(pipeline.analyzer.reps, key=lambda r: r.start_s)


@pytest.mark.parametrize("recording", RECORDINGS)
def test_the_camera_on_the_other_side_gives_the_same_reps_on_the_other_side(recording):
    exercise = get_exercise(load_truth(truth_for(SAMPLES / recording)).exercise)
    frames = list(LandmarkRecording.load(SAMPLES / recording).frames())
    seen = _reps(exercise, frames)
    mirrored = _reps(exercise, [(t, [_mirrored(p) for p in poses] if isinstance(poses, list) else _mirrored(poses))
                                for t, poses in frames])
    other = {"left": "right", "right": "left", None: None}
    assert [other[r.side] for r in mirrored] == [r.side for r in seen]
    assert [r.warnings for r in mirrored] == [r.warnings for r in seen]
    for a, b in zip(seen, mirrored, strict=True):
        assert b.hold_s == pytest.approx(a.hold_s, abs=0.01)
        assert b.peak_angle_deg == pytest.approx(a.peak_angle_deg, abs=0.01)
        if a.peak_spine_flexion_deg is None:
            assert b.peak_spine_flexion_deg is None
        else:
            assert b.peak_spine_flexion_deg == pytest.approx(a.peak_spine_flexion_deg, abs=0.01)
