"""How many people the model may return: the setting, its defaults per mode and the CLI option, and
when the model looks for others while it tracks one person (``OthersWatch``)."""
import numpy as np
import pytest

from formcheck.commands.cli import build_parser
from formcheck.pose.estimators import CAMERA_POSES, FILE_POSES, MAX_POSES, OthersWatch, PoseSettings


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


@pytest.mark.parametrize("value", [-0.5, 61, float("nan"), True, "1"])
def test_look_for_others_s_is_checked(value):
    with pytest.raises(ValueError, match="look_for_others_s must be a time in seconds from 0 to 60"):
        PoseSettings(num_poses=2, look_for_others_s=value)


@pytest.mark.parametrize(("num_poses", "look_s", "watches"), [(1, 1.0, False), (2, 1.0, True), (2, 0, False),
                                                            (4, 0.5, True)])
def test_one_person_is_tracked_and_others_looked_for_only_when_several_are_asked_for(num_poses, look_s, watches):
    assert PoseSettings(num_poses=num_poses, look_for_others_s=look_s).watches_for_others is watches


def _looks(watch, fps, seconds, people_at):
    """Frames (as times) on which the watch asks for everyone; ``people_at(t)``: how many are there."""
    asked = []
    for i in range(int(seconds * fps)):
        t = i / fps
        if watch.wants_everyone(t):
            asked.append(t)
            watch.found(t, people_at(t))
    return asked


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
def test_alone_everyone_is_looked_for_once_every_look_every_s(fps):
    asked = _looks(OthersWatch(1.0), fps, 10, lambda t: 1)
    assert asked[0] == 0.0  # from the first frame: someone there from the start is found at once
    assert len(asked) == 10
    assert np.allclose(np.diff(asked), 1.0, atol=1.01 / fps)


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
def test_while_someone_else_is_in_view_every_frame_asks_for_everyone_until_gone_after_s(fps):
    watch = OthersWatch(1.0, gone_after_s=2.0)
    asked = _looks(watch, fps, 12, lambda t: 2 if 3.0 <= t < 6.0 else 1)
    crowded = [t for t in asked if 3.0 <= t < 8.0]
    assert crowded[0] == 3.0  # found on the look at 3 s
    assert len(crowded) == pytest.approx((6.0 - 3.0 + 2.0) * fps, abs=2)  # every frame until 2 s after they left
    after = [t for t in asked if t >= 8.0]
    assert len(after) == pytest.approx(4, abs=1)  # then once a second again


@pytest.mark.parametrize(("look", "gone"), [(0, 2.0), (1.0, 0), (-1, 2.0), (float("inf"), 2.0), (True, 2.0)])
def test_others_watch_times_are_checked(look, gone):
    with pytest.raises(ValueError, match="must be a time in seconds above 0"):
        OthersWatch(look, gone_after_s=gone)
