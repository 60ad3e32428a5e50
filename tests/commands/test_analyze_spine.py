"""`formcheck analyze` asks the model for segmentation masks only for exercises that measure the
back, and writes the back / hips split into angles.csv and report.json (replayed recordings)."""
import csv
import json
from pathlib import Path

import pytest

from support import SAMPLES, ReplayEstimator


@pytest.mark.parametrize("clip, exercise, masks", [
    ("standing_flexion_spine_mix", "standing_flexion", True),
    ("bridge_1", "bridge", False),
])
def test_masks_are_asked_for_only_where_the_exercise_measures_the_back(monkeypatch, tmp_path, clip, exercise, masks):
    from formcheck.commands import analyze

    asked = []

    def estimator(source, model=None, settings=None, jobs=1, reduce_pose=None):
        asked.append(settings)
        # A worker process would shrink each mask to its outline: only where the back is measured.
        assert (reduce_pose is not None) == masks
        return ReplayEstimator(SAMPLES / f"{Path(source.path).stem}.landmarks.npz")

    monkeypatch.setattr(analyze, "pose_estimator_for", estimator)
    report = analyze.analyze_video(SAMPLES / f"{clip}.mp4", exercise, tmp_path, write_video=False, progress=False)
    assert bool(asked[0] and asked[0].segmentation_masks) == masks
    rows = list(csv.DictReader(open(tmp_path / "angles.csv", encoding="utf-8")))
    spine = [r["spine_flexion_deg"] for r in rows]
    details = json.loads((tmp_path / "report.json").read_text())["rep_details"]
    if masks:
        assert sum(v != "" for v in spine) > 0.8 * len(rows)
        truth = [r["peak_spine_flexion_deg"] for r in json.loads((SAMPLES / f"{clip}.json").read_text())["reps"]]
        peaks = [d["peak_spine_flexion_deg"] for d in details]
        assert sorted(range(len(peaks)), key=peaks.__getitem__) == sorted(range(len(truth)), key=truth.__getitem__)
        assert all(d["peak_hip_flexion_deg"] is not None for d in details)
        assert "spine" in report["measured_signal"]
    else:
        assert set(spine) == {""} and all(d["peak_spine_flexion_deg"] is None for d in details)
