"""Landmark recordings: everyone the model found is kept (format 2) and one-pose recordings, old
and new, read and replay exactly as before."""
import json

import numpy as np
import pytest

from formcheck.io.recording import LandmarkRecording, RecordingBuilder

from support import SAMPLES, side_view_figure


def figure(x):
    return side_view_figure(10.0, hip_xy=(x, 240.0))


@pytest.mark.parametrize("frames, others", [
    ([None, figure(320.0), [figure(320.0)]], 0),  # one pose at most: no others arrays
    ([[figure(320.0), figure(540.0)], [], [figure(330.0)], [figure(560.0), figure(330.0), figure(100.0)]], 2),
])
def test_a_recording_keeps_everyone_found_in_the_models_order(tmp_path, frames, others):
    builder = RecordingBuilder(clip="x.mp4", width=640, height=480)
    for i, poses in enumerate(frames):
        builder.add(i / 15, poses)
    path = builder.build().save(tmp_path / "x.landmarks.npz")
    loaded = LandmarkRecording.load(path)
    assert loaded.others_detected.shape == ((len(frames), others) if others else (0, 0))
    for i, poses in enumerate(frames):
        want = [] if poses is None else [poses] if not isinstance(poses, list) else poses
        got = loaded.poses(i)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert np.allclose(g.xy, w.xy, atol=1e-3) and g.frame_size == (640, 480)
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        assert ("others_xy" in data) == bool(others)
    assert meta["format_version"] == (2 if others else 1)  # one-pose recordings are still format 1


def test_frames_give_one_keypoints_per_frame_for_one_pose_recordings_and_lists_for_more(tmp_path):
    one = RecordingBuilder()
    two = RecordingBuilder()
    for i in range(3):
        one.add(i / 15, figure(320.0) if i else None)
        two.add(i / 15, [figure(320.0), figure(540.0)] if i else [])
    single = list(LandmarkRecording.load(one.build().save(tmp_path / "a.npz")).frames())
    assert single[0][1] is None and all(not isinstance(p, list) for _, p in single[1:])
    multi = list(LandmarkRecording.load(two.build().save(tmp_path / "b.npz")).frames())
    assert [len(p) for _, p in multi] == [0, 2, 2]


def test_the_committed_one_pose_recordings_still_read_as_before():
    """Every recording in samples/ was made with one pose (format 1): they load with no others and
    replay one KeyPoints (or None) per frame, exactly their stored arrays."""
    paths = sorted(SAMPLES.glob("*.landmarks.npz"))
    assert paths
    for path in paths:
        rec = LandmarkRecording.load(path)
        assert rec.others_detected.size == 0, path.name
        for i, (t, kp) in enumerate(rec.frames()):
            assert t == rec.t_s[i]
            if kp is None:
                assert not rec.detected[i]
            else:
                assert np.array_equal(kp.xy, rec.xy[i]) and np.array_equal(kp.visibility, rec.visibility[i])


def test_the_two_person_recordings_hold_both_people():
    rec = LandmarkRecording.load(SAMPLES / "two_person" / "standing_flexion_bystander.landmarks.npz")
    assert rec.meta["settings"]["num_poses"] == 2
    assert rec.others_detected[:, 0].all()
    assert all(len(poses) == 2 for _, poses in rec.frames())


def test_outlines_are_recorded_compactly_and_replayed_and_older_recordings_have_none(tmp_path):
    from formcheck.io.recording import OUTLINE_SHAPE

    rng = np.random.default_rng(1)
    with_outline = figure(320.0)
    with_outline.outline = rng.uniform(0.1, 0.4, OUTLINE_SHAPE)
    with_outline.outline[3, 0] = np.nan  # a station without an edge stays NaN
    builder = RecordingBuilder(clip="x.mp4", width=640, height=480)
    builder.add(0.0, with_outline)
    builder.add(1 / 15, None)
    builder.add(2 / 15, figure(322.0))  # a frame whose pose has no outline
    path = builder.build().save(tmp_path / "x.landmarks.npz")
    loaded = LandmarkRecording.load(path)
    with np.load(path) as data:
        assert json.loads(str(data["meta"]))["format_version"] == 3 and "mask" not in data
    got = loaded.keypoints(0).outline
    assert got.shape == OUTLINE_SHAPE and np.isnan(got[3, 0])
    assert np.allclose(np.nan_to_num(got), np.nan_to_num(with_outline.outline), atol=1e-3)
    assert loaded.keypoints(2).outline is None
    old = RecordingBuilder(clip="y.mp4")
    old.add(0.0, figure(320.0))
    old_path = old.build().save(tmp_path / "y.landmarks.npz")
    assert LandmarkRecording.load(old_path).keypoints(0).outline is None
    with np.load(old_path) as data:
        assert json.loads(str(data["meta"]))["format_version"] == 1
