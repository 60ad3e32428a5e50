"""How many people the model may return: the setting, its defaults per mode and the CLI option."""
import pytest

from formcheck.commands.cli import build_parser
from formcheck.pose.estimators import CAMERA_POSES, FILE_POSES, MAX_POSES, PoseSettings


def test_eval_and_recordings_ask_for_one_pose_the_rest_for_two():
    """A patient's video or camera may show someone else; eval and recordings match the samples."""
    assert PoseSettings().num_poses == FILE_POSES == 1
    assert CAMERA_POSES == 2
    parser = build_parser()
    assert parser.parse_args(["analyze", "x.mp4", "-e", "bridge"]).poses == 2
    assert parser.parse_args(["analyze", "x.mp4", "-e", "bridge", "--poses", "1"]).poses == 1
    assert parser.parse_args(["record-landmarks", "x.mp4"]).poses == 1
    assert parser.parse_args(["live", "-e", "bridge"]).poses == 2
    assert parser.parse_args(["session"]).poses == 2


@pytest.mark.parametrize("value", [0, MAX_POSES + 1, 1.5, True, "2"])
def test_num_poses_is_checked(value):
    with pytest.raises(ValueError, match=f"num_poses must be a whole number from 1 to {MAX_POSES}, not "):
        PoseSettings(num_poses=value)


@pytest.mark.parametrize("text", ["0", "5", "two"])
def test_a_bad_poses_option_is_a_usage_error(text, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["analyze", "x.mp4", "-e", "bridge", "--poses", text])
    assert exit_.value.code == 2
    assert f"--poses: must be a whole number from 1 to {MAX_POSES}, not '{text}'" in capsys.readouterr().err
