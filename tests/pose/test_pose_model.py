"""The committed model bundle: checksum, loading, and clear messages when it is wrong."""
import shutil
import zipfile

import pytest

from formcheck.core.errors import FormcheckError
from formcheck.io.sources import VideoFileSource
from formcheck.pose.estimators import PoseEstimator
from formcheck.pose.model import MODEL_SHA256, check_model, default_model_path, file_sha256

from support import ROOT, SAMPLES


def test_committed_model_matches_its_recorded_checksum():
    path = default_model_path()
    # Package data (so a wheel has it); models/ links to the same file for people browsing the tree.
    assert path == ROOT / "src" / "formcheck" / "assets" / "pose_landmarker_full.task"
    assert (ROOT / "models" / "pose_landmarker_full.task").resolve() == path.resolve()
    assert file_sha256(path) == MODEL_SHA256
    sums = (ROOT / "models" / "SHA256SUMS").read_text().split()
    assert sums[0] == MODEL_SHA256
    with zipfile.ZipFile(path) as zf:
        assert {i.filename for i in zf.infolist()} == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())


@pytest.mark.model
def test_model_loads_and_finds_the_person():
    with PoseEstimator() as estimator, VideoFileSource(SAMPLES / "bridge_1.mp4") as source:
        first_ten = (f for f, _ in zip(source, range(10), strict=False))
        found = [estimator.detect(f.image, f.t_s) is not None for f in first_ten]
    assert all(found)


def test_missing_bundled_model_says_how_to_restore(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMCHECK_MODEL", str(tmp_path / "gone.task"))
    with pytest.raises(FormcheckError, match="missing.*Reinstall formcheck.*--model"):
        check_model()


def test_altered_model_is_refused(monkeypatch, tmp_path):
    altered = tmp_path / "pose_landmarker_full.task"
    shutil.copy(default_model_path(), altered)
    with open(altered, "ab") as fh:
        fh.write(b"x")
    monkeypatch.setenv("FORMCHECK_MODEL", str(altered))
    with pytest.raises(FormcheckError, match="altered"):
        check_model()


def test_user_model_must_be_a_pose_bundle(tmp_path):
    bogus = tmp_path / "other.task"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(FormcheckError, match="not a MediaPipe pose landmarker bundle"):
        check_model(bogus)
    assert check_model(default_model_path()) == default_model_path()


@pytest.mark.model
def test_two_poses_asked_for_a_lone_person_gets_one_persons_tracking_and_a_look_a_second():
    """The lone person's landmarks are exactly the one-pose model's; everyone is looked for once a second."""
    from formcheck.pose.estimators import PoseSettings

    with (PoseEstimator(settings=PoseSettings(num_poses=1)) as one,
          PoseEstimator(settings=PoseSettings(num_poses=2, look_for_others_s=1.0)) as watching,
          VideoFileSource(SAMPLES / "standing_flexion_1.mp4") as source):
        frames = [f for f, _ in zip(source, range(45), strict=False)]  # 3 s at 15 fps
        for f in frames:
            alone, watched = one.detect_poses(f.image, f.t_s), watching.detect_poses(f.image, f.t_s)
            assert len(alone) == len(watched) == 1
            assert (alone[0].xy == watched[0].xy).all()
    assert watching.everyone_runs == 3
