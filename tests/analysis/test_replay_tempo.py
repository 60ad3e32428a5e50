"""The recorded samples replayed at other tempos and frame rates count the same repetitions.

Patients move slower or faster than the renders and webcams drop frames, so the counts must
not depend on either. Each measured exercise's recording with synthetic truth is replayed with
its timestamps stretched (1.6x slower, 0.7x faster: the landmarks are the same, only the time
between them changes) and with one frame in three dropped (15 fps becomes 10, unevenly spaced),
and must count the truth's repetitions, per side too. Hold times are not asserted here: stretching
time also stretches the pose model's lag on a return from stillness (README, "What is measured"),
so a slowed replay's holds read long by more than the clips themselves show.
"""
import pytest

from formcheck.analysis.pipeline import Pipeline
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
