"""The command line: bad input gets one clear line and exit code 2, never a traceback."""
import json
import os
import subprocess
import sys

import pytest

from formcheck.commands.cli import main

from support import ROOT, SAMPLES


def run_cli(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


BAD_INPUTS = [
    (["analyze", "nope.mp4", "-e", "standing_flexion"], "Video not found"),
    (["analyze", SAMPLES / "standing_still.mp4", "-e", "situps"], "Unknown exercise 'situps'"),
    (["analyze", SAMPLES / "clips.json", "-e", "bridge"], "Cannot read"),
    (["analyze", "{tmp}/moov.mp4", "-e", "bridge"], "Cannot read"),  # FFmpeg: "moov atom not found"
    (["analyze", "{tmp}/defs", "-e", "bridge"], "No videos"),  # a folder is a batch: this one has none
    (["analyze", SAMPLES / "standing_still.mp4", "-e", "bridge", "--model", SAMPLES / "clips.json"],
     "not a MediaPipe pose landmarker bundle"),
    (["analyze", SAMPLES / "standing_still.mp4", "-e", "bridge", "--exercises-dir", "{tmp}/defs"],
     "not a text file"),
    (["live", "-e", "bridge", "--source", "missing.mp4", "--no-window"], "Video not found"),
    (["live", "-e", "bridge", "--camera", "7", "--no-window"], "Cannot open camera 7"),  # OpenCV probing
    (["live", "-e", "situps", "--no-window"], "Unknown exercise 'situps'"),
    (["session", "--camera", "7", "--no-window", "--data-dir", "{tmp}/out"], "Cannot open camera 7"),
    (["session", "--no-window", "--keys", "{tmp}/defs/mine.toml", "--data-dir", "{tmp}/out"], "not a text file"),
    (["eval", "{tmp}/nothing-here"], "Not found"),
]


@pytest.mark.parametrize("args, words", BAD_INPUTS, ids=[" ".join(map(str, a[:2])) + f" {w}" for a, w in BAD_INPUTS])
def test_bad_input_exits_2_with_exactly_one_line_and_leaves_nothing(args, words, tmp_path):
    (tmp_path / "moov.mp4").write_bytes((SAMPLES / "standing_still.mp4").read_bytes()[4000:30000])
    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "mine.toml").write_bytes(b"id = \"caf\xe9\"\n\x00\xff\xfe")
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] in ("analyze", "live"):
        args += ["--out", str(tmp_path / "out")]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no native library noise, no traceback
    assert lines[0].startswith("formcheck: ") and words in lines[0]
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()  # no empty output folder for an input that never ran


def test_unwritable_output_folder_is_one_line():
    result = run_cli("analyze", SAMPLES / "standing_still.mp4", "-e", "bridge", "--out", "/proc/formcheck")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "Cannot write" in result.stderr and "--out" in result.stderr


def test_missing_model_is_explained(tmp_path):
    result = run_cli("analyze", SAMPLES / "standing_still.mp4", "-e", "bridge", "--out", tmp_path,
                     env={"FORMCHECK_MODEL": str(tmp_path / "none.task")})
    assert result.returncode == 2 and "pose model is missing" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("keep_bytes", [0, 2000])
def test_empty_or_truncated_video_is_explained(tmp_path, keep_bytes):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes((SAMPLES / "standing_still.mp4").read_bytes()[:keep_bytes])
    result = run_cli("analyze", broken, "-e", "bridge", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no video frames" in result.stderr or "Cannot read" in result.stderr


def test_exercises_lists_levels_and_signals(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    assert "standing_flexion" in out and "[measured]" in out and "trunk inclination" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "analyze" in capsys.readouterr().out


@pytest.mark.model
def test_video_without_a_person_is_explained(tmp_path):
    import numpy as np

    from formcheck.io.video_writer import VideoWriter

    clip = tmp_path / "empty_room.mp4"
    with VideoWriter(clip, 15) as writer:
        for i in range(20):
            writer.write(np.full((240, 320, 3), 90 + i, np.uint8))
    result = run_cli("analyze", clip, "-e", "standing_flexion", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"No person was found in {clip}." in result.stderr  # the input, not the video writer
    assert "object at 0x" not in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["frames"] == 20 and report["detected_frames"] == 0 and report["reps"] == 0
    assert report["source"] == str(clip)


# -- the analysis summary: plurals, units, no "hold 0 s" where nothing is held ------------------

def summary_report(**overrides) -> dict:
    report = {"exercise_name": "Standing flexion", "level": "measured", "reps": 2, "reps_by_side": None,
              "target_reps": 10, "target_hold_s": 2.5, "detected_frames": 90, "frames": 100,
              "measured_signal": {"name": "trunk inclination", "field": "trunk_inclination_deg", "unit": "deg",
                                  "expected_error_deg": 4.0, "description": ""},
              "rep_details": [{"index": 1, "side": None, "start_s": 1.0, "end_s": 6.0, "peak_angle_deg": 71.2,
                               "hold_s": 2.4, "warnings": []}],
              "timing": {}, "outputs": {}}
    return report | overrides


PCT_SIGNAL = {"name": "foot lift (% of leg length)", "field": "foot_lift_{side}_pct", "unit": "%",
              "expected_error_deg": 5.0, "description": ""}
TIMER_SIGNAL = {"name": "time in view", "field": None, "unit": "s", "expected_error_deg": None,
                "description": "Nothing is measured for this exercise: the camera only times it."}


@pytest.mark.parametrize("overrides, present, absent", [
    ({}, ["2 repetitions", "target 10 repetitions", "hold 2.5 s", "peak   71.2 deg", "about 4 deg"],
     ["repetitions)", " 1 repetitions"]),
    ({"reps": 1, "target_reps": 1}, ["1 repetition (", "target 1 repetition,"], ["1 repetitions", "1 reps"]),
    ({"reps": 1, "reps_by_side": {"left": 1, "right": 0}, "target_reps": 1, "measured_signal": PCT_SIGNAL},
     ["1 repetition (left 1, right 0)", "target 1 repetition per side", "peak   71.2%", "about 5%",
      "foot lift (% of leg length),"], ["deg", "(%)"]),
    ({"target_hold_s": 0.0}, ["rep 1:", "target 10 repetitions)"], ["hold"]),
    ({"level": "timer", "reps": 0, "target_reps": 1, "target_hold_s": 30.0, "rep_details": [],
      "measured_signal": TIMER_SIGNAL}, ["timed, hold 30 s", "90/100 frames"], ["repetition", "target 1"]),
], ids=["plain", "one-rep", "percent-per-side", "no-hold-target", "timer"])
def test_print_report_wording(capsys, overrides, present, absent):
    from formcheck.commands.analyze import print_report

    print_report(summary_report(**overrides))
    out = capsys.readouterr().out
    for words in present:
        assert words in out, out
    for words in absent:
        assert words not in out, out
